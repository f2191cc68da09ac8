package io.siplb.dispatch;

import static io.siplb.dispatch.TestSets.line;
import static io.siplb.dispatch.TestSets.lines;
import static io.siplb.dispatch.TestSets.settings;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

import io.siplb.dispatch.state.CallLoadTable;
import io.siplb.dispatch.state.HealthState;

class CallLoadSelectionTest {

    private static Destination byPort(Dispatcher d, int port) {
        return d.snapshot().set(1).destinations().stream().filter(x -> x.port() == port).findFirst().orElseThrow();
    }

    private static void load(Dispatcher d, CallLoadTable calls, int port, int count) {
        final int first = calls.size();
        for (int i = 0; i < count; i++) {
            assertThat(calls.add(port + "-" + (first + i), d.state(byPort(d, port))).isAdded()).isTrue();
        }
    }

    @Test
    void picksTheLeastLoadedWithTiesToTheLowerIndex() {
        final Dispatcher d = Dispatcher.create(settings(HashMode.CONSISTENT, Algorithm.CALL_LOAD,
                                                        lines(3, 5000, "")));
        final CallLoadTable calls = CallLoadTable.builder().build();
        // Index order: 5002, 5001, 5000. All idle: index 0.
        assertThat(d.select(1, SelectionKey.NONE).destination().port()).isEqualTo(5002);
        load(d, calls, 5002, 5);
        load(d, calls, 5001, 3);
        load(d, calls, 5000, 7);
        final Selection s = d.select(1, SelectionKey.NONE);
        assertThat(s.destination().port()).isEqualTo(5001);
        assertThat(s.destinations()).extracting(Destination::port).containsExactly(5001, 5000, 5002);
        load(d, calls, 5001, 4); // 5, 7, 7
        assertThat(d.select(1, SelectionKey.NONE).destination().port()).isEqualTo(5002);
    }

    @Test
    void skipsDestinationsAtMaxloadAndInactiveOnes() {
        final Dispatcher d = Dispatcher.create(settings(HashMode.CONSISTENT, Algorithm.CALL_LOAD,
                                                        line(5000, 0, 0, "maxload=2"), line(5001, 0, 0, "maxload=3"),
                                                        line(5002, 1, 0, "")));
        final CallLoadTable calls = CallLoadTable.builder().build();
        load(d, calls, 5001, 3); // at maxload: calls 5001-0 .. 5001-2
        load(d, calls, 5000, 1);
        final Selection s = d.select(1, SelectionKey.NONE);
        assertThat(s.destination().port()).isEqualTo(5000);
        assertThat(s.destinations()).extracting(Destination::port).containsExactly(5000);
        load(d, calls, 5000, 1);
        assertThat(d.select(1, SelectionKey.NONE).status()).isEqualTo(Selection.Status.NO_ACTIVE_DESTINATION);
        calls.release("5001-0");
        assertThat(d.select(1, SelectionKey.NONE).destination().port()).isEqualTo(5001);
        d.state(byPort(d, 5002)).setAdminState(HealthState.ACTIVE, "test");
        assertThat(d.select(1, SelectionKey.NONE).destination().port()).isEqualTo(5002);
    }

    @Test
    void staysBalancedUnderConcurrentSelectionsAndReleases() throws Exception {
        final int destinations = 4;
        final int threads = 8;
        final int callsPerThread = 10_000;
        final Dispatcher d = Dispatcher.create(settings(HashMode.CONSISTENT, Algorithm.CALL_LOAD,
                                                        lines(destinations, 5000, "")));
        final CallLoadTable calls = CallLoadTable.builder().maxCalls(threads * callsPerThread).build();
        final ExecutorService pool = Executors.newFixedThreadPool(threads);
        final CountDownLatch start = new CountDownLatch(1);
        try {
            final List<Future<?>> futures = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                final int thread = t;
                futures.add(pool.submit(() -> {
                    start.await();
                    for (int i = 0; i < callsPerThread; i++) {
                        final Destination dest = d.select(1, SelectionKey.NONE).destination();
                        final String callId = thread + "-" + i;
                        assertThat(calls.add(callId, d.state(dest)).isAdded()).isTrue();
                        if (i % 3 == 2) {
                            assertThat(calls.release(thread + "-" + (i - 1))).isTrue(); // churn
                        }
                    }
                    return null;
                }));
            }
            start.countDown();
            for (Future<?> f : futures) {
                f.get(60, TimeUnit.SECONDS);
            }
        } finally {
            pool.shutdownNow();
            assertThat(pool.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
        }
        int min = Integer.MAX_VALUE;
        int max = 0;
        int total = 0;
        for (Destination dest : d.snapshot().set(1).destinations()) {
            final int active = d.state(dest).activeCalls();
            min = Math.min(min, active);
            max = Math.max(max, active);
            total += active;
        }
        assertThat(total).isEqualTo(calls.size()).isEqualTo(threads * (callsPerThread - callsPerThread / 3));
        // Each pick reads the live counters; a pick can only be stale by the calls other threads are placing.
        assertThat(max - min).isLessThanOrEqualTo(2 * threads);
    }
}
