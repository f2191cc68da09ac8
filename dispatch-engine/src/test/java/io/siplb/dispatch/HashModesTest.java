package io.siplb.dispatch;

import static io.siplb.dispatch.TestSets.line;
import static io.siplb.dispatch.TestSets.lines;
import static io.siplb.dispatch.TestSets.settings;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import org.junit.jupiter.api.Test;

import io.siplb.dispatch.state.CallLoadTable;
import io.siplb.dispatch.state.HealthState;

class HashModesTest {

    private static final int KEYS = 100_000;

    /** Call-ID-like keys from a fixed seed. */
    private static String[] callIds() {
        final Random random = new Random(42);
        final String[] keys = new String[KEYS];
        for (int i = 0; i < KEYS; i++) {
            keys[i] = Long.toHexString(random.nextLong()) + '-' + i + "@192.0.2." + random.nextInt(255);
        }
        return keys;
    }

    private static int[] assign(Dispatcher d, String[] keys) {
        final int[] ports = new int[keys.length];
        for (int i = 0; i < keys.length; i++) {
            ports[i] = d.select(1, SelectionKey.of(keys[i])).destination().port();
        }
        return ports;
    }

    private static Destination byPort(Dispatcher d, int port) {
        return d.snapshot().set(1).destinations().stream().filter(x -> x.port() == port).findFirst().orElseThrow();
    }

    @Test
    void consistentModeMovesOnlyTheLostDestinationsKeysAndSpreadsThem() {
        for (int n : new int[] {3, 5, 10}) {
            final Dispatcher d = Dispatcher.create(settings(HashMode.CONSISTENT, Algorithm.HASH_CALL_ID,
                                                            lines(n, 6000, "")));
            final String[] keys = callIds();
            final int[] before = assign(d, keys);
            final int lost = 6000 + n / 2;
            d.state(byPort(d, lost)).setAdminState(HealthState.INACTIVE, "test");
            final int[] after = assign(d, keys);

            int moved = 0;
            final Map<Integer, Integer> load = new HashMap<>();
            for (int i = 0; i < KEYS; i++) {
                if (before[i] != after[i]) {
                    moved++;
                    assertThat(before[i]).as("only keys of the lost destination move").isEqualTo(lost);
                }
                load.merge(after[i], 1, Integer::sum);
            }
            assertThat(load).doesNotContainKey(lost);
            assertThat((double) moved / KEYS).as("moved, n=%d", n).isLessThanOrEqualTo(1.0 / n + 0.01);
            for (int count : load.values()) {
                assertThat((double) count / KEYS).as("survivor share, n=%d", n)
                                                 .isLessThanOrEqualTo(1.0 / (n - 1) + 0.02);
            }
        }
    }

    @Test
    void consistentModeKeepsKeysWhenADestinationIsRemovedByReload() {
        final int n = 8;
        final Dispatcher d = Dispatcher.create(settings(HashMode.CONSISTENT, Algorithm.HASH_CALL_ID,
                                                        lines(n, 6000, "")));
        final String[] keys = callIds();
        final int[] before = assign(d, keys);
        final TestSets.Line[] fewer = Arrays.copyOf(lines(n, 6000, ""), n - 1); // 6007 removed
        d.reload(settings(HashMode.CONSISTENT, Algorithm.HASH_CALL_ID, fewer));
        final int[] after = assign(d, keys);
        int moved = 0;
        for (int i = 0; i < KEYS; i++) {
            if (before[i] != after[i]) {
                moved++;
                assertThat(before[i]).isEqualTo(6007);
            }
        }
        assertThat((double) moved / KEYS).isLessThanOrEqualTo(1.0 / n + 0.01).isGreaterThan(0);
        // Adding it back restores the original assignment exactly.
        d.reload(settings(HashMode.CONSISTENT, Algorithm.HASH_CALL_ID, lines(n, 6000, "")));
        assertThat(assign(d, keys)).isEqualTo(before);
    }

    @Test
    void incrementalTableUpdatesEqualAFreshComputation() {
        // Destinations go down and up in a random order; after each change the dispatcher (which updates its
        // table from the previous one) must assign every key as a dispatcher built from scratch in that state.
        final int n = 12;
        final TestSets.Line[] lines = new TestSets.Line[n];
        for (int i = 0; i < n; i++) {
            lines[i] = line(6000 + i, 0, 0, "weight=" + (5 + 7 * i % 40));
        }
        final Dispatcher d = Dispatcher.create(settings(HashMode.CONSISTENT, Algorithm.HASH_CALL_ID, lines));
        final String[] keys = Arrays.copyOf(callIds(), 20_000);
        final boolean[] down = new boolean[n];
        final Random random = new Random(7);
        for (int step = 0; step < 25; step++) {
            final int i = random.nextInt(n);
            down[i] = !down[i];
            d.state(byPort(d, 6000 + i)).setAdminState(down[i] ? HealthState.INACTIVE : HealthState.ACTIVE, "test");
            final TestSets.Line[] now = new TestSets.Line[n];
            for (int j = 0; j < n; j++) {
                now[j] = line(6000 + j, down[j] ? 1 : 0, 0, lines[j].attrs);
            }
            final Dispatcher fresh = Dispatcher.create(settings(HashMode.CONSISTENT, Algorithm.HASH_CALL_ID, now));
            if (fresh.snapshot().activeDestinations(1).isEmpty()) {
                continue;
            }
            assertThat(assign(d, keys)).as("step %d", step).isEqualTo(assign(fresh, keys));
        }
    }

    @Test
    void consistentModeSplitsByWeight() {
        final Dispatcher d = Dispatcher.create(settings(HashMode.CONSISTENT, Algorithm.HASH_CALL_ID,
                                                        line(6000, 0, 0, "weight=10"), line(6001, 0, 0, "weight=30"),
                                                        line(6002, 0, 0, "weight=60")));
        final Map<Integer, Integer> load = new HashMap<>();
        for (int p : assign(d, callIds())) {
            load.merge(p, 1, Integer::sum);
        }
        assertThat(load.get(6000)).isBetween(9_000, 11_000);
        assertThat(load.get(6001)).isBetween(29_000, 31_000);
        assertThat(load.get(6002)).isBetween(59_000, 61_000);
    }

    @Test
    void consistentModeIsIndependentOfConfigurationOrder() {
        final String[] keys = callIds();
        final TestSets.Line[] forward = lines(6, 6000, "");
        final TestSets.Line[] backward = new TestSets.Line[6];
        for (int i = 0; i < 6; i++) {
            backward[i] = forward[5 - i];
        }
        assertThat(assign(Dispatcher.create(settings(HashMode.CONSISTENT, Algorithm.HASH_CALL_ID, forward)), keys))
                .isEqualTo(assign(Dispatcher.create(settings(HashMode.CONSISTENT, Algorithm.HASH_CALL_ID, backward)),
                                  keys));
    }

    @Test
    void boundedLoadSendsAKeyPastAnOverloadedFirstChoice() {
        final TestSets.Line[] lines = lines(4, 6000, "");
        final DispatcherSettings plain = settings(HashMode.CONSISTENT, Algorithm.HASH_CALL_ID, lines);
        final DispatcherSettings bounded = DispatcherSettings.builder().hashMode(HashMode.CONSISTENT)
                                                             .boundedLoadFactor(1.25).addSet(plain.set(1)).build();
        final Dispatcher d = Dispatcher.create(bounded);
        final SelectionKey key = SelectionKey.of("bounded-load-key@host");
        final Destination first = d.select(1, key).destination();
        // The key's second rendezvous choice: where it goes when the first is gone.
        d.state(first).setAdminState(HealthState.INACTIVE, "test");
        final Destination second = d.select(1, key).destination();
        d.state(first).setAdminState(HealthState.ACTIVE, "test");
        assertThat(d.select(1, key).destination()).isSameAs(first);

        // 10 calls on the first choice, none elsewhere: cap = ceil(1.25 * 11 / 4) = 4.
        final CallLoadTable calls = CallLoadTable.builder().build();
        for (int i = 0; i < 10; i++) {
            calls.add("c" + i, d.state(first));
        }
        assertThat(d.select(1, key).destination()).isSameAs(second);
        for (int i = 0; i < 10; i++) {
            calls.release("c" + i);
        }
        assertThat(d.select(1, key).destination()).isSameAs(first);
    }

    @Test
    void boundedLoadKeepsEveryDestinationWithinTheFactorOfTheMean() {
        // Weights 10/10/10/70 would put 70 % of the calls on one destination; c = 1.25 caps it at 31.25 %.
        final DispatcherSettings plain = settings(HashMode.CONSISTENT, Algorithm.HASH_CALL_ID,
                                                  line(6000, 0, 0, "weight=10"), line(6001, 0, 0, "weight=10"),
                                                  line(6002, 0, 0, "weight=10"), line(6003, 0, 0, "weight=70"));
        final Dispatcher d = Dispatcher.create(DispatcherSettings.builder().hashMode(HashMode.CONSISTENT)
                                                                 .boundedLoadFactor(1.25).addSet(plain.set(1))
                                                                 .build());
        final CallLoadTable calls = CallLoadTable.builder().build();
        final String[] keys = Arrays.copyOf(callIds(), 20_000);
        for (int i = 0; i < keys.length; i++) {
            final Destination dest = d.select(1, SelectionKey.of(keys[i])).destination();
            assertThat(calls.add(keys[i], d.state(dest)).isAdded()).isTrue();
            // The cap holds after every placement, not only at the end.
            final double cap = Math.ceil(1.25 * (i + 1) / 4.0);
            assertThat(d.state(dest).activeCalls()).isLessThanOrEqualTo((int) cap);
        }
        int max = 0;
        for (Destination dest : d.snapshot().set(1).destinations()) {
            max = Math.max(max, d.state(dest).activeCalls());
        }
        assertThat(max).isEqualTo(6250); // 1.25 x 20000 / 4: the heavy destination is held at the cap
    }

    @Test
    void kamailioModeReproducesKamailioSlotsAndNextActive() throws IOException {
        // Seven destinations with equal priority: Kamailio's index i is the (7 - i)-th line of the list.
        final Dispatcher d = Dispatcher.create(settings(HashMode.KAMAILIO, Algorithm.HASH_CALL_ID,
                                                        lines(7, 7001, "")));
        final List<Destination> index = d.snapshot().set(1).destinations();
        for (int i = 0; i < 7; i++) {
            assertThat(index.get(i).port()).isEqualTo(7007 - i);
        }
        int checked = 0;
        try (InputStream in = getClass().getResourceAsStream("/kamailio-hash/vectors.tsv")) {
            for (String line : new String(in.readAllBytes(), StandardCharsets.US_ASCII).split("\n")) {
                final String[] f = line.split("\t");
                if (!"-".equals(f[1]) || f[0].contains("\\x")) {
                    continue;
                }
                final int slot = Integer.parseInt(f[3]); // hash % 7, computed by the C program
                final Selection s = d.select(1, SelectionKey.of(f[0]));
                assertThat(s.destination()).as(f[0]).isSameAs(index.get(slot));
                // Failover: the active ones after it, wrapping.
                for (int j = 0; j < 7; j++) {
                    assertThat(s.get(j)).isSameAs(index.get((slot + j) % 7));
                }
                checked++;
            }
        }
        assertThat(checked).isEqualTo(19);

        // "call-1" hashes to slot 5 (port 7002); with index 5 inactive, Kamailio takes the next active: 6.
        d.state(index.get(5)).setAdminState(HealthState.INACTIVE, "test");
        final Selection s = d.select(1, SelectionKey.of("call-1"));
        assertThat(s.destination()).isSameAs(index.get(6));
        assertThat(s.destinations()).containsExactly(index.get(6), index.get(0), index.get(1), index.get(2),
                                                     index.get(3), index.get(4));
        // Index 6 inactive as well: the scan wraps to index 0.
        d.state(index.get(6)).setAdminState(HealthState.DISABLED, "test");
        assertThat(d.select(1, SelectionKey.of("call-1")).destination()).isSameAs(index.get(0));
    }

    @Test
    void kamailioModeHashesUriUserAndHostPort() {
        final Dispatcher d = Dispatcher.create(settings(HashMode.KAMAILIO, Algorithm.HASH_FROM_URI,
                                                        lines(7, 7001, "")));
        // alice + atlanta.example.com: hash 654714186, % 7 = 0 (vectors.tsv).
        assertThat(d.select(1, SelectionKey.of("alice", "atlanta.example.com")).destination())
                .isSameAs(d.snapshot().set(1).destinations().get(0));
        // bob + biloxi.example.com:5070: % 7 = 2.
        assertThat(d.select(1, SelectionKey.of("bob", "biloxi.example.com:5070")).destination())
                .isSameAs(d.snapshot().set(1).destinations().get(2));
    }

    @Test
    void kamailioModeDoublesTheNeighbourWhileConsistentModeSpreads() {
        // The behaviour behind Kamailio issue #2361, measured.
        final String[] keys = callIds();
        final Dispatcher k = Dispatcher.create(settings(HashMode.KAMAILIO, Algorithm.HASH_CALL_ID,
                                                        lines(6, 6000, "")));
        k.state(byPort(k, 6003)).setAdminState(HealthState.INACTIVE, "test");
        final Map<Integer, Integer> load = new HashMap<>();
        for (int p : assign(k, keys)) {
            load.merge(p, 1, Integer::sum);
        }
        assertThat(new ArrayList<>(load.values()).stream().mapToInt(Integer::intValue).max().orElseThrow())
                .isGreaterThan(KEYS * 3 / 10);
    }
}
