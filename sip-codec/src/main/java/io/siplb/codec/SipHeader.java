package io.siplb.codec;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;

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
     * Open-addressed table of every lower-cased long name and compact form, keyed by {@link #hash(int, int)} over
     * the name's octets, so that the parser classifies a name it has just scanned with one probe and one compare.
     */
    private static final int SLOTS = 128;
    private static final SipHeader[] SLOT_HEADER = new SipHeader[SLOTS];
    private static final byte[][] SLOT_NAME = new byte[SLOTS][];

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
        int hash = 0;
        for (byte b : name) {
            hash = hash(hash, b);
        }
        int i = slot(hash);
        while (SLOT_NAME[i] != null) {
            i = (i + 1) & (SLOTS - 1);
        }
        SLOT_NAME[i] = name;
        SLOT_HEADER[i] = h;
    }

    /** One step of the case-insensitive name hash: {@code h * 31 + (c | 0x20)}. */
    static int hash(int h, int c) {
        return h * 31 + (c | 0x20);
    }

    private static int slot(int hash) {
        return (hash ^ hash >>> 7) & (SLOTS - 1);
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
        final byte[] name = new byte[end - start];
        for (int i = 0; i < name.length; i++) {
            final char c = s.charAt(start + i);
            if (c >= 128) {
                return OTHER; // names are ASCII
            }
            name[i] = (byte) c;
        }
        return of(Unpooled.wrappedBuffer(name), 0, name.length);
    }

    /**
     * Returns the header named by {@code [start, end)} of {@code s} (any case), or {@link #OTHER}, given the
     * {@link #hash(int, int)} of those octets.
     */
    static SipHeader of(ByteBufChars s, int start, int end, int hash) {
        final int len = end - start;
        for (int i = slot(hash); ; i = (i + 1) & (SLOTS - 1)) {
            final byte[] n = SLOT_NAME[i];
            if (n == null) {
                return OTHER;
            }
            if (n.length == len && matches(n, s, start)) {
                return SLOT_HEADER[i];
            }
        }
    }

    private static boolean matches(byte[] lowerName, ByteBufChars s, int start) {
        for (int i = 0; i < lowerName.length; i++) {
            // Names hold only letters and '-', which "| 0x20" leaves alone or folds to lower case.
            if (lowerName[i] != (byte) (s.at(start + i) | 0x20)) {
                return false;
            }
        }
        return true;
    }

    /**
     * Returns the header whose name is the bytes {@code [start, end)} of {@code buf} (long or compact form, any
     * case), or {@link #OTHER}; allocates only a view of the region.
     */
    public static SipHeader of(ByteBuf buf, int start, int end) {
        final int len = end - start;
        if (len <= 0) {
            return OTHER;
        }
        final ByteBufChars chars = new ByteBufChars(buf, start, len);
        int hash = 0;
        for (int i = 0; i < len; i++) {
            final int c = chars.at(i);
            if (c >= 128) {
                return OTHER; // names are ASCII
            }
            hash = hash(hash, c);
        }
        return of(chars, 0, len, hash);
    }
}
