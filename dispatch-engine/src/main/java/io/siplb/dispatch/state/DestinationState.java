/*
 * Copyright 2026 The siplb authors
 *
 * Licensed under the Apache License, Version 2.0 (the "License");
 * you may not use this file except in compliance with the License.
 * You may obtain a copy of the License at
 *
 *   https://www.apache.org/licenses/LICENSE-2.0
 */
package io.siplb.dispatch.state;

import static java.util.Objects.requireNonNull;

import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The runtime state of one destination, kept across reloads by {@link StateRegistry}: health (with Kamailio's
 * probing thresholds and a bounded history of transitions), the number of active calls (maintained by
 * {@link CallLoadTable}), {@link LatencyStats} and {@link OverloadControl}. Thread-safe (lock-free).
 *
 * <p>Health is driven by
 * <ul>
 *   <li>probe results: {@link #probeFailed(String)}, {@link #probeSucceeded(String)};</li>
 *   <li>passive signals from the proxy: {@link #passiveFailure(String)} (timeout, 503, transport error),
 *       {@link #passiveSuccess(String)};</li>
 *   <li>explicit marks from routing rules ({@link #mark(HealthState, String)}, Kamailio 6.1 {@code ds_mark_dst}:
 *       immediate, no thresholds) and operators ({@link #setAdminState(HealthState, String)}).</li>
 * </ul>
 * The transition table is in {@code dispatch-engine/STATE.md}. In short: a failure on an {@link HealthState#ACTIVE}
 * destination makes it {@link HealthState#TRYING}; the {@link StateConfig#probingThreshold()}th consecutive failure
 * takes it down ({@link HealthState#PROBING} when it is probed, else {@link HealthState#INACTIVE}); a success on a
 * trying destination makes it active again; a down destination needs {@link StateConfig#inactiveThreshold()}
 * consecutive probe successes. {@link HealthState#DISABLED} and {@link HealthState#DRAINING} are left only by
 * {@link #setAdminState(HealthState, String)}.
 */
public final class DestinationState {

    /*
     * Concurrency: the health state machine (state, consecutive failure and success counters, history ring) is
     * one immutable Health object published by compare-and-set on `health`; every signal reads it, computes the
     * successor and retries on contention, so counters and state never disagree and no signal is lost. A signal
     * that changes nothing (e.g. a passive success on a healthy destination) does not write. Listeners are told
     * after a successful CAS, on the signalling thread. `activeCalls` is an independent atomic counter updated by
     * CallLoadTable, exactly once per increment/decrement. `probed` is a volatile flag read when a failure takes a
     * destination down.
     */

    private final DestinationKey key;
    private final StateConfig config;
    private final HealthListener listener;
    private final AtomicReference<Health> health;
    private final AtomicInteger activeCalls = new AtomicInteger();
    private final LatencyStats latency;
    private final OverloadControl overload;
    private final DestinationCounters counters = new DestinationCounters();
    private volatile boolean probed;

    DestinationState(DestinationKey key, HealthState initial, StateConfig config, HealthListener listener) {
        this.key = requireNonNull(key, "key");
        requireNonNull(initial, "initial");
        this.config = requireNonNull(config, "config");
        this.listener = requireNonNull(listener, "listener");
        this.health = new AtomicReference<>(
                new Health(initial, 0, 0, EMPTY_HISTORY, 0, config.clock().millis()));
        latency = new LatencyStats(config.latencyAlpha());
        overload = new OverloadControl(config.ticker());
        probed = initial == HealthState.PROBING;
    }

    /** Returns the destination's traffic counters (selections, responses by class, probes). */
    public DestinationCounters counters() {
        return counters;
    }

    /** The stable identity of the destination. */
    public DestinationKey key() {
        return key;
    }

    /** The current health. One volatile read. */
    public HealthState health() {
        return health.get().state;
    }

    /** Whether the destination may be selected for new calls ({@link HealthState#acceptsNewCalls()}). */
    public boolean isActive() {
        return health.get().state.acceptsNewCalls();
    }

    /** Whether in-dialog traffic may still be sent to the destination ({@link HealthState#isUsable()}). */
    public boolean isUsable() {
        return health.get().state.isUsable();
    }

    /**
     * Whether a drain is complete: the destination is {@link HealthState#DRAINING} and no call is tracked on it
     * any more ({@link #activeCalls()} is 0), so it can be taken out of service.
     */
    public boolean isDrained() {
        return health.get().state == HealthState.DRAINING && activeCalls.get() <= 0;
    }

    /** Calls currently tracked on this destination by a {@link CallLoadTable} (Kamailio {@code dload}). */
    public int activeCalls() {
        return activeCalls.get();
    }

    /** Latency statistics (probe round trips, or whatever the proxy samples). */
    public LatencyStats latency() {
        return latency;
    }

    /** RFC 7339 overload-control bookkeeping. */
    public OverloadControl overload() {
        return overload;
    }

    /**
     * Whether keepalive probes are sent to this destination (Kamailio's {@code P} flag): a destination taken down
     * by passive failures becomes {@link HealthState#PROBING} if so, {@link HealthState#INACTIVE} if not.
     */
    public boolean isProbed() {
        return probed;
    }

    /** Sets {@link #isProbed()}, e.g. from the destination's flags at load time. */
    public void setProbed(boolean probed) {
        this.probed = probed;
    }

    /** Consecutive failures counted while {@link HealthState#TRYING} (0 otherwise). */
    public int consecutiveFailures() {
        return health.get().failures;
    }

    /** Consecutive probe successes counted while down (0 otherwise). */
    public int consecutiveSuccesses() {
        return health.get().successes;
    }

    /** Wall-clock time (epoch milliseconds) of the last state change, or of creation. */
    public long sinceEpochMillis() {
        return health.get().sinceMillis;
    }

    /** Transitions since creation (the history keeps only the last {@link StateConfig#historySize()}). */
    public long transitionCount() {
        return health.get().transitions;
    }

    /** The most recent transitions, oldest first, at most {@link StateConfig#historySize()}. */
    public List<HealthTransition> transitions() {
        return Collections.unmodifiableList(Arrays.asList(health.get().history));
    }

    /** The most recent transition, or {@code null} if the state never changed. */
    public HealthTransition lastTransition() {
        final HealthTransition[] h = health.get().history;
        return h.length == 0 ? null : h[h.length - 1];
    }

    // ---- signals -------------------------------------------------------------------------------------------

    /**
     * A keepalive probe failed. Active or trying: counts a failure, going down ({@link HealthState#PROBING}) at
     * the probing threshold, else {@link HealthState#TRYING}. Inactive: becomes {@link HealthState#PROBING}
     * (it is evidently probed). Probing: the success count restarts. Disabled, draining: ignored.
     *
     * @return the state after the signal
     */
    public HealthState probeFailed(String reason) {
        requireNonNull(reason, "reason");
        for (;;) {
            final Health h = health.get();
            final Health next;
            switch (h.state) {
                case ACTIVE:
                case TRYING:
                    next = failure(h, HealthState.PROBING, TransitionCause.PROBE_FAILURE, reason);
                    break;
                case INACTIVE:
                    next = h.next(HealthState.PROBING, 0, 0, TransitionCause.PROBE_FAILURE, reason, config);
                    break;
                case PROBING:
                    if (h.successes == 0) {
                        return h.state;
                    }
                    next = h.next(HealthState.PROBING, 0, 0, TransitionCause.PROBE_FAILURE, reason, config);
                    break;
                default: // DISABLED, DRAINING
                    return h.state;
            }
            if (publish(h, next)) {
                return next.state;
            }
        }
    }

    /**
     * A keepalive probe succeeded. Trying: active again. Inactive or probing: counts a success, becoming active at
     * the inactive threshold, else {@link HealthState#PROBING}. Active, disabled, draining: nothing changes.
     *
     * @return the state after the signal
     */
    public HealthState probeSucceeded(String reason) {
        requireNonNull(reason, "reason");
        for (;;) {
            final Health h = health.get();
            final Health next;
            switch (h.state) {
                case TRYING:
                    next = h.next(HealthState.ACTIVE, 0, 0, TransitionCause.PROBE_SUCCESS, reason, config);
                    break;
                case INACTIVE:
                case PROBING: {
                    final int successes = h.successes + 1;
                    next = successes >= config.inactiveThreshold()
                           ? h.next(HealthState.ACTIVE, 0, 0, TransitionCause.PROBE_SUCCESS, reason, config)
                           : h.next(HealthState.PROBING, 0, successes, TransitionCause.PROBE_SUCCESS, reason,
                                    config);
                    break;
                }
                default: // ACTIVE, DISABLED, DRAINING
                    return h.state;
            }
            if (publish(h, next)) {
                return next.state;
            }
        }
    }

    /**
     * The proxy saw a failure on real traffic (transaction timeout, 503, transport error). Active or trying:
     * counts a failure like a failed probe, going down at the probing threshold ({@link HealthState#PROBING} when
     * {@link #isProbed()}, else {@link HealthState#INACTIVE}). Probing: the success count restarts. Inactive,
     * disabled, draining: nothing changes.
     *
     * @return the state after the signal
     */
    public HealthState passiveFailure(String reason) {
        requireNonNull(reason, "reason");
        for (;;) {
            final Health h = health.get();
            final Health next;
            switch (h.state) {
                case ACTIVE:
                case TRYING:
                    next = failure(h, probed ? HealthState.PROBING : HealthState.INACTIVE,
                                   TransitionCause.PASSIVE_FAILURE, reason);
                    break;
                case PROBING:
                    if (h.successes == 0) {
                        return h.state;
                    }
                    next = h.next(HealthState.PROBING, 0, 0, TransitionCause.PASSIVE_FAILURE, reason, config);
                    break;
                default: // INACTIVE, DISABLED, DRAINING
                    return h.state;
            }
            if (publish(h, next)) {
                return next.state;
            }
        }
    }

    /**
     * The proxy saw the destination answer real traffic. Trying: active again (the failures were not
     * consecutive). Every other state: nothing changes; a down destination comes back only through probes or an
     * explicit mark. Allocation-free and write-free on a healthy destination.
     *
     * @return the state after the signal
     */
    public HealthState passiveSuccess(String reason) {
        for (;;) {
            final Health h = health.get();
            if (h.state != HealthState.TRYING) {
                return h.state;
            }
            requireNonNull(reason, "reason");
            final Health next = h.next(HealthState.ACTIVE, 0, 0, TransitionCause.PASSIVE_SUCCESS, reason, config);
            if (publish(h, next)) {
                return next.state;
            }
        }
    }

    /**
     * Sets the state at once, bypassing the thresholds, on behalf of a routing rule (Kamailio 6.1
     * {@code ds_mark_dst}/{@code ds_mark_addr}). Refused (returns {@code false}) while the destination is
     * {@link HealthState#DISABLED} or {@link HealthState#DRAINING}: routing rules do not override an operator.
     *
     * @return whether the state is now {@code target}
     */
    public boolean mark(HealthState target, String reason) {
        requireNonNull(target, "target");
        requireNonNull(reason, "reason");
        for (;;) {
            final Health h = health.get();
            if (h.state.isAdministrative() && h.state != target) {
                return false;
            }
            if (h.state == target && h.failures == 0 && h.successes == 0) {
                return true;
            }
            if (publish(h, h.next(target, 0, 0, TransitionCause.MARK, reason, config))) {
                return true;
            }
        }
    }

    /**
     * Sets the state at once on behalf of an operator (admin API, a changed flag in a reloaded list). This is the
     * only way out of {@link HealthState#DISABLED} and {@link HealthState#DRAINING}.
     *
     * @return the state before
     */
    public HealthState setAdminState(HealthState target, String reason) {
        requireNonNull(target, "target");
        requireNonNull(reason, "reason");
        for (;;) {
            final Health h = health.get();
            if (h.state == target && h.failures == 0 && h.successes == 0) {
                return h.state;
            }
            if (publish(h, h.next(target, 0, 0, TransitionCause.ADMIN, reason, config))) {
                return h.state;
            }
        }
    }

    // ---- call load (CallLoadTable) ----------------------------------------------------------------------------

    /** Adds one call if fewer than {@code maxLoad} are active ({@code maxLoad <= 0}: no limit). */
    boolean tryIncrementCalls(int maxLoad) {
        if (maxLoad <= 0) {
            activeCalls.incrementAndGet();
            return true;
        }
        for (;;) {
            final int n = activeCalls.get();
            if (n >= maxLoad) {
                return false;
            }
            if (activeCalls.compareAndSet(n, n + 1)) {
                return true;
            }
        }
    }

    void decrementCalls() {
        activeCalls.decrementAndGet();
    }

    // ---- internals ------------------------------------------------------------------------------------------

    private Health failure(Health h, HealthState down, TransitionCause cause, String reason) {
        final int failures = (h.state == HealthState.TRYING ? h.failures : 0) + 1;
        if (failures >= config.probingThreshold()) {
            return h.next(down, 0, 0, cause, reason, config);
        }
        return h.next(HealthState.TRYING, failures, 0, cause, reason, config);
    }

    private boolean publish(Health prev, Health next) {
        if (!health.compareAndSet(prev, next)) {
            return false;
        }
        if (next.state != prev.state) {
            listener.onTransition(this, next.history[next.history.length - 1]);
        }
        return true;
    }

    @Override
    public String toString() {
        final Health h = health.get();
        return "DestinationState{" + key + ", " + h.state + ", failures=" + h.failures + ", successes=" +
               h.successes + ", activeCalls=" + activeCalls.get() + '}';
    }

    private static final HealthTransition[] EMPTY_HISTORY = new HealthTransition[0];

    /** The health state machine's value. Immutable. */
    private static final class Health {
        final HealthState state;
        final int failures;
        final int successes;
        /** Oldest first; never mutated after publication. */
        final HealthTransition[] history;
        final long transitions;
        final long sinceMillis;

        Health(HealthState state, int failures, int successes, HealthTransition[] history, long transitions,
               long sinceMillis) {
            this.state = state;
            this.failures = failures;
            this.successes = successes;
            this.history = history;
            this.transitions = transitions;
            this.sinceMillis = sinceMillis;
        }

        /** The successor; appends a transition to the history when the state changes. */
        Health next(HealthState to, int failures, int successes, TransitionCause cause, String reason,
                    StateConfig config) {
            if (to == state) {
                return new Health(state, failures, successes, history, transitions, sinceMillis);
            }
            final long now = config.clock().millis();
            final HealthTransition t = new HealthTransition(state, to, cause, reason, now);
            final int cap = config.historySize();
            final HealthTransition[] h;
            if (history.length < cap) {
                h = Arrays.copyOf(history, history.length + 1);
            } else {
                h = new HealthTransition[cap];
                System.arraycopy(history, history.length - cap + 1, h, 0, cap - 1);
            }
            h[h.length - 1] = t;
            return new Health(to, failures, successes, h, transitions + 1, now);
        }
    }
}
