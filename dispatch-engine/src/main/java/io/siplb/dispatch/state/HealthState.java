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
 * The health of one destination, as driven by {@link DestinationState}. The Kamailio flag letters
 * ({@code dispatcher.list} FLAGS) are given for each state; see {@code dispatch-engine/STATE.md} for the
 * transition table. Immutable.
 *
 * <table>
 * <caption>States</caption>
 * <tr><th>State</th><th>New calls</th><th>In-dialog</th><th>Kamailio</th></tr>
 * <tr><td>{@link #ACTIVE}</td><td>yes</td><td>yes</td><td>{@code AP}/{@code AX}</td></tr>
 * <tr><td>{@link #TRYING}</td><td>yes</td><td>yes</td><td>{@code TP}/{@code TX}</td></tr>
 * <tr><td>{@link #PROBING}</td><td>no</td><td>no</td><td>{@code IP}</td></tr>
 * <tr><td>{@link #INACTIVE}</td><td>no</td><td>no</td><td>{@code IX}</td></tr>
 * <tr><td>{@link #DISABLED}</td><td>no</td><td>no</td><td>{@code DX}</td></tr>
 * <tr><td>{@link #DRAINING}</td><td>no</td><td>yes</td><td>(none)</td></tr>
 * </table>
 */
public enum HealthState {
    /** Up: selected for new calls. */
    ACTIVE('A'),
    /**
     * Down and not probed: not selected. Leaves this state only through an explicit mark (admin API, routing
     * rule) or probe successes if keepalives are (re)enabled for it.
     */
    INACTIVE('I'),
    /**
     * Failures are being counted (fewer than the probing threshold so far): still selected for new calls, as in
     * Kamailio where TRYING is selectable.
     */
    TRYING('T'),
    /** Administratively disabled: not selected, not probed, probe results and passive signals ignored. */
    DISABLED('D'),
    /**
     * Down and being probed with keepalives: not selected; the inactive threshold's consecutive probe successes
     * bring it back to {@link #ACTIVE}.
     */
    PROBING('P'),
    /**
     * Administratively draining: no new calls, but in-dialog requests and responses of established calls keep
     * flowing to it. Probe results and passive signals are recorded but do not change the state.
     */
    DRAINING('R');

    private final char letter;

    HealthState(char letter) {
        this.letter = letter;
    }

    /** Whether the destination may be selected for a new call (a dialog-creating or out-of-dialog request). */
    public boolean acceptsNewCalls() {
        return this == ACTIVE || this == TRYING;
    }

    /**
     * Whether in-dialog traffic of calls already placed on the destination should still be sent to it:
     * {@link #acceptsNewCalls()} or {@link #DRAINING}.
     */
    public boolean isUsable() {
        return this == ACTIVE || this == TRYING || this == DRAINING;
    }

    /** Whether the destination is down because of failures ({@link #INACTIVE} or {@link #PROBING}). */
    public boolean isDown() {
        return this == INACTIVE || this == PROBING;
    }

    /** Whether the state was set by an operator and is left alone by probe results and passive signals. */
    public boolean isAdministrative() {
        return this == DISABLED || this == DRAINING;
    }

    /**
     * One letter for listings: {@code A}, {@code I}, {@code T}, {@code D}, {@code P} (inactive and probed, shown
     * by Kamailio as {@code IP}) and {@code R} (draining).
     */
    public char letter() {
        return letter;
    }

    /**
     * The state for a Kamailio flags value from a destination list: bit 4 disabled, bit 1 inactive (with bit 8,
     * probing: {@link #PROBING}), bit 2 trying, otherwise {@link #ACTIVE}. Kamailio's precedence is
     * I &gt; D &gt; T &gt; A for display; an entry with both I and D is treated as {@link #DISABLED} here, because
     * disabled is an operator's decision that probes must not undo.
     */
    public static HealthState fromKamailioFlags(int flags) {
        if ((flags & 4) != 0) {
            return DISABLED;
        }
        if ((flags & 1) != 0) {
            return (flags & 8) != 0 ? PROBING : INACTIVE;
        }
        if ((flags & 2) != 0) {
            return TRYING;
        }
        return ACTIVE;
    }
}
