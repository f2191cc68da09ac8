package io.siplb.proxy.lifecycle;

import static java.util.Objects.requireNonNull;

import java.util.List;

/**
 * The outcome of one {@link ConfigReloader#reload(String)}: whether the new configuration is in place, the error
 * (naming the file, the line and what was expected) when it is not, and the settings that changed but apply only
 * at restart. Immutable.
 */
public final class ReloadResult {

    private final boolean success;
    private final String trigger;
    private final String message;
    private final long version;
    private final List<String> needsRestart;

    private ReloadResult(boolean success, String trigger, String message, long version, List<String> needsRestart) {
        this.success = success;
        this.trigger = trigger;
        this.message = message;
        this.version = version;
        this.needsRestart = List.copyOf(needsRestart);
    }

    static ReloadResult success(String trigger, String message, long version, List<String> needsRestart) {
        return new ReloadResult(true, requireNonNull(trigger, "trigger"), requireNonNull(message, "message"),
                                version, needsRestart);
    }

    static ReloadResult failure(String trigger, String error, long version) {
        return new ReloadResult(false, requireNonNull(trigger, "trigger"), requireNonNull(error, "error"), version,
                                List.of());
    }

    /** Returns {@code true} when the new configuration is in place. */
    public boolean isSuccess() {
        return success;
    }

    /** Returns what asked for the reload, e.g. {@code "file change"} or {@code "admin API"}. */
    public String trigger() {
        return trigger;
    }

    /**
     * Returns what was reloaded, or on failure the error: {@code FILE:LINE: KEY: VALUE (expected: ...)} (the
     * configuration in force is kept).
     */
    public String message() {
        return message;
    }

    /** Returns the version of the configuration in force after the attempt (1 = the one siplb started with). */
    public long version() {
        return version;
    }

    /** Returns the keys that changed but apply only when siplb restarts (e.g. {@code siplb.listen}). */
    public List<String> needsRestart() {
        return needsRestart;
    }

    @Override
    public String toString() {
        return (success ? "reloaded (" : "reload failed (") + trigger + "): " + message;
    }
}
