package io.siplb.proxy.core;

import static java.util.Objects.requireNonNull;

import java.util.ArrayList;
import java.util.List;

import io.netty.channel.EventLoop;
import io.netty.channel.socket.DatagramChannel;
import io.netty.resolver.ResolvedAddressTypes;
import io.netty.resolver.dns.DefaultDnsCache;
import io.netty.resolver.dns.DnsCache;

import io.siplb.codec.SipResponses;
import io.siplb.dispatch.Dispatcher;
import io.siplb.dispatch.Transport;
import io.siplb.proxy.config.ProxySettings;
import io.siplb.proxy.config.RuntimeConfig;
import io.siplb.proxy.routing.RoutingRules;
import io.siplb.proxy.transport.Egress;

/**
 * What every forwarder of a running siplb shares, in stateless and in stateful mode: the configuration in force
 * (settings and routing rules, one {@link RuntimeConfig} behind one volatile reference that a reload replaces, see
 * {@link #publish(RuntimeConfig)}), the {@link Dispatcher}, the counters, siplb's own addresses and the sockets to
 * send from. The egress sockets are published once, after the listeners are bound and before any of them reads
 * ({@link #publish}). The fields are final or a single volatile reference to an immutable object. Thread-safe
 * (lock-free: a reader does one volatile read of the configuration per use).
 */
public final class ProxyContext {

    private final Dispatcher dispatcher;
    private final ProxyStats stats = new ProxyStats();
    private final SipResponses responses = SipResponses.ofDefaults();
    /** The configuration in force: the single holder every component reads (see {@link RuntimeConfig}). */
    private volatile RuntimeConfig runtime;

    /** Host name lookups of every event loop share these caches (thread-safe). */
    private final DnsCache dnsCache = new DefaultDnsCache(0, 86_400, (int) SrvCache.NEGATIVE_TTL_SECONDS);
    private final SrvCache srvCache = new SrvCache();

    private volatile Published published;
    /** Opens the sockets towards single destinations (ICMP errors); {@code null}: the listeners send. */
    private volatile io.siplb.proxy.transport.Connector connector;

    /** Creates a new instance with the single rule "dispatch to the default set"; call {@link #publish} next. */
    public ProxyContext(ProxySettings settings, Dispatcher dispatcher) {
        this(settings, dispatcher, RoutingRules.ofDefaultSet(settings.defaultSet(), "siplb.proxy.default-set"));
    }

    /** Creates a new instance; call {@link #publish} before the listeners read. */
    public ProxyContext(ProxySettings settings, Dispatcher dispatcher, RoutingRules rules) {
        this.dispatcher = requireNonNull(dispatcher, "dispatcher");
        runtime = RuntimeConfig.of(requireNonNull(settings, "settings"), requireNonNull(rules, "rules"));
    }

    /** Returns the configuration in force. */
    public RuntimeConfig runtime() {
        return runtime;
    }

    /**
     * Publishes a new configuration (a reload): every message, timer and probe from now on reads it. Its version
     * must follow the one in force.
     */
    public void publish(RuntimeConfig next) {
        requireNonNull(next, "next");
        if (next.version() <= runtime.version()) {
            throw new IllegalArgumentException("version: " + next.version() + " (expected: > " + runtime.version()
                                               + ')');
        }
        runtime = next;
    }

    /**
     * Publishes the bound sockets: siplb's own addresses and the egress sockets.
     *
     * @param own the addresses siplb answers to
     * @param egresses one egress per bound socket
     * @param datagramChannelType the UDP channel class of the event loops' transport, for DNS queries
     */
    public void publish(OwnAddresses own, List<? extends Egress> egresses,
                        Class<? extends DatagramChannel> datagramChannelType) {
        requireNonNull(own, "own");
        published = new Published(own, List.copyOf(requireNonNull(egresses, "egresses")),
                                  requireNonNull(datagramChannelType, "datagramChannelType"));
    }

    /** Returns the settings in force. */
    public ProxySettings settings() {
        return runtime.proxy();
    }

    /** Returns the dispatcher. */
    public Dispatcher dispatcher() {
        return dispatcher;
    }

    /** Returns the routing rules in force. */
    public RoutingRules rules() {
        return runtime.routing();
    }

    /** Returns the counters. */
    public ProxyStats stats() {
        return stats;
    }

    /** Returns the builder of local responses. */
    public SipResponses responses() {
        return responses;
    }

    /** Returns the Retry-After of a 503, in seconds. */
    public long retryAfterSeconds() {
        return runtime.retryAfterSeconds();
    }

    /**
     * Returns a resolver of next hops running on {@code loop}, sharing this proxy's DNS caches.
     */
    public NextHopResolver newResolver(EventLoop loop) {
        final Class<? extends DatagramChannel> type = published.datagramChannelType;
        // Only the address families siplb can send from: a name with both kinds of record gets the one it can use.
        final ResolvedAddressTypes families = !hasFamily(false) ? ResolvedAddressTypes.IPV6_ONLY
                                              : !hasFamily(true) ? ResolvedAddressTypes.IPV4_ONLY
                                              : ResolvedAddressTypes.IPV4_PREFERRED;
        final ProxySettings settings = settings();
        return new NextHopResolver(loop, type, settings.dnsServers(), settings.dnsTimeout(), families, dnsCache,
                                   srvCache);
    }

    /** The TCP, TLS and WebSocket transports, or {@code null} when siplb has none. */
    private volatile io.siplb.proxy.stream.StreamTransports streams;

    /** Sets the stream transports; before the listeners read. */
    public void streams(io.siplb.proxy.stream.StreamTransports streams) {
        this.streams = streams;
    }

    /** Returns the stream transports, or {@code null}. */
    public io.siplb.proxy.stream.StreamTransports streams() {
        return streams;
    }

    private final HealthLog healthLog = new HealthLog();

    /** Returns the log (and count) of the destinations' health transitions. */
    public HealthLog healthLog() {
        return healthLog;
    }

    private volatile boolean probingEnabled = true;

    /** Turns keepalive probing on or off at run time (the admin API); on by default. */
    public void probingEnabled(boolean enabled) {
        this.probingEnabled = enabled;
    }

    /** Returns whether keepalive probing is on. */
    public boolean probingEnabled() {
        return probingEnabled;
    }

    /** Sets what opens sockets towards single destinations; before the listeners read. */
    public void connector(io.siplb.proxy.transport.Connector connector) {
        this.connector = connector;
    }

    /** Returns what opens sockets towards single destinations, or {@code null}. */
    public io.siplb.proxy.transport.Connector connector() {
        return connector;
    }

    /** Returns siplb's own addresses; {@code null} before {@link #publish}. */
    public OwnAddresses own() {
        final Published p = published;
        return p != null ? p.own : null;
    }

    /** Returns every published egress. */
    public List<Egress> egresses() {
        final Published p = published;
        return p != null ? p.all : List.of();
    }

    /**
     * Returns the egresses of {@code loop} in publication order, then those of the other loops: a forwarder sends
     * from a socket of its own event loop when it has one.
     */
    public List<Egress> egressesPreferring(EventLoop loop) {
        final List<Egress> all = egresses();
        final List<Egress> ordered = new ArrayList<>(all.size());
        for (Egress e : all) {
            if (e.eventLoop() == loop) {
                ordered.add(e);
            }
        }
        for (Egress e : all) {
            if (e.eventLoop() != loop) {
                ordered.add(e);
            }
        }
        return ordered;
    }

    private boolean hasFamily(boolean ipv6) {
        for (Egress e : egresses()) {
            if (e.isIpv6() == ipv6 && e.transport() == Transport.UDP) {
                return true;
            }
        }
        return false;
    }

    /** What {@link #publish} set. Immutable. */
    private static final class Published {
        final OwnAddresses own;
        final List<Egress> all;
        final Class<? extends DatagramChannel> datagramChannelType;

        Published(OwnAddresses own, List<Egress> all, Class<? extends DatagramChannel> datagramChannelType) {
            this.own = own;
            this.all = all;
            this.datagramChannelType = datagramChannelType;
        }
    }
}
