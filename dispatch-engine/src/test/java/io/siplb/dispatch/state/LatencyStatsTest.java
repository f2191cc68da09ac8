package io.siplb.dispatch.state;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.Random;

import org.junit.jupiter.api.Test;

class LatencyStatsTest {

    @Test
    void welfordMatchesATwoPassComputation() {
        final Random random = new Random(7339);
        final double[] xs = new double[10_000];
        final LatencyStats stats = new LatencyStats(0.1);
        for (int i = 0; i < xs.length; i++) {
            // 1000 ms offset with a small spread: the case where a naive sum-of-squares loses precision.
            xs[i] = 1000 + random.nextGaussian() * 3;
            stats.recordMillis(xs[i]);
        }
        double sum = 0;
        double min = Double.MAX_VALUE;
        double max = -Double.MAX_VALUE;
        for (double x : xs) {
            sum += x;
            min = Math.min(min, x);
            max = Math.max(max, x);
        }
        final double mean = sum / xs.length;
        double sq = 0;
        for (double x : xs) {
            sq += (x - mean) * (x - mean);
        }
        final double std = Math.sqrt(sq / (xs.length - 1));

        final LatencyStats.Snapshot s = stats.snapshot();
        assertThat(s.count()).isEqualTo(10_000);
        assertThat(s.averageMillis()).isCloseTo(mean, within(1e-9));
        assertThat(s.stdDevMillis()).isCloseTo(std, within(1e-9));
        assertThat(std).isCloseTo(3.0, within(0.1)); // sanity of the sample itself
        assertThat(s.minMillis()).isEqualTo(min);
        assertThat(s.maxMillis()).isEqualTo(max);
    }

    @Test
    void smallSampleByHand() {
        final LatencyStats stats = new LatencyStats(0.1);
        for (double x : new double[] {2, 4, 4, 4, 5, 5, 7, 9}) {
            stats.recordMillis(x);
        }
        final LatencyStats.Snapshot s = stats.snapshot();
        assertThat(s.averageMillis()).isEqualTo(5.0);
        // Sum of squared deviations 32; sample variance 32/7.
        assertThat(s.varianceMillis2()).isCloseTo(32.0 / 7, within(1e-12));
        assertThat(s.stdDevMillis()).isCloseTo(Math.sqrt(32.0 / 7), within(1e-12));
        assertThat(s.minMillis()).isEqualTo(2.0);
        assertThat(s.maxMillis()).isEqualTo(9.0);
        // Fewer than 10 samples: the estimate is the mean.
        assertThat(s.estimateMillis()).isEqualTo(5.0);
    }

    @Test
    void ewmaFollowsKamailio6FromTheTenthSample() {
        final LatencyStats stats = new LatencyStats(0.1);
        for (int i = 0; i < 9; i++) {
            stats.recordMillis(10);
        }
        assertThat(stats.estimateMillis()).isEqualTo(10.0);
        // 10th sample: est = 0.1 * 110 + 0.9 * 10 = 20
        stats.recordMillis(110);
        assertThat(stats.estimateMillis()).isCloseTo(20.0, within(1e-12));
        // 11th: 0.1 * 110 + 0.9 * 20 = 29
        stats.recordMillis(110);
        assertThat(stats.estimateMillis()).isCloseTo(29.0, within(1e-12));
        // 12th: 0.1 * 0 + 0.9 * 29 = 26.1
        stats.recordMillis(0);
        assertThat(stats.estimateMillis()).isCloseTo(26.1, within(1e-12));
        // Mean is unaffected by alpha: (90 + 220 + 0) / 12
        assertThat(stats.averageMillis()).isCloseTo(310.0 / 12, within(1e-12));
    }

    @Test
    void alphaIsTheWeightOfTheNewSample() {
        final LatencyStats heavy = new LatencyStats(0.9);
        for (int i = 0; i < 9; i++) {
            heavy.recordMillis(100);
        }
        heavy.recordMillis(0); // est = 0.9 * 0 + 0.1 * 100 = 10
        assertThat(heavy.estimateMillis()).isCloseTo(10.0, within(1e-12));
        // Kamailio 6.x permille units: 100 -> 0.1
        assertThat(StateConfig.builder().latencyAlphaPermille(100).build().latencyAlpha()).isEqualTo(0.1);
    }

    @Test
    void timeoutsAreCountedNotSampled() {
        final LatencyStats stats = new LatencyStats(0.1);
        stats.recordMillis(5);
        stats.recordTimeout();
        stats.recordTimeout();
        final LatencyStats.Snapshot s = stats.snapshot();
        assertThat(s.timeouts()).isEqualTo(2);
        assertThat(s.count()).isEqualTo(1);
        assertThat(s.maxMillis()).isEqualTo(5.0);
    }

    @Test
    void nanosAreConvertedToMillis() {
        final LatencyStats stats = new LatencyStats(0.1);
        stats.recordNanos(2_500_000);
        assertThat(stats.averageMillis()).isEqualTo(2.5);
        assertThat(stats.snapshot().stdDevMillis()).isZero();
    }

    @Test
    void seedGivesTheConfiguredLatencyTheWeightOfManySamples() {
        final LatencyStats stats = new LatencyStats(0.1);
        stats.seed(40);
        stats.recordMillis(140);
        final LatencyStats.Snapshot s = stats.snapshot();
        assertThat(s.count()).isEqualTo(LatencyStats.SEED_WEIGHT + 1);
        assertThat(s.averageMillis()).isCloseTo(40 + 100.0 / 10_001, within(1e-9));
        assertThat(s.estimateMillis()).isCloseTo(50.0, within(1e-12)); // 0.1 * 140 + 0.9 * 40
        assertThat(s.maxMillis()).isEqualTo(140.0);
    }

    @Test
    void rejectsBadInput() {
        assertThatThrownBy(() -> new LatencyStats(1.0)).hasMessage("alpha: 1.0 (expected: > 0 and < 1)");
        assertThatThrownBy(() -> new LatencyStats(0.1).recordMillis(-1))
                .hasMessage("rttMillis: -1.0 (expected: >= 0 and finite)");
        assertThatThrownBy(() -> new LatencyStats(0.1).recordMillis(Double.NaN))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void concurrentSamplesAreAllCounted() throws Exception {
        final LatencyStats stats = new LatencyStats(0.1);
        final int threads = 4;
        final int perThread = 25_000;
        final Thread[] ts = new Thread[threads];
        for (int t = 0; t < threads; t++) {
            final int value = t + 1; // thread t records t+1 ms
            ts[t] = new Thread(() -> {
                for (int i = 0; i < perThread; i++) {
                    stats.recordMillis(value);
                    if (i % 10 == 0) {
                        stats.recordTimeout();
                    }
                }
            });
            ts[t].start();
        }
        for (Thread t : ts) {
            t.join(30_000);
            assertThat(t.isAlive()).isFalse();
        }
        final LatencyStats.Snapshot s = stats.snapshot();
        assertThat(s.count()).isEqualTo(100_000);
        assertThat(s.timeouts()).isEqualTo(10_000);
        // Equal numbers of 1, 2, 3, 4: mean 2.5, sample variance 1.25 * n / (n - 1).
        assertThat(s.averageMillis()).isCloseTo(2.5, within(1e-9));
        assertThat(s.varianceMillis2()).isCloseTo(1.25 * 100_000 / 99_999, within(1e-9));
        assertThat(s.minMillis()).isEqualTo(1.0);
        assertThat(s.maxMillis()).isEqualTo(4.0);
    }
}
