package io.siplb.codec;

/**
 * Limits applied by {@link SipMessageParser}, {@link DatagramSipDecoder} and {@link StreamSipDecoder}. Exceeding a
 * limit yields a message whose {@link SipMessage#decoderResult()} fails with a {@link TooLongSipMessageException};
 * nothing is thrown into the pipeline and no buffer is kept. Build one with {@link #builder()}. Immutable.
 *
 * <table border="1">
 * <caption>Limits</caption>
 * <tr><th>Name</th><th>Default</th><th>Meaning</th></tr>
 * <tr><td>{@code maxMessageSize}</td><td>{@value #DEFAULT_MAX_MESSAGE_SIZE}</td>
 *     <td>The largest message, start line to end of body, in octets. Larger datagrams and stream frames fail
 *     with {@link SipDecodeError#MESSAGE_TOO_LARGE}; a Content-Length that would exceed it fails the same way
 *     before the body is read.</td></tr>
 * <tr><td>{@code maxStartLineLength}</td><td>{@value #DEFAULT_MAX_START_LINE_LENGTH}</td>
 *     <td>The longest Request-Line or Status-Line, without its CRLF
 *     ({@link SipDecodeError#START_LINE_TOO_LONG}).</td></tr>
 * <tr><td>{@code maxHeaderSize}</td><td>{@value #DEFAULT_MAX_HEADER_SIZE}</td>
 *     <td>The longest single header field including its continuation lines
 *     ({@link SipDecodeError#HEADER_TOO_LONG}).</td></tr>
 * <tr><td>{@code maxHeaderCount}</td><td>{@value #DEFAULT_MAX_HEADER_COUNT}</td>
 *     <td>The most header fields (lines, not comma-separated values) in one message
 *     ({@link SipDecodeError#TOO_MANY_HEADERS}).</td></tr>
 * </table>
 */
public final class SipDecoderConfig {

    /** Default {@link #maxMessageSize()}: 64 KiB, the largest UDP payload rounded up. */
    public static final int DEFAULT_MAX_MESSAGE_SIZE = 65536;
    /** Default {@link #maxStartLineLength()}. */
    public static final int DEFAULT_MAX_START_LINE_LENGTH = 8192;
    /** Default {@link #maxHeaderSize()}. */
    public static final int DEFAULT_MAX_HEADER_SIZE = 16384;
    /** Default {@link #maxHeaderCount()}. */
    public static final int DEFAULT_MAX_HEADER_COUNT = 256;

    private static final SipDecoderConfig DEFAULT = builder().build();

    private final int maxMessageSize;
    private final int maxStartLineLength;
    private final int maxHeaderSize;
    private final int maxHeaderCount;

    private SipDecoderConfig(Builder b) {
        maxMessageSize = b.maxMessageSize;
        maxStartLineLength = b.maxStartLineLength;
        maxHeaderSize = b.maxHeaderSize;
        maxHeaderCount = b.maxHeaderCount;
    }

    /** Returns the configuration with every limit at its default. */
    public static SipDecoderConfig defaults() {
        return DEFAULT;
    }

    /** Returns a new builder, initialised to the defaults. */
    public static Builder builder() {
        return new Builder();
    }

    /** Returns a new builder initialised from this configuration. */
    public Builder toBuilder() {
        return new Builder().maxMessageSize(maxMessageSize).maxStartLineLength(maxStartLineLength)
                            .maxHeaderSize(maxHeaderSize).maxHeaderCount(maxHeaderCount);
    }

    /** The largest message in octets, start line to end of body. */
    public int maxMessageSize() {
        return maxMessageSize;
    }

    /** The longest start line in octets, without its CRLF. */
    public int maxStartLineLength() {
        return maxStartLineLength;
    }

    /** The longest header field in octets, including continuation lines. */
    public int maxHeaderSize() {
        return maxHeaderSize;
    }

    /** The most header fields in one message. */
    public int maxHeaderCount() {
        return maxHeaderCount;
    }

    @Override
    public String toString() {
        return "SipDecoderConfig{maxMessageSize=" + maxMessageSize + ", maxStartLineLength=" + maxStartLineLength +
               ", maxHeaderSize=" + maxHeaderSize + ", maxHeaderCount=" + maxHeaderCount + '}';
    }

    /** Builds a {@link SipDecoderConfig}; each setter validates its argument. Not thread-safe. */
    public static final class Builder {
        private int maxMessageSize = DEFAULT_MAX_MESSAGE_SIZE;
        private int maxStartLineLength = DEFAULT_MAX_START_LINE_LENGTH;
        private int maxHeaderSize = DEFAULT_MAX_HEADER_SIZE;
        private int maxHeaderCount = DEFAULT_MAX_HEADER_COUNT;

        private Builder() {
        }

        /** Sets {@link SipDecoderConfig#maxMessageSize()}; must be &gt; 0. */
        public Builder maxMessageSize(int maxMessageSize) {
            this.maxMessageSize = checkPositive(maxMessageSize, "maxMessageSize");
            return this;
        }

        /** Sets {@link SipDecoderConfig#maxStartLineLength()}; must be &gt; 0. */
        public Builder maxStartLineLength(int maxStartLineLength) {
            this.maxStartLineLength = checkPositive(maxStartLineLength, "maxStartLineLength");
            return this;
        }

        /** Sets {@link SipDecoderConfig#maxHeaderSize()}; must be &gt; 0. */
        public Builder maxHeaderSize(int maxHeaderSize) {
            this.maxHeaderSize = checkPositive(maxHeaderSize, "maxHeaderSize");
            return this;
        }

        /** Sets {@link SipDecoderConfig#maxHeaderCount()}; must be &gt; 0. */
        public Builder maxHeaderCount(int maxHeaderCount) {
            this.maxHeaderCount = checkPositive(maxHeaderCount, "maxHeaderCount");
            return this;
        }

        /** Returns the configuration. */
        public SipDecoderConfig build() {
            return new SipDecoderConfig(this);
        }

        private static int checkPositive(int value, String name) {
            if (value <= 0) {
                throw new IllegalArgumentException(name + ": " + value + " (expected: > 0)");
            }
            return value;
        }
    }
}
