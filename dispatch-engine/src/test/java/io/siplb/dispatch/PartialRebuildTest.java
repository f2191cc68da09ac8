package io.siplb.dispatch;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

import io.siplb.dispatch.state.HealthState;
import io.siplb.dispatch.state.StateRegistry;

/**
 * A health change rebuilds only its destination's set and a reload only the sets whose definition changed; the
 * others keep their {@link SetView} (and its selectors) across the swap, and every selection stays what a
 * dispatcher built from scratch gives.
 */
class PartialRebuildTest {

    private static final int KEYS = 2_000;

    /** Set 1: hash-call-id over 4 destinations; set 2: round-robin over 3. Built anew each call (new instances). */
    private static DispatcherSettings twoSets(String set1Attrs, Algorithm set2Algorithm, HashMode mode) {
        final List<Destination> one = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            one.add(Destination.of(1, "sip:127.0.0.1:" + (5000 + i), 0, 0, DestinationAttributes.parse(set1Attrs)));
        }
        final List<Destination> two = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            two.add(Destination.of(2, "sip:127.0.0.2:" + (6000 + i), 0, 0, DestinationAttributes.EMPTY));
        }
        return DispatcherSettings.builder().hashMode(mode)
                                 .addSet(DestinationSet.of(1, Algorithm.HASH_CALL_ID, one))
                                 .addSet(DestinationSet.of(2, set2Algorithm, two))
                                 .source("test").build();
    }

    private static DispatcherSettings twoSets() {
        return twoSets("", Algorithm.ROUND_ROBIN, HashMode.CONSISTENT);
    }

    private static Destination byPort(DispatchSnapshot s, int setId, int port) {
        return s.set(setId).destinations().stream().filter(d -> d.port() == port).findFirst().orElseThrow();
    }

    /** The port each of {@link #KEYS} Call-IDs selects in set {@code setId} with {@code algorithm}. */
    private static int[] ports(DispatchSnapshot s, int setId, Algorithm algorithm) {
        final int[] ports = new int[KEYS];
        for (int i = 0; i < KEYS; i++) {
            ports[i] = s.select(setId, algorithm, SelectionKey.of("call-" + i + "@example.com")).destination().port();
        }
        return ports;
    }

    @Test
    void aHealthChangeRebuildsOnlyItsSet() {
        final Dispatcher d = Dispatcher.create(twoSets());
        final DispatchSnapshot before = d.snapshot();
        final SetView set1 = before.view(1);
        final DestinationSelector hash = set1.cachedSelector(Selectors.CONSISTENT_HASH);
        assertThat(hash).isNotNull();
        final int[] portsBefore = ports(before, 1, Algorithm.HASH_CALL_ID);

        d.state(byPort(before, 2, 6001)).mark(HealthState.INACTIVE, "test");

        final DispatchSnapshot after = d.snapshot();
        assertThat(after.version()).isEqualTo(before.version() + 1);
        assertThat(after.view(1)).isSameAs(set1);
        assertThat(after.view(1).cachedSelector(Selectors.CONSISTENT_HASH)).isSameAs(hash);
        assertThat(after.set(1)).isSameAs(before.set(1));
        assertThat(after.view(2)).isNotSameAs(before.view(2));
        assertThat(after.activeDestinations(2)).extracting(Destination::port).containsExactly(6002, 6000);
        assertThat(ports(after, 1, Algorithm.HASH_CALL_ID)).isEqualTo(portsBefore);
        for (int i = 0; i < 6; i++) {
            assertThat(after.select(2, SelectionKey.NONE).destination().port()).isNotEqualTo(6001);
        }

        // Now set 1 loses a destination: set 2's view stays, set 1's keys move only off the lost one.
        d.state(byPort(after, 1, 5002)).mark(HealthState.INACTIVE, "test");
        final DispatchSnapshot third = d.snapshot();
        assertThat(third.view(2)).isSameAs(after.view(2));
        assertThat(third.view(1)).isNotSameAs(set1);
        final int[] portsThird = ports(third, 1, Algorithm.HASH_CALL_ID);
        for (int i = 0; i < KEYS; i++) {
            if (portsBefore[i] != 5002) {
                assertThat(portsThird[i]).isEqualTo(portsBefore[i]);
            } else {
                assertThat(portsThird[i]).isNotEqualTo(5002);
            }
        }
        // The same as a dispatcher built with that health from the start.
        final StateRegistry registry = StateRegistry.create();
        final DispatcherSettings fresh = twoSets();
        registry.getOrCreate(byPort(fresh, 1, 5002).key(), HealthState.INACTIVE);
        assertThat(ports(Dispatcher.create(fresh, registry).snapshot(), 1, Algorithm.HASH_CALL_ID))
                .isEqualTo(portsThird);
    }

    private static Destination byPort(DispatcherSettings s, int setId, int port) {
        return s.set(setId).destinations().stream().filter(d -> d.port() == port).findFirst().orElseThrow();
    }

    @Test
    void aReloadKeepsTheViewOfAnUnchangedSet() {
        final Dispatcher d = Dispatcher.create(twoSets());
        final DispatchSnapshot before = d.snapshot();
        final int[] portsBefore = ports(before, 1, Algorithm.HASH_CALL_ID);

        // The same definitions, parsed again (new instances): both views are kept.
        d.reload(twoSets());
        final DispatchSnapshot same = d.snapshot();
        assertThat(same.version()).isEqualTo(before.version() + 1);
        assertThat(same.view(1)).isSameAs(before.view(1));
        assertThat(same.view(2)).isSameAs(before.view(2));
        assertThat(same.sets()).containsExactly(before.set(1), before.set(2));

        // Set 2 changes algorithm: only set 2 is rebuilt; sets() lists set 1's kept instance.
        d.reload(twoSets("", Algorithm.PRIORITY, HashMode.CONSISTENT));
        final DispatchSnapshot changed = d.snapshot();
        assertThat(changed.view(1)).isSameAs(before.view(1));
        assertThat(changed.view(1).cachedSelector(Selectors.CONSISTENT_HASH))
                .isSameAs(before.view(1).cachedSelector(Selectors.CONSISTENT_HASH));
        assertThat(changed.view(2)).isNotSameAs(before.view(2));
        assertThat(changed.sets().get(0)).isSameAs(before.set(1));
        assertThat(changed.set(2).algorithm()).isEqualTo(Algorithm.PRIORITY);
        for (Destination dest : changed.sets().get(0).destinations()) {
            assertThat(changed.isActive(dest)).isTrue();
        }
        assertThat(ports(changed, 1, Algorithm.HASH_CALL_ID)).isEqualTo(portsBefore);
        assertThat(changed.select(2, SelectionKey.NONE).destination())
                .isSameAs(changed.set(2).destinations().get(0));

        // A changed attribute of set 1 rebuilds set 1 (weights now matter), and keeps set 2.
        d.reload(twoSets("weight=10", Algorithm.PRIORITY, HashMode.CONSISTENT));
        assertThat(d.snapshot().view(1)).isNotSameAs(before.view(1));
        assertThat(d.snapshot().view(2)).isSameAs(changed.view(2));
        assertThat(d.snapshot().set(1).destinations().get(0).attributes().weight()).isEqualTo(10);

        // A changed hash mode rebuilds every set.
        final DispatchSnapshot consistent = d.snapshot();
        d.reload(twoSets("weight=10", Algorithm.PRIORITY, HashMode.KAMAILIO));
        assertThat(d.snapshot().view(1)).isNotSameAs(consistent.view(1));
        assertThat(d.snapshot().view(2)).isNotSameAs(consistent.view(2));
        assertThat(d.snapshot().view(1).cachedSelector(Selectors.KAMAILIO_HASH)).isNotNull();
        assertThat(d.snapshot().view(1).cachedSelector(Selectors.CONSISTENT_HASH)).isNull();
    }

    @Test
    void aReloadRebuildsAnUnchangedSetWhoseHealthChangedUnseen() {
        // A dispatcher that stopped following its registry misses a transition; the reload notices the view's
        // active flags no longer match the health and rebuilds the set.
        final StateRegistry registry = StateRegistry.create();
        final Dispatcher d = Dispatcher.create(twoSets(), registry);
        d.close();
        final DispatchSnapshot before = d.snapshot();
        d.state(byPort(before, 1, 5001)).setAdminState(HealthState.DISABLED, "test");
        assertThat(d.snapshot()).isSameAs(before);

        d.reload(twoSets());
        assertThat(d.snapshot().view(1)).isNotSameAs(before.view(1));
        assertThat(d.snapshot().view(2)).isSameAs(before.view(2));
        assertThat(d.snapshot().activeDestinations(1)).extracting(Destination::port)
                                                      .doesNotContain(5001).hasSize(3);
    }

    @Test
    void anotherAlgorithmsSelectorIsBuiltOnDemandAndGivesTheSameResults() {
        // Set 2 is round-robin; a routing rule selects it with hash-call-id. The first request builds a hash
        // selector without table (scoring the key's slot), the next generation of set 2 builds the table: both
        // give what a set whose own algorithm is hash-call-id gives.
        final Dispatcher d = Dispatcher.create(twoSets());
        assertThat(d.snapshot().view(2).cachedSelector(Selectors.CONSISTENT_HASH)).isNull();
        final int[] onDemand = ports(d.snapshot(), 2, Algorithm.HASH_CALL_ID);
        final ConsistentHashStrategy.Selector lazy =
                (ConsistentHashStrategy.Selector) d.snapshot().view(2).cachedSelector(Selectors.CONSISTENT_HASH);
        assertThat(lazy.table).isNull();

        final DispatcherSettings ownHash = twoSets("", Algorithm.HASH_CALL_ID, HashMode.CONSISTENT);
        final int[] reference = ports(Dispatcher.create(ownHash).snapshot(), 2, Algorithm.HASH_CALL_ID);
        assertThat(onDemand).isEqualTo(reference);

        d.refresh();
        final ConsistentHashStrategy.Selector rebuilt =
                (ConsistentHashStrategy.Selector) d.snapshot().view(2).cachedSelector(Selectors.CONSISTENT_HASH);
        assertThat(rebuilt.table).isNotNull();
        assertThat(ports(d.snapshot(), 2, Algorithm.HASH_CALL_ID)).isEqualTo(reference);
        // The set's own algorithm is unaffected.
        assertThat(d.select(2, SelectionKey.NONE).isSelected()).isTrue();
    }
}
