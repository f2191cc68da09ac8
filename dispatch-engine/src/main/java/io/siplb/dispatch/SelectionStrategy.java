package io.siplb.dispatch;

/**
 * Builds the {@link DestinationSelector} of one algorithm for one set of one snapshot generation, as Armeria's
 * {@code EndpointSelectionStrategy.newSelector(group)}: the selector precomputes what the algorithm needs from
 * the set's destinations and their health at build time, and then only reads it. Each {@link Algorithm} has one
 * ({@link Algorithm#strategy()}); the instances are in {@link Selectors}. Implementations are stateless.
 * Immutable.
 */
interface SelectionStrategy {

    /**
     * Returns the selector of this algorithm over {@code set}, which has at least one active destination.
     * A strategy may take another algorithm's selector of the same set with {@link SetView#selector} (for a
     * fallback, or to share a table); it must not ask for its own.
     *
     * @param previous this strategy's selector of the same set in the previous generation (when the set was
     *        rebuilt, not when it is new), or {@code null}: a strategy may update its tables from it instead of
     *        computing them from scratch, and must give the same result as a computation from scratch
     */
    DestinationSelector newSelector(SetView set, DestinationSelector previous);
}
