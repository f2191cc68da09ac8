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

import java.util.Collection;
import java.util.Collections;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * All {@link DestinationState}s of a dispatcher, keyed by {@link DestinationKey}. State lives outside the
 * immutable selection snapshot, so a reload that keeps a destination keeps its health, call load, latency and
 * overload-control data (Kamailio resets them on reload unless {@code ds_retain_latency_stats}); after a reload
 * {@link #retainOnly(Collection)} drops the state of destinations that are gone. Thread-safe (lock-free).
 *
 * <p>{@link HealthListener}s added here are told about every health transition of every destination, so the
 * {@code Dispatcher} can rebuild its snapshot.
 */
public final class StateRegistry {

    /*
     * Concurrency: states live in a ConcurrentHashMap (lock-free reads; a create locks one bin briefly, on the
     * reload/admin path only, never per message once the destination exists). Listeners are a copy-on-write list:
     * adding one is rare, iterating it happens on every transition.
     */

    private static final Logger logger = LoggerFactory.getLogger(StateRegistry.class);

    private final StateConfig config;
    private final ConcurrentHashMap<DestinationKey, DestinationState> states = new ConcurrentHashMap<>();
    private final CopyOnWriteArrayList<HealthListener> listeners = new CopyOnWriteArrayList<>();
    private final HealthListener fanOut = this::notifyListeners;

    /** A registry with the given settings. */
    public StateRegistry(StateConfig config) {
        this.config = requireNonNull(config, "config");
    }

    /** A registry with {@link StateConfig#defaults()}. */
    public static StateRegistry create() {
        return new StateRegistry(StateConfig.defaults());
    }

    /** The settings shared by every state of this registry. */
    public StateConfig config() {
        return config;
    }

    /** The state of {@code key}, created {@link HealthState#ACTIVE} if absent. */
    public DestinationState getOrCreate(DestinationKey key) {
        return getOrCreate(key, HealthState.ACTIVE);
    }

    /**
     * The state of {@code key}, created in state {@code initial} if absent (e.g. from the destination's flags in a
     * list file). An existing state is returned unchanged: its health is runtime state, not configuration; to apply
     * a flag that changed in the file use {@link DestinationState#setAdminState(HealthState, String)}.
     */
    public DestinationState getOrCreate(DestinationKey key, HealthState initial) {
        requireNonNull(key, "key");
        requireNonNull(initial, "initial");
        final DestinationState existing = states.get(key);
        if (existing != null) {
            return existing;
        }
        return states.computeIfAbsent(key, k -> new DestinationState(k, initial, config, fanOut));
    }

    /** The state of {@code key}, or {@code null}. */
    public DestinationState get(DestinationKey key) {
        return states.get(requireNonNull(key, "key"));
    }

    /**
     * Drops the state of every destination not in {@code keys} (after a reload; a {@link Set} is used as is,
     * any other collection is copied into one). Calls still tracked on a dropped
     * destination by a {@link CallLoadTable} are released against the dropped object; a destination that comes
     * back later starts with fresh state.
     *
     * @return the number of states dropped
     */
    public int retainOnly(Collection<DestinationKey> keys) {
        requireNonNull(keys, "keys");
        final Set<DestinationKey> keep = keys instanceof Set ? (Set<DestinationKey>) keys : new HashSet<>(keys);
        int removed = 0;
        for (DestinationKey k : states.keySet()) {
            if (!keep.contains(k) && states.remove(k) != null) {
                removed++;
            }
        }
        if (removed > 0) {
            logger.debug("Dropped the runtime state of {} destination(s) no longer configured", removed);
        }
        return removed;
    }

    /** Number of destinations with state. */
    public int size() {
        return states.size();
    }

    /** A live, unmodifiable view of all states (weakly consistent iteration). */
    public Collection<DestinationState> states() {
        return Collections.unmodifiableCollection(states.values());
    }

    /** Adds a listener told about every health transition from now on. */
    public void addListener(HealthListener listener) {
        listeners.add(requireNonNull(listener, "listener"));
    }

    /** Removes a listener added with {@link #addListener(HealthListener)}; returns whether it was present. */
    public boolean removeListener(HealthListener listener) {
        return listeners.remove(requireNonNull(listener, "listener"));
    }

    private void notifyListeners(DestinationState state, HealthTransition transition) {
        if (transition.from().acceptsNewCalls() != transition.to().acceptsNewCalls()) {
            logger.info("Destination {} is now {} (was {}, {}: {})", state.key(), transition.to(),
                        transition.from(), transition.cause(), transition.reason());
        } else {
            logger.debug("Destination {} is now {} (was {}, {}: {})", state.key(), transition.to(),
                         transition.from(), transition.cause(), transition.reason());
        }
        for (HealthListener l : listeners) {
            try {
                l.onTransition(state, transition);
            } catch (Throwable t) {
                logger.warn("Health listener {} failed on {} for {}", l, transition, state.key(), t);
            }
        }
    }

    @Override
    public String toString() {
        return "StateRegistry{size=" + states.size() + ", listeners=" + listeners.size() + '}';
    }
}
