package io.siplb.dispatch;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

import io.siplb.dispatch.state.HealthState;

/**
 * The sample outputs in the strategy classes' javadoc: destinations are named a, b, c, ... in index order.
 */
class SelectorSamplesTest {

    /** One set whose destination at index i has {@code attrs[i]} (equal priorities: configured in reverse). */
    private static Dispatcher dispatcher(Algorithm algorithm, HashMode mode, String... attrs) {
        final List<Destination> config = new ArrayList<>();
        for (int i = attrs.length - 1; i >= 0; i--) {
            config.add(Destination.of(1, "sip:127.0.0.1:" + (5000 + i), 0, 0, DestinationAttributes.parse(attrs[i])));
        }
        final Dispatcher d = Dispatcher.create(DispatcherSettings.builder().hashMode(mode)
                                                                 .addSet(DestinationSet.of(1, algorithm, config))
                                                                 .build());
        assertThat(d.snapshot().set(1).destinations()).extracting(Destination::port)
                                                      .isSorted().first().isEqualTo(5000);
        return d;
    }

    private static Dispatcher dispatcher(Algorithm algorithm, String... attrs) {
        return dispatcher(algorithm, HashMode.CONSISTENT, attrs);
    }

    private static char letter(Destination d) {
        return (char) ('a' + d.port() - 5000);
    }

    private static String picks(Dispatcher d, int count) {
        final StringBuilder sb = new StringBuilder();
        for (int i = 0; i < count; i++) {
            sb.append(letter(d.select(1, SelectionKey.NONE).destination()));
        }
        return sb.toString();
    }

    private static void down(Dispatcher d, char letter) {
        d.state(d.snapshot().set(1).destinations().get(letter - 'a')).mark(HealthState.INACTIVE, "test");
    }

    @Test
    void weighted() {
        assertThat(picks(dispatcher(Algorithm.WEIGHTED, "weight=3", "weight=2", "weight=1"), 12))
                .isEqualTo("abacbaabacba");
        assertThat(picks(dispatcher(Algorithm.WEIGHTED, "weight=1", "weight=2", "weight=3"), 6)).isEqualTo("cbacbc");
    }

    @Test
    void relativeWeight() {
        assertThat(picks(dispatcher(Algorithm.RELATIVE_WEIGHT, "rweight=50", "rweight=25", "rweight=25"), 8))
                .isEqualTo("abcaabca");
    }

    @Test
    void roundRobinAndOverloadControl() {
        final Dispatcher rr = dispatcher(Algorithm.ROUND_ROBIN, "", "", "");
        assertThat(picks(rr, 6)).isEqualTo("abcabc");
        down(rr, 'b');
        assertThat(picks(rr, 4)).isEqualTo("acac");

        final Dispatcher oc = dispatcher(Algorithm.ROUND_ROBIN_OVERLOAD_CONTROL, "", "", "");
        assertThat(oc.setOverloadControl(1, "sip:127.0.0.1:5001", 100, 60_000, 1)).isTrue();
        assertThat(picks(oc, 6)).isEqualTo("accacc");
    }

    @Test
    void kamailioHash() {
        final Dispatcher d = dispatcher(Algorithm.HASH_CALL_ID, HashMode.KAMAILIO, "", "", "", "");
        down(d, 'b');
        final StringBuilder sb = new StringBuilder();
        for (int h = 0; h < 4; h++) {
            sb.append(letter(d.select(1, SelectionKey.ofHash(h)).destination()));
        }
        assertThat(sb.toString()).isEqualTo("accd");
    }

    @Test
    void hashAuthUsernameFallsBackToRoundRobin() {
        final Dispatcher d = dispatcher(Algorithm.HASH_AUTH_USERNAME, "", "", "");
        assertThat(picks(d, 3)).isEqualTo("abc");
        final Destination first = d.select(1, SelectionKey.of("alice")).destination();
        for (int i = 0; i < 5; i++) {
            assertThat(d.select(1, SelectionKey.of("alice")).destination()).isSameAs(first);
        }
    }
}
