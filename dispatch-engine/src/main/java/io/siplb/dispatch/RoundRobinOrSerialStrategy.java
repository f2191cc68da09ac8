package io.siplb.dispatch;

/**
 * {@link Algorithm#ROUND_ROBIN_OR_SERIAL}: Kamailio's algorithm 14, {@link RoundRobinStrategy round-robin} when
 * every destination of the set has the same priority and it is positive, otherwise
 * {@link PriorityStrategy priority}. Priorities 1, 1, 1 → abcabc; 0, 0, 0 or 2, 1, 1 → aaa. Shares the set's
 * round-robin or priority selector. Immutable.
 */
final class RoundRobinOrSerialStrategy implements SelectionStrategy {

    @Override
    public DestinationSelector newSelector(SetView set, DestinationSelector previous) {
        final Destination[] d = set.dests;
        boolean samePositive = d.length > 0 && d[0].priority() > 0;
        for (int i = 1; i < d.length && samePositive; i++) {
            samePositive = d[i].priority() == d[0].priority();
        }
        return set.selector(samePositive ? Selectors.ROUND_ROBIN : Selectors.PRIORITY);
    }
}
