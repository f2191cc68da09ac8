package io.siplb.proxy.core;

import static java.util.Objects.requireNonNull;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

import io.netty.util.NetUtil;

/**
 * The addresses siplb answers to: every bound listener address and the advertised address. Used to recognise
 * siplb's own Via in responses, its own Route in requests and a Request-URI a strict-routing predecessor set to
 * siplb's Record-Route (RFC 3261 §16.4). Matching compares the host (IP literals by value, host names
 * case-insensitively) and the port, an absent port meaning 5060. Only IP literals are compared with the
 * listeners: no DNS lookup happens on the hot path. Immutable.
 */
public final class OwnAddresses {

    /** The port of a SIP URI or sent-by without one (RFC 3261 §19.1.2). */
    public static final int DEFAULT_SIP_PORT = 5060;

    private final List<InetSocketAddress> bound;
    private final Set<InetAddress> localInterfaces;
    private final String advertisedHost;
    private final int advertisedPort;

    /**
     * Creates a new instance.
     *
     * @param bound the bound listener addresses (ephemeral ports resolved)
     * @param advertisedHost the advertised host as written in a URI (IPv6 in brackets), or {@code null}
     * @param advertisedPort the advertised port, or {@code -1} for each listener's port
     */
    public OwnAddresses(List<InetSocketAddress> bound, String advertisedHost, int advertisedPort) {
        this.bound = List.copyOf(requireNonNull(bound, "bound"));
        this.advertisedHost = advertisedHost != null ? normalizeHost(advertisedHost) : null;
        this.advertisedPort = advertisedPort;
        boolean wildcard = false;
        for (InetSocketAddress a : this.bound) {
            wildcard |= a.getAddress() != null && a.getAddress().isAnyLocalAddress();
        }
        localInterfaces = wildcard ? interfaceAddresses() : Collections.emptySet();
    }

    private static Set<InetAddress> interfaceAddresses() {
        final Set<InetAddress> set = new HashSet<>();
        try {
            for (NetworkInterface ni : Collections.list(NetworkInterface.getNetworkInterfaces())) {
                for (InetAddress a : Collections.list(ni.getInetAddresses())) {
                    set.add(stripScope(a));
                }
            }
        } catch (SocketException e) {
            // No interface list: only the loopback addresses are recognised below.
        }
        set.add(InetAddress.getLoopbackAddress());
        return Collections.unmodifiableSet(set);
    }

    /**
     * Returns whether {@code host:port} is one of siplb's addresses.
     *
     * @param host a host as written in a URI or a Via sent-by (IPv6 with or without brackets)
     * @param port the port, or {@code -1} when absent (5060)
     */
    public boolean matches(String host, int port) {
        if (host == null || host.isEmpty()) {
            return false;
        }
        final int p = port > 0 ? port : DEFAULT_SIP_PORT;
        final String h = normalizeHost(host);
        if (advertisedHost != null && advertisedHost.equals(h)) {
            if (advertisedPort > 0) {
                if (advertisedPort == p) {
                    return true;
                }
            } else {
                for (InetSocketAddress a : bound) {
                    if (a.getPort() == p) {
                        return true;
                    }
                }
            }
        }
        final InetAddress ip = parseIp(h);
        if (ip == null) {
            return false;
        }
        for (InetSocketAddress a : bound) {
            if (a.getPort() != p) {
                continue;
            }
            final InetAddress b = a.getAddress();
            if (b == null) {
                continue;
            }
            if (b.isAnyLocalAddress() ? localInterfaces.contains(ip) : stripScope(b).equals(ip)) {
                return true;
            }
        }
        return false;
    }

    /** Returns whether {@code address} is one of the bound listener addresses. */
    public boolean isListener(InetSocketAddress address) {
        final InetAddress ip = address.getAddress();
        if (ip == null) {
            return false;
        }
        for (InetSocketAddress a : bound) {
            if (a.getPort() != address.getPort() || a.getAddress() == null) {
                continue;
            }
            if (a.getAddress().isAnyLocalAddress() ? localInterfaces.contains(stripScope(ip))
                                                   : stripScope(a.getAddress()).equals(stripScope(ip))) {
                return true;
            }
        }
        return false;
    }

    /** Returns the bound listener addresses. */
    public List<InetSocketAddress> bound() {
        return bound;
    }

    /**
     * Parses an IP literal (IPv4 dotted quad, IPv6 with or without brackets) without any DNS lookup.
     *
     * @return the address, or {@code null} when {@code host} is not an IP literal
     */
    public static InetAddress parseIp(String host) {
        String h = host;
        if (h.length() > 2 && h.charAt(0) == '[' && h.charAt(h.length() - 1) == ']') {
            h = h.substring(1, h.length() - 1);
        }
        final int pct = h.indexOf('%');
        if (pct >= 0) {
            h = h.substring(0, pct);
        }
        return NetUtil.createInetAddressFromIpAddressString(h);
    }

    private static String normalizeHost(String host) {
        final InetAddress ip = parseIp(host);
        if (ip != null) {
            return ip.getHostAddress();
        }
        String h = host.toLowerCase(Locale.ROOT);
        if (h.endsWith(".")) {
            h = h.substring(0, h.length() - 1);
        }
        return h;
    }

    private static InetAddress stripScope(InetAddress a) {
        final String text = a.getHostAddress();
        final int pct = text.indexOf('%');
        if (pct < 0) {
            return a;
        }
        final InetAddress stripped = NetUtil.createInetAddressFromIpAddressString(text.substring(0, pct));
        return stripped != null ? stripped : a;
    }

    @Override
    public String toString() {
        final List<String> list = new ArrayList<>();
        for (InetSocketAddress a : bound) {
            list.add(a.toString());
        }
        return "OwnAddresses{bound=" + list + ", advertised=" + advertisedHost + ':' + advertisedPort + '}';
    }
}
