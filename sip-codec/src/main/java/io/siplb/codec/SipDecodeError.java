package io.siplb.codec;

/**
 * Why a SIP message failed to decode. The proxy counts failures by this reason. When the failed message is a request
 * that can still be answered ({@link SipMessage#isAnswerable()}), {@link #status()} is the response code to send;
 * otherwise the message is dropped. Immutable.
 */
public enum SipDecodeError {
    /** Nothing but whitespace, or no start line at all. */
    EMPTY_MESSAGE(0, "Empty message"),
    /** The message is larger than {@link SipDecoderConfig#maxMessageSize()}. */
    MESSAGE_TOO_LARGE(513, "Message Too Large"),
    /** The start line is longer than {@link SipDecoderConfig#maxStartLineLength()}. */
    START_LINE_TOO_LONG(414, "Start line too long"),
    /** More header fields than {@link SipDecoderConfig#maxHeaderCount()}. */
    TOO_MANY_HEADERS(400, "Too many header fields"),
    /** A header field (with its continuation lines) is longer than {@link SipDecoderConfig#maxHeaderSize()}. */
    HEADER_TOO_LONG(400, "Header field too long"),
    /** The start line is neither a Request-Line nor a Status-Line (RFC 3261 §7.1, §7.2). */
    INVALID_START_LINE(400, "Malformed start line"),
    /** The Request-URI is malformed, enclosed in {@code <>}, or carries headers (RFC 3261 §19.1.1). */
    INVALID_REQUEST_URI(400, "Malformed Request-URI"),
    /** The SIP-Version is well-formed but not {@code SIP/2.0} (RFC 3261 §21.5.20). */
    UNSUPPORTED_VERSION(505, "Version Not Supported"),
    /** The Status-Code is not three digits in 100..699 (RFC 3261 §7.2). */
    INVALID_STATUS_CODE(0, "Malformed status code"),
    /** A header line has no colon or a malformed name (RFC 3261 §7.3). */
    INVALID_HEADER(400, "Malformed header field"),
    /** The header block does not end with an empty line. */
    INCOMPLETE_HEADERS(400, "Header block not terminated"),
    /** One of Via, From, To, Call-ID or CSeq is missing (RFC 3261 §8.1.1). */
    MISSING_REQUIRED_HEADER(400, "Missing required header field"),
    /** A header that may appear only once (From, To, Call-ID, CSeq, Max-Forwards) appears more than once. */
    DUPLICATE_HEADER(400, "Duplicate single-valued header field"),
    /** A Via value is malformed (RFC 3261 §20.42). */
    INVALID_VIA(400, "Malformed Via"),
    /** The From value is malformed (RFC 3261 §20.20). */
    INVALID_FROM(400, "Malformed From"),
    /** The To value is malformed (RFC 3261 §20.39). */
    INVALID_TO(400, "Malformed To"),
    /** The Call-ID value is malformed (RFC 3261 §20.8). */
    INVALID_CALL_ID(400, "Malformed Call-ID"),
    /** The CSeq value is malformed or its number exceeds 2**32-1 (RFC 3261 §20.16). */
    INVALID_CSEQ(400, "Malformed CSeq"),
    /** Max-Forwards is not a number in 0..255 (RFC 3261 §20.22). */
    INVALID_MAX_FORWARDS(400, "Malformed Max-Forwards"),
    /** A Route value is malformed (RFC 3261 §20.34). */
    INVALID_ROUTE(400, "Malformed Route"),
    /** A Proxy-Require value is not a list of option-tags (RFC 3261 §20.29). */
    INVALID_PROXY_REQUIRE(400, "Malformed Proxy-Require"),
    /** The CSeq method differs from the request method (RFC 3261 §8.1.1.5). */
    CSEQ_METHOD_MISMATCH(400, "CSeq method does not match the request method"),
    /** An unknown request method whose CSeq method differs; 501 is preferred (RFC 4475 §3.1.2.18). */
    UNKNOWN_METHOD_CSEQ_MISMATCH(501, "Not Implemented"),
    /** Content-Length is not a non-negative number that fits the message limit (RFC 3261 §20.14). */
    INVALID_CONTENT_LENGTH(400, "Malformed Content-Length"),
    /** Several Content-Length values that disagree. */
    CONFLICTING_CONTENT_LENGTH(400, "Conflicting Content-Length values"),
    /** No Content-Length on a stream transport, where it is mandatory (RFC 3261 §18.3). */
    MISSING_CONTENT_LENGTH(400, "Content-Length required on stream transports"),
    /** Content-Length claims more octets than the datagram holds (RFC 3261 §18.3). */
    CONTENT_LENGTH_EXCEEDS_MESSAGE(400, "Content-Length larger than the message");

    private final int status;
    private final String text;

    SipDecodeError(int status, String text) {
        this.status = status;
        this.text = text;
    }

    /**
     * Returns the response status for an answerable request that failed for this reason (400, 414, 501, 505 or 513),
     * or {@code 0} when this reason never allows an answer.
     */
    public int status() {
        return status;
    }

    /** Returns a short human-readable text, usable as a reason phrase or in a Warning header. */
    public String text() {
        return text;
    }
}
