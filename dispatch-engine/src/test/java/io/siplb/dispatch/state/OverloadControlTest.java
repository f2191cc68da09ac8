package io.siplb.dispatch.state;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

class OverloadControlTest {

    private final TestTime time = new TestTime();
    private final OverloadControl oc = new OverloadControl(time);

    private int skipsIn(int checks) {
        int skips = 0;
        for (int i = 0; i < checks; i++) {
            if (oc.shouldSkip()) {
                skips++;
            }
        }
        return skips;
    }

    @Test
    void nothingIsSkippedBeforeAnyUpdate() {
        assertThat(oc.rate()).isZero();
        assertThat(skipsIn(1000)).isZero();
        assertThat(oc.seq()).isEqualTo(Long.MIN_VALUE);
    }

    @Test
    void skipsExactlyRatePercentInEveryHundredConsecutiveChecks() {
        for (int rate : new int[] {1, 7, 25, 33, 50, 99}) {
            final OverloadControl o = new OverloadControl(time);
            assertThat(o.update(1, rate, 60_000)).isTrue();
            for (int window = 0; window < 5; window++) {
                int skips = 0;
                for (int i = 0; i < 100; i++) {
                    if (o.shouldSkip()) {
                        skips++;
                    }
                }
                assertThat(skips).as("rate %d window %d", rate, window).isEqualTo(rate);
            }
        }
        final OverloadControl all = new OverloadControl(time);
        all.update(1, 100, 60_000);
        assertThat(all.shouldSkip()).isTrue();
    }

    @Test
    void skipsAreSpreadEvenly() {
        oc.update(1, 25, 60_000);
        final StringBuilder pattern = new StringBuilder();
        for (int i = 0; i < 12; i++) {
            pattern.append(oc.shouldSkip() ? 'x' : '.');
        }
        assertThat(pattern.toString()).isEqualTo("...x...x...x");
    }

    @Test
    void onlyANewerSeqIsApplied() {
        assertThat(oc.update(5, 40, 1000)).isTrue();
        assertThat(oc.update(5, 90, 1000)).isFalse();
        assertThat(oc.update(4, 90, 1000)).isFalse();
        assertThat(oc.rate()).isEqualTo(40);
        assertThat(oc.update(6, 10, 1000)).isTrue();
        assertThat(oc.rate()).isEqualTo(10);
        assertThat(oc.seq()).isEqualTo(6);
    }

    @Test
    void validityEndsTheReduction() {
        oc.update(1, 50, 2000);
        time.advance(1999, TimeUnit.MILLISECONDS);
        assertThat(oc.rate()).isEqualTo(50);
        assertThat(oc.remainingValidityNanos()).isEqualTo(TimeUnit.MILLISECONDS.toNanos(1));
        time.advance(1, TimeUnit.MILLISECONDS);
        assertThat(oc.rate()).isZero();
        assertThat(skipsIn(100)).isZero();
    }

    @Test
    void absentValidityDefaultsTo500msAndZeroValidityStopsControl() {
        oc.update(1, 30, -1);
        assertThat(oc.remainingValidityNanos()).isEqualTo(TimeUnit.MILLISECONDS.toNanos(500));
        oc.update(2, 30, 0);
        assertThat(oc.rate()).isZero();
        assertThat(skipsIn(100)).isZero();
    }

    @Test
    void rateIsClampedToOcMinOcMax() {
        oc.update(1, 95, 1000, 10, 80);
        assertThat(oc.rate()).isEqualTo(80);
        oc.update(2, 2, 1000, 10, 80);
        assertThat(oc.rate()).isEqualTo(10);
        assertThatThrownBy(() -> oc.update(3, 2, 1000, 50, 40)).hasMessage("maxRate: 40 (expected: 50..100)");
    }

    @Test
    void clearKeepsTheSeq() {
        oc.update(9, 50, 10_000);
        oc.clear();
        assertThat(oc.rate()).isZero();
        assertThat(oc.update(8, 50, 10_000)).isFalse();
    }
}
