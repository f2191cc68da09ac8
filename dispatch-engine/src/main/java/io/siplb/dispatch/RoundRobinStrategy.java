package io.siplb.dispatch;

import java.util.concurrent.atomic.AtomicLong;

/**
 * {@link Algorithm#ROUND_ROBIN}: rotation over the active destinations, one position per request from the set's
 * counter (shared across generations, so rotation continues after a swap). a, b, c → abcabc; with b down → acac
 * (Kamailio gives accacc: a down destination's turns go to its neighbour). The failover list is
 * the active destinations after the choice, wrapping. Immutable.
 */
final class RoundRobinStrategy implements SelectionStrategy {

    @Override
    public DestinationSelector newSelector(SetView set, DestinationSelector previous) {
        return new Selector(set);
    }

    /** One atomic increment per request. Thread-safe (lock-free). */
    private static final class Selector implements DestinationSelector {
        private final SetView set;
        private final AtomicLong counter;

        Selector(SetView set) {
            this.set = set;
            counter = set.counters.roundRobin;
        }

        @Override
        public Selection select(SelectionKey key) {
            return set.rotate(counter);
        }
    }
}
