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

import java.time.Instant;

/**
 * One recorded change of a destination's {@link HealthState}: from, to, cause, a short reason
 * (e.g. {@code "408 probe timeout"}, {@code "503 Service Unavailable"}, {@code "admin drain"}) and the wall-clock
 * time in milliseconds since the epoch, read from the {@link StateConfig#clock()}. Immutable.
 *
 * @param from the state before
 * @param to the state after
 * @param cause what drove the change
 * @param reason a short human-readable reason; never null, may be empty
 * @param epochMillis when the change happened
 */
public record HealthTransition(HealthState from, HealthState to, TransitionCause cause, String reason,
                               long epochMillis) {

    /** Validates the components. */
    public HealthTransition {
        requireNonNull(from, "from");
        requireNonNull(to, "to");
        requireNonNull(cause, "cause");
        requireNonNull(reason, "reason");
    }

    /** {@link #epochMillis()} as an {@link Instant}. */
    public Instant time() {
        return Instant.ofEpochMilli(epochMillis);
    }
}
