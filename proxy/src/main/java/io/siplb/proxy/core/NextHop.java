package io.siplb.proxy.core;

import static java.util.Objects.requireNonNull;

import java.net.InetSocketAddress;

import io.siplb.dispatch.Transport;
import io.siplb.proxy.transport.Egress;

/**
 * A resolved next hop: the address and the transport to reach it over, the host name the URI named (what a TLS
 * certificate is checked against), whether the URI named its transport, and the connection to use when the next hop
 * is a flow (a client's connection named by a flow token in siplb's Route, RFC 5626 §5.3). Immutable.
 *
 * @param address a resolved unicast address
 * @param transport the transport
 * @param host the URI's host (a name or an IP literal) for TLS, or {@code null} for the address
 * @param explicitTransport whether the URI named the transport ({@code transport=udp}); a request too large for UDP
 *                          goes over TCP only when it did not (RFC 3261 §18.1.1)
 * @param connection the connection to send over, or {@code null} to choose one by address and transport
 */
public record NextHop(InetSocketAddress address, Transport transport, String host, boolean explicitTransport,
                      Egress connection) {

    /** Creates a new instance. */
    public NextHop {
        requireNonNull(address, "address");
        requireNonNull(transport, "transport");
    }

    /** Creates a next hop chosen by address and transport. */
    public NextHop(InetSocketAddress address, Transport transport) {
        this(address, transport, null, false, null);
    }

    /** Returns the next hop over the flow {@code connection}. */
    public static NextHop flow(Egress connection, InetSocketAddress remote) {
        return new NextHop(remote, connection.transport(), null, true, connection);
    }

    /** Returns this next hop over {@code other} (same address and host). */
    public NextHop withTransport(Transport other) {
        return new NextHop(address, other, host, explicitTransport, connection);
    }

    /** Returns the host a TLS certificate of the next hop must name: {@link #host()}, else the address. */
    public String tlsHost() {
        if (host != null) {
            return host;
        }
        return address.getAddress() != null ? address.getAddress().getHostAddress() : address.getHostString();
    }
}
