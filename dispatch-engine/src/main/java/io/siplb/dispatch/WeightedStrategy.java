package io.siplb.dispatch;

import java.util.concurrent.atomic.AtomicLong;

/**
 * {@link Algorithm#WEIGHTED}: smooth weighted round-robin (nginx's) by the {@code weight} attribute over the
 * active destinations, the weights reduced by their gcd, so every window of one cycle holds the exact counts:
 * weights 3, 2, 1 → abacba abacba; weights 1, 2, 3 → cbacbc. A destination without a weight gets no traffic;
 * when none has one, this is {@link RoundRobinStrategy round-robin}. Immutable.
 */
final class WeightedStrategy implements SelectionStrategy {

    @Override
    public DestinationSelector newSelector(SetView set, DestinationSelector previous) {
        final int[] w = new int[set.activeCount];
        for (int k = 0; k < w.length; k++) {
            w[k] = set.dests[set.activeIdx[k]].attributes().weight();
        }
        return sequence(set, Hashing.smoothWeightedSequence(w), set.counters.weighted);
    }

    /**
     * Returns a selector that walks {@code sequence} (active ordinals) with {@code counter}, or the set's
     * round-robin selector when the sequence is empty (all weights 0).
     */
    static DestinationSelector sequence(SetView set, int[] sequence, AtomicLong counter) {
        if (sequence.length == 0) {
            return set.selector(Selectors.ROUND_ROBIN);
        }
        return new SequenceSelector(set.fromActive, sequence, counter);
    }

    /** One atomic increment per request. Thread-safe (lock-free). */
    private static final class SequenceSelector implements DestinationSelector {
        private final Selection[] fromActive;
        private final int[] sequence;
        private final AtomicLong counter;

        SequenceSelector(Selection[] fromActive, int[] sequence, AtomicLong counter) {
            this.fromActive = fromActive;
            this.sequence = sequence;
            this.counter = counter;
        }

        @Override
        public Selection select(SelectionKey key) {
            return fromActive[sequence[(int) Long.remainderUnsigned(counter.getAndIncrement(), sequence.length)]];
        }
    }
}
