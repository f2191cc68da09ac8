package io.siplb.dispatch;

import java.util.concurrent.ThreadLocalRandom;

/**
 * {@link Algorithm#RANDOM}: uniform among the active destinations ({@link ThreadLocalRandom}); over a, b, c each
 * gets a third of the requests, in no particular order (e.g. cabbac). The failover list is the active
 * destinations after the choice, wrapping. Immutable.
 */
final class RandomStrategy implements SelectionStrategy {

    @Override
    public DestinationSelector newSelector(SetView set, DestinationSelector previous) {
        return new Selector(set.fromActive);
    }

    /** Thread-safe (lock-free). */
    private static final class Selector implements DestinationSelector {
        private final Selection[] fromActive;

        Selector(Selection[] fromActive) {
            this.fromActive = fromActive;
        }

        @Override
        public Selection select(SelectionKey key) {
            return fromActive[ThreadLocalRandom.current().nextInt(fromActive.length)];
        }
    }
}
