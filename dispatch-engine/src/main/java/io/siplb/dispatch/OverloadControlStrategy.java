package io.siplb.dispatch;

import java.util.concurrent.atomic.AtomicLong;

import io.siplb.dispatch.state.DestinationState;
import io.siplb.dispatch.state.OverloadControl;

/**
 * {@link Algorithm#ROUND_ROBIN_OVERLOAD_CONTROL}: {@link RoundRobinStrategy round-robin} (on the same counter)
 * where a destination under RFC 7339 overload control ({@link OverloadControl#shouldSkip()}) is passed over for
 * the next one; when every destination is skipped, {@link Selection.Status#NO_ACTIVE_DESTINATION}. a, b, c with
 * b at rate 100 → accacc (b's turn goes to c); at rate 50, b takes every other turn it is offered.
 * Immutable.
 */
final class OverloadControlStrategy implements SelectionStrategy {

    @Override
    public DestinationSelector newSelector(SetView set, DestinationSelector previous) {
        return new Selector(set);
    }

    /** One atomic increment and up to one overload check per active destination. Thread-safe (lock-free). */
    private static final class Selector implements DestinationSelector {
        private final Selection[] fromActive;
        private final DestinationState[] states;
        private final AtomicLong counter;

        Selector(SetView set) {
            fromActive = set.fromActive;
            states = new DestinationState[set.activeCount];
            for (int k = 0; k < states.length; k++) {
                states[k] = set.runtime[set.activeIdx[k]];
            }
            counter = set.counters.roundRobin;
        }

        @Override
        public Selection select(SelectionKey key) {
            final int count = states.length;
            final int first = (int) Long.remainderUnsigned(counter.getAndIncrement(), count);
            for (int j = 0; j < count; j++) {
                final int k = (first + j) % count;
                if (!states[k].overload().shouldSkip()) {
                    return fromActive[k];
                }
            }
            return Selection.NO_ACTIVE_DESTINATION;
        }
    }
}
