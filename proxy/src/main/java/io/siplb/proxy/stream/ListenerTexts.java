package io.siplb.proxy.stream;

import static java.util.Objects.requireNonNull;

import java.net.Inet6Address;
import java.net.InetSocketAddress;

import io.siplb.dispatch.Transport;
import io.siplb.proxy.config.ListenAddress;

/**
 * What siplb writes for one stream listener: the Via {@code sent-protocol sent-by} ({@code SIP/2.0/TCP
 * 192.0.2.1:5060}) and the Record-Route URI ({@code <sip:192.0.2.1:5060;transport=tcp;lr>}), with a flow token in
 * the user part for a client's connection ({@code <sip:TOKEN@192.0.2.1:5060;transport=tcp;lr>}, RFC 5626 §5.3), so
 * that requests inside the dialog come back over that connection. Immutable.
 */
public final class ListenerTexts {

    private final Transport transport;
    private final InetSocketAddress localAddress;
    private final boolean ipv6;
    private final String hostPort;
    private final String viaSentBy;
    private final String recordRoute;

    /**
     * Creates the texts of a listener bound to {@code localAddress}.
     *
     * @param advertisedHost the host to write instead of the bound address (URI form), or {@code null}
     * @param advertisedPort the port to write instead of the bound port, or {@code -1}
     */
    public ListenerTexts(Transport transport, InetSocketAddress localAddress, String advertisedHost,
                         int advertisedPort) {
        this.transport = requireNonNull(transport, "transport");
        this.localAddress = requireNonNull(localAddress, "localAddress");
        ipv6 = localAddress.getAddress() instanceof Inet6Address;
        if (advertisedHost != null) {
            hostPort = advertisedHost + ':' + (advertisedPort > 0 ? advertisedPort : localAddress.getPort());
        } else {
            hostPort = ListenAddress.hostPort(localAddress);
        }
        viaSentBy = "SIP/2.0/" + transport.viaName() + ' ' + hostPort;
        recordRoute = "<sip:" + hostPort + ";transport=" + transport.uriName() + ";lr>";
    }

    /** Returns the transport. */
    public Transport transport() {
        return transport;
    }

    /** Returns the bound address. */
    public InetSocketAddress localAddress() {
        return localAddress;
    }

    /** Returns whether the listener is bound to an IPv6 address. */
    public boolean isIpv6() {
        return ipv6;
    }

    /** Returns the Via value without branch. */
    public String viaSentBy() {
        return viaSentBy;
    }

    /** Returns the Record-Route value without flow token. */
    public String recordRoute() {
        return recordRoute;
    }

    /** Returns the Record-Route value naming the flow {@code token}. */
    public String recordRoute(String token) {
        return "<sip:" + token + '@' + hostPort + ";transport=" + transport.uriName() + ";lr>";
    }

    @Override
    public String toString() {
        return transport.uriName() + ':' + ListenAddress.hostPort(localAddress);
    }
}
