package io.siplb.dispatch;

/**
 * {@link HashMode#KAMAILIO}: {@code hash % n} over all the destinations in index order and, when that one is not
 * active, the next active index (wrapping), as Kamailio's {@code ds_select_dst}; the failover list follows index
 * order from the choice. With destinations a, b, c, d and b down, hashes 0, 1, 2, 3 pick a, c, c, d: the down
 * destination's keys all go to its neighbour. Immutable.
 */
final class KamailioHashStrategy implements SelectionStrategy {

    @Override
    public DestinationSelector newSelector(SetView set, DestinationSelector previous) {
        return new Selector(set);
    }

    /** Two array reads per key. Thread-safe (lock-free). */
    private static final class Selector implements DestinationSelector {
        private final Selection[] fromActive;
        private final int[] ordinalAt;
        private final int n;

        Selector(SetView set) {
            fromActive = set.fromActive;
            ordinalAt = set.ordinalAt;
            n = set.n;
        }

        @Override
        public Selection select(SelectionKey key) {
            if (!key.isPresent()) {
                return Selection.MISSING_KEY;
            }
            return fromActive[ordinalAt[Integer.remainderUnsigned(key.hash(), n)]];
        }
    }
}
