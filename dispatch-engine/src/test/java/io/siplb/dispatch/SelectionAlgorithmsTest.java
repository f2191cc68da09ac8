package io.siplb.dispatch;

import static io.siplb.dispatch.TestSets.line;
import static io.siplb.dispatch.TestSets.lines;
import static io.siplb.dispatch.TestSets.settings;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.Test;

import io.siplb.dispatch.state.HealthState;
import io.siplb.dispatch.state.StateConfig;
import io.siplb.dispatch.state.StateRegistry;

class SelectionAlgorithmsTest {

    private static Map<Integer, Integer> picks(Dispatcher d, Algorithm a, int count) {
        final Map<Integer, Integer> counts = new HashMap<>();
        for (int i = 0; i < count; i++) {
            final Selection s = d.select(1, a, SelectionKey.NONE);
            assertThat(s.isSelected()).isTrue();
            counts.merge(s.destination().port(), 1, Integer::sum);
        }
        return counts;
    }

    private static List<Integer> ports(List<Destination> ds) {
        final List<Integer> ports = new ArrayList<>();
        for (Destination d : ds) {
            ports.add(d.port());
        }
        return ports;
    }

    @Test
    void roundRobinSharesAreExactOver100kPicks() {
        final Dispatcher d = Dispatcher.create(settings(HashMode.CONSISTENT, Algorithm.ROUND_ROBIN,
                                                        lines(5, 5000, "")));
        assertThat(picks(d, Algorithm.ROUND_ROBIN, 100_000))
                .containsOnly(Map.entry(5000, 20_000), Map.entry(5001, 20_000), Map.entry(5002, 20_000),
                              Map.entry(5003, 20_000), Map.entry(5004, 20_000));
    }

    @Test
    void roundRobinSkipsInactiveDestinationsWithoutDoublingANeighbour() {
        final Dispatcher d = Dispatcher.create(settings(HashMode.CONSISTENT, Algorithm.ROUND_ROBIN,
                                                        line(5000), line(5001, 1, 0, ""), line(5002),
                                                        line(5003, 4, 0, ""), line(5004)));
        assertThat(picks(d, Algorithm.ROUND_ROBIN, 99_999))
                .containsOnly(Map.entry(5000, 33_333), Map.entry(5002, 33_333), Map.entry(5004, 33_333));
    }

    @Test
    void roundRobinStartsAtIndexZeroInKamailioOrder() {
        // Equal priorities: index order is the reverse of the configuration order.
        final Dispatcher d = Dispatcher.create(settings(HashMode.CONSISTENT, Algorithm.ROUND_ROBIN,
                                                        lines(3, 5000, "")));
        final List<Integer> order = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            order.add(d.select(1, SelectionKey.NONE).destination().port());
        }
        assertThat(order).containsExactly(5002, 5001, 5000, 5002, 5001, 5000);
        assertThat(ports(d.select(1, SelectionKey.NONE).destinations())).containsExactly(5002, 5001, 5000);
        assertThat(ports(d.select(1, SelectionKey.NONE).destinations())).containsExactly(5001, 5000, 5002);
    }

    @Test
    void weightedSharesAreExactOver100kPicks() {
        final Dispatcher d = Dispatcher.create(settings(HashMode.CONSISTENT, Algorithm.WEIGHTED,
                                                        line(5000, 0, 0, "weight=50"), line(5001, 0, 0, "weight=30"),
                                                        line(5002, 0, 0, "weight=15"),
                                                        line(5003, 0, 0, "weight=5")));
        assertThat(picks(d, Algorithm.WEIGHTED, 100_000))
                .containsOnly(Map.entry(5000, 50_000), Map.entry(5001, 30_000), Map.entry(5002, 15_000),
                              Map.entry(5003, 5_000));
    }

    @Test
    void weightedSharesAreExactInEveryWindowOfOneCycle() {
        // Weights 1, 2, 3 (sum 6): every 6 consecutive picks hold exactly 1, 2 and 3 of each.
        final Dispatcher d = Dispatcher.create(settings(HashMode.CONSISTENT, Algorithm.WEIGHTED,
                                                        line(5001, 0, 0, "weight=1"), line(5002, 0, 0, "weight=2"),
                                                        line(5003, 0, 0, "weight=3")));
        final int[] seq = new int[100_002];
        for (int i = 0; i < seq.length; i++) {
            seq[i] = d.select(1, SelectionKey.NONE).destination().port();
        }
        int badWindows = 0;
        for (int start = 0; start + 6 <= seq.length; start++) {
            final int[] c = new int[4];
            for (int i = start; i < start + 6; i++) {
                c[seq[i] - 5000]++;
            }
            if (c[1] != 1 || c[2] != 2 || c[3] != 3) {
                badWindows++;
            }
        }
        assertThat(badWindows).isZero();
        // Smooth interleaving (nginx) in index order 5003 (3), 5002 (2), 5001 (1): a b a c b a.
        assertThat(new int[] {seq[0], seq[1], seq[2], seq[3], seq[4], seq[5]})
                .containsExactly(5003, 5002, 5003, 5001, 5002, 5003);
    }

    @Test
    void weightedUsesOnlyActiveDestinations() {
        final Dispatcher d = Dispatcher.create(settings(HashMode.CONSISTENT, Algorithm.WEIGHTED,
                                                        line(5000, 0, 0, "weight=50"), line(5001, 1, 0, "weight=30"),
                                                        line(5002, 0, 0, "weight=20")));
        assertThat(picks(d, Algorithm.WEIGHTED, 70_000)).containsOnly(Map.entry(5000, 50_000),
                                                                      Map.entry(5002, 20_000));
    }

    @Test
    void relativeWeightSharesAreExactOverActiveDestinations() {
        final Dispatcher d = Dispatcher.create(settings(HashMode.CONSISTENT, Algorithm.RELATIVE_WEIGHT,
                                                        line(5000, 0, 0, "rweight=10"), line(5001, 0, 0, "rweight=20"),
                                                        line(5002, 0, 0, "rweight=70"),
                                                        line(5003, 0, 0, "rweight=50")));
        assertThat(picks(d, Algorithm.RELATIVE_WEIGHT, 150_000))
                .containsOnly(Map.entry(5000, 10_000), Map.entry(5001, 20_000), Map.entry(5002, 70_000),
                              Map.entry(5003, 50_000));
        final Destination gone = d.snapshot().set(1).destinations().stream().filter(x -> x.port() == 5003)
                                  .findFirst().orElseThrow();
        d.state(gone).setAdminState(HealthState.INACTIVE, "test");
        assertThat(picks(d, Algorithm.RELATIVE_WEIGHT, 100_000))
                .containsOnly(Map.entry(5000, 10_000), Map.entry(5001, 20_000), Map.entry(5002, 70_000));
    }

    @Test
    void relativeWeightCongestionControlLowersTheCongestedDestination() {
        final Dispatcher d = Dispatcher.create(settings(HashMode.CONSISTENT, Algorithm.RELATIVE_WEIGHT,
                                                        line(5000, 0, 0, "rweight=50;weight=50;cc=1"),
                                                        line(5001, 0, 0, "rweight=50;weight=50;cc=1")));
        final Destination slow = d.snapshot().set(1).destinations().get(0);
        for (int i = 0; i < 30; i++) {
            d.state(slow).latency().recordMillis(10);
        }
        for (int i = 0; i < 3; i++) {
            d.state(slow).latency().recordMillis(200);
        }
        final double congestion = d.state(slow).latency().estimateMillis()
                                  - d.state(slow).latency().averageMillis();
        assertThat(congestion).isGreaterThan(1);
        d.refresh();
        final int slowWeight = Math.max(0, 50 - (int) congestion);
        final Map<Integer, Integer> counts = picks(d, Algorithm.RELATIVE_WEIGHT, (slowWeight + 50) * 1000);
        assertThat(counts.get(slow.port())).isEqualTo(slowWeight * 1000);
        assertThat(counts.get(slow.port() == 5000 ? 5001 : 5000)).isEqualTo(50_000);
    }

    @Test
    void relativeWeightWhenEveryCcDestinationIsCongestedFavoursTheLeastCongested() {
        // weight=1: any congestion of 1 ms or more brings rweight to 0, so both are congested and none is normal.
        final Dispatcher d = Dispatcher.create(settings(HashMode.CONSISTENT, Algorithm.RELATIVE_WEIGHT,
                                                        line(5000, 0, 0, "rweight=50;weight=1;cc=1"),
                                                        line(5001, 0, 0, "rweight=50;weight=1;cc=1")));
        final Destination a = d.snapshot().set(1).destinations().get(0);
        final Destination b = d.snapshot().set(1).destinations().get(1);
        for (Destination x : new Destination[] {a, b}) {
            for (int i = 0; i < 30; i++) {
                d.state(x).latency().recordMillis(10);
            }
        }
        for (int i = 0; i < 3; i++) {
            d.state(a).latency().recordMillis(100);
            d.state(b).latency().recordMillis(400);
        }
        d.refresh();
        final int ca = (int) (d.state(a).latency().estimateMillis() - d.state(a).latency().averageMillis());
        final int cb = (int) (d.state(b).latency().estimateMillis() - d.state(b).latency().averageMillis());
        assertThat(ca).isPositive().isLessThan(cb);
        // Kamailio: rweight = (sum of congestion << 4) / own congestion.
        final int wa = ((ca + cb) << 4) / ca;
        final int wb = ((ca + cb) << 4) / cb;
        final Map<Integer, Integer> counts = picks(d, Algorithm.RELATIVE_WEIGHT, (wa + wb) * 100);
        assertThat(counts.get(a.port())).isEqualTo(wa * 100);
        assertThat(counts.get(b.port())).isEqualTo(wb * 100);
    }

    @Test
    void weightedGivesNothingToDestinationsWithoutAWeightAndRoundRobinWhenNoneHasOne() {
        final Dispatcher some = Dispatcher.create(settings(HashMode.CONSISTENT, Algorithm.WEIGHTED,
                                                           line(5000, 0, 0, "weight=20"), line(5001),
                                                           line(5002, 0, 0, "weight=60")));
        assertThat(picks(some, Algorithm.WEIGHTED, 4000)).containsOnly(Map.entry(5000, 1000), Map.entry(5002, 3000));
        final Dispatcher none = Dispatcher.create(settings(HashMode.CONSISTENT, Algorithm.WEIGHTED,
                                                           lines(2, 5000, "")));
        assertThat(picks(none, Algorithm.WEIGHTED, 4000)).containsOnly(Map.entry(5000, 2000), Map.entry(5001, 2000));
    }

    @Test
    void priorityPicksTheFirstActiveInPriorityOrder() {
        final Dispatcher d = Dispatcher.create(settings(HashMode.CONSISTENT, Algorithm.PRIORITY,
                                                        line(5000, 0, 1, ""), line(5001, 0, 9, ""),
                                                        line(5002, 0, 5, "")));
        assertThat(ports(d.select(1, SelectionKey.NONE).destinations())).containsExactly(5001, 5002, 5000);
        assertThat(ports(d.select(1, Algorithm.fromConfig("serial"), SelectionKey.NONE).destinations()))
                .containsExactly(5001, 5002, 5000);
        final Destination top = d.snapshot().set(1).destinations().get(0);
        d.state(top).mark(HealthState.INACTIVE, "test");
        assertThat(ports(d.select(1, Algorithm.fromConfig("8"), SelectionKey.NONE).destinations()))
                .containsExactly(5002, 5000);
    }

    @Test
    void parallelReturnsEveryActiveDestination() {
        final Dispatcher d = Dispatcher.create(settings(HashMode.CONSISTENT, Algorithm.PARALLEL,
                                                        line(5000), line(5001, 1, 0, ""), line(5002)));
        final Selection s = d.select(1, SelectionKey.NONE);
        assertThat(s.isParallel()).isTrue();
        assertThat(ports(s.destinations())).containsExactly(5002, 5000);
    }

    @Test
    void roundRobinOrSerialDependsOnPriorities() {
        final Dispatcher rr = Dispatcher.create(settings(HashMode.CONSISTENT, Algorithm.ROUND_ROBIN_OR_SERIAL,
                                                         line(5000, 0, 3, ""), line(5001, 0, 3, "")));
        assertThat(picks(rr, Algorithm.ROUND_ROBIN_OR_SERIAL, 1000))
                .containsOnly(Map.entry(5000, 500), Map.entry(5001, 500));
        final Dispatcher zero = Dispatcher.create(settings(HashMode.CONSISTENT, Algorithm.ROUND_ROBIN_OR_SERIAL,
                                                           line(5000, 0, 0, ""), line(5001, 0, 0, "")));
        assertThat(picks(zero, Algorithm.ROUND_ROBIN_OR_SERIAL, 1000)).containsOnly(Map.entry(5001, 1000));
        final Dispatcher mixed = Dispatcher.create(settings(HashMode.CONSISTENT, Algorithm.ROUND_ROBIN_OR_SERIAL,
                                                            line(5000, 0, 3, ""), line(5001, 0, 2, "")));
        assertThat(picks(mixed, Algorithm.ROUND_ROBIN_OR_SERIAL, 1000)).containsOnly(Map.entry(5000, 1000));
    }

    @Test
    void latencyLowersThePriorityOfASlowDestination() {
        // prio 10 with 50 ms: 10 - 50 / 10 = 5, below the prio 8 destination without latency.
        final Dispatcher d = Dispatcher.create(settings(HashMode.CONSISTENT, Algorithm.LATENCY,
                                                        line(5000, 0, 10, "latency=50"), line(5001, 0, 8, ""),
                                                        line(5002, 0, 3, "")));
        for (int i = 0; i < 10; i++) {
            assertThat(ports(d.select(1, SelectionKey.NONE).destinations())).containsExactly(5001, 5000, 5002);
        }
        final Dispatcher fast = Dispatcher.create(settings(HashMode.CONSISTENT, Algorithm.LATENCY,
                                                           line(5000, 0, 10, "latency=5"), line(5001, 0, 8, "")));
        assertThat(d.select(1, SelectionKey.NONE).destination().port()).isEqualTo(5001);
        assertThat(fast.select(1, SelectionKey.NONE).destination().port()).isEqualTo(5000);
    }

    @Test
    void latencyWithEqualPrioritiesAndNoLatencyIsRoundRobin() {
        final Dispatcher d = Dispatcher.create(settings(HashMode.CONSISTENT, Algorithm.LATENCY,
                                                        lines(3, 5000, "")));
        assertThat(picks(d, Algorithm.LATENCY, 3000))
                .containsOnly(Map.entry(5000, 1000), Map.entry(5001, 1000), Map.entry(5002, 1000));
    }

    @Test
    void priorityWeightPrefersTheLowestPriorityValueAndSplitsByWeight() {
        final Dispatcher d = Dispatcher.create(settings(HashMode.CONSISTENT, Algorithm.PRIORITY_WEIGHT,
                                                        line(5000, 0, 1, "weight=10"), line(5001, 0, 1, "weight=30"),
                                                        line(5002, 0, 2, "weight=100")));
        final Map<Integer, Integer> counts = picks(d, Algorithm.PRIORITY_WEIGHT, 100_000);
        assertThat(counts).containsOnlyKeys(5000, 5001);
        assertThat(counts.get(5000)).isBetween(23_000, 27_000);
        final Selection s = d.select(1, SelectionKey.NONE);
        assertThat(s.destinations().get(s.size() - 1).port()).isEqualTo(5002);
        assertThat(s.size()).isEqualTo(3);
    }

    @Test
    void randomChoosesUniformlyAmongActiveDestinations() {
        final Dispatcher d = Dispatcher.create(settings(HashMode.CONSISTENT, Algorithm.RANDOM,
                                                        line(5000), line(5001), line(5002, 1, 0, ""), line(5003)));
        final Map<Integer, Integer> counts = picks(d, Algorithm.RANDOM, 90_000);
        assertThat(counts).containsOnlyKeys(5000, 5001, 5003);
        for (int c : counts.values()) {
            assertThat(c).isBetween(28_500, 31_500);
        }
    }

    @Test
    void overloadControlSkipsExactlyTheAdvertisedRateWhileValid() {
        final AtomicLong now = new AtomicLong();
        final StateRegistry registry = new StateRegistry(StateConfig.builder().ticker(now::get).build());
        final Dispatcher d = Dispatcher.create(settings(HashMode.CONSISTENT, Algorithm.ROUND_ROBIN_OVERLOAD_CONTROL,
                                                        line(5000), line(5001)), registry);
        assertThat(d.setOverloadControl(1, "sip:127.0.0.1:5000", 50, 10_000, 1)).isTrue();
        assertThat(d.setOverloadControl(1, "127.0.0.1:5000", 10, 10_000, 1)).isFalse(); // same seq
        assertThat(d.setOverloadControl(1, "sip:127.0.0.1:5999", 10, 10_000, 2)).isFalse();
        // Round-robin offers 5000 half of the time; it takes exactly half of those offers.
        assertThat(picks(d, Algorithm.ROUND_ROBIN_OVERLOAD_CONTROL, 1000))
                .containsOnly(Map.entry(5000, 250), Map.entry(5001, 750));
        now.addAndGet(10_000_000_001L);
        assertThat(picks(d, Algorithm.ROUND_ROBIN_OVERLOAD_CONTROL, 1000))
                .containsOnly(Map.entry(5000, 500), Map.entry(5001, 500));
        assertThat(d.setOverloadControl(1, "sip:127.0.0.1:5000", 100, 10_000, 2)).isTrue();
        assertThat(d.setOverloadControl(1, "sip:127.0.0.1:5001", 100, 10_000, 1)).isTrue();
        assertThat(d.select(1, SelectionKey.NONE).status()).isEqualTo(Selection.Status.NO_ACTIVE_DESTINATION);
    }

    @Test
    void overloadControlRateIsClampedToOcminOcmax() {
        final Dispatcher d = Dispatcher.create(settings(HashMode.CONSISTENT, Algorithm.ROUND_ROBIN_OVERLOAD_CONTROL,
                                                        line(5000, 0, 0, "ocmax=20"), line(5001)));
        final Destination limited = d.snapshot().set(1).destinations().stream().filter(x -> x.port() == 5000)
                                     .findFirst().orElseThrow();
        assertThat(d.setOverloadControl(1, "sip:127.0.0.1:5000", 90, 60_000, 1)).isTrue();
        assertThat(d.state(limited).overload().rate()).isEqualTo(20);
    }

    @Test
    void reasonsWhenNothingIsSelected() {
        final Dispatcher d = Dispatcher.create(settings(HashMode.CONSISTENT, Algorithm.HASH_CALL_ID,
                                                        line(5000, 1, 0, ""), line(5001, 4, 0, "")));
        assertThat(d.select(2, SelectionKey.NONE).status()).isEqualTo(Selection.Status.NO_SUCH_SET);
        assertThat(d.select(1, SelectionKey.of("x")).status()).isEqualTo(Selection.Status.NO_ACTIVE_DESTINATION);
        assertThat(d.select(1, SelectionKey.of("x")).destination()).isNull();
        final Dispatcher up = Dispatcher.create(settings(HashMode.CONSISTENT, Algorithm.HASH_KEY, lines(2, 5000, "")));
        assertThat(up.select(1, SelectionKey.of("  ")).status()).isEqualTo(Selection.Status.MISSING_KEY);
        assertThat(up.select(1, Algorithm.HASH_CALL_ID, SelectionKey.NONE).status())
                .isEqualTo(Selection.Status.MISSING_KEY);
    }

    @Test
    void hashAuthUsernameFallsBackToRoundRobin() {
        final Dispatcher d = Dispatcher.create(settings(HashMode.CONSISTENT, Algorithm.HASH_AUTH_USERNAME,
                                                        lines(2, 5000, "")));
        assertThat(picks(d, Algorithm.HASH_AUTH_USERNAME, 1000))
                .containsOnly(Map.entry(5000, 500), Map.entry(5001, 500));
        final int first = d.select(1, SelectionKey.of("alice")).destination().port();
        for (int i = 0; i < 10; i++) {
            assertThat(d.select(1, SelectionKey.of("alice")).destination().port()).isEqualTo(first);
        }
    }

    @Test
    void limitCapsTheFailoverList() {
        final Dispatcher d = Dispatcher.create(settings(HashMode.CONSISTENT, Algorithm.PRIORITY,
                                                        lines(4, 5000, "")));
        final Selection s = d.select(1, SelectionKey.NONE);
        assertThat(s.size()).isEqualTo(4);
        assertThat(s.limit(2).size()).isEqualTo(2);
        assertThat(s.limit(2).failover()).hasSize(1);
        assertThat(s.limit(0)).isSameAs(s);
        assertThat(ports(s.failover())).containsExactly(5002, 5001, 5000);
    }
}
