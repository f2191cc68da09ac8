package io.siplb.proxy.admin.api;

import static java.util.Objects.requireNonNull;

/**
 * Reloads siplb's configuration for {@code POST /api/reload}: reads the configuration files again, validates them
 * and swaps the new configuration in, or keeps the running one and says why. Implementations may block (file reads,
 * DNS); the admin API calls them off the admin event loop. Implementations are thread-safe.
 */
@FunctionalInterface
public interface Reloader {

    /**
     * Reloads.
     *
     * @param trigger what asked for the reload, for the log (e.g. {@code "admin API"})
     */
    Result reload(String trigger);

    /**
     * The outcome of one reload: success with a message, or failure with the reason (the file, line and expected
     * value of a bad configuration). Immutable.
     *
     * @param success whether the new configuration is in force
     * @param message what was done, or why nothing was
     */
    record Result(boolean success, String message) {

        /** Checks the message. */
        public Result {
            requireNonNull(message, "message");
        }

        /** Returns a success with {@code message}. */
        public static Result success(String message) {
            return new Result(true, message);
        }

        /** Returns a failure with {@code reason}. */
        public static Result failure(String reason) {
            return new Result(false, reason);
        }
    }
}
