package io.siplb.dispatch.config;

/**
 * A dispatcher configuration that cannot be used. The message names the file, the line (or the HOCON key with
 * its line) and the expected value, e.g.
 * {@code conf/dispatcher.list:7: flags "0xZZ" (expected: decimal or 0x-prefixed hex integer)}. Immutable.
 */
public final class DispatchConfigException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    /** Creates an exception with a message naming where and what was expected. */
    public DispatchConfigException(String message) {
        super(message);
    }

    /** Creates an exception with a message naming where and what was expected, and its cause. */
    public DispatchConfigException(String message, Throwable cause) {
        super(message, cause);
    }
}
