package io.siplb.dispatch;

/**
 * The live runtime view of one destination that selection reads: whether it accepts new calls, its active
 * calls and its latency. Implementations are thread-safe (lock-free).
 */
interface DestinationRuntime {

    /** Returns {@code true} when the destination may be selected for a new call. */
    boolean acceptsNewCalls();

    /** Returns the number of calls currently routed to the destination. */
    int activeCalls();

    /** Returns the latency estimate (EWMA) in ms, or {@code NaN} when unknown. */
    double latencyEstimate();

    /** Returns the average latency in ms, or {@code NaN} when unknown. */
    double latencyAverage();

    /** A runtime view derived only from the configured flags and the {@code latency} attribute. */
    static DestinationRuntime ofFlags(Destination d) {
        final boolean accepts = (d.flags() & (Destination.FLAG_INACTIVE | Destination.FLAG_DISABLED)) == 0;
        final double latency = d.attributes().latency() > 0 ? d.attributes().latency() : Double.NaN;
        return new DestinationRuntime() {
            @Override
            public boolean acceptsNewCalls() {
                return accepts;
            }

            @Override
            public int activeCalls() {
                return 0;
            }

            @Override
            public double latencyEstimate() {
                return latency;
            }

            @Override
            public double latencyAverage() {
                return latency;
            }
        };
    }
}
