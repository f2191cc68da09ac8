package io.siplb.proxy.core;

import java.net.InetAddress;
import java.net.InetSocketAddress;

import io.siplb.codec.SipUri;
import io.siplb.codec.Via;
import io.siplb.dispatch.Transport;

/**
 * Where SIP messages go, by RFC 3261 §18.2.2, RFC 3263 and RFC 3581: the next hop named by a URI, the target of a
 * response by its Via, and which addresses siplb may send to at all. Static methods only. Immutable.
 */
public final class Addresses {

    private Addresses() {}

    /**
     * Resolves the next hop named by a URI without DNS: {@code maddr} else the host; the URI's port else 5060 (5061
     * for TLS); the transport from {@code transport=} or {@code sips:} (TLS).
     *
     * @return a {@link NextHop}, a {@link HostName} to look up, or a {@link RejectReason}
     */
    public static Object nextHop(SipUri uri) {
        if (uri == null || !uri.isSip()) {
            return RejectReason.UNRESOLVABLE_NEXT_HOP;
        }
        final Transport transport = transportOf(uri);
        if (transport == null) {
            return RejectReason.UNSUPPORTED_TRANSPORT;
        }
        final String maddr = uri.maddr();
        final String host = maddr != null ? maddr : uri.host();
        final InetAddress ip = OwnAddresses.parseIp(host);
        final int defaultPort = transport == Transport.TLS ? 5061 : OwnAddresses.DEFAULT_SIP_PORT;
        if (ip == null && host != null && isHostName(host)) {
            // RFC 3263 §4.2: with a port, A/AAAA; without one (and no maddr), SRV first.
            return new HostName(host, uri.port() > 0 ? uri.port() : maddr != null ? defaultPort : 0);
        }
        if (!isUnicast(ip)) {
            return RejectReason.UNRESOLVABLE_NEXT_HOP;
        }
        // An IP literal is its own TLS name (the address); a host name would have been looked up above.
        return new NextHop(new InetSocketAddress(ip, uri.port() > 0 ? uri.port() : defaultPort), transport, null,
                           uri.transport() != null || uri.scheme() == SipUri.Scheme.SIPS, null);
    }

    /**
     * Returns the transport a URI asks for: its {@code transport} parameter, else TLS for {@code sips:}, else UDP;
     * {@code null} for a transport siplb does not know.
     */
    public static Transport transportOf(SipUri uri) {
        final String t = uri.transport();
        if (t != null) {
            final Transport named = Transport.fromUriParameter(t);
            if (named == Transport.TCP && uri.scheme() == SipUri.Scheme.SIPS) {
                return Transport.TLS;
            }
            return named;
        }
        return uri.scheme() == SipUri.Scheme.SIPS ? Transport.TLS : Transport.UDP;
    }

    /**
     * hostname = *( domainlabel "." ) toplabel [ "." ] (RFC 3261 §25.1), with the limits of DNS (RFC 1035 §2.3.4):
     * labels of 1..63 octets, at most 253 octets without the final dot.
     */
    public static boolean isHostName(String host) {
        final int n = host.endsWith(".") ? host.length() - 1 : host.length();
        if (n <= 0 || n > 253) {
            return false;
        }
        int label = 0;
        char prev = '.';
        for (int i = 0; i < n; i++) {
            final char c = host.charAt(i);
            final boolean alnum = c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9';
            if (c == '.') {
                if (prev == '.' || prev == '-') {
                    return false;
                }
                label = 0;
            } else if (!alnum && (c != '-' || prev == '.') || ++label > 63) {
                return false;
            }
            prev = c;
        }
        return prev != '-';
    }

    /**
     * The host name a response goes to when the next Via has neither {@code received} nor an IP address (RFC 3263
     * §5, UDP): {@code maddr} with the sent-by port, else the sent-by host with its port, or by SRV without one;
     * {@code null} when the Via names no host name.
     */
    public static HostName responseHostName(Via via) {
        final String maddr = via.maddr();
        if (maddr != null) {
            return OwnAddresses.parseIp(maddr) == null && isHostName(maddr)
                   ? new HostName(maddr, via.port() > 0 ? via.port() : OwnAddresses.DEFAULT_SIP_PORT) : null;
        }
        if (via.received() != null || via.host() == null || OwnAddresses.parseIp(via.host()) != null ||
            !isHostName(via.host())) {
            return null;
        }
        return new HostName(via.host(), via.rport() > 0 ? via.rport() : via.port() > 0 ? via.port() : 0);
    }

    /**
     * Returns where a response goes by the Via below siplb's (RFC 3261 §18.2.2, RFC 3581 §4): {@code maddr} with the
     * sent-by port, else {@code received} with {@code rport} or the sent-by port, else the sent-by host (an IP
     * literal) with {@code rport} or its port; {@code null} when no unicast IP address is usable.
     */
    public static InetSocketAddress responseTarget(Via via) {
        final int sentByPort = via.port() > 0 ? via.port() : OwnAddresses.DEFAULT_SIP_PORT;
        final String maddr = via.maddr();
        if (maddr != null) {
            final InetAddress ip = OwnAddresses.parseIp(maddr);
            return isUnicast(ip) ? new InetSocketAddress(ip, sentByPort) : null;
        }
        final int port = via.rport() > 0 ? via.rport() : sentByPort;
        final String received = via.received();
        final InetAddress ip = OwnAddresses.parseIp(received != null ? received : via.host());
        return isUnicast(ip) ? new InetSocketAddress(ip, port) : null;
    }

    /**
     * Returns whether siplb may send to {@code ip}: a unicast address, not the wildcard, a multicast group or the
     * IPv4 broadcast address (RFC 4475 §3.3.10: a response for 255.255.255.255 is dropped, not broadcast).
     */
    public static boolean isUnicast(InetAddress ip) {
        if (ip == null || ip.isAnyLocalAddress() || ip.isMulticastAddress()) {
            return false;
        }
        final byte[] b = ip.getAddress();
        return !(b.length == 4 && b[0] == -1 && b[1] == -1 && b[2] == -1 && b[3] == -1);
    }

    /**
     * Returns where a local response to a request received from {@code sender} goes (RFC 3261 §18.2.2 with
     * {@code received} being the source address, RFC 3581 §4): {@code maddr}, else the source address with the
     * source port when the Via has {@code rport}, else with the sent-by port.
     */
    public static InetSocketAddress localResponseTarget(Via via, InetSocketAddress sender) {
        if (via == null) {
            return sender;
        }
        final int sentByPort = via.port() > 0 ? via.port() : OwnAddresses.DEFAULT_SIP_PORT;
        final String maddr = via.maddr();
        if (maddr != null) {
            final InetAddress ip = OwnAddresses.parseIp(maddr);
            if (isUnicast(ip)) {
                return new InetSocketAddress(ip, sentByPort);
            }
        }
        final int port = via.hasRport() ? sender.getPort() : sentByPort;
        // Usually the sender itself (rport, or a sent-by port that is the source port): no new address to keep.
        return port == sender.getPort() ? sender : new InetSocketAddress(sender.getAddress(), port);
    }
}
