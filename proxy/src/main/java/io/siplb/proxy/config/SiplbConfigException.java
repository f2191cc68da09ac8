package io.siplb.proxy.config;

/**
 * A configuration that siplb cannot run with. The message names the file, the line (or the key) and what was
 * expected, e.g. {@code "conf/siplb.conf:3: siplb.listen[0]: \"tcp:127.0.0.1:5060\" (expected: udp:HOST:PORT; ...)"},
 * and is meant to be shown to the operator as it is, without a stack trace. Immutable.
 */
public final class SiplbConfigException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    /** Creates a new instance with the operator-facing message. */
    public SiplbConfigException(String message) {
        super(message);
    }

    /** Creates a new instance with the operator-facing message and the underlying cause. */
    public SiplbConfigException(String message, Throwable cause) {
        super(message, cause);
    }
}
