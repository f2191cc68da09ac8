/*
 * Copyright 2026 The siplb authors
 *
 * Licensed under the Apache License, Version 2.0 (the "License");
 * you may not use this file except in compliance with the License.
 * You may obtain a copy of the License at
 *
 *   https://www.apache.org/licenses/LICENSE-2.0
 */
/**
 * Runtime state of destinations, kept outside the immutable selection snapshot so reloads keep it: health with
 * Kamailio's probing thresholds plus a draining state, call load keyed by Call-ID, latency statistics (Welford and
 * EWMA) and RFC 7339 overload-control bookkeeping. Every class here is lock-free and free of Netty and SIP types.
 *
 * <p>Start with {@link io.siplb.dispatch.state.StateRegistry} (get-or-create by
 * {@link io.siplb.dispatch.state.DestinationKey}, listeners on health transitions),
 * {@link io.siplb.dispatch.state.DestinationState} (signals and the state machine) and
 * {@link io.siplb.dispatch.state.CallLoadTable}. The state machine is described in
 * {@code dispatch-engine/STATE.md}.
 *
 * <p>All parameters and return values are non-null unless documented otherwise.
 */
package io.siplb.dispatch.state;
