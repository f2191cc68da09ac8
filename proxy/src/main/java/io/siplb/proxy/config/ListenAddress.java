package io.siplb.proxy.config;

import static java.util.Objects.requireNonNull;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.Locale;

import io.netty.util.NetUtil;

/**
 * One {@code siplb.listen} entry: a transport and the local address to bind, written
 * {@code udp:127.0.0.1:5060}, {@code tcp:[::1]:5060}, {@code tls:127.0.0.1:5061}, {@code ws:127.0.0.1:8080} or
 * {@code wss:127.0.0.1:8443}. Port {@code 0} binds an ephemeral port. Immutable.
 */
public final class ListenAddress {

    /** The transports a listen entry may name. */
    public enum Protocol {
        /** UDP datagrams. */
        UDP,
        /** TCP streams (RFC 3261 §18). */
        TCP,
        /** TLS over TCP (RFC 3261 §26.2). */
        TLS,
        /** WebSocket over TCP, subprotocol {@code sip} (RFC 7118). */
        WS,
        /** WebSocket over TLS (RFC 7118). */
        WSS;

        /** Returns the SIP transport of this listener kind. */
        public io.siplb.dispatch.Transport transport() {
            switch (this) {
                case UDP: return io.siplb.dispatch.Transport.UDP;
                case TCP: return io.siplb.dispatch.Transport.TCP;
                case TLS: return io.siplb.dispatch.Transport.TLS;
                case WS: return io.siplb.dispatch.Transport.WS;
                default: return io.siplb.dispatch.Transport.WSS;
            }
        }
    }

    private final Protocol protocol;
    private final InetSocketAddress address;

    private ListenAddress(Protocol protocol, InetSocketAddress address) {
        this.protocol = protocol;
        this.address = address;
    }

    /** Creates a UDP listen address. */
    public static ListenAddress udp(InetSocketAddress address) {
        return new ListenAddress(Protocol.UDP, requireNonNull(address, "address"));
    }

    /** Creates a listen address of {@code protocol}. */
    public static ListenAddress of(Protocol protocol, InetSocketAddress address) {
        return new ListenAddress(requireNonNull(protocol, "protocol"), requireNonNull(address, "address"));
    }

    /**
     * Parses {@code PROTOCOL:HOST:PORT}, where HOST is an IPv4 literal, a bracketed IPv6 literal or a host name
     * resolved now.
     *
     * @throws IllegalArgumentException with a message naming the value and the expected form
     */
    public static ListenAddress parse(String text) {
        requireNonNull(text, "text");
        final String expected = " (expected: udp|tcp|tls|ws|wss:HOST:PORT, e.g. udp:127.0.0.1:5060 or "
                                + "tls:[::1]:5061)";
        final int colon = text.indexOf(':');
        if (colon <= 0) {
            throw new IllegalArgumentException('"' + text + '"' + expected);
        }
        final Protocol protocol;
        final String scheme = text.substring(0, colon).toLowerCase(Locale.ROOT);
        switch (scheme) {
            case "udp":
                protocol = Protocol.UDP;
                break;
            case "tcp":
                protocol = Protocol.TCP;
                break;
            case "tls":
                protocol = Protocol.TLS;
                break;
            case "ws":
                protocol = Protocol.WS;
                break;
            case "wss":
                protocol = Protocol.WSS;
                break;
            default:
                throw new IllegalArgumentException('"' + text + "\": unknown transport '" + scheme + '\'' + expected);
        }
        final String rest = text.substring(colon + 1);
        final String host;
        final String portText;
        if (rest.startsWith("[")) {
            final int close = rest.indexOf(']');
            if (close < 0 || close + 1 >= rest.length() || rest.charAt(close + 1) != ':') {
                throw new IllegalArgumentException('"' + text + '"' + expected);
            }
            host = rest.substring(1, close);
            portText = rest.substring(close + 2);
        } else {
            final int lastColon = rest.lastIndexOf(':');
            if (lastColon <= 0 || rest.indexOf(':') != lastColon) {
                throw new IllegalArgumentException('"' + text + '"' + expected);
            }
            host = rest.substring(0, lastColon);
            portText = rest.substring(lastColon + 1);
        }
        final int port;
        try {
            port = Integer.parseInt(portText);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException('"' + text + "\": port '" + portText + "' (expected: 0..65535)");
        }
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException('"' + text + "\": port " + port + " (expected: 0..65535)");
        }
        if (host.isEmpty()) {
            throw new IllegalArgumentException('"' + text + '"' + expected);
        }
        final InetAddress inet;
        try {
            inet = InetAddress.getByName(host);
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException('"' + text + "\": unknown host '" + host + '\'' + expected);
        }
        return new ListenAddress(protocol, new InetSocketAddress(inet, port));
    }

    /** Returns the transport. */
    public Protocol protocol() {
        return protocol;
    }

    /** Returns the local address to bind. */
    public InetSocketAddress address() {
        return address;
    }

    @Override
    public boolean equals(Object o) {
        if (this == o) {
            return true;
        }
        if (!(o instanceof ListenAddress)) {
            return false;
        }
        final ListenAddress that = (ListenAddress) o;
        return protocol == that.protocol && address.equals(that.address);
    }

    @Override
    public int hashCode() {
        return protocol.hashCode() * 31 + address.hashCode();
    }

    @Override
    public String toString() {
        return protocol.name().toLowerCase(Locale.ROOT) + ':' + hostPort(address);
    }

    /** Formats {@code host:port}, with IPv6 literals in their RFC 5952 form in brackets ({@code [::1]:5060}). */
    public static String hostPort(InetSocketAddress address) {
        final InetAddress inet = address.getAddress();
        final String host = inet != null ? NetUtil.toAddressString(inet) : address.getHostString();
        final int pct = host.indexOf('%');
        final String bare = pct >= 0 ? host.substring(0, pct) : host;
        return (bare.indexOf(':') >= 0 ? '[' + bare + ']' : bare) + ':' + address.getPort();
    }
}
