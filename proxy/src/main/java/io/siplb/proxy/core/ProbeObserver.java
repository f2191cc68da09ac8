package io.siplb.proxy.core;

import java.util.List;

import io.siplb.dispatch.state.DestinationState;

/**
 * Told the outcome of every keepalive probe, for metrics. Called on the event loop that probes; implementations must
 * be thread-safe, must not block and should not allocate.
 */
@FunctionalInterface
public interface ProbeObserver {

    /** Observes nothing. */
    ProbeObserver NONE = (states, rttNanos, status) -> { };

    /**
     * Called when a probe ended.
     *
     * @param states   the destinations at the probed address (one per set that lists it)
     * @param rttNanos the round-trip time of an answered probe, or -1 when none came in time (timeout, ICMP error)
     * @param status   the final response's status, or 0 when none came
     */
    void onProbe(List<DestinationState> states, long rttNanos, int status);
}
