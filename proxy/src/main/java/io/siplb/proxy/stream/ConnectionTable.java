package io.siplb.proxy.stream;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

import io.siplb.dispatch.Transport;
import io.siplb.proxy.stream.ConnectionStats.Cause;

/**
 * Every open stream connection of siplb, found by transport and remote address (a client's connection by its source
 * address and the aliases its Via offers, RFC 5923; a connection siplb opened by the destination's address) and by
 * flow token (RFC 5626 §5.3); and the limits on inbound connections, in total and per source IP.
 *
 * <p>Thread-safe: concurrent maps and atomic counters, no locks on the lookup path.
 */
public final class ConnectionTable {

    private final EnumMap<Transport, ConcurrentHashMap<InetSocketAddress, StreamConnection>> byAddress =
            new EnumMap<>(Transport.class);
    private final ConcurrentHashMap<String, StreamConnection> byToken = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<InetAddress, AtomicInteger> perIp = new ConcurrentHashMap<>();
    private final AtomicInteger inbound = new AtomicInteger();
    private final AtomicInteger outbound = new AtomicInteger();
    private final EnumMap<Transport, AtomicInteger> open = new EnumMap<>(Transport.class);
    private final SecureRandom random = new SecureRandom();
    /** Where the limits in force are read ({@code max}, {@code max-per-ip}, {@code max-outbound}). */
    private final java.util.function.Supplier<io.siplb.proxy.config.ConnectionSettings> limits;

    /** Creates an empty table whose limits are read from {@code limits} at each admission (a reload changes them). */
    public ConnectionTable(java.util.function.Supplier<io.siplb.proxy.config.ConnectionSettings> limits) {
        this.limits = java.util.Objects.requireNonNull(limits, "limits");
        for (Transport t : Transport.values()) {
            byAddress.put(t, new ConcurrentHashMap<>());
            open.put(t, new AtomicInteger());
        }
    }

    /**
     * Takes one inbound connection from {@code ip} into account, or returns why it is refused (nothing counted
     * then).
     */
    Cause admitInbound(InetAddress ip) {
        final io.siplb.proxy.config.ConnectionSettings l = limits.get();
        if (inbound.incrementAndGet() > l.maxConnections()) {
            inbound.decrementAndGet();
            return Cause.REFUSED_LIMIT;
        }
        final AtomicInteger n = perIp.computeIfAbsent(ip, k -> new AtomicInteger());
        if (n.incrementAndGet() > l.maxPerSourceIp()) {
            n.decrementAndGet();
            inbound.decrementAndGet();
            return Cause.REFUSED_PER_IP;
        }
        return null;
    }

    /** Undoes {@link #admitInbound} once the connection closed. */
    void releaseInbound(InetAddress ip) {
        inbound.decrementAndGet();
        final AtomicInteger n = perIp.get(ip);
        if (n != null && n.decrementAndGet() <= 0) {
            perIp.remove(ip, n);
        }
    }

    /** Takes one outbound connection into account; {@code false} when {@code max-outbound} are open. */
    boolean admitOutbound() {
        if (outbound.incrementAndGet() > limits.get().maxOutbound()) {
            outbound.decrementAndGet();
            return false;
        }
        return true;
    }

    /** Undoes {@link #admitOutbound}. */
    void releaseOutbound() {
        outbound.decrementAndGet();
    }

    /** Returns a new flow token: 16 random hex digits with a prefix, unguessable by a peer. */
    String newToken() {
        final long v = random.nextLong();
        return "sf" + String.format("%016x", v);
    }

    /** Adds an open or opening connection. */
    void add(StreamConnection c) {
        byAddress.get(c.transport()).put(c.remoteAddress(), c);
        if (c.token() != null) {
            byToken.put(c.token(), c);
        }
        open.get(c.transport()).incrementAndGet();
    }

    /** Makes {@code c} reachable at {@code address} too (RFC 5923 alias); ignored when another holds it. */
    void alias(StreamConnection c, InetSocketAddress address) {
        if (byAddress.get(c.transport()).putIfAbsent(address, c) == null) {
            c.addAlias(address);
        }
    }

    /** Removes a closed connection and its aliases. */
    void remove(StreamConnection c) {
        final ConcurrentHashMap<InetSocketAddress, StreamConnection> m = byAddress.get(c.transport());
        m.remove(c.remoteAddress(), c);
        for (InetSocketAddress a : c.aliases()) {
            m.remove(a, c);
        }
        open.get(c.transport()).decrementAndGet();
        if (c.token() != null) {
            byToken.remove(c.token(), c);
        }
    }

    /** Returns the open (or opening) connection to {@code remote} over {@code t}, or {@code null}. */
    public StreamConnection find(Transport t, InetSocketAddress remote) {
        final StreamConnection c = byAddress.get(t).get(remote);
        return c != null && c.isOpen() ? c : null;
    }

    /** Returns the open connection named by flow {@code token}, or {@code null}. */
    public StreamConnection byToken(String token) {
        final StreamConnection c = byToken.get(token);
        return c != null && c.isOpen() ? c : null;
    }

    /** Returns the number of open connections over {@code t}, both directions. */
    public int open(Transport t) {
        return open.get(t).get();
    }

    /** Returns the open inbound connections. */
    public int inbound() {
        return inbound.get();
    }

    /** Returns every connection (a copy), for closing at stop. */
    List<StreamConnection> all() {
        final java.util.Set<StreamConnection> all = java.util.Collections.newSetFromMap(
                new java.util.IdentityHashMap<>());
        for (ConcurrentHashMap<InetSocketAddress, StreamConnection> m : byAddress.values()) {
            all.addAll(m.values());
        }
        return new ArrayList<>(all);
    }
}
