package io.siplb.proxy.core;

import static java.util.Objects.requireNonNull;

import java.net.InetSocketAddress;

import io.siplb.dispatch.Transport;

/**
 * A resolved next hop: the address and the transport to reach it over. Immutable.
 *
 * @param address a resolved unicast address
 * @param transport the transport
 */
public record NextHop(InetSocketAddress address, Transport transport) {

    /** Creates a new instance. */
    public NextHop {
        requireNonNull(address, "address");
        requireNonNull(transport, "transport");
    }
}
