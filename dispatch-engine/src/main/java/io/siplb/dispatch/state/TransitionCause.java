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
 * What made a destination change its {@link HealthState}. Immutable.
 */
public enum TransitionCause {
    /** A keepalive probe failed (no reply, a send error or a reply code not accepted as success). */
    PROBE_FAILURE,
    /** A keepalive probe succeeded. */
    PROBE_SUCCESS,
    /** The proxy saw a failure on real traffic: a transaction timeout, a 503 or a transport error. */
    PASSIVE_FAILURE,
    /** The proxy saw the destination answer real traffic. */
    PASSIVE_SUCCESS,
    /** A routing rule marked the destination, bypassing the thresholds (Kamailio 6.1 {@code ds_mark_dst}). */
    MARK,
    /** An operator set the state (admin API, reload of a changed flag). */
    ADMIN
}
