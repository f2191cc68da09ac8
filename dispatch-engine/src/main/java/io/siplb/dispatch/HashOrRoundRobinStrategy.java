package io.siplb.dispatch;

/**
 * {@link Algorithm#HASH_AUTH_USERNAME}: the set's hash selector ({@link HashStrategy}) for a request with an
 * authorization username, round-robin ({@link RoundRobinStrategy}) for one without ({@link SelectionKey#NONE}),
 * as Kamailio's algorithm 5. Over a, b, c: NONE, NONE, NONE → a, b, c; the same username → always the same
 * destination. Immutable.
 */
final class HashOrRoundRobinStrategy implements SelectionStrategy {

    @Override
    public DestinationSelector newSelector(SetView set, DestinationSelector previous) {
        return new Selector(set.selector(Selectors.HASH), set.selector(Selectors.ROUND_ROBIN));
    }

    /** Delegates to one of two selectors of the same set. Thread-safe (lock-free). */
    private static final class Selector implements DestinationSelector {
        private final DestinationSelector hash;
        private final DestinationSelector roundRobin;

        Selector(DestinationSelector hash, DestinationSelector roundRobin) {
            this.hash = hash;
            this.roundRobin = roundRobin;
        }

        @Override
        public Selection select(SelectionKey key) {
            return key.isPresent() ? hash.select(key) : roundRobin.select(key);
        }
    }
}
