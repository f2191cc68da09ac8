package io.siplb.proxy.routing;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

import io.netty.buffer.ByteBuf;
import io.siplb.codec.SipHeader;
import io.siplb.codec.SipMessage;

/**
 * A header name from the configuration, found in a message without allocating: through the message's index by
 * {@link SipHeader} when siplb knows the header (long and compact form, any case: RFC 3261 §7.3.1, §7.3.3), else by
 * comparing the name octets of each {@link SipHeader#OTHER} field case-insensitively. Immutable.
 */
final class HeaderName {

    private final String name;
    private final SipHeader type;
    /** The name in lower case (US-ASCII), for {@link SipHeader#OTHER}. */
    private final byte[] lower;

    private HeaderName(String name, SipHeader type, byte[] lower) {
        this.name = name;
        this.type = type;
        this.lower = lower;
    }

    /** Returns the header named {@code name}, a token ({@link #isToken(String)}). */
    static HeaderName of(String name) {
        assert isToken(name) : name;
        final byte[] lower = name.getBytes(StandardCharsets.US_ASCII);
        for (int i = 0; i < lower.length; i++) {
            lower[i] = toLower(lower[i]);
        }
        return new HeaderName(name, SipHeader.of(name), lower);
    }

    /** Returns {@code true} when {@code s} is an RFC 3261 §25.1 token (header names and methods are tokens). */
    static boolean isToken(String s) {
        if (s == null || s.isEmpty()) {
            return false;
        }
        for (int i = 0; i < s.length(); i++) {
            final char c = s.charAt(i);
            final boolean ok = c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' ||
                               "-.!%*_+`'~".indexOf(c) >= 0;
            if (!ok) {
                return false;
            }
        }
        return true;
    }

    private static byte toLower(byte b) {
        return b >= 'A' && b <= 'Z' ? (byte) (b + 32) : b;
    }

    /** Returns the name as configured. */
    String name() {
        return name;
    }

    /** Returns the index of the first field of this header in {@code m}, or -1. */
    int first(SipMessage m) {
        return next(m, -1);
    }

    /** Returns the index of the next field of this header after index {@code after}, or -1. */
    int next(SipMessage m, int after) {
        if (type != SipHeader.OTHER) {
            return after < 0 ? m.firstHeader(type) : m.nextHeader(type, after);
        }
        final int n = m.headerCount();
        for (int i = after + 1; i < n; i++) {
            if (m.headerType(i) == SipHeader.OTHER && nameEquals(m, i)) {
                return i;
            }
        }
        return -1;
    }

    private boolean nameEquals(SipMessage m, int i) {
        final int start = m.headerLineStart(i);
        if (m.headerNameEnd(i) - start != lower.length) {
            return false;
        }
        final ByteBuf content = m.content();
        for (int k = 0; k < lower.length; k++) {
            if (toLower(content.getByte(start + k)) != lower[k]) {
                return false;
            }
        }
        return true;
    }

    /** Returns {@code true} when {@code o} names the same header (case-insensitively). */
    boolean equalsName(HeaderName o) {
        return type != SipHeader.OTHER ? type == o.type : o.type == SipHeader.OTHER && Arrays.equals(lower, o.lower);
    }

    @Override
    public int hashCode() {
        return type != SipHeader.OTHER ? type.hashCode() : Arrays.hashCode(lower);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof HeaderName && equalsName((HeaderName) o);
    }

    @Override
    public String toString() {
        return name;
    }
}
