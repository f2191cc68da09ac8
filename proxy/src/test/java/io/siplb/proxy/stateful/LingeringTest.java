package io.siplb.proxy.stateful;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

/** {@link Lingering}: waits end in deadline order, never early; stale entries are skipped; rings grow. */
class LingeringTest {

    /** An owner that records when its waits ended (by the generation they ended in). */
    private static final class Owner extends Lingering.Owner {
        final String name;
        final List<String> log;

        Owner(String name, List<String> log) {
            this.name = name;
            this.log = log;
        }

        @Override
        void lingerEnded() {
            log.add(name + '@' + lingerGeneration());
        }
    }

    @Test
    void waitsEndInDeadlineOrderAcrossDurationsAndNeverEarly() {
        final List<String> log = new ArrayList<>();
        final Lingering l = new Lingering();
        final Owner a = new Owner("a", log);
        final Owner b = new Owner("b", log);
        final Owner c = new Owner("c", log);
        assertThat(l.add(a, 1_000, 0)).isTrue();   // ends at 1000
        assertThat(l.add(b, 300, 100)).isTrue();   // ends at 400
        assertThat(l.add(c, 1_000, 200)).isTrue(); // ends at 1200

        assertThat(l.expire(399)).isZero();
        assertThat(l.expire(400)).isEqualTo(1);
        assertThat(l.expire(999)).isZero();
        assertThat(l.expire(1_200)).isEqualTo(2);
        assertThat(log).containsExactly("b@0", "a@0", "c@0");
        assertThat(l.size()).isZero();
    }

    @Test
    void anOwnerThatMovedOnIsSkipped() {
        final List<String> log = new ArrayList<>();
        final Lingering l = new Lingering();
        final Owner a = new Owner("a", log);
        l.add(a, 100, 0);
        a.stopLingering();       // e.g. the ACK came: Timer H is replaced by Timer I
        l.add(a, 50, 10);
        assertThat(l.expire(100)).isEqualTo(1);
        assertThat(log).containsExactly("a@1");
    }

    @Test
    void ringsGrowPastTheirFirstSizeAndKeepTheOrder() {
        final List<String> log = new ArrayList<>();
        final Lingering l = new Lingering();
        for (int i = 0; i < 50; i++) {
            l.add(new Owner(Integer.toString(i), log), 100, i);
        }
        // The head moves before the ring fills, so the growth below copies a wrapped ring.
        assertThat(l.expire(100 + 24)).isEqualTo(25);
        for (int i = 50; i < 1_000; i++) {
            l.add(new Owner(Integer.toString(i), log), 100, i);
        }
        assertThat(l.size()).isEqualTo(975);
        assertThat(l.expire(100 + 499)).isEqualTo(475);
        assertThat(l.expire(Long.MAX_VALUE / 2)).isEqualTo(500);
        assertThat(log).hasSize(1_000);
        for (int i = 0; i < 1_000; i++) {
            assertThat(log.get(i)).isEqualTo(i + "@0");
        }
    }

    @Test
    void moreDistinctDurationsThanRingsAreRefused() {
        final Lingering l = new Lingering();
        final Owner a = new Owner("a", new ArrayList<>());
        for (int i = 1; i <= Lingering.MAX_DURATIONS; i++) {
            assertThat(l.add(a, i, 0)).isTrue();
        }
        assertThat(l.add(a, Lingering.MAX_DURATIONS + 1, 0)).isFalse();
        assertThat(l.add(a, 1, 0)).isTrue();
    }
}
