/*
 * Copyright 2026 The siplb authors
 *
 * Licensed under the Apache License, Version 2.0 (the "License");
 * you may not use this file except in compliance with the License.
 * You may obtain a copy of the License at
 *
 *   https://www.apache.org/licenses/LICENSE-2.0
 */
package io.siplb.dispatch.state;

import java.util.concurrent.atomic.AtomicReference;

/**
 * Latency statistics of one destination, in milliseconds: sample count, mean and standard deviation (Welford's
 * online algorithm), an EWMA estimate, minimum, maximum, and the number of timeouts (not sampled). The fields
 * mirror Kamailio's {@code LATENCY{AVG,STD,EST,MAX,TIMEOUT}} of {@code dispatcher.list}. Thread-safe (lock-free).
 *
 * <p>EWMA, with Kamailio 6.x's meaning of alpha (the weight of the new sample): while fewer than
 * {@value #EWMA_WARMUP_SAMPLES} samples have been seen, the estimate is the mean; from the
 * {@value #EWMA_WARMUP_SAMPLES}th sample on, {@code est = alpha * sample + (1 - alpha) * est}.
 */
public final class LatencyStats {

    /*
     * Concurrency: every update reads the current immutable Snapshot, computes the next one and publishes it with
     * a compare-and-set on `current`, retrying on contention. Readers get a consistent Snapshot with one volatile
     * read. An update allocates one Snapshot (72 bytes on a compressed-oops JVM); updates come from probe replies
     * and completed transactions, not from every message.
     */

    /** Samples before the EWMA takes over from the mean (Kamailio: {@code count < 10}). */
    public static final int EWMA_WARMUP_SAMPLES = 10;

    /** The sample weight given to a configured initial latency (Kamailio's {@code latency} attribute). */
    public static final long SEED_WEIGHT = 10_000;

    private static final double NANOS_PER_MILLI = 1_000_000.0;

    private final double alpha;
    private final AtomicReference<Snapshot> current = new AtomicReference<>(Snapshot.EMPTY);

    /**
     * Statistics whose EWMA gives a new sample the weight {@code alpha}.
     *
     * @throws IllegalArgumentException unless {@code 0 < alpha < 1}
     */
    public LatencyStats(double alpha) {
        if (!(alpha > 0 && alpha < 1)) {
            throw new IllegalArgumentException("alpha: " + alpha + " (expected: > 0 and < 1)");
        }
        this.alpha = alpha;
    }

    /** The EWMA weight of a new sample. */
    public double alpha() {
        return alpha;
    }

    /** Records a round-trip time measured with {@link System#nanoTime()}; negative values count as 0. */
    public void recordNanos(long rttNanos) {
        recordMillis(Math.max(0, rttNanos) / NANOS_PER_MILLI);
    }

    /**
     * Records a round-trip time in milliseconds.
     *
     * @throws IllegalArgumentException if {@code rttMillis} is negative or not finite
     */
    public void recordMillis(double rttMillis) {
        if (!(rttMillis >= 0) || Double.isInfinite(rttMillis)) {
            throw new IllegalArgumentException("rttMillis: " + rttMillis + " (expected: >= 0 and finite)");
        }
        for (;;) {
            final Snapshot prev = current.get();
            final Snapshot next = prev.plus(rttMillis, alpha);
            if (current.compareAndSet(prev, next)) {
                return;
            }
        }
    }

    /** Counts a timeout (a probe or request with no reply); timeouts are not sampled. */
    public void recordTimeout() {
        for (;;) {
            final Snapshot prev = current.get();
            final Snapshot next = new Snapshot(prev.count, prev.mean, prev.m2, prev.estimate, prev.min, prev.max,
                                               prev.timeouts + 1);
            if (current.compareAndSet(prev, next)) {
                return;
            }
        }
    }

    /**
     * Seeds the statistics with a configured latency (Kamailio's {@code latency} attribute): mean, estimate,
     * minimum and maximum become {@code latencyMillis} with the weight of {@value #SEED_WEIGHT} samples, so real
     * samples move the mean slowly while the EWMA follows them at once. Timeouts are kept.
     */
    public void seed(double latencyMillis) {
        if (!(latencyMillis >= 0) || Double.isInfinite(latencyMillis)) {
            throw new IllegalArgumentException(
                    "latencyMillis: " + latencyMillis + " (expected: >= 0 and finite)");
        }
        for (;;) {
            final Snapshot prev = current.get();
            final Snapshot next = new Snapshot(SEED_WEIGHT, latencyMillis, 0, latencyMillis, latencyMillis,
                                               latencyMillis, prev.timeouts);
            if (current.compareAndSet(prev, next)) {
                return;
            }
        }
    }

    /** Forgets every sample and timeout. */
    public void reset() {
        current.set(Snapshot.EMPTY);
    }

    /** A consistent view of all values. */
    public Snapshot snapshot() {
        return current.get();
    }

    /** The EWMA estimate in milliseconds (0 before the first sample). */
    public double estimateMillis() {
        return current.get().estimate;
    }

    /** The mean in milliseconds (0 before the first sample). */
    public double averageMillis() {
        return current.get().mean;
    }

    @Override
    public String toString() {
        return current.get().toString();
    }

    /**
     * A consistent view of {@link LatencyStats}; all times in milliseconds. Immutable.
     */
    public static final class Snapshot {

        static final Snapshot EMPTY = new Snapshot(0, 0, 0, 0, 0, 0, 0);

        private final long count;
        private final double mean;
        private final double m2;
        private final double estimate;
        private final double min;
        private final double max;
        private final long timeouts;

        Snapshot(long count, double mean, double m2, double estimate, double min, double max, long timeouts) {
            this.count = count;
            this.mean = mean;
            this.m2 = m2;
            this.estimate = estimate;
            this.min = min;
            this.max = max;
            this.timeouts = timeouts;
        }

        Snapshot plus(double x, double alpha) {
            final long n = count + 1;
            if (n == 1) {
                return new Snapshot(1, x, 0, x, x, x, timeouts);
            }
            // Welford: delta against the old mean, then against the new mean.
            final double delta = x - mean;
            final double newMean = mean + delta / n;
            final double newM2 = m2 + delta * (x - newMean);
            final double newEstimate = n < EWMA_WARMUP_SAMPLES ? newMean : alpha * x + (1 - alpha) * estimate;
            return new Snapshot(n, newMean, newM2, newEstimate, Math.min(min, x), Math.max(max, x), timeouts);
        }

        /** Samples recorded (or the seed weight). */
        public long count() {
            return count;
        }

        /** The arithmetic mean. */
        public double averageMillis() {
            return mean;
        }

        /** The sample variance ({@code m2 / (n - 1)}); 0 with fewer than two samples. */
        public double varianceMillis2() {
            return count > 1 ? m2 / (count - 1) : 0;
        }

        /** The sample standard deviation; 0 with fewer than two samples. */
        public double stdDevMillis() {
            return Math.sqrt(varianceMillis2());
        }

        /** The EWMA estimate. */
        public double estimateMillis() {
            return estimate;
        }

        /** The smallest sample. */
        public double minMillis() {
            return min;
        }

        /** The largest sample. */
        public double maxMillis() {
            return max;
        }

        /** Timeouts recorded. */
        public long timeouts() {
            return timeouts;
        }

        @Override
        public String toString() {
            return String.format(java.util.Locale.ROOT,
                                 "{count=%d, avg=%.3f, std=%.3f, est=%.3f, min=%.3f, max=%.3f, timeouts=%d}",
                                 count, mean, stdDevMillis(), estimate, min, max, timeouts);
        }
    }
}
