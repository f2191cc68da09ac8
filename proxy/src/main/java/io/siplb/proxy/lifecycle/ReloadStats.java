package io.siplb.proxy.lifecycle;

import java.util.concurrent.atomic.AtomicLong;

/**
 * Counts configuration reloads: successes, failures and when the last success was, for the metrics
 * {@code siplb_config_reloads_total{result="success"|"failure"}} and
 * {@code siplb_config_last_reload_success_timestamp_seconds}. The start-up load is not counted, but its time is the
 * last success until a reload succeeds.
 * Thread-safe (lock-free; each value is read on its own, so a reader may see a success counted before its time).
 */
public final class ReloadStats implements io.siplb.proxy.metrics.ReloadStats {

    private final AtomicLong successes = new AtomicLong();
    private final AtomicLong failures = new AtomicLong();
    private volatile long lastSuccessEpochMillis;
    private volatile long lastFailureEpochMillis;

    ReloadStats() {}

    /** The start-up load. */
    void loaded(long epochMillis) {
        lastSuccessEpochMillis = epochMillis;
    }

    void success(long epochMillis) {
        lastSuccessEpochMillis = epochMillis;
        successes.incrementAndGet();
    }

    void failure(long epochMillis) {
        lastFailureEpochMillis = epochMillis;
        failures.incrementAndGet();
    }

    /** Returns how many reloads put a new configuration in place (the start-up load not counted). */
    public long successes() {
        return successes.get();
    }

    /** Returns how many reloads were refused (an invalid file), keeping the configuration in force. */
    public long failures() {
        return failures.get();
    }

    /** Returns when the configuration in force was loaded (start-up or the last successful reload), epoch ms. */
    public long lastSuccessEpochMillis() {
        return lastSuccessEpochMillis;
    }

    /** Returns when the last reload failed, epoch ms, or 0 when none has. */
    public long lastFailureEpochMillis() {
        return lastFailureEpochMillis;
    }

    @Override
    public String toString() {
        return "ReloadStats{successes=" + successes() + ", failures=" + failures() + ", lastSuccessEpochMillis="
               + lastSuccessEpochMillis + '}';
    }
}
