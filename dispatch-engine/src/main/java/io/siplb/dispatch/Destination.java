package io.siplb.dispatch;

import static java.util.Objects.requireNonNull;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.Locale;
import java.util.Objects;

import io.siplb.dispatch.state.DestinationKey;

/**
 * One destination of a {@link DestinationSet}: its URI, the transport and resolved address derived from it,
 * Kamailio's flags and priority, and its {@link DestinationAttributes}. Immutable.
 *
 * <p>The URI is normalized as Kamailio does: a URI without a scheme gets {@code sip:}. The transport is the
 * URI's {@code transport} parameter; without one it is {@link Transport#UDP} for {@code sip:} and
 * {@link Transport#TLS} for {@code sips:} (Kamailio 6.1 leaves a hostname without a port to DNS NAPTR/SRV, which
 * siplb does not do). The port is the URI's, or the transport's default (5060, 5061 for TLS, 80 for WS, 443 for
 * WSS). {@link #of} resolves the host once (unless the {@link #FLAG_NODNSARES} flag is set); {@link #parse} leaves
 * a host name unresolved for the caller to resolve ({@link #withAddress}).
 *
 * <p>The identity of a destination across reloads ({@link #key()}) is its set id and {@code duid} when it has
 * one, otherwise its set id and URI.
 */
public final class Destination {

    /** Kamailio state bit 1: not selectable. */
    public static final int FLAG_INACTIVE = 1;
    /** Kamailio state bit 2: selectable, failures are being counted. */
    public static final int FLAG_TRYING = 2;
    /** Kamailio state bit 4: administratively disabled. */
    public static final int FLAG_DISABLED = 4;
    /** Kamailio state bit 8: receives keepalive probes. */
    public static final int FLAG_PROBING = 8;
    /** Kamailio state bit 16: no A/AAAA lookup at load; the address stays unresolved. */
    public static final int FLAG_NODNSARES = 16;
    /** Kamailio state bit 32: never probed. */
    public static final int FLAG_NOPING = 32;

    private final int setId;
    private final String uri;
    private final String host;
    private final int port;
    private final boolean explicitPort;
    private final boolean secure;
    private final Transport transport;
    private final boolean explicitTransport;
    private final InetSocketAddress address;
    private final int flags;
    private final int priority;
    private final DestinationAttributes attributes;
    private final DestinationKey key;

    private Destination(int setId, String uri, String host, int port, boolean explicitPort, boolean secure,
                        Transport transport, InetSocketAddress address, int flags, int priority,
                        DestinationAttributes attributes) {
        this.setId = setId;
        this.uri = uri;
        this.host = host;
        this.port = port;
        this.explicitPort = explicitPort;
        this.secure = secure;
        this.transport = transport;
        explicitTransport = uri.toLowerCase(java.util.Locale.ROOT).contains(";transport=");
        this.address = address;
        this.flags = flags;
        this.priority = priority;
        this.attributes = attributes;
        key = DestinationKey.of(setId, uri, attributes.duid());
    }

    /**
     * Parses {@code uri} and resolves its host (unless {@code flags} has {@link #FLAG_NODNSARES}).
     *
     * @throws IllegalArgumentException naming the offending part of the URI and the expected value, or the host
     *         that does not resolve
     */
    public static Destination of(int setId, String uri, int flags, int priority, DestinationAttributes attributes) {
        return of(setId, uri, flags, priority, attributes, true);
    }

    /**
     * Parses {@code uri} without looking its host up: an IP literal gives a resolved address, a host name an
     * unresolved one, to be resolved later (for instance by DNS with the records' time to live, see
     * {@link #withAddress}).
     *
     * @throws IllegalArgumentException naming the offending part of the URI and the expected value
     */
    public static Destination parse(int setId, String uri, int flags, int priority, DestinationAttributes attributes) {
        return of(setId, uri, flags, priority, attributes, false);
    }

    /** Returns {@code true} when the host is a host name rather than an IPv4 or IPv6 literal. */
    public boolean isHostName() {
        return !host.startsWith("[") && !host.matches("[0-9]{1,3}(\\.[0-9]{1,3}){3}");
    }

    /**
     * Returns this destination with {@code resolved} as its address (same set, URI, flags, priority, attributes
     * and {@link #key()}): a host name looked up again gives the same destination at its new address, whose runtime
     * state a reload keeps.
     */
    public Destination withAddress(InetSocketAddress resolved) {
        requireNonNull(resolved, "resolved");
        return new Destination(setId, uri, host, port, explicitPort, secure, transport, resolved, flags, priority,
                               attributes);
    }

    private static Destination of(int setId, String uri, int flags, int priority, DestinationAttributes attributes,
                                  boolean lookUp) {
        requireNonNull(uri, "uri");
        requireNonNull(attributes, "attributes");
        if (setId < 0) {
            throw new IllegalArgumentException("setid: " + setId + " (expected: >= 0)");
        }
        if (flags < 0) {
            throw new IllegalArgumentException("flags: " + flags + " (expected: >= 0)");
        }
        String u = uri.trim();
        if (u.isEmpty()) {
            throw new IllegalArgumentException("uri: \"\" (expected: sip: or sips: URI)");
        }
        final String lower = u.toLowerCase(Locale.ROOT);
        final boolean secure;
        final int schemeLen;
        if (lower.startsWith("sips:")) {
            secure = true;
            schemeLen = 5;
        } else if (lower.startsWith("sip:")) {
            secure = false;
            schemeLen = 4;
        } else {
            final int colon = u.indexOf(':');
            if (colon > 0 && u.substring(0, colon).matches("[A-Za-z][A-Za-z0-9+.-]*")
                && !u.substring(colon + 1).matches("[0-9]+([;?].*)?")) {
                throw new IllegalArgumentException("uri: \"" + uri + "\" (expected: sip: or sips: URI)");
            }
            u = "sip:" + u;
            secure = false;
            schemeLen = 4;
        }
        String rest = u.substring(schemeLen);
        final int q = rest.indexOf('?');
        if (q >= 0) {
            rest = rest.substring(0, q);
        }
        final int at = rest.lastIndexOf('@', rest.indexOf(';') < 0 ? rest.length() : rest.indexOf(';'));
        final String afterUser = rest.substring(at + 1);
        final int semi = afterUser.indexOf(';');
        final String hostPort = semi < 0 ? afterUser : afterUser.substring(0, semi);
        final String params = semi < 0 ? "" : afterUser.substring(semi + 1);
        final String host;
        String portText = null;
        if (hostPort.startsWith("[")) {
            final int close = hostPort.indexOf(']');
            if (close < 0) {
                throw new IllegalArgumentException("uri: \"" + uri + "\" (expected: IPv6 reference closed by ])");
            }
            host = hostPort.substring(0, close + 1);
            final String after = hostPort.substring(close + 1);
            if (!after.isEmpty()) {
                if (after.charAt(0) != ':') {
                    throw new IllegalArgumentException("uri: \"" + uri + "\" (expected: [ipv6]:port)");
                }
                portText = after.substring(1);
            }
        } else {
            final int colon = hostPort.indexOf(':');
            host = colon < 0 ? hostPort : hostPort.substring(0, colon);
            portText = colon < 0 ? null : hostPort.substring(colon + 1);
        }
        if (host.isEmpty() || !host.matches("\\[[0-9A-Fa-f:.]+\\]|[A-Za-z0-9._-]+")) {
            throw new IllegalArgumentException("uri: \"" + uri + "\" host \"" + host
                                               + "\" (expected: hostname, IPv4 address or [IPv6] reference)");
        }
        Transport transport = null;
        for (String param : params.split(";")) {
            final int eq = param.indexOf('=');
            if (eq > 0 && param.substring(0, eq).trim().equalsIgnoreCase("transport")) {
                final String name = param.substring(eq + 1).trim();
                transport = Transport.fromUriParameter(name);
                if (transport == null) {
                    throw new IllegalArgumentException("uri: \"" + uri + "\" transport \"" + name
                                                       + "\" (expected: udp, tcp, tls, sctp, ws or wss)");
                }
            }
        }
        if (transport == null) {
            transport = secure ? Transport.TLS : Transport.UDP;
        } else if (secure && transport == Transport.TCP) {
            transport = Transport.TLS;
        }
        final int port;
        final boolean explicitPort = portText != null;
        if (explicitPort) {
            try {
                port = Integer.parseInt(portText);
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("uri: \"" + uri + "\" port \"" + portText
                                                   + "\" (expected: integer 1..65535)");
            }
            if (port < 1 || port > 65535) {
                throw new IllegalArgumentException("uri: \"" + uri + "\" port " + port + " (expected: 1..65535)");
            }
        } else {
            port = defaultPort(transport);
        }
        final String bareHost = host.startsWith("[") ? host.substring(1, host.length() - 1) : host;
        final InetSocketAddress address;
        final boolean literal = host.startsWith("[") || bareHost.matches("[0-9]{1,3}(\\.[0-9]{1,3}){3}");
        if ((flags & FLAG_NODNSARES) != 0 || !lookUp && !literal) {
            address = InetSocketAddress.createUnresolved(bareHost, port);
        } else {
            try {
                address = new InetSocketAddress(InetAddress.getByName(bareHost), port);
            } catch (UnknownHostException e) {
                throw new IllegalArgumentException("uri: \"" + uri + "\" host \"" + bareHost
                                                   + "\" does not resolve (expected: a resolvable host, or flag 16 "
                                                   + "to skip the lookup)");
            }
        }
        return new Destination(setId, u, host, port, explicitPort, secure, transport, address, flags, priority,
                               attributes);
    }

    private static int defaultPort(Transport transport) {
        switch (transport) {
            case TLS: return 5061;
            case WS: return 80;
            case WSS: return 443;
            default: return 5060;
        }
    }

    /** Returns the id of the set this destination belongs to. */
    public int setId() {
        return setId;
    }

    /** Returns the URI, with {@code sip:} added when the configuration had no scheme. */
    public String uri() {
        return uri;
    }

    /** Returns the host as written in the URI (IPv6 references keep their brackets). */
    public String host() {
        return host;
    }

    /** Returns the port: the URI's, or the transport's default. */
    public int port() {
        return port;
    }

    /** Returns {@code true} when the URI names a port. */
    public boolean hasExplicitPort() {
        return explicitPort;
    }

    /** Returns {@code true} for a {@code sips:} URI. */
    public boolean isSecure() {
        return secure;
    }

    /** Returns whether the URI names its transport ({@code ;transport=}); {@code sips:} alone does not. */
    public boolean hasExplicitTransport() {
        return explicitTransport;
    }

    /** Returns the transport. */
    public Transport transport() {
        return transport;
    }

    /** Returns the address resolved at load (unresolved when {@link #FLAG_NODNSARES} is set). */
    public InetSocketAddress address() {
        return address;
    }

    /** Returns Kamailio's flags as configured (state bits, see the {@code FLAG_*} constants). */
    public int flags() {
        return flags;
    }

    /** Returns the priority; a higher value comes first except for {@link Algorithm#PRIORITY_WEIGHT}. */
    public int priority() {
        return priority;
    }

    /** Returns the attributes. */
    public DestinationAttributes attributes() {
        return attributes;
    }

    /**
     * Returns the stable identity used to keep runtime state across reloads: set id and {@code duid} when the
     * destination has a {@code duid}, otherwise set id and URI.
     */
    public DestinationKey key() {
        return key;
    }

    /** Returns {@link #key()} as text: {@code 1/sip:10.0.0.1:5060} or {@code 1/duid=gw1}. */
    public String identity() {
        return key.toString();
    }

    /**
     * Returns {@code true} when {@code other} is configured the same: set, URI, resolved address, flags, priority
     * and attribute text. (No {@code equals}: snapshots tell destinations apart by identity.)
     */
    boolean hasSameDefinition(Destination other) {
        return other == this
               || other.setId == setId && other.uri.equals(uri) && other.host.equals(host) && other.port == port
                  && other.explicitPort == explicitPort && other.secure == secure && other.transport == transport
                  && Objects.equals(other.address, address) && other.flags == flags && other.priority == priority
                  && other.attributes.body().equals(attributes.body()) && other.key.equals(key);
    }

    @Override
    public String toString() {
        return uri;
    }
}
