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

import java.util.concurrent.atomic.LongAdder;

/**
 * A histogram of durations over fixed bucket bounds, in the shape of a Prometheus classic histogram: {@link #record}
 * increments one striped counter (no lock, no allocation), and a reader ({@code /metrics} at scrape time) sums the
 * buckets into cumulative counts. The default bounds, in seconds:
 * {@code 0.001 0.0025 0.005 0.01 0.025 0.05 0.1 0.25 0.5 1 2.5 5 10 +Inf}.
 *
 * <p>Thread-safe (lock-free adders). A read is not atomic: a value recorded while {@link #cumulativeCounts()} runs
 * may be missing from the count or the sum; each bucket is exact once recording stops.
 */
public final class DurationHistogram {

    /** The default upper bounds in seconds, ascending; the last bucket (+Inf) is implicit. */
    private static final double[] DEFAULT_BOUNDS_SECONDS = {
            0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10 };

    private final double[] boundsSeconds;
    private final long[] boundsNanos;
    /** One adder per bound plus one for +Inf; not cumulative. */
    private final LongAdder[] buckets;
    private final LongAdder sumNanos = new LongAdder();

    /** Creates a histogram over the default bounds. */
    public DurationHistogram() {
        this(DEFAULT_BOUNDS_SECONDS);
    }

    /**
     * Creates a histogram over {@code boundsSeconds}.
     *
     * @param boundsSeconds finite upper bounds in seconds, strictly ascending and positive
     */
    public DurationHistogram(double... boundsSeconds) {
        if (boundsSeconds.length == 0) {
            throw new IllegalArgumentException("boundsSeconds: empty (expected: at least one bound)");
        }
        this.boundsSeconds = boundsSeconds.clone();
        boundsNanos = new long[boundsSeconds.length];
        for (int i = 0; i < boundsSeconds.length; i++) {
            final double b = boundsSeconds[i];
            if (!(b > 0) || Double.isInfinite(b) || (i > 0 && b <= boundsSeconds[i - 1])) {
                throw new IllegalArgumentException("boundsSeconds[" + i + "]: " + b +
                                                   " (expected: finite, > 0 and above the previous bound)");
            }
            boundsNanos[i] = Math.round(b * 1e9);
        }
        buckets = new LongAdder[boundsSeconds.length + 1];
        for (int i = 0; i < buckets.length; i++) {
            buckets[i] = new LongAdder();
        }
    }

    /** Records one duration in nanoseconds; a negative one counts as 0. */
    public void record(long nanos) {
        final long n = Math.max(0, nanos);
        int i = 0;
        while (i < boundsNanos.length && n > boundsNanos[i]) {
            i++;
        }
        buckets[i].increment();
        sumNanos.add(n);
    }

    /** Returns the finite upper bounds in seconds (a copy); the +Inf bucket follows them. */
    public double[] boundsSeconds() {
        return boundsSeconds.clone();
    }

    /**
     * Returns the cumulative count of each bucket: index {@code i} counts the durations up to
     * {@code boundsSeconds()[i]}, the last index (one past the bounds) every duration.
     */
    public long[] cumulativeCounts() {
        final long[] c = new long[buckets.length];
        long total = 0;
        for (int i = 0; i < buckets.length; i++) {
            total += buckets[i].sum();
            c[i] = total;
        }
        return c;
    }

    /** Returns the number of durations recorded. */
    public long count() {
        long total = 0;
        for (LongAdder b : buckets) {
            total += b.sum();
        }
        return total;
    }

    /** Returns the sum of the durations recorded, in seconds. */
    public double sumSeconds() {
        return sumNanos.sum() / 1e9;
    }
}
