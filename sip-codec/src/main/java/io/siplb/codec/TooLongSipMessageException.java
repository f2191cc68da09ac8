package io.siplb.codec;

/**
 * A {@link SipDecoderException} for a message that exceeds one of the limits of {@link SipDecoderConfig}
 * ({@link SipDecodeError#MESSAGE_TOO_LARGE}, {@link SipDecodeError#START_LINE_TOO_LONG},
 * {@link SipDecodeError#HEADER_TOO_LONG} or {@link SipDecodeError#TOO_MANY_HEADERS}). Immutable.
 */
public final class TooLongSipMessageException extends SipDecoderException {

    private static final long serialVersionUID = 1L;

    /** Creates a new instance; see {@link SipDecoderException#SipDecoderException(SipDecodeError, String)}. */
    public TooLongSipMessageException(SipDecodeError reason, String message) {
        super(reason, message);
    }
}
