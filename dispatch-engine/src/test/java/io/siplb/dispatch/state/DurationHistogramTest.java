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

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;

import org.junit.jupiter.api.Test;

/**
 * {@link DurationHistogram} and {@link DestinationCounters}: bucket boundaries (a value on a bound is in that
 * bucket), cumulative counts, sums, bad bounds, concurrent recording, and the counters a destination keeps.
 */
class DurationHistogramTest {

    @Test
    void aValueOnABoundIsInThatBucketAndCountsAreCumulative() {
        final DurationHistogram h = new DurationHistogram(0.001, 0.01, 0.1);
        h.record(0);                // <= 1 ms
        h.record(1_000_000);        // exactly 1 ms: still the first bucket
        h.record(1_000_001);        // just above: the second
        h.record(10_000_000);       // exactly 10 ms
        h.record(99_000_000);       // 99 ms
        h.record(5_000_000_000L);   // 5 s: +Inf only
        h.record(-7);               // negative: counted as 0
        assertThat(h.boundsSeconds()).containsExactly(0.001, 0.01, 0.1);
        assertThat(h.cumulativeCounts()).containsExactly(3, 5, 6, 7);
        assertThat(h.count()).isEqualTo(7);
        assertThat(h.sumSeconds()).isEqualTo((1_000_000 + 1_000_001 + 10_000_000 + 99_000_000 + 5_000_000_000L) / 1e9);
    }

    @Test
    void defaultBoundsRunFromOneMillisecondToTenSeconds() {
        final double[] b = new DurationHistogram().boundsSeconds();
        assertThat(b[0]).isEqualTo(0.001);
        assertThat(b[b.length - 1]).isEqualTo(10.0);
        assertThat(new DurationHistogram().cumulativeCounts()).hasSize(b.length + 1).containsOnly(0L);
    }

    @Test
    void badBoundsAreRefusedNamingTheIndex() {
        assertThatThrownBy(() -> new DurationHistogram(0.1, 0.1))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("boundsSeconds[1]: 0.1 (expected: finite, > 0 and above the previous bound)");
        assertThatThrownBy(() -> new DurationHistogram(0))
                .hasMessage("boundsSeconds[0]: 0.0 (expected: finite, > 0 and above the previous bound)");
        assertThatThrownBy(() -> new DurationHistogram(Double.POSITIVE_INFINITY))
                .hasMessageStartingWith("boundsSeconds[0]: Infinity");
        assertThatThrownBy(DurationHistogramTest::empty).hasMessage("boundsSeconds: empty (expected: at least one "
                                                                    + "bound)");
    }

    private static void empty() {
        new DurationHistogram(new double[0]);
    }

    @Test
    void concurrentRecordingLosesNothing() throws InterruptedException {
        final DurationHistogram h = new DurationHistogram(0.001, 0.01);
        final int threads = 4;
        final int each = 50_000;
        final CountDownLatch go = new CountDownLatch(1);
        final List<Thread> started = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            final long nanos = t % 2 == 0 ? 500_000 : 5_000_000;
            final Thread th = new Thread(() -> {
                try {
                    go.await();
                } catch (InterruptedException e) {
                    return;
                }
                for (int i = 0; i < each; i++) {
                    h.record(nanos);
                }
            });
            th.start();
            started.add(th);
        }
        go.countDown();
        for (Thread th : started) {
            th.join(30_000);
        }
        assertThat(h.cumulativeCounts()).containsExactly(2L * each, 4L * each, 4L * each);
        assertThat(h.sumSeconds()).isEqualTo(2L * each * (500_000 + 5_000_000) / 1e9);
    }

    @Test
    void destinationCountersCountSelectionsResponsesByClassAndProbes() {
        final StateRegistry registry = StateRegistry.create();
        final DestinationState s = registry.getOrCreate(DestinationKey.of(1, "sip:192.0.2.1:5060", null));
        final DestinationCounters c = s.counters();
        c.selected();
        c.selected();
        for (int status : new int[] { 100, 180, 200, 302, 404, 486, 503, 603, 699, 99, 700, 0 }) {
            c.response(status);
        }
        c.probeTimeout();
        c.probeRtt().record(2_000_000);
        assertThat(c.selectedCount()).isEqualTo(2);
        assertThat(c.responses(1)).isEqualTo(2);
        assertThat(c.responses(2)).isEqualTo(1);
        assertThat(c.responses(3)).isEqualTo(1);
        assertThat(c.responses(4)).isEqualTo(2);
        assertThat(c.responses(5)).isEqualTo(1);
        assertThat(c.responses(6)).isEqualTo(2);
        assertThat(c.probeTimeouts()).isEqualTo(1);
        assertThat(c.probeRtt().count()).isEqualTo(1);
        assertThatThrownBy(() -> c.responses(7)).hasMessage("statusClass: 7 (expected: 1..6)");
        // The counters belong to the state: the registry hands out the same ones while the key stays.
        assertThat(registry.getOrCreate(DestinationKey.of(1, "sip:192.0.2.1:5060", null)).counters()).isSameAs(c);
    }
}
