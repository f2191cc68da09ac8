package io.siplb.dispatch;

import java.util.AbstractList;
import java.util.Arrays;
import java.util.Objects;
import java.util.RandomAccess;
import java.util.concurrent.ThreadLocalRandom;

/**
 * {@link Algorithm#PRIORITY_WEIGHT}: SRV-like (RFC 2782). The destinations with the lowest priority value win,
 * weighted random by {@code weight} among them (uniform when all their weights are 0); the failover list is the
 * other active destinations by ascending priority value, stable by index. a (priority 1, weight 1), b (priority 1,
 * weight 3) and c (priority 2, weight 5) → b three times in four, a once, c only as failover: [b, a, c] or
 * [a, b, c]. Every selection is precomputed
 * (one shared array, the chosen one moved to the front). Immutable.
 */
final class PriorityWeightStrategy implements SelectionStrategy {

    @Override
    public DestinationSelector newSelector(SetView set, DestinationSelector previous) {
        return new Selector(set);
    }

    /** One random draw and a scan of the preferred group. Thread-safe (lock-free). */
    private static final class Selector implements DestinationSelector {
        /** The selection starting with each active ordinal. */
        private final Selection[] selections;
        /** The active ordinals of the preferred priority, and their cumulative weights. */
        private final int[] group;
        private final int[] cumulative;

        Selector(SetView set) {
            final int count = set.activeCount;
            final Destination[] dests = set.dests;
            final int[] activeIdx = set.activeIdx;
            // Lowest priority value first; stable by index inside a priority.
            final Integer[] byPriority = new Integer[count];
            for (int k = 0; k < count; k++) {
                byPriority[k] = k;
            }
            Arrays.sort(byPriority, (a, b) -> Integer.compare(dests[activeIdx[a]].priority(),
                                                               dests[activeIdx[b]].priority()));
            final Destination[] order = new Destination[count];
            final int[] position = new int[count];
            for (int j = 0; j < count; j++) {
                order[j] = dests[activeIdx[byPriority[j]]];
                position[byPriority[j]] = j;
            }
            selections = new Selection[count];
            for (int k = 0; k < count; k++) {
                selections[k] = Selection.of(new MovedToFrontList(order, position[k]), false);
            }
            int groupSize = 0;
            while (groupSize < count && dests[activeIdx[byPriority[groupSize]]].priority()
                                        == dests[activeIdx[byPriority[0]]].priority()) {
                groupSize++;
            }
            group = new int[groupSize];
            cumulative = new int[groupSize];
            int total = 0;
            for (int g = 0; g < groupSize; g++) {
                group[g] = byPriority[g];
                total += dests[activeIdx[byPriority[g]]].attributes().weight();
                cumulative[g] = total;
            }
            if (total == 0) {
                for (int g = 0; g < groupSize; g++) {
                    cumulative[g] = g + 1;
                }
            }
        }

        @Override
        public Selection select(SelectionKey key) {
            final int total = cumulative[cumulative.length - 1];
            final int r = ThreadLocalRandom.current().nextInt(total);
            for (int g = 0; g < group.length; g++) {
                if (r < cumulative[g]) {
                    return selections[group[g]];
                }
            }
            throw new AssertionError(r);
        }
    }

    /**
     * An unmodifiable view of an array with the element at {@code front} moved to the front and the others in
     * array order: one shared array serves every priority-weight selection. Immutable.
     */
    private static final class MovedToFrontList extends AbstractList<Destination> implements RandomAccess {
        private final Destination[] order;
        private final int front;

        MovedToFrontList(Destination[] order, int front) {
            this.order = order;
            this.front = front;
        }

        @Override
        public Destination get(int index) {
            Objects.checkIndex(index, order.length);
            if (index == 0) {
                return order[front];
            }
            return order[index <= front ? index - 1 : index];
        }

        @Override
        public int size() {
            return order.length;
        }
    }
}
