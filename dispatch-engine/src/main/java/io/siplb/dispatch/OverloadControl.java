package io.siplb.dispatch;

import java.util.concurrent.atomic.AtomicLong;

/**
 * RFC 7339 loss-based overload control state of one destination, for
 * {@link Algorithm#ROUND_ROBIN_OVERLOAD_CONTROL}: while the advertised validity lasts, the destination is skipped
 * for {@code rate} percent of the selections that reach it. The skips are spread evenly and counted exactly: of
 * any 100 consecutive checks, exactly {@code rate} are skipped (Kamailio shuffles a 100-slot table instead).
 * Runtime state: kept across reloads by the destination's identity. Thread-safe (lock-free).
 */
public final class OverloadControl {

    private final int min;
    private final int max;
    private final AtomicLong checks = new AtomicLong();
    /* Concurrency: rate, validUntilNanos and seq are written together under the Dispatcher's writer lock; a reader
     * may see a new rate with an old validity for one check, which only shifts one skip decision. */
    private volatile int rate;
    private volatile long validUntilNanos;
    private volatile boolean valid;
    private volatile long seq;

    OverloadControl(int min, int max, int initialRate) {
        this.min = min;
        this.max = max;
        rate = initialRate;
    }

    /** Returns {@code true} when the destination must be skipped for this selection. */
    boolean skip(long nowNanos) {
        final int r = rate;
        if (r <= 0 || !valid || nowNanos - validUntilNanos >= 0) {
            return false;
        }
        final long c = checks.getAndIncrement() & Long.MAX_VALUE;
        // Bresenham-style spreading: the number of skips after c checks is floor(c * r / 100).
        return (c + 1) * r / 100 > c * r / 100;
    }

    /**
     * Applies an overload-control update (called under the Dispatcher's writer lock) if {@code seq} is newer than the last one applied (RFC 7339
     * {@code oc-seq}); the rate is clamped to [ocmin, ocmax]. Returns {@code true} when applied.
     */
    boolean update(int newRate, long validityNanos, long newSeq, long nowNanos) {
        if (valid && newSeq <= seq) {
            return false;
        }
        rate = Math.max(min, Math.min(max, newRate));
        validUntilNanos = nowNanos + validityNanos;
        seq = newSeq;
        valid = true;
        return true;
    }

    /** Returns the current rate in percent. */
    public int rate() {
        return rate;
    }

    /** Returns the last applied {@code oc-seq}. */
    public long seq() {
        return seq;
    }
}
