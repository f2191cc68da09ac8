package io.siplb.dispatch;

/**
 * {@link Algorithm#PRIORITY} ({@code serial}): the first active destination in index order (highest priority
 * first), with the other active ones as failover. a (priority 10), b (5), c (1) → aaa; with a down → bbb.
 * Immutable.
 */
final class PriorityStrategy implements SelectionStrategy {

    @Override
    public DestinationSelector newSelector(SetView set, DestinationSelector previous) {
        final Selection first = set.fromActive[0];
        return key -> first;
    }
}
