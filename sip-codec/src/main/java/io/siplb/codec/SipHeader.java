package io.siplb.codec;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;

import io.netty.buffer.ByteBuf;

/**
 * Header fields that siplb recognises, each with its long name and its compact form where one is registered.
 * Header names are case-insensitive (RFC 3261 §7.3.1) and a compact form is the same header as its long name
 * (RFC 3261 §7.3.3). Every other header is {@link #OTHER} and is forwarded untouched. Immutable.
 *
 * <p>Compact forms: RFC 3261 {@code i m e l c f s k t v}; extensions {@code a} Accept-Contact and {@code j}
 * Reject-Contact and {@code d} Request-Disposition (RFC 3841), {@code o} Event and {@code u} Allow-Events
 * (RFC 6665), {@code r} Refer-To (RFC 3515), {@code b} Referred-By (RFC 3892), {@code x} Session-Expires
 * (RFC 4028), {@code y} Identity (RFC 8224), {@code n} Identity-Info (RFC 4474).
 */
public enum SipHeader {
    /** {@code Via}, compact {@code v}. */
    VIA("Via", 'v'),
    /** {@code From}, compact {@code f}. */
    FROM("From", 'f'),
    /** {@code To}, compact {@code t}. */
    TO("To", 't'),
    /** {@code Call-ID}, compact {@code i}. */
    CALL_ID("Call-ID", 'i'),
    /** {@code CSeq}. */
    CSEQ("CSeq", '\0'),
    /** {@code Max-Forwards}. */
    MAX_FORWARDS("Max-Forwards", '\0'),
    /** {@code Route}. */
    ROUTE("Route", '\0'),
    /** {@code Record-Route}. */
    RECORD_ROUTE("Record-Route", '\0'),
    /** {@code Contact}, compact {@code m}. */
    CONTACT("Contact", 'm'),
    /** {@code Content-Length}, compact {@code l}. */
    CONTENT_LENGTH("Content-Length", 'l'),
    /** {@code Content-Type}, compact {@code c}. */
    CONTENT_TYPE("Content-Type", 'c'),
    /** {@code Content-Encoding}, compact {@code e}. */
    CONTENT_ENCODING("Content-Encoding", 'e'),
    /** {@code Subject}, compact {@code s}. */
    SUBJECT("Subject", 's'),
    /** {@code Supported}, compact {@code k}. */
    SUPPORTED("Supported", 'k'),
    /** {@code Authorization}. */
    AUTHORIZATION("Authorization", '\0'),
    /** {@code Proxy-Authorization}. */
    PROXY_AUTHORIZATION("Proxy-Authorization", '\0'),
    /** {@code Require}. */
    REQUIRE("Require", '\0'),
    /** {@code Proxy-Require}. */
    PROXY_REQUIRE("Proxy-Require", '\0'),
    /** {@code Expires}. */
    EXPIRES("Expires", '\0'),
    /** {@code Path} (RFC 3327). */
    PATH("Path", '\0'),
    /** {@code Event}, compact {@code o} (RFC 6665). */
    EVENT("Event", 'o'),
    /** {@code Allow-Events}, compact {@code u} (RFC 6665). */
    ALLOW_EVENTS("Allow-Events", 'u'),
    /** {@code Refer-To}, compact {@code r} (RFC 3515). */
    REFER_TO("Refer-To", 'r'),
    /** {@code Referred-By}, compact {@code b} (RFC 3892). */
    REFERRED_BY("Referred-By", 'b'),
    /** {@code Accept-Contact}, compact {@code a} (RFC 3841). */
    ACCEPT_CONTACT("Accept-Contact", 'a'),
    /** {@code Reject-Contact}, compact {@code j} (RFC 3841). */
    REJECT_CONTACT("Reject-Contact", 'j'),
    /** {@code Request-Disposition}, compact {@code d} (RFC 3841). */
    REQUEST_DISPOSITION("Request-Disposition", 'd'),
    /** {@code Session-Expires}, compact {@code x} (RFC 4028). */
    SESSION_EXPIRES("Session-Expires", 'x'),
    /** {@code Identity}, compact {@code y} (RFC 8224). */
    IDENTITY("Identity", 'y'),
    /** {@code Identity-Info}, compact {@code n} (RFC 4474). */
    IDENTITY_INFO("Identity-Info", 'n'),
    /** Any other header. */
    OTHER("", '\0');

    /**
     * Open-addressed table of every lower-cased long name and compact form. A name is looked up by its length and
     * its octets packed, lower-cased, into three little-endian longs (names of more than {@value #MAX_NAME}
     * octets are never known ones), so that the parser classifies a name it has just scanned with one probe and
     * three compares of longs, without a per-octet loop.
     */
    private static final int SLOTS = 256;
    private static final int MAX_NAME = 24;
    private static final SipHeader[] SLOT_HEADER = new SipHeader[SLOTS];
    private static final int[] SLOT_LENGTH = new int[SLOTS];
    /** Three words per slot. */
    private static final long[] SLOT_WORDS = new long[SLOTS * 3];
    /** Eight octets of a byte[] as one little-endian long. */
    private static final VarHandle LONGS = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
    /** Folds ASCII letters to lower case; leaves '-' and digits alone (the only other octets of known names). */
    private static final long LOWER = 0x2020202020202020L;

    /** For each name length 0..{@value #MAX_NAME}: the masks of its octets in the three words. */
    private static final long[] MASKS = new long[3 * (MAX_NAME + 1)];

    static {
        for (int len = 0; len <= MAX_NAME; len++) {
            MASKS[3 * len] = mask(len << 3);
            MASKS[3 * len + 1] = mask((len << 3) - 64);
            MASKS[3 * len + 2] = mask((len << 3) - 128);
        }
    }

    static {
        for (SipHeader h : values()) {
            if (h == OTHER) {
                continue;
            }
            put(h.lowerName, h);
            if (h.compactForm != '\0') {
                put(new byte[] { (byte) h.compactForm }, h);
            }
        }
    }

    private static void put(byte[] name, SipHeader h) {
        final long w0 = word(name, 0, name.length);
        final long w1 = word(name, 8, name.length);
        final long w2 = word(name, 16, name.length);
        int i = slot(w0, w1, name.length);
        while (SLOT_HEADER[i] != null) {
            i = (i + 1) & (SLOTS - 1);
        }
        SLOT_HEADER[i] = h;
        SLOT_LENGTH[i] = name.length;
        SLOT_WORDS[3 * i] = w0;
        SLOT_WORDS[3 * i + 1] = w1;
        SLOT_WORDS[3 * i + 2] = w2;
    }

    private static int slot(long w0, long w1, int len) {
        final long h = (w0 + len) * 0x9E3779B97F4A7C15L + w1 * 0xC2B2AE3D27D4EB4FL;
        return (int) (h >>> 56);
    }

    /**
     * The octets {@code [start + from, start + min(from + 8, len))} of {@code a} lower-cased into a little-endian
     * long, zero past the name; reads eight octets at once when they are inside the array.
     */
    private static long word(byte[] a, int start, int from, int len) {
        final int k = len - from;
        if (k <= 0) {
            return 0;
        }
        final int i = start + from;
        if (i + 8 <= a.length) {
            final long w = (long) LONGS.get(a, i) | LOWER;
            return k >= 8 ? w : w & ((1L << (k << 3)) - 1);
        }
        long w = 0;
        for (int j = Math.min(k, 8) - 1; j >= 0; j--) {
            w = w << 8 | ((a[i + j] | 0x20) & 0xFF);
        }
        return w;
    }

    private static long word(byte[] name, int from, int len) {
        return word(name, 0, from, len);
    }

    private final String headerName;
    private final byte[] lowerName;
    private final char compactForm;

    SipHeader(String headerName, char compactForm) {
        this.headerName = headerName;
        lowerName = headerName.toLowerCase(java.util.Locale.ROOT).getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        this.compactForm = compactForm;
    }

    /** Returns the canonical long name, e.g. {@code "Call-ID"}; empty for {@link #OTHER}. */
    public String headerName() {
        return headerName;
    }

    /** Returns the compact form letter, or {@code '\0'} when the header has none. */
    public char compactForm() {
        return compactForm;
    }

    /** Returns the header named {@code name} (long or compact form, any case), or {@link #OTHER}. */
    public static SipHeader of(CharSequence name) {
        return of(name, 0, name.length());
    }

    /** Returns the header named by {@code [start, end)} of {@code s} (any case), or {@link #OTHER}. */
    static SipHeader of(CharSequence s, int start, int end) {
        final int len = end - start;
        if (len > MAX_NAME || len <= 0) {
            return OTHER;
        }
        final byte[] name = new byte[len];
        for (int i = 0; i < len; i++) {
            final char c = s.charAt(start + i);
            if (c >= 256 || !SipChars.TOKEN[c]) {
                return OTHER; // names are tokens
            }
            name[i] = (byte) c;
        }
        return of(name, 0, len);
    }

    /**
     * Returns the header named by the array indexes {@code [start, end)} of {@code a} (any case), or
     * {@link #OTHER}. The octets must be token characters (RFC 3261 §25.1): "| 0x20" then folds exactly the
     * upper-case letters onto the lower-case names.
     */
    static SipHeader of(byte[] a, int start, int end) {
        final int len = end - start;
        if (len > MAX_NAME || len <= 0) {
            return OTHER;
        }
        final long w0;
        final long w1;
        final long w2;
        if (start + MAX_NAME <= a.length) {
            // Three reads and masks, no branch on the length: bytes past the name become zero.
            final int o = 3 * len;
            w0 = ((long) LONGS.get(a, start) | LOWER) & MASKS[o];
            w1 = ((long) LONGS.get(a, start + 8) | LOWER) & MASKS[o + 1];
            w2 = ((long) LONGS.get(a, start + 16) | LOWER) & MASKS[o + 2];
        } else {
            w0 = word(a, start, 0, len);
            w1 = word(a, start, 8, len);
            w2 = word(a, start, 16, len);
        }
        return lookup(w0, w1, w2, len);
    }

    /**
     * Returns the header named by the array indexes {@code [start, end)} of {@code a} (any case), {@link #OTHER}
     * for any other name of token characters, or {@code null} when the octets are not a token (not a header
     * name). Known names are recognised without a per-octet loop; only other names are checked octet by octet.
     */
    static SipHeader ofName(byte[] a, int start, int end) {
        final int len = end - start;
        if (len > 0 && len <= MAX_NAME && start + MAX_NAME <= a.length) {
            final int o = 3 * len;
            final long m0 = MASKS[o];
            final long m1 = MASKS[o + 1];
            final long m2 = MASKS[o + 2];
            final long r0 = (long) LONGS.get(a, start);
            final long r1 = (long) LONGS.get(a, start + 8);
            final long r2 = (long) LONGS.get(a, start + 16);
            // CR is the only octet outside the token set that "| 0x20" folds onto a character of a known name.
            final long cr = zeroBytes((r0 ^ CRS) | ~m0) | zeroBytes((r1 ^ CRS) | ~m1) | zeroBytes((r2 ^ CRS) | ~m2);
            if (cr == 0) {
                final SipHeader h = lookup((r0 | LOWER) & m0, (r1 | LOWER) & m1, (r2 | LOWER) & m2, len);
                return h != OTHER || isToken(a, start, end) ? h : null;
            }
            return null; // a CR in a name
        }
        return len > 0 && isToken(a, start, end) ? of(a, start, end) : null;
    }

    private static boolean isToken(byte[] a, int start, int end) {
        for (int i = start; i < end; i++) {
            if (!SipChars.TOKEN[a[i] & 0xFF]) {
                return false;
            }
        }
        return true;
    }

    private static final long CRS = 0x0D0D0D0D0D0D0D0DL;

    /** The high bit of every zero octet of {@code w}, and no false positives. */
    private static long zeroBytes(long w) {
        return ~(((w & 0x7F7F7F7F7F7F7F7FL) + 0x7F7F7F7F7F7F7F7FL) | w | 0x7F7F7F7F7F7F7F7FL);
    }

    /**
     * {@link #of(byte[], int, int)} for a name known to hold no CR octet, which "| 0x20" would fold onto '-': the
     * one non-token octet that can pass for a name character. Any other octet that is not a token character cannot
     * match a known name.
     */
    private static SipHeader lookup(long w0, long w1, long w2, int len) {
        for (int i = slot(w0, w1, len); ; i = (i + 1) & (SLOTS - 1)) {
            final SipHeader h = SLOT_HEADER[i];
            if (h == null) {
                return OTHER;
            }
            if ((SLOT_LENGTH[i] == len) & (SLOT_WORDS[3 * i] == w0) & (SLOT_WORDS[3 * i + 1] == w1) &
                (SLOT_WORDS[3 * i + 2] == w2)) {
                return h;
            }
        }
    }

    /**
     * The mask of the lowest {@code bits} bits of a long: 0 when {@code bits <= 0}, all ones when {@code bits >= 64};
     * no branch.
     */
    private static long mask(int bits) {
        final int b = Math.max(0, Math.min(bits, 64));
        // 1 << 64 would be 1 << 0 in Java: shift in two halves.
        return ((1L << (b >>> 1)) << (b - (b >>> 1))) - 1;
    }

    /**
     * Returns the header whose name is the bytes {@code [start, end)} of {@code buf} (long or compact form, any
     * case), or {@link #OTHER}; allocates only a copy of the name (at most 24 octets).
     */
    public static SipHeader of(ByteBuf buf, int start, int end) {
        final int len = end - start;
        if (len <= 0) {
            return OTHER;
        }
        if (len > MAX_NAME) {
            return OTHER;
        }
        final byte[] name = new byte[len];
        buf.getBytes(start, name);
        for (byte c : name) {
            if (!SipChars.TOKEN[c & 0xFF]) {
                return OTHER; // names are tokens
            }
        }
        return of(name, 0, len);
    }
}
