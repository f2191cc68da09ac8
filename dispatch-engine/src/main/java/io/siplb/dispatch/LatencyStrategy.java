package io.siplb.dispatch;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * {@link Algorithm#LATENCY}: Kamailio's algorithm 13. Visiting the active destinations from the rotation point,
 * each gets {@code rprio = prio - lat / prio} (at least 1) when {@code lat > prio > 0} ({@code lat} = the EWMA
 * latency estimate, or estimate minus average with {@code cc=1}); a stable sort by {@code rprio}, descending,
 * gives the choice and the failover order, and the rotation point moves past the choice. Priorities 30, 30 with
 * estimates 0 and 300 ms → a (b's rprio is 30 - 10 = 20). The order is built per request from the live
 * estimates. Immutable.
 */
final class LatencyStrategy implements SelectionStrategy {

    @Override
    public DestinationSelector newSelector(SetView set, DestinationSelector previous) {
        return new Selector(set);
    }

    /** Allocates the order per request. Thread-safe (lock-free). */
    private static final class Selector implements DestinationSelector {
        private final SetView set;
        private final AtomicLong counter;

        Selector(SetView set) {
            this.set = set;
            counter = set.counters.latency;
        }

        @Override
        public Selection select(SelectionKey key) {
            final int n = set.n;
            final long last = counter.get();
            final int start = (int) Long.remainderUnsigned(last, n);
            final int[] order = new int[set.activeCount];
            final int[] rprio = new int[n];
            int m = 0;
            for (int j = 0; j < n; j++) {
                final int i = (start + j) % n;
                if (!set.active[i]) {
                    continue;
                }
                final DestinationAttributes a = set.dests[i].attributes();
                final double est = set.latencyEstimate(i);
                final double avg = set.latencyAverage(i);
                int lat = 0;
                if (!Double.isNaN(est)) {
                    lat = (int) (a.congestionControl() && !Double.isNaN(avg) ? est - avg : est);
                }
                final int prio = set.dests[i].priority();
                rprio[i] = lat > prio && prio > 0 ? Math.max(1, prio - lat / prio) : prio;
                order[m++] = i;
            }
            // Stable insertion sort by adjusted priority, descending.
            for (int a = 1; a < m; a++) {
                final int v = order[a];
                int b = a - 1;
                while (b >= 0 && rprio[order[b]] < rprio[v]) {
                    order[b + 1] = order[b];
                    b--;
                }
                order[b + 1] = v;
            }
            counter.compareAndSet(last, order[0] + 1L);
            final List<Destination> list = new ArrayList<>(m);
            for (int j = 0; j < m; j++) {
                list.add(set.dests[order[j]]);
            }
            return Selection.of(Collections.unmodifiableList(list), false);
        }
    }
}
