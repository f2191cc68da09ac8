package io.siplb.codec;

/**
 * The CSeq header value (RFC 3261 §20.16): a sequence number (at most 2**32-1) and a method. Immutable.
 */
public final class CSeq {

    /** The largest CSeq number the grammar allows (32 bits, RFC 3261 §8.1.1.5). */
    public static final long MAX_NUMBER = 0xFFFFFFFFL;

    private final long number;
    private final String method;

    CSeq(long number, String method) {
        this.number = number;
        this.method = method;
    }

    /** Returns the sequence number, 0..{@value #MAX_NUMBER}. */
    public long number() {
        return number;
    }

    /** Returns the method as written (case-sensitive). */
    public String method() {
        return method;
    }

    /** Returns the method as a {@link SipMethod}, {@link SipMethod#EXTENSION} for unknown ones. */
    public SipMethod methodType() {
        return SipMethod.of(method);
    }

    @Override
    public String toString() {
        return number + " " + method;
    }
}
