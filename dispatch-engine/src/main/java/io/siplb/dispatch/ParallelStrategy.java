package io.siplb.dispatch;

/**
 * {@link Algorithm#PARALLEL}: every active destination in index order, with {@link Selection#isParallel()}, for
 * the proxy to fork to all at once. a, b, c with b down → [a, c] on every request. Immutable.
 */
final class ParallelStrategy implements SelectionStrategy {

    @Override
    public DestinationSelector newSelector(SetView set, DestinationSelector previous) {
        final Selection all = Selection.of(set.activeList, true);
        return key -> all;
    }
}
