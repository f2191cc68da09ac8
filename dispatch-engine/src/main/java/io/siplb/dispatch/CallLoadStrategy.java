package io.siplb.dispatch;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

import io.siplb.dispatch.state.DestinationState;

/**
 * {@link Algorithm#CALL_LOAD}: the active destination with the fewest active calls
 * ({@link DestinationState#activeCalls()}, live) below its {@code maxload}, ties to the lower index, as Kamailio's
 * algorithm 10. Calls 3, 1, 1 on a, b, c → b; with b's {@code maxload=1} → c. The failover list is the active
 * destinations after the choice, wrapping, without those at their {@code maxload}: precomputed when no
 * destination has a {@code maxload}, built per request otherwise. Immutable.
 */
final class CallLoadStrategy implements SelectionStrategy {

    @Override
    public DestinationSelector newSelector(SetView set, DestinationSelector previous) {
        return new Selector(set);
    }

    /** Reads every active destination's call count per request. Thread-safe (lock-free). */
    private static final class Selector implements DestinationSelector {
        private final Selection[] fromActive;
        private final Destination[] candidates;
        private final DestinationState[] states;
        private final int[] maxload;
        /** Whether any destination has a {@code maxload}: the failover list is then filtered per request. */
        private final boolean anyMaxload;

        Selector(SetView set) {
            fromActive = set.fromActive;
            final int count = set.activeCount;
            candidates = new Destination[count];
            states = new DestinationState[count];
            maxload = new int[count];
            for (int k = 0; k < count; k++) {
                candidates[k] = set.dests[set.activeIdx[k]];
                states[k] = set.runtime[set.activeIdx[k]];
                maxload[k] = candidates[k].attributes().maxload();
            }
            boolean any = false;
            for (Destination d : set.dests) {
                any |= d.attributes().maxload() > 0;
            }
            anyMaxload = any;
        }

        @Override
        public Selection select(SelectionKey key) {
            final int count = candidates.length;
            int best = -1;
            int bestLoad = Integer.MAX_VALUE;
            for (int k = 0; k < count; k++) {
                final int load = states[k].activeCalls();
                if ((maxload[k] == 0 || load < maxload[k]) && load < bestLoad) {
                    best = k;
                    bestLoad = load;
                }
            }
            if (best < 0) {
                return Selection.NO_ACTIVE_DESTINATION;
            }
            if (!anyMaxload) {
                return fromActive[best]; // nothing to skip: Kamailio's order, precomputed
            }
            final List<Destination> order = new ArrayList<>(count);
            for (int j = 0; j < count; j++) {
                final int k = (best + j) % count;
                if (j == 0 || maxload[k] == 0 || states[k].activeCalls() < maxload[k]) {
                    order.add(candidates[k]);
                }
            }
            return Selection.of(Collections.unmodifiableList(order), false);
        }
    }
}
