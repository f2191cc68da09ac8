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

/**
 * Told about every {@link HealthState} transition of every destination in a {@link StateRegistry}, so that the
 * {@code Dispatcher} can rebuild its selection snapshot.
 *
 * <p>Called on the thread that made the transition (an event loop handling a probe reply, the admin API),
 * after the new state is visible through {@link DestinationState#health()}. Two transitions of the same
 * destination racing on two threads may be reported out of order; a listener should re-read
 * {@link DestinationState#health()} rather than trust {@link HealthTransition#to()} to be the latest. An
 * exception thrown by a listener is logged and does not affect the state or other listeners.
 * Implementations must be thread-safe and should return quickly.
 */
@FunctionalInterface
public interface HealthListener {

    /**
     * Called after {@code state} changed as described by {@code transition}.
     */
    void onTransition(DestinationState state, HealthTransition transition);
}
