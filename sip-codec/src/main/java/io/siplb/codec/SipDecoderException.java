package io.siplb.codec;

import static java.util.Objects.requireNonNull;

import io.netty.handler.codec.DecoderException;

/**
 * The cause carried by the failed {@link io.netty.handler.codec.DecoderResult} of a {@link SipMessage}: a
 * {@link SipDecodeError reason} plus a message that names the offending value and the expectation. Decoders never
 * throw it into the pipeline; they emit a message carrying it. Immutable.
 */
public class SipDecoderException extends DecoderException {

    private static final long serialVersionUID = 1L;

    private final SipDecodeError reason;

    /**
     * Creates a new instance.
     *
     * @param reason the reason, used for counting and for the response status
     * @param message what was wrong, e.g. {@code "CSeq: 99999999999 INVITE (expected: number <= 4294967295)"}
     */
    public SipDecoderException(SipDecodeError reason, String message) {
        super(message, null);
        this.reason = requireNonNull(reason, "reason");
    }

    /** Returns why decoding failed. */
    public SipDecodeError reason() {
        return reason;
    }

    /** No stack trace: these describe bad input, not bugs, and are created per bad packet. */
    @Override
    public synchronized Throwable fillInStackTrace() {
        return this;
    }
}
