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
 * The traffic counters of one destination, held by its {@link DestinationState} so that they survive a reload that
 * keeps the destination and go with it when it is removed: how often it was selected (every try, failovers
 * included), the responses it sent by class (1xx to 6xx), the keepalive probes that timed out and the probes'
 * round-trip times. The proxy increments them on its event loops; the metrics endpoint reads them at scrape time.
 * Thread-safe (lock-free adders).
 */
public final class DestinationCounters {

    private final LongAdder selected = new LongAdder();
    /** Index 0 is 1xx, 5 is 6xx. */
    private final LongAdder[] responses = new LongAdder[6];
    private final LongAdder probeTimeouts = new LongAdder();
    private final DurationHistogram probeRtt = new DurationHistogram();

    DestinationCounters() {
        for (int i = 0; i < responses.length; i++) {
            responses[i] = new LongAdder();
        }
    }

    /** Counts one request sent to the destination as a new try (first choice, failover or parallel fork). */
    public void selected() {
        selected.increment();
    }

    /** Returns how often the destination was selected. */
    public long selectedCount() {
        return selected.sum();
    }

    /** Counts a response from the destination; a status outside 100..699 is not counted. */
    public void response(int status) {
        final int c = status / 100 - 1;
        if (c >= 0 && c < responses.length) {
            responses[c].increment();
        }
    }

    /**
     * Returns the responses of class {@code statusClass} (1 for 1xx ... 6 for 6xx).
     *
     * @throws IllegalArgumentException when {@code statusClass} is not 1..6
     */
    public long responses(int statusClass) {
        if (statusClass < 1 || statusClass > 6) {
            throw new IllegalArgumentException("statusClass: " + statusClass + " (expected: 1..6)");
        }
        return responses[statusClass - 1].sum();
    }

    /** Counts a keepalive probe that got no final response in time. */
    public void probeTimeout() {
        probeTimeouts.increment();
    }

    /** Returns the keepalive probes that timed out. */
    public long probeTimeouts() {
        return probeTimeouts.sum();
    }

    /** Returns the round-trip times of the keepalive probes that got a final response. */
    public DurationHistogram probeRtt() {
        return probeRtt;
    }
}
