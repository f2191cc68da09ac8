package io.siplb.proxy.stateless;

import static java.util.Objects.requireNonNull;

import java.net.InetSocketAddress;

import io.netty.channel.Channel;
import io.siplb.proxy.config.ListenAddress;

/**
 * One socket siplb sends from, with the texts it writes into messages leaving through it: the Via
 * {@code sent-protocol sent-by} ({@code SIP/2.0/UDP 192.0.2.1:5060}) and the Record-Route value
 * ({@code <sip:192.0.2.1:5060;lr>}), both precomputed so the hot path only copies them. Immutable.
 */
public final class Egress {

    private final Channel channel;
    private final InetSocketAddress localAddress;
    private final boolean ipv6;
    private final String viaSentBy;
    private final String recordRoute;

    /**
     * Creates a new instance.
     *
     * @param channel the bound socket
     * @param localAddress its bound address
     * @param advertisedHost the host to write instead of the bound address (URI form, IPv6 in brackets), or
     *                       {@code null}
     * @param advertisedPort the port to write instead of the bound port, or {@code -1}
     */
    public Egress(Channel channel, InetSocketAddress localAddress, String advertisedHost, int advertisedPort) {
        this.channel = requireNonNull(channel, "channel");
        this.localAddress = requireNonNull(localAddress, "localAddress");
        ipv6 = localAddress.getAddress() instanceof java.net.Inet6Address;
        final String host;
        final int port;
        if (advertisedHost != null) {
            host = advertisedHost;
            port = advertisedPort > 0 ? advertisedPort : localAddress.getPort();
        } else {
            final String hp = ListenAddress.hostPort(localAddress);
            host = hp.substring(0, hp.lastIndexOf(':'));
            port = localAddress.getPort();
        }
        viaSentBy = "SIP/2.0/UDP " + host + ':' + port;
        recordRoute = "<sip:" + host + ':' + port + ";lr>";
    }

    /** Returns the socket. */
    public Channel channel() {
        return channel;
    }

    /** Returns the bound address of the socket. */
    public InetSocketAddress localAddress() {
        return localAddress;
    }

    /** Returns whether the socket is bound to an IPv6 address. */
    public boolean isIpv6() {
        return ipv6;
    }

    /** Returns the Via value without branch, e.g. {@code SIP/2.0/UDP 192.0.2.1:5060}. */
    public String viaSentBy() {
        return viaSentBy;
    }

    /** Returns the Record-Route value, e.g. {@code <sip:192.0.2.1:5060;lr>}. */
    public String recordRoute() {
        return recordRoute;
    }

    @Override
    public String toString() {
        return "Egress{" + viaSentBy + ", " + channel + '}';
    }
}
