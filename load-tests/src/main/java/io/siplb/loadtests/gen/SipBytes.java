package io.siplb.loadtests.gen;

import java.nio.charset.StandardCharsets;

import io.netty.buffer.ByteBuf;
import io.siplb.codec.SipHeader;
import io.siplb.codec.SipMessage;

/**
 * Byte-level helpers of the load generator's hot path: reading the few things a UAC or UAS needs from a decoded
 * {@link SipMessage} (CSeq method, Call-ID sequence number, a name-addr's URI, a URI's host and port, comma-separated
 * values) and writing decimals, without building Strings or typed header objects. Static methods only. Immutable.
 */
final class SipBytes {

    /** CSeq method codes returned by {@link #cseqMethod(SipMessage)}. */
    static final int OTHER = 0;
    static final int INVITE = 1;
    static final int ACK = 2;
    static final int BYE = 3;
    static final int OPTIONS = 4;
    static final int MESSAGE = 5;
    static final int REGISTER = 6;
    static final int CANCEL = 7;

    private static final byte[][] METHOD_NAMES = {
            null, ascii("INVITE"), ascii("ACK"), ascii("BYE"), ascii("OPTIONS"), ascii("MESSAGE"),
            ascii("REGISTER"), ascii("CANCEL"),
    };

    /** The decimal digits of {@link Long#MIN_VALUE}'s magnitude and more: the longest decimal of a long. */
    private static final int MAX_DIGITS = 20;

    private SipBytes() {}

    static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }

    /** Returns the method name of a code of {@link #cseqMethod}, or {@code "OTHER"}. */
    static String methodName(int code) {
        return code > 0 && code < METHOD_NAMES.length ? new String(METHOD_NAMES[code], StandardCharsets.US_ASCII)
                                                      : "OTHER";
    }

    /** Returns the method code of {@code [start, end)} of {@code buf} (exact, case-sensitive), or {@link #OTHER}. */
    static int methodOf(ByteBuf buf, int start, int end) {
        final int len = end - start;
        for (int m = 1; m < METHOD_NAMES.length; m++) {
            final byte[] name = METHOD_NAMES[m];
            if (name.length == len && equalsAt(buf, start, name)) {
                return m;
            }
        }
        return OTHER;
    }

    /** Returns the method code of the CSeq header (RFC 3261 §8.1.1.5: number, LWS, method), or {@link #OTHER}. */
    static int cseqMethod(SipMessage msg) {
        final int h = msg.firstHeader(SipHeader.CSEQ);
        if (h < 0) {
            return OTHER;
        }
        final ByteBuf buf = msg.content();
        int p = msg.headerValueStart(h);
        final int end = msg.headerValueEnd(h);
        while (p < end && isDigit(buf.getByte(p))) {
            p++;
        }
        while (p < end && isWhitespace(buf.getByte(p))) {
            p++;
        }
        return methodOf(buf, p, end);
    }

    /**
     * Returns the number {@code N} of a Call-ID of the form {@code PREFIX N @...} (PREFIX given, N decimal), or -1
     * when the message's Call-ID has another form (not one of ours).
     */
    static long callIdSequence(SipMessage msg, byte[] prefix) {
        final int start = msg.callIdStart();
        final int end = msg.callIdEnd();
        if (start < 0 || end - start <= prefix.length) {
            return -1;
        }
        final ByteBuf buf = msg.content();
        if (!equalsAt(buf, start, prefix)) {
            return -1;
        }
        long n = 0;
        int digits = 0;
        for (int p = start + prefix.length; p < end; p++) {
            final byte b = buf.getByte(p);
            if (b == '@') {
                break;
            }
            if (!isDigit(b) || ++digits > 18) {
                return -1;
            }
            n = n * 10 + (b - '0');
        }
        return digits == 0 ? -1 : n;
    }

    /** Returns a 64-bit FNV-1a hash of {@code [start, end)} of {@code buf}. */
    static long hash(ByteBuf buf, int start, int end) {
        long h = 0xcbf29ce484222325L;
        for (int p = start; p < end; p++) {
            h ^= buf.getByte(p) & 0xFF;
            h *= 0x100000001b3L;
        }
        return h;
    }

    /** Returns whether {@code buf} holds {@code bytes} at {@code index}. */
    static boolean equalsAt(ByteBuf buf, int index, byte[] bytes) {
        if (index + bytes.length > buf.writerIndex()) {
            return false;
        }
        for (int i = 0; i < bytes.length; i++) {
            if (buf.getByte(index + i) != bytes[i]) {
                return false;
            }
        }
        return true;
    }

    /** Returns whether {@code [start, end)} of {@code buf} equals {@code bytes[0, len)}. */
    static boolean equalsRange(ByteBuf buf, int start, int end, byte[] bytes, int len) {
        if (end - start != len) {
            return false;
        }
        for (int i = 0; i < len; i++) {
            if (buf.getByte(start + i) != bytes[i]) {
                return false;
            }
        }
        return true;
    }

    /** Returns whether header {@code i} is named {@code lowerName} (ASCII, compared case-insensitively). */
    static boolean headerNamed(SipMessage msg, int i, byte[] lowerName) {
        final int start = msg.headerLineStart(i);
        if (msg.headerNameEnd(i) - start != lowerName.length) {
            return false;
        }
        final ByteBuf buf = msg.content();
        for (int k = 0; k < lowerName.length; k++) {
            if (toLower(buf.getByte(start + k)) != lowerName[k]) {
                return false;
            }
        }
        return true;
    }

    /**
     * Returns the end of the name-addr or addr-spec that starts at {@code start} (RFC 3261 §20.10, §25.1): after the
     * parameters, at the first comma outside quotes and angle brackets, or {@code end}.
     */
    static int valueEnd(ByteBuf buf, int start, int end) {
        boolean quoted = false;
        boolean bracketed = false;
        for (int p = start; p < end; p++) {
            final byte b = buf.getByte(p);
            if (quoted) {
                if (b == '\\') {
                    p++;
                } else if (b == '"') {
                    quoted = false;
                }
            } else if (b == '"') {
                quoted = true;
            } else if (b == '<') {
                bracketed = true;
            } else if (b == '>') {
                bracketed = false;
            } else if (b == ',' && !bracketed) {
                return p;
            }
        }
        return end;
    }

    /** Returns the offset after trailing whitespace is trimmed from {@code [start, end)}. */
    static int trimEnd(ByteBuf buf, int start, int end) {
        while (end > start && isWhitespace(buf.getByte(end - 1))) {
            end--;
        }
        return end;
    }

    /** Returns the offset after leading whitespace (and a comma separator) of {@code [start, end)}. */
    static int skipSeparator(ByteBuf buf, int start, int end) {
        while (start < end) {
            final byte b = buf.getByte(start);
            if (b != ',' && !isWhitespace(b)) {
                break;
            }
            start++;
        }
        return start;
    }

    /**
     * Returns the URI of the name-addr or addr-spec {@code [start, end)} as {@code (uriStart << 32) | uriEnd}: the
     * text between {@code <} and {@code >}, or, without brackets, up to the first {@code ;} (RFC 3261 §20.10: an
     * addr-spec's parameters are header parameters). Returns -1 when the brackets are unbalanced.
     */
    static long uriRange(ByteBuf buf, int start, int end) {
        final int lt = indexOf(buf, start, end, (byte) '<');
        if (lt >= 0) {
            final int gt = indexOf(buf, lt + 1, end, (byte) '>');
            return gt < 0 ? -1 : ((long) (lt + 1) << 32) | gt;
        }
        int p = start;
        while (p < end && buf.getByte(p) != ';') {
            p++;
        }
        return ((long) start << 32) | trimEnd(buf, start, p);
    }

    /** Returns the index of {@code b} in {@code [start, end)} of {@code buf}, or -1. */
    static int indexOf(ByteBuf buf, int start, int end, byte b) {
        for (int p = start; p < end; p++) {
            if (buf.getByte(p) == b) {
                return p;
            }
        }
        return -1;
    }

    /**
     * Returns the host and port of the SIP URI {@code [start, end)} as {@code host:port} (port {@code defaultPort}
     * when absent; an IPv6 reference kept in brackets), or {@code null} when it is not a {@code sip:}/{@code sips:}
     * URI. Allocates the returned String: callers cache by the URI bytes.
     */
    static String hostPort(byte[] uri, int start, int end, int defaultPort) {
        int p = start;
        if (end - p > 4 && lowerEquals(uri, p, "sip:")) {
            p += 4;
        } else if (end - p > 5 && lowerEquals(uri, p, "sips:")) {
            p += 5;
        } else {
            return null;
        }
        int stop = p;
        while (stop < end && uri[stop] != ';' && uri[stop] != '?' && uri[stop] != '>') {
            stop++;
        }
        for (int q = p; q < stop; q++) {
            if (uri[q] == '@') {
                p = q + 1;
                break;
            }
        }
        if (p >= stop) {
            return null;
        }
        final String hostport = new String(uri, p, stop - p, StandardCharsets.US_ASCII);
        final int close = hostport.lastIndexOf(']');
        final int colon = hostport.lastIndexOf(':');
        if (colon > close && (hostport.charAt(0) == '[' || hostport.indexOf(':') == colon)) {
            return hostport;
        }
        return hostport + ':' + defaultPort;
    }

    private static boolean lowerEquals(byte[] b, int at, String lower) {
        for (int i = 0; i < lower.length(); i++) {
            if (toLower(b[at + i]) != lower.charAt(i)) {
                return false;
            }
        }
        return true;
    }

    /** Writes {@code value} (non-negative) in decimal. Allocates nothing. */
    static void writeDecimal(ByteBuf out, long value) {
        assert value >= 0 : value;
        if (value < 10) {
            out.writeByte((int) ('0' + value));
            return;
        }
        int digits = 1;
        for (long v = value / 10; v != 0; v /= 10) {
            digits++;
        }
        assert digits <= MAX_DIGITS;
        out.ensureWritable(digits);
        final int at = out.writerIndex();
        long v = value;
        for (int i = at + digits - 1; i >= at; i--) {
            out.setByte(i, (int) ('0' + v % 10));
            v /= 10;
        }
        out.writerIndex(at + digits);
    }

    /** Returns {@code bytes} grown to hold at least {@code needed} bytes (its first {@code keep} bytes kept). */
    static byte[] ensureCapacity(byte[] bytes, int needed, int keep) {
        if (bytes.length >= needed) {
            return bytes;
        }
        final byte[] grown = new byte[Math.max(needed, bytes.length * 2)];
        System.arraycopy(bytes, 0, grown, 0, keep);
        return grown;
    }

    private static boolean isDigit(byte b) {
        return b >= '0' && b <= '9';
    }

    private static boolean isWhitespace(byte b) {
        return b == ' ' || b == '\t' || b == '\r' || b == '\n';
    }

    private static byte toLower(byte b) {
        return b >= 'A' && b <= 'Z' ? (byte) (b + ('a' - 'A')) : b;
    }
}
