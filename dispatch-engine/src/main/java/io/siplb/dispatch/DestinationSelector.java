package io.siplb.dispatch;

/**
 * Selects destinations of one set with one algorithm, from tables precomputed by its {@link SelectionStrategy}
 * for one snapshot generation; shaped like Armeria's {@code EndpointSelector.selectNow(ctx)}. Selectors keep no
 * state of their own: what changes between calls (round-robin positions, live call counts, latency estimates,
 * overload control) lives in the set's shared counters and the destinations' runtime state. Thread-safe
 * (lock-free).
 */
interface DestinationSelector {

    /**
     * Returns the chosen destination followed by its failover list, or why there is none
     * ({@link Selection.Status#MISSING_KEY} for a hash algorithm given {@link SelectionKey#NONE},
     * {@link Selection.Status#NO_ACTIVE_DESTINATION} when the algorithm's filter leaves none).
     */
    Selection select(SelectionKey key);
}
