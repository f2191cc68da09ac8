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

/**
 * The stable identity of a destination across reloads: the set id plus either the destination's {@code duid}
 * attribute (when the destination has one) or its URI exactly as configured. Runtime state (health, call load,
 * latency, overload control) is keyed by this value in {@link StateRegistry}, so a reload that keeps a destination
 * keeps its state. Immutable.
 *
 * <p>The URI is compared exactly (case-sensitive); Kamailio's {@code dispatcher.set_state} matches URIs
 * case-insensitively, which makes {@code sip:A@x} and {@code sip:a@x} the same destination there but two
 * destinations here. Use a {@code duid} when two entries of a set share a URI (HA pairs with different sockets).
 */
public final class DestinationKey {

    private final int setId;
    private final String id;
    private final boolean duid;
    private final int hash;

    private DestinationKey(int setId, String id, boolean duid) {
        this.setId = setId;
        this.id = id;
        this.duid = duid;
        this.hash = 31 * (31 * setId + id.hashCode()) + (duid ? 1 : 0);
    }

    /**
     * The key of a destination identified by its URI within a set.
     *
     * @throws IllegalArgumentException if {@code uri} is empty
     */
    public static DestinationKey ofUri(int setId, String uri) {
        requireNonNull(uri, "uri");
        if (uri.isEmpty()) {
            throw new IllegalArgumentException("uri: \"\" (expected: a non-empty URI)");
        }
        return new DestinationKey(setId, uri, false);
    }

    /**
     * The key of a destination identified by its {@code duid} attribute within a set.
     *
     * @throws IllegalArgumentException if {@code duid} is empty
     */
    public static DestinationKey ofDuid(int setId, String duid) {
        requireNonNull(duid, "duid");
        if (duid.isEmpty()) {
            throw new IllegalArgumentException("duid: \"\" (expected: a non-empty duid)");
        }
        return new DestinationKey(setId, duid, true);
    }

    /**
     * The key of a destination: by {@code duid} when it is non-null and non-empty, otherwise by {@code uri}.
     */
    public static DestinationKey of(int setId, String uri, String duid) {
        if (duid != null && !duid.isEmpty()) {
            return ofDuid(setId, duid);
        }
        return ofUri(setId, uri);
    }

    /** The destination set id. */
    public int setId() {
        return setId;
    }

    /** The {@code duid} when {@link #isDuid()}, otherwise the URI. */
    public String id() {
        return id;
    }

    /** Whether this key names the destination by its {@code duid} attribute rather than by its URI. */
    public boolean isDuid() {
        return duid;
    }

    @Override
    public boolean equals(Object o) {
        if (this == o) {
            return true;
        }
        if (!(o instanceof DestinationKey)) {
            return false;
        }
        final DestinationKey that = (DestinationKey) o;
        return hash == that.hash && setId == that.setId && duid == that.duid && id.equals(that.id);
    }

    @Override
    public int hashCode() {
        return hash;
    }

    /** {@code 1/sip:10.0.0.1:5060} or {@code 1/duid=gw1}. */
    @Override
    public String toString() {
        return duid ? setId + "/duid=" + id : setId + "/" + id;
    }
}
