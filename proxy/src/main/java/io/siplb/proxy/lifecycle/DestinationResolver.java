package io.siplb.proxy.lifecycle;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.netty.channel.EventLoop;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioDatagramChannel;
import io.netty.resolver.ResolvedAddressTypes;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.netty.util.concurrent.Future;
import io.siplb.dispatch.Algorithm;
import io.siplb.dispatch.Destination;
import io.siplb.dispatch.DestinationAttributes;
import io.siplb.dispatch.DestinationSet;
import io.siplb.dispatch.DispatcherSettings;
import io.siplb.dispatch.Transport;
import io.siplb.proxy.config.ProxySettings;
import io.siplb.proxy.config.SiplbConfigException;
import io.siplb.proxy.core.NextHopResolver;
import io.siplb.proxy.core.NextHopResolver.Answer;
import io.siplb.proxy.core.NextHopResolver.Srv;

/**
 * Resolves the destinations named by host name (not an IP literal, no flag 16) through DNS ({@code siplb.dns}), on
 * an event loop of its own ({@code siplb-dns}), never on the I/O event loops, and says when to look again: the
 * smallest time to live of the answers (at least 1 s, at most a day).
 * <ul>
 *   <li>With a port in the URI: the host's address (the hosts file, then A, then AAAA; the first listed). The
 *       destination keeps its identity ({@link Destination#key()}) at its new address.</li>
 *   <li>Without a port: the SRV records of the host for the destination's transport ({@code _sip._udp},
 *       {@code _sip._tcp}, {@code _sips._tcp}; RFC 3263 §4.2), each target becoming a destination of the set, in
 *       the order of their priorities: its URI is the configured one with {@code target:port} as host and port, its
 *       {@code weight} attribute the record's weight, its priority the record's (for {@code priority-weight}, which
 *       prefers the lowest) or {@code 65535 − priority} (for the other algorithms, which prefer the highest), its
 *       {@code duid} (when configured) {@code duid/target:port}. This is Kamailio's {@code ds_dns_mode} 8 done
 *       right: Kamailio keeps one target per record. Without SRV record, the host's address and the transport's
 *       default port.</li>
 * </ul>
 * A name that does not resolve, or whose lookup gets no answer, fails the load at start-up (naming the set, the
 * URI and the configuration's source); later, while a previous answer is known, that answer is kept (and looked up
 * again after {@value #RETRY_SECONDS} s), so a DNS outage never empties a set.
 *
 * <p>Thread-safe: {@link #resolve} is synchronized (it waits for the answers on the caller's thread, which must
 * not be an event loop); the answers complete on the resolver's own event loop.
 */
final class DestinationResolver implements AutoCloseable {

    private static final Logger logger = LoggerFactory.getLogger(DestinationResolver.class);

    /** How soon a name whose lookup failed is looked up again. */
    static final long RETRY_SECONDS = 5;
    private static final long MAX_TTL_SECONDS = 86_400;

    private final MultiThreadIoEventLoopGroup group;
    private final EventLoop loop;
    // @GuardedBy("this")
    private NextHopResolver resolver;
    private List<InetSocketAddress> servers;
    private Duration timeout;
    /** The last good answer of each name (SRV service or host), for a lookup that fails later. */
    // @GuardedBy("this")
    private final Map<String, Answer<?>> lastGood = new HashMap<>();

    DestinationResolver() {
        group = new MultiThreadIoEventLoopGroup(1, new DefaultThreadFactory("siplb-dns", true),
                                                NioIoHandler.newFactory());
        loop = group.next();
    }

    /** The outcome of {@link #resolve}. Immutable. */
    static final class Resolved {
        final DispatcherSettings settings;
        /** When to look again, in seconds; 0 when no destination is named by host name. */
        final long refreshSeconds;

        Resolved(DispatcherSettings settings, long refreshSeconds) {
            this.settings = settings;
            this.refreshSeconds = refreshSeconds;
        }
    }

    /**
     * Returns {@code configured} with every destination named by host name resolved (see the class documentation).
     * Settings without such destinations are returned as they are, without any lookup.
     *
     * @param dns the DNS servers and timeout ({@code siplb.dns})
     * @throws SiplbConfigException when a name does not resolve and no earlier answer is known
     */
    synchronized Resolved resolve(DispatcherSettings configured, ProxySettings dns) {
        if (!hasNames(configured)) {
            return new Resolved(configured, 0);
        }
        final NextHopResolver r = resolver(dns);
        final long waitMillis = dns.dnsTimeout().toMillis() * 4 + 1000;
        final long[] ttl = { Long.MAX_VALUE };
        // First the SRV or address lookup of each name, all at once; then the addresses of the SRV targets.
        final Map<String, Future<Answer<List<Srv>>>> srv = new HashMap<>();
        final Map<String, Future<Answer<InetAddress>>> addresses = new HashMap<>();
        for (DestinationSet set : configured.sets()) {
            for (Destination d : set.destinations()) {
                if (!needsLookup(d)) {
                    continue;
                }
                if (d.hasExplicitPort() || service(d) == null) {
                    addresses.computeIfAbsent(bare(d), r::lookUpAddress);
                } else {
                    srv.computeIfAbsent(service(d), r::lookUpSrv);
                }
            }
        }
        final Map<String, List<Srv>> srvAnswers = new HashMap<>();
        for (Map.Entry<String, Future<Answer<List<Srv>>>> e : srv.entrySet()) {
            final Answer<List<Srv>> a = await(e.getKey(), e.getValue(), waitMillis, ttl);
            if (a == null) {
                continue; // no answer and none known: the name fails below
            }
            srvAnswers.put(e.getKey(), a.value());
            for (Srv s : a.value()) {
                addresses.computeIfAbsent(s.target(), r::lookUpAddress);
            }
        }
        // A name without SRV record: its own address, at the default port.
        for (DestinationSet set : configured.sets()) {
            for (Destination d : set.destinations()) {
                if (needsLookup(d) && !d.hasExplicitPort() && service(d) != null) {
                    final List<Srv> records = srvAnswers.get(service(d));
                    if (records != null && records.isEmpty()) {
                        addresses.computeIfAbsent(bare(d), r::lookUpAddress);
                    }
                }
            }
        }
        final Map<String, InetAddress> resolved = new HashMap<>();
        for (Map.Entry<String, Future<Answer<InetAddress>>> e : addresses.entrySet()) {
            final Answer<InetAddress> a = await(e.getKey(), e.getValue(), waitMillis, ttl);
            if (a != null) {
                resolved.put(e.getKey(), a.value());
            }
        }
        final DispatcherSettings.Builder b = DispatcherSettings.builder()
                .hashMode(configured.hashMode()).boundedLoadFactor(configured.boundedLoadFactor())
                .stateConfig(configured.stateConfig()).callLoadConfig(configured.callLoadConfig())
                .source(configured.source());
        for (DestinationSet set : configured.sets()) {
            final List<Destination> out = new ArrayList<>();
            for (Destination d : set.destinations()) {
                if (!needsLookup(d)) {
                    out.add(d);
                    continue;
                }
                final List<Srv> records = d.hasExplicitPort() ? null : srvAnswers.get(service(d));
                if (records != null && !records.isEmpty()) {
                    final int before = out.size();
                    for (Srv s : sorted(records)) {
                        final InetAddress a = resolved.get(s.target());
                        if (a != null) {
                            out.add(target(set, d, s, a));
                        }
                    }
                    if (out.size() == before) {
                        throw notResolved(configured, set, d, "no SRV target of " + service(d) + " resolves");
                    }
                    continue;
                }
                if (records == null && !d.hasExplicitPort() && service(d) != null) {
                    throw notResolved(configured, set, d, "no answer for " + service(d) + " within "
                                                          + dns.dnsTimeout());
                }
                final InetAddress a = resolved.get(bare(d));
                if (a == null) {
                    throw notResolved(configured, set, d, "host " + bare(d) + " does not resolve");
                }
                out.add(d.withAddress(new InetSocketAddress(a, d.port())));
            }
            try {
                b.addSet(DestinationSet.of(set.id(), set.algorithm(), out));
            } catch (IllegalArgumentException e) {
                throw new SiplbConfigException(configured.source() + ": set " + set.id() + ": " + e.getMessage(), e);
            }
        }
        return new Resolved(b.build(), Math.max(1, Math.min(ttl[0], MAX_TTL_SECONDS)));
    }

    private static SiplbConfigException notResolved(DispatcherSettings configured, DestinationSet set,
                                                    Destination d, String why) {
        return new SiplbConfigException(configured.source() + ": set " + set.id() + ": \"" + d.uri() + "\": " + why
                                        + " (expected: a resolvable host, or flag 16 to skip the lookup)");
    }

    /** The answer, or the last good one when the lookup failed; {@code null} when neither. */
    @SuppressWarnings("unchecked")
    private <T> Answer<T> await(String name, Future<Answer<T>> f, long waitMillis, long[] ttl) {
        f.awaitUninterruptibly(waitMillis);
        if (f.isSuccess()) {
            final Answer<T> a = f.getNow();
            lastGood.put(name, a);
            ttl[0] = Math.min(ttl[0], a.ttlSeconds());
            return a;
        }
        final Answer<T> previous = (Answer<T>) lastGood.get(name);
        ttl[0] = Math.min(ttl[0], RETRY_SECONDS);
        if (previous != null) {
            logger.warn("DNS: {} did not resolve ({}); keeping its last answer, looking again in {} s", name,
                        f.cause() != null ? f.cause().toString() : "no answer", RETRY_SECONDS);
        }
        return previous;
    }

    /** The destination of one SRV target (see the class documentation). */
    private static Destination target(DestinationSet set, Destination configured, Srv s, InetAddress address) {
        final String uri = configured.uri();
        final int at = uri.lastIndexOf('@', uri.indexOf(';') < 0 ? uri.length() : uri.indexOf(';'));
        final int hostStart = at >= 0 ? at + 1 : uri.indexOf(':') + 1;
        final int hostEnd = hostStart + configured.host().length();
        final String targetUri = uri.substring(0, hostStart) + s.target() + ':' + s.port() + uri.substring(hostEnd);
        final StringBuilder attrs = new StringBuilder();
        final DestinationAttributes a = configured.attributes();
        for (String part : a.body().split(";")) {
            final String key = part.contains("=") ? part.substring(0, part.indexOf('=')).trim() : part.trim();
            if (part.isBlank() || key.equalsIgnoreCase("weight") || key.equalsIgnoreCase("duid")) {
                continue;
            }
            attrs.append(part.trim()).append(';');
        }
        attrs.append("weight=").append(s.weight());
        if (a.duid() != null) {
            attrs.append(";duid=").append(a.duid()).append('/').append(s.target()).append(':').append(s.port());
        }
        final int priority = set.algorithm() == Algorithm.PRIORITY_WEIGHT ? s.priority() : 65535 - s.priority();
        return Destination.parse(set.id(), targetUri, configured.flags(), priority,
                                 DestinationAttributes.parse(attrs.toString()))
                          .withAddress(new InetSocketAddress(address, s.port()));
    }

    /** Lower priority first, then higher weight; stable. */
    private static List<Srv> sorted(List<Srv> records) {
        final List<Srv> list = new ArrayList<>(records);
        list.sort((x, y) -> x.priority() != y.priority() ? Integer.compare(x.priority(), y.priority())
                                                          : Integer.compare(y.weight(), x.weight()));
        return list;
    }

    private static boolean hasNames(DispatcherSettings settings) {
        for (DestinationSet set : settings.sets()) {
            for (Destination d : set.destinations()) {
                if (needsLookup(d)) {
                    return true;
                }
            }
        }
        return false;
    }

    /** A host name siplb resolves: unresolved at load and without flag 16 (no DNS lookup). */
    static boolean needsLookup(Destination d) {
        return d.address() != null && d.address().isUnresolved() && (d.flags() & Destination.FLAG_NODNSARES) == 0;
    }

    private static String bare(Destination d) {
        final String h = d.host();
        return h.endsWith(".") ? h.substring(0, h.length() - 1) : h;
    }

    /** The SRV service name of a destination without port (RFC 3263 §4.2), or {@code null} (WebSocket). */
    private static String service(Destination d) {
        final Transport t = d.transport();
        switch (t) {
            case UDP:
                return "_sip._udp." + bare(d);
            case TCP:
                return "_sip._tcp." + bare(d);
            case TLS:
                return "_sips._tcp." + bare(d);
            case SCTP:
                return "_sip._sctp." + bare(d);
            default:
                return null;
        }
    }

    /** The resolver for {@code siplb.dns}, built again when the servers or the timeout changed. */
    // @GuardedBy("this")
    private NextHopResolver resolver(ProxySettings dns) {
        if (resolver == null || !dns.dnsServers().equals(servers) || !dns.dnsTimeout().equals(timeout)) {
            final NextHopResolver old = resolver;
            servers = dns.dnsServers();
            timeout = dns.dnsTimeout();
            resolver = NextHopResolver.create(loop, NioDatagramChannel.class, servers, timeout,
                                              ResolvedAddressTypes.IPV4_PREFERRED);
            if (old != null) {
                loop.execute(old::close);
            }
        }
        return resolver;
    }

    /** Closes the resolver and stops its event loop. */
    @Override
    public synchronized void close() {
        if (resolver != null) {
            final NextHopResolver r = resolver;
            loop.execute(r::close);
        }
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly(2000);
    }
}
