package io.siplb.codec;

import io.netty.buffer.ByteBuf;

/**
 * SIP request methods known to siplb: those of RFC 3261 and the common extensions, plus {@link #EXTENSION} for any
 * other token. Method names are case-sensitive (RFC 3261 §7.1), so {@code invite} is an extension method. Immutable.
 */
public enum SipMethod {
    /** {@code INVITE} (RFC 3261). */
    INVITE,
    /** {@code ACK} (RFC 3261). */
    ACK,
    /** {@code BYE} (RFC 3261). */
    BYE,
    /** {@code CANCEL} (RFC 3261). */
    CANCEL,
    /** {@code REGISTER} (RFC 3261). */
    REGISTER,
    /** {@code OPTIONS} (RFC 3261). */
    OPTIONS,
    /** {@code PRACK} (RFC 3262). */
    PRACK,
    /** {@code SUBSCRIBE} (RFC 6665). */
    SUBSCRIBE,
    /** {@code NOTIFY} (RFC 6665). */
    NOTIFY,
    /** {@code PUBLISH} (RFC 3903). */
    PUBLISH,
    /** {@code INFO} (RFC 6086). */
    INFO,
    /** {@code REFER} (RFC 3515). */
    REFER,
    /** {@code MESSAGE} (RFC 3428). */
    MESSAGE,
    /** {@code UPDATE} (RFC 3311). */
    UPDATE,
    /** Any other method token; the name is available from {@link SipMessage#methodName()}. */
    EXTENSION;

    private static final SipMethod[] KNOWN = { INVITE, ACK, BYE, CANCEL, REGISTER, OPTIONS, PRACK, SUBSCRIBE,
                                               NOTIFY, PUBLISH, INFO, REFER, MESSAGE, UPDATE };
    private static final byte[][] NAMES = new byte[KNOWN.length][];

    static {
        for (int i = 0; i < KNOWN.length; i++) {
            NAMES[i] = KNOWN[i].name().getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        }
    }

    /**
     * Returns the method whose name is exactly (case-sensitively) {@code name}, or {@link #EXTENSION}.
     */
    public static SipMethod of(CharSequence name) {
        final int len = name.length();
        outer:
        for (int i = 0; i < KNOWN.length; i++) {
            final byte[] n = NAMES[i];
            if (n.length != len) {
                continue;
            }
            for (int j = 0; j < len; j++) {
                if (n[j] != name.charAt(j)) {
                    continue outer;
                }
            }
            return KNOWN[i];
        }
        return EXTENSION;
    }

    /**
     * Returns the method whose name is exactly the array indexes {@code [start, end)} of {@code a}, or
     * {@link #EXTENSION}; allocates nothing.
     */
    static SipMethod of(byte[] a, int start, int end) {
        final int len = end - start;
        outer:
        for (int i = 0; i < KNOWN.length; i++) {
            final byte[] n = NAMES[i];
            if (n.length != len) {
                continue;
            }
            for (int j = 0; j < len; j++) {
                if (n[j] != a[start + j]) {
                    continue outer;
                }
            }
            return KNOWN[i];
        }
        return EXTENSION;
    }

    /**
     * Returns the method whose name is exactly the bytes {@code [start, end)} of {@code buf}, or {@link #EXTENSION};
     * allocates nothing for a heap buffer, a copy of at most {@value #LONGEST} octets otherwise.
     */
    public static SipMethod of(ByteBuf buf, int start, int end) {
        final int len = end - start;
        if (len <= 0 || len > LONGEST) {
            return EXTENSION;
        }
        if (buf.hasArray()) {
            return of(buf.array(), buf.arrayOffset() + start, buf.arrayOffset() + end);
        }
        final byte[] name = new byte[len];
        buf.getBytes(start, name);
        return of(name, 0, len);
    }

    /** The longest known name ({@code SUBSCRIBE}). */
    private static final int LONGEST = 9;
}
