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

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.LongSupplier;

/**
 * RFC 7339 (loss-based) overload-control bookkeeping of one destination: the reduction rate {@code oc} in percent
 * that the destination asked for, its validity ({@code oc-validity}) and sequence ({@code oc-seq}). Used by the
 * round-robin-with-overload-control algorithm (Kamailio algorithm 64). Thread-safe (lock-free).
 *
 * <p>An update is applied only when its {@code oc-seq} is greater than the last applied one (RFC 7339 §5.2;
 * Kamailio {@code ds_oc_set_attrs}). While the update is valid, {@link #shouldSkip()} answers {@code true} for
 * exactly {@code rate} of every 100 consecutive calls, spread evenly (error diffusion rather than Kamailio's
 * shuffled 100-slot array); after the validity has passed nothing is skipped.
 */
public final class OverloadControl {

    /*
     * Concurrency: the (seq, rate, deadline) triple is one immutable Control CAS'd into `control`, so a reader
     * never mixes the rate of one update with the validity of another. `checks` is a plain counter shared by all
     * callers of shouldSkip(); its getAndIncrement() gives each caller a distinct position in the skip pattern.
     */

    /** The validity used when a response carries {@code oc} without {@code oc-validity} (RFC 7339 §5.2). */
    public static final long DEFAULT_VALIDITY_MILLIS = 500;

    private static final Control NONE = new Control(Long.MIN_VALUE, 0, 0);

    private final LongSupplier ticker;
    private final AtomicReference<Control> control = new AtomicReference<>(NONE);
    private final AtomicLong checks = new AtomicLong();

    /** Bookkeeping whose validity is measured with {@code ticker} (monotonic nanoseconds). */
    public OverloadControl(LongSupplier ticker) {
        this.ticker = java.util.Objects.requireNonNull(ticker, "ticker");
    }

    /**
     * Applies an overload-control update received from the destination.
     *
     * @param seq the {@code oc-seq}; applied only when greater than the last applied one
     * @param rate the {@code oc} value, the percentage of requests to divert; clamped to {@code [minRate, maxRate]}
     * @param validityMillis the {@code oc-validity} in milliseconds; negative when absent (the default
     *                       {@value #DEFAULT_VALIDITY_MILLIS} ms applies); 0 ends overload control (RFC 7339)
     * @param minRate the lowest rate accepted (the destination's {@code ocmin}, 0..100)
     * @param maxRate the highest rate accepted (the destination's {@code ocmax}, minRate..100)
     * @return whether the update was applied
     * @throws IllegalArgumentException if {@code minRate} or {@code maxRate} is out of range
     */
    public boolean update(long seq, int rate, long validityMillis, int minRate, int maxRate) {
        if (minRate < 0 || minRate > 100) {
            throw new IllegalArgumentException("minRate: " + minRate + " (expected: 0..100)");
        }
        if (maxRate < minRate || maxRate > 100) {
            throw new IllegalArgumentException("maxRate: " + maxRate + " (expected: " + minRate + "..100)");
        }
        final int clamped = Math.max(minRate, Math.min(maxRate, rate));
        final long validity = validityMillis < 0 ? DEFAULT_VALIDITY_MILLIS : validityMillis;
        final long deadline = ticker.getAsLong() + TimeUnit.MILLISECONDS.toNanos(validity);
        final Control next = new Control(seq, validity == 0 ? 0 : clamped, deadline);
        for (;;) {
            final Control prev = control.get();
            if (seq <= prev.seq) {
                return false;
            }
            if (control.compareAndSet(prev, next)) {
                return true;
            }
        }
    }

    /** {@link #update(long, int, long, int, int)} with the full range {@code 0..100}. */
    public boolean update(long seq, int rate, long validityMillis) {
        return update(seq, rate, validityMillis, 0, 100);
    }

    /** The reduction rate in percent in force now: the last applied rate while valid, otherwise 0. */
    public int rate() {
        final Control c = control.get();
        return c.rate != 0 && ticker.getAsLong() - c.deadlineNanos < 0 ? c.rate : 0;
    }

    /** The last applied {@code oc-seq}, or {@link Long#MIN_VALUE} before the first update. */
    public long seq() {
        return control.get().seq;
    }

    /** Nanoseconds of validity left (by the ticker), 0 when expired or never set. */
    public long remainingValidityNanos() {
        final Control c = control.get();
        return Math.max(0, c.deadlineNanos - ticker.getAsLong());
    }

    /**
     * Whether the caller should divert this request away from the destination. Allocation-free; consumes one
     * position of the skip pattern only while a non-zero rate is in force.
     */
    public boolean shouldSkip() {
        final Control c = control.get();
        final int r = c.rate;
        if (r == 0 || ticker.getAsLong() - c.deadlineNanos >= 0) {
            return false;
        }
        if (r >= 100) {
            return true;
        }
        final long n = checks.getAndIncrement() & Long.MAX_VALUE;
        // Exactly r skips in every 100 consecutive positions, evenly spread: floor((n+1)r/100) - floor(nr/100).
        final long i = n % 100;
        return (i + 1) * r / 100 != i * r / 100;
    }

    /** Ends overload control at once (the seq is kept, so older updates stay rejected). */
    public void clear() {
        for (;;) {
            final Control prev = control.get();
            if (prev.rate == 0 || control.compareAndSet(prev, new Control(prev.seq, 0, prev.deadlineNanos))) {
                return;
            }
        }
    }

    @Override
    public String toString() {
        final Control c = control.get();
        return "OverloadControl{rate=" + rate() + ", seq=" + c.seq + ", remainingNanos=" +
               remainingValidityNanos() + '}';
    }

    private static final class Control {
        final long seq;
        final int rate;
        final long deadlineNanos;

        Control(long seq, int rate, long deadlineNanos) {
            this.seq = seq;
            this.rate = rate;
            this.deadlineNanos = deadlineNanos;
        }
    }
}
