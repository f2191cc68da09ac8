package io.siplb.dispatch.state;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicReferenceArray;

import org.junit.jupiter.api.Test;

class StateRegistryTest {

    @Test
    void keysIdentifyByDuidWhenGivenElseByUri() {
        assertThat(DestinationKey.of(1, "sip:a", "gw1")).isEqualTo(DestinationKey.ofDuid(1, "gw1"));
        assertThat(DestinationKey.of(1, "sip:a", "gw1")).isEqualTo(DestinationKey.of(1, "sip:b", "gw1"));
        assertThat(DestinationKey.of(1, "sip:a", null)).isEqualTo(DestinationKey.ofUri(1, "sip:a"));
        assertThat(DestinationKey.of(1, "sip:a", "")).isEqualTo(DestinationKey.ofUri(1, "sip:a"));
        assertThat(DestinationKey.ofUri(1, "sip:a")).isNotEqualTo(DestinationKey.ofUri(2, "sip:a"));
        assertThat(DestinationKey.ofUri(1, "gw1")).isNotEqualTo(DestinationKey.ofDuid(1, "gw1"));
        assertThat(DestinationKey.ofUri(1, "sip:A")).isNotEqualTo(DestinationKey.ofUri(1, "sip:a"));
        assertThat(DestinationKey.ofUri(1, "sip:a").hashCode()).isEqualTo(DestinationKey.ofUri(1, "sip:a").hashCode());
        assertThat(DestinationKey.ofDuid(3, "gw1")).hasToString("3/duid=gw1");
        assertThatThrownBy(() -> DestinationKey.ofUri(1, "")).hasMessage("uri: \"\" (expected: a non-empty URI)");
    }

    @Test
    void getOrCreateKeepsStateAndIgnoresInitialForExistingKeys() {
        final StateRegistry r = StateRegistry.create();
        final DestinationKey k = DestinationKey.ofUri(1, "sip:10.0.0.1");
        final DestinationState s = r.getOrCreate(k, HealthState.DISABLED);
        assertThat(s.health()).isEqualTo(HealthState.DISABLED);
        assertThat(r.getOrCreate(k, HealthState.ACTIVE)).isSameAs(s);
        assertThat(s.health()).isEqualTo(HealthState.DISABLED);
        assertThat(r.get(k)).isSameAs(s);
        assertThat(r.get(DestinationKey.ofUri(1, "sip:other"))).isNull();
        assertThat(r.getOrCreate(DestinationKey.ofUri(1, "sip:p"), HealthState.PROBING).isProbed()).isTrue();
    }

    @Test
    void retainOnlyDropsWhatAReloadRemoved() {
        final StateRegistry r = StateRegistry.create();
        final DestinationKey k1 = DestinationKey.ofUri(1, "sip:a");
        final DestinationKey k2 = DestinationKey.ofUri(1, "sip:b");
        final DestinationKey k3 = DestinationKey.ofDuid(2, "gw");
        final DestinationState s1 = r.getOrCreate(k1);
        r.getOrCreate(k2);
        r.getOrCreate(k3);
        s1.probeFailed("timeout");
        assertThat(r.size()).isEqualTo(3);

        assertThat(r.retainOnly(Set.of(k1, k3))).isEqualTo(1);
        assertThat(r.size()).isEqualTo(2);
        assertThat(r.get(k2)).isNull();
        assertThat(r.getOrCreate(k1)).isSameAs(s1);
        assertThat(s1.health()).isEqualTo(HealthState.PROBING); // kept across the reload
        assertThat(r.retainOnly(List.of(k3))).isEqualTo(1);
        assertThat(r.states()).extracting(DestinationState::key).containsExactly(k3);
    }

    @Test
    void concurrentGetOrCreateYieldsOneStatePerKey() throws Exception {
        final StateRegistry r = StateRegistry.create();
        final int threads = 4;
        final int keys = 2000;
        final AtomicReferenceArray<DestinationState> first = new AtomicReferenceArray<>(keys);
        final CountDownLatch start = new CountDownLatch(1);
        final Thread[] ts = new Thread[threads];
        final boolean[] mismatch = new boolean[threads];
        for (int t = 0; t < threads; t++) {
            final int id = t;
            ts[t] = new Thread(() -> {
                try {
                    start.await();
                } catch (InterruptedException e) {
                    return;
                }
                for (int i = 0; i < keys; i++) {
                    final DestinationState s = r.getOrCreate(DestinationKey.ofUri(1, "sip:h" + i));
                    if (!first.compareAndSet(i, null, s) && first.get(i) != s) {
                        mismatch[id] = true;
                    }
                }
            });
            ts[t].start();
        }
        start.countDown();
        for (Thread t : ts) {
            t.join(30_000);
            assertThat(t.isAlive()).isFalse();
        }
        assertThat(mismatch).containsOnly(false);
        assertThat(r.size()).isEqualTo(keys);
    }

    @Test
    void removedListenersAreNotCalled() {
        final StateRegistry r = StateRegistry.create();
        final int[] calls = new int[1];
        final HealthListener l = (s, t) -> calls[0]++;
        r.addListener(l);
        final DestinationState s = r.getOrCreate(DestinationKey.ofUri(1, "sip:a"));
        s.probeFailed("x");
        assertThat(r.removeListener(l)).isTrue();
        s.probeSucceeded("y");
        assertThat(calls[0]).isEqualTo(1);
    }

    @Test
    void configValidation() {
        assertThatThrownBy(() -> StateConfig.builder().probingThreshold(0))
                .hasMessage("probingThreshold: 0 (expected: >= 1)");
        assertThatThrownBy(() -> StateConfig.builder().inactiveThreshold(-1))
                .hasMessage("inactiveThreshold: -1 (expected: >= 1)");
        assertThatThrownBy(() -> StateConfig.builder().latencyAlphaPermille(1000))
                .hasMessage("latencyAlphaPermille: 1000 (expected: 1..999)");
        assertThatThrownBy(() -> StateConfig.builder().historySize(0))
                .hasMessage("historySize: 0 (expected: 1..1024)");
        assertThat(StateConfig.defaults().probingThreshold()).isEqualTo(1);
        assertThat(StateConfig.defaults().latencyAlpha()).isEqualTo(0.1);
    }
}
