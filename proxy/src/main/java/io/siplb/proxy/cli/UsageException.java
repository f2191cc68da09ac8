package io.siplb.proxy.cli;

/**
 * A command line siplb cannot run: unknown subcommand or option, missing or malformed argument. {@link Main} prints
 * the message and the usage and exits with status 2. Immutable.
 */
final class UsageException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    UsageException(String message) {
        super(message);
    }
}
