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

import static java.util.Objects.requireNonNull;

import java.time.Clock;
import java.util.function.LongSupplier;

/**
 * Settings of the per-destination runtime state held by a {@link StateRegistry}. Immutable.
 *
 * <table>
 * <caption>Settings</caption>
 * <tr><th>Name</th><th>Default</th><th>Meaning</th></tr>
 * <tr><td>{@code probingThreshold}</td><td>{@value #DEFAULT_PROBING_THRESHOLD}</td>
 *     <td>consecutive failures (probe or passive) before a destination goes down; Kamailio
 *     {@code ds_probing_threshold}</td></tr>
 * <tr><td>{@code inactiveThreshold}</td><td>{@value #DEFAULT_INACTIVE_THRESHOLD}</td>
 *     <td>consecutive probe successes before a down destination is active again; Kamailio
 *     {@code ds_inactive_threshold}</td></tr>
 * <tr><td>{@code latencyAlpha}</td><td>{@value #DEFAULT_LATENCY_ALPHA}</td>
 *     <td>EWMA weight of a new sample, in (0, 1): {@code est = alpha * sample + (1 - alpha) * est}; Kamailio 6.x
 *     {@code ds_latency_estimator_alpha} / 1000</td></tr>
 * <tr><td>{@code historySize}</td><td>{@value #DEFAULT_HISTORY_SIZE}</td>
 *     <td>transitions kept per destination (the oldest is dropped first)</td></tr>
 * <tr><td>{@code clock}</td><td>{@link Clock#systemUTC()}</td><td>wall clock of recorded transitions</td></tr>
 * <tr><td>{@code ticker}</td><td>{@link System#nanoTime()}</td>
 *     <td>monotonic nanoseconds for overload-control validity</td></tr>
 * </table>
 */
public final class StateConfig {

    /** Default of {@link #probingThreshold()}, as Kamailio's {@code ds_probing_threshold}. */
    public static final int DEFAULT_PROBING_THRESHOLD = 1;
    /** Default of {@link #inactiveThreshold()}, as Kamailio's {@code ds_inactive_threshold}. */
    public static final int DEFAULT_INACTIVE_THRESHOLD = 1;
    /** Default of {@link #latencyAlpha()}: Kamailio 6.x default {@code ds_latency_estimator_alpha=100} (0.1). */
    public static final double DEFAULT_LATENCY_ALPHA = 0.1;
    /** Default of {@link #historySize()}. */
    public static final int DEFAULT_HISTORY_SIZE = 16;
    /** Upper bound of {@link #historySize()}. */
    public static final int MAX_HISTORY_SIZE = 1024;

    private static final StateConfig DEFAULT = builder().build();

    private final int probingThreshold;
    private final int inactiveThreshold;
    private final double latencyAlpha;
    private final int historySize;
    private final Clock clock;
    private final LongSupplier ticker;

    private StateConfig(Builder b) {
        probingThreshold = b.probingThreshold;
        inactiveThreshold = b.inactiveThreshold;
        latencyAlpha = b.latencyAlpha;
        historySize = b.historySize;
        clock = b.clock;
        ticker = b.ticker;
    }

    /** The defaults. */
    public static StateConfig defaults() {
        return DEFAULT;
    }

    /** A builder starting from the defaults. */
    public static Builder builder() {
        return new Builder();
    }

    /** Consecutive failures before a destination goes down (Kamailio {@code ds_probing_threshold}). */
    public int probingThreshold() {
        return probingThreshold;
    }

    /** Consecutive probe successes before a down destination is active again ({@code ds_inactive_threshold}). */
    public int inactiveThreshold() {
        return inactiveThreshold;
    }

    /** The EWMA weight of a new latency sample. */
    public double latencyAlpha() {
        return latencyAlpha;
    }

    /** Transitions kept per destination. */
    public int historySize() {
        return historySize;
    }

    /** The wall clock of recorded transitions. */
    public Clock clock() {
        return clock;
    }

    /** Monotonic nanoseconds, for overload-control validity. */
    public LongSupplier ticker() {
        return ticker;
    }

    @Override
    public String toString() {
        return "StateConfig{probingThreshold=" + probingThreshold + ", inactiveThreshold=" + inactiveThreshold +
               ", latencyAlpha=" + latencyAlpha + ", historySize=" + historySize + '}';
    }

    /**
     * Builds a {@link StateConfig}; each setter validates its argument.
     * Not thread-safe; confined to the building thread.
     */
    public static final class Builder {
        private int probingThreshold = DEFAULT_PROBING_THRESHOLD;
        private int inactiveThreshold = DEFAULT_INACTIVE_THRESHOLD;
        private double latencyAlpha = DEFAULT_LATENCY_ALPHA;
        private int historySize = DEFAULT_HISTORY_SIZE;
        private Clock clock = Clock.systemUTC();
        private LongSupplier ticker = System::nanoTime;

        private Builder() {
        }

        /** Consecutive failures before a destination goes down; {@code >= 1}. */
        public Builder probingThreshold(int probingThreshold) {
            if (probingThreshold < 1) {
                throw new IllegalArgumentException(
                        "probingThreshold: " + probingThreshold + " (expected: >= 1)");
            }
            this.probingThreshold = probingThreshold;
            return this;
        }

        /** Consecutive probe successes before a down destination is active again; {@code >= 1}. */
        public Builder inactiveThreshold(int inactiveThreshold) {
            if (inactiveThreshold < 1) {
                throw new IllegalArgumentException(
                        "inactiveThreshold: " + inactiveThreshold + " (expected: >= 1)");
            }
            this.inactiveThreshold = inactiveThreshold;
            return this;
        }

        /** The EWMA weight of a new latency sample; {@code 0 < alpha < 1}. */
        public Builder latencyAlpha(double latencyAlpha) {
            if (!(latencyAlpha > 0 && latencyAlpha < 1)) {
                throw new IllegalArgumentException(
                        "latencyAlpha: " + latencyAlpha + " (expected: > 0 and < 1)");
            }
            this.latencyAlpha = latencyAlpha;
            return this;
        }

        /**
         * The EWMA weight in Kamailio 6.x units ({@code ds_latency_estimator_alpha}, thousandths, 1..999).
         */
        public Builder latencyAlphaPermille(int permille) {
            if (permille < 1 || permille > 999) {
                throw new IllegalArgumentException(
                        "latencyAlphaPermille: " + permille + " (expected: 1..999)");
            }
            return latencyAlpha(permille / 1000.0);
        }

        /** Transitions kept per destination; {@code 1..}{@value #MAX_HISTORY_SIZE}. */
        public Builder historySize(int historySize) {
            if (historySize < 1 || historySize > MAX_HISTORY_SIZE) {
                throw new IllegalArgumentException(
                        "historySize: " + historySize + " (expected: 1.." + MAX_HISTORY_SIZE + ')');
            }
            this.historySize = historySize;
            return this;
        }

        /** The wall clock of recorded transitions. */
        public Builder clock(Clock clock) {
            this.clock = requireNonNull(clock, "clock");
            return this;
        }

        /** Monotonic nanoseconds (as {@link System#nanoTime()}), for overload-control validity. */
        public Builder ticker(LongSupplier ticker) {
            this.ticker = requireNonNull(ticker, "ticker");
            return this;
        }

        /** A new immutable {@link StateConfig}. */
        public StateConfig build() {
            return new StateConfig(this);
        }
    }
}
