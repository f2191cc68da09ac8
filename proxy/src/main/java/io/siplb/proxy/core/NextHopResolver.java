package io.siplb.proxy.core;

import static java.util.Objects.requireNonNull;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;

import io.netty.buffer.ByteBuf;
import io.netty.channel.EventLoop;
import io.netty.channel.socket.DatagramChannel;
import io.netty.handler.codec.dns.DefaultDnsQuestion;
import io.netty.handler.codec.dns.DefaultDnsRecordDecoder;
import io.netty.handler.codec.dns.DnsRawRecord;
import io.netty.handler.codec.dns.DnsRecord;
import io.netty.handler.codec.dns.DnsRecordType;
import io.netty.resolver.ResolvedAddressTypes;
import io.netty.resolver.dns.DnsCache;
import io.netty.resolver.dns.DnsNameResolver;
import io.netty.resolver.dns.DnsNameResolverBuilder;
import io.netty.resolver.dns.DnsNameResolverTimeoutException;
import io.netty.resolver.dns.DnsServerAddressStreamProvider;
import io.netty.resolver.dns.DnsServerAddressStreamProviders;
import io.netty.resolver.dns.SequentialDnsServerAddressStreamProvider;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.Promise;

/**
 * Resolves a next hop named by a host name (a Route or Request-URI that is not an IP literal) as RFC 3263 §4.2 does
 * for UDP: with an explicit port, the name's A/AAAA records and that port; without one, the SRV records of
 * {@code _sip._udp.NAME} first, taking the target with the lowest priority, then the highest weight, then the first
 * listed (the same target for every retransmission of a request, which a stateless proxy needs), and that target's
 * A/AAAA records; no SRV record: the name's A/AAAA records and port 5060. NAPTR records are not consulted: siplb
 * forwards over UDP only. Only the address families siplb has a socket of are looked up, IPv4 first when it has
 * both. Answers are cached for their TTL in caches shared by every event loop (address records by Netty's cache,
 * SRV answers by {@link SrvCache}; a name without record for 5 s, a query without answer not at all), so a busy next hop costs one lookup per TTL. The hosts file is consulted
 * first; no search domain is appended (SIP names are fully qualified).
 *
 * <p>Every future completes on the resolver's event loop. Not thread-safe; confined to that EventLoop.
 */
public final class NextHopResolver {

    /** RFC 3263 §4.2: the default port of a sip URI over UDP. */
    private static final int DEFAULT_PORT = OwnAddresses.DEFAULT_SIP_PORT;

    private final EventLoop loop;
    private final DnsNameResolver resolver;
    private final SrvCache srvCache;

    /**
     * @param loop the event loop the queries run on
     * @param channelType the UDP channel class of that loop's transport
     * @param servers DNS servers; empty: the system's ({@code /etc/resolv.conf})
     * @param timeout how long one query may take
     * @param families the address families to look up (those siplb has a socket of)
     * @param cache the address cache shared by all resolvers
     * @param srvCache the SRV answers shared by all resolvers
     */
    NextHopResolver(EventLoop loop, Class<? extends DatagramChannel> channelType, List<InetSocketAddress> servers,
                    Duration timeout, ResolvedAddressTypes families, DnsCache cache, SrvCache srvCache) {
        this.loop = requireNonNull(loop, "loop");
        this.srvCache = requireNonNull(srvCache, "srvCache");
        final DnsServerAddressStreamProvider provider =
                servers.isEmpty() ? DnsServerAddressStreamProviders.platformDefault()
                                  : new SequentialDnsServerAddressStreamProvider(servers);
        resolver = new DnsNameResolverBuilder(loop)
                .datagramChannelType(channelType)
                .nameServerProvider(provider)
                .queryTimeoutMillis(timeout.toMillis())
                .resolveCache(cache)
                .resolvedAddressTypes(families)
                .searchDomains(List.of())
                .build();
    }

    /**
     * Resolves {@code host} (not an IP literal) with {@code port}, or by SRV when {@code port <= 0}. The future
     * fails with the lookup's cause when the name has no usable record.
     */
    public Future<InetSocketAddress> resolve(String host, int port) {
        final Promise<InetSocketAddress> promise = loop.newPromise();
        final String name = host.endsWith(".") ? host.substring(0, host.length() - 1) : host;
        if (port > 0) {
            address(name, port, promise);
            return promise;
        }
        final Srv cached = srvCache.get(name, System.nanoTime());
        if (cached != null) {
            if (cached == SrvCache.NONE) {
                address(name, DEFAULT_PORT, promise);
            } else {
                address(cached.target, cached.port, promise);
            }
            return promise;
        }
        final DefaultDnsQuestion question;
        try {
            question = new DefaultDnsQuestion("_sip._udp." + name + '.', DnsRecordType.SRV);
        } catch (IllegalArgumentException e) {
            return promise.setFailure(e); // a name DNS cannot carry (e.g. a label over 63 octets)
        }
        resolver.resolveAll(question)
                .addListener((Future<List<DnsRecord>> f) -> {
                    Srv best = null;
                    long ttl = Long.MAX_VALUE;
                    if (f.isSuccess()) {
                        for (DnsRecord r : f.getNow()) {
                            try {
                                final Srv srv = Srv.of(r);
                                if (srv != null) {
                                    ttl = Math.min(ttl, r.timeToLive());
                                    if (srv.betterThan(best)) {
                                        best = srv;
                                    }
                                }
                            } finally {
                                ReferenceCountUtil.release(r);
                            }
                        }
                    }
                    if (best != null || f.isSuccess() || !timedOut(f.cause())) {
                        // An answer, or a name without SRV record (NXDOMAIN, no data); not a query without answer.
                        srvCache.put(name, best, ttl, System.nanoTime());
                    }
                    if (best != null) {
                        address(best.target, best.port, promise);
                    } else {
                        // No SRV record (or no answer): the name itself, port 5060 (RFC 3263 §4.2).
                        address(name, DEFAULT_PORT, promise);
                    }
                });
        return promise;
    }

    /** Whether {@code cause} says that a query got no answer in time (as opposed to an answer without record). */
    private static boolean timedOut(Throwable cause) {
        for (Throwable t = cause; t != null; t = t.getCause()) {
            if (t instanceof DnsNameResolverTimeoutException) {
                return true;
            }
        }
        return false;
    }

    private void address(String name, int port, Promise<InetSocketAddress> promise) {
        final Future<InetAddress> lookup;
        try {
            lookup = resolver.resolve(name);
        } catch (RuntimeException e) {
            promise.tryFailure(e);
            return;
        }
        lookup.addListener((Future<InetAddress> f) -> {
            if (f.isSuccess()) {
                promise.trySuccess(new InetSocketAddress(f.getNow(), port));
            } else {
                promise.tryFailure(f.cause());
            }
        });
    }

    /** Closes the resolver's socket. */
    public void close() {
        resolver.close();
    }

    /**
     * Creates a resolver on {@code loop} with caches of its own, for lookups that want every record and its time to
     * live ({@link #lookUpSrv}, {@link #lookUpAddress}), such as the refresh of destinations named by host name.
     */
    public static NextHopResolver create(EventLoop loop, Class<? extends DatagramChannel> channelType,
                                         List<InetSocketAddress> servers, Duration timeout,
                                         ResolvedAddressTypes families) {
        return new NextHopResolver(loop, channelType, servers, timeout, families,
                                   new io.netty.resolver.dns.DefaultDnsCache(0, 86_400, 0), new SrvCache());
    }

    /** The time to live siplb gives an answer from the hosts file (which has none). */
    public static final long HOSTS_FILE_TTL_SECONDS = 60;

    /** A DNS answer and its time to live (the smallest of its records'). Immutable. */
    public static final class Answer<T> {
        private final T value;
        private final long ttlSeconds;

        Answer(T value, long ttlSeconds) {
            this.value = value;
            this.ttlSeconds = ttlSeconds;
        }

        /** Returns the records. */
        public T value() {
            return value;
        }

        /** Returns the time to live in seconds. */
        public long ttlSeconds() {
            return ttlSeconds;
        }
    }

    /**
     * Looks up every SRV record of {@code service} (e.g. {@code _sip._udp.example.com}), in the order received; no
     * cache. The answer is empty when the name has none (NXDOMAIN or no data: time to live
     * {@value SrvCache#NEGATIVE_TTL_SECONDS} s); the future fails when no answer came in time.
     */
    public Future<Answer<List<Srv>>> lookUpSrv(String service) {
        final Promise<Answer<List<Srv>>> promise = loop.newPromise();
        final DefaultDnsQuestion question;
        try {
            question = new DefaultDnsQuestion(service.endsWith(".") ? service : service + '.', DnsRecordType.SRV);
        } catch (IllegalArgumentException e) {
            return promise.setFailure(e);
        }
        resolver.resolveAll(question).addListener((Future<List<DnsRecord>> f) -> {
            if (!f.isSuccess() && timedOut(f.cause())) {
                promise.setFailure(f.cause());
                return;
            }
            final List<Srv> records = new java.util.ArrayList<>();
            long ttl = Long.MAX_VALUE;
            if (f.isSuccess()) {
                for (DnsRecord r : f.getNow()) {
                    try {
                        final Srv srv = Srv.of(r);
                        if (srv != null) {
                            records.add(srv);
                            ttl = Math.min(ttl, r.timeToLive());
                        }
                    } finally {
                        ReferenceCountUtil.release(r);
                    }
                }
            }
            promise.setSuccess(new Answer<>(List.copyOf(records), records.isEmpty()
                                                                  ? SrvCache.NEGATIVE_TTL_SECONDS : ttl));
        });
        return promise;
    }

    /**
     * Looks up the address of {@code name}: the hosts file first (time to live {@value #HOSTS_FILE_TTL_SECONDS} s),
     * then the A records, then the AAAA records (or only the family siplb can send from), no cache; the first
     * address listed. The future fails with {@link java.net.UnknownHostException} when the name has no address, or
     * with the timeout when no answer came in time.
     */
    public Future<Answer<InetAddress>> lookUpAddress(String name) {
        final Promise<Answer<InetAddress>> promise = loop.newPromise();
        final String bare = name.endsWith(".") ? name.substring(0, name.length() - 1) : name;
        final InetAddress hosts = io.netty.resolver.HostsFileEntriesResolver.DEFAULT.address(
                bare, resolver.resolvedAddressTypes());
        if (hosts != null) {
            return promise.setSuccess(new Answer<>(hosts, HOSTS_FILE_TTL_SECONDS));
        }
        final ResolvedAddressTypes families = resolver.resolvedAddressTypes();
        final DnsRecordType first = families == ResolvedAddressTypes.IPV6_ONLY
                                    || families == ResolvedAddressTypes.IPV6_PREFERRED
                                    ? DnsRecordType.AAAA : DnsRecordType.A;
        final DnsRecordType second = families == ResolvedAddressTypes.IPV4_ONLY
                                     || families == ResolvedAddressTypes.IPV6_ONLY
                                     ? null : first == DnsRecordType.A ? DnsRecordType.AAAA : DnsRecordType.A;
        lookUpAddress(bare, first, second, promise);
        return promise;
    }

    private void lookUpAddress(String name, DnsRecordType type, DnsRecordType next,
                               Promise<Answer<InetAddress>> promise) {
        final DefaultDnsQuestion question;
        try {
            question = new DefaultDnsQuestion(name + '.', type);
        } catch (IllegalArgumentException e) {
            promise.setFailure(e);
            return;
        }
        resolver.resolveAll(question).addListener((Future<List<DnsRecord>> f) -> {
            InetAddress found = null;
            long ttl = Long.MAX_VALUE;
            if (f.isSuccess()) {
                for (DnsRecord r : f.getNow()) {
                    try {
                        if (r.type() == type && r instanceof DnsRawRecord && found == null) {
                            final ByteBuf c = ((DnsRawRecord) r).content();
                            final byte[] bytes = new byte[c.readableBytes()];
                            c.getBytes(c.readerIndex(), bytes);
                            if (bytes.length == 4 || bytes.length == 16) {
                                found = InetAddress.getByAddress(name, bytes);
                                ttl = r.timeToLive();
                            }
                        }
                    } catch (java.net.UnknownHostException e) {
                        // not an address: skipped
                    } finally {
                        ReferenceCountUtil.release(r);
                    }
                }
            }
            if (found != null) {
                promise.setSuccess(new Answer<>(found, ttl));
            } else if (!f.isSuccess() && timedOut(f.cause())) {
                promise.setFailure(f.cause());
            } else if (next != null) {
                lookUpAddress(name, next, null, promise);
            } else {
                promise.setFailure(new java.net.UnknownHostException(name + ": no address record"));
            }
        });
    }

    /** One SRV record (RFC 2782). Immutable. */
    public static final class Srv {
        final int priority;
        final int weight;
        final int port;
        final String target;

        Srv(int priority, int weight, int port, String target) {
            this.priority = priority;
            this.weight = weight;
            this.port = port;
            this.target = target;
        }

        /** Returns the priority (lower first). */
        public int priority() {
            return priority;
        }

        /** Returns the weight among the records of the same priority. */
        public int weight() {
            return weight;
        }

        /** Returns the port. */
        public int port() {
            return port;
        }

        /** Returns the target host, without the final dot. */
        public String target() {
            return target;
        }

        /** Returns the SRV record in {@code r}, or {@code null} when it is another type, malformed or "." . */
        static Srv of(DnsRecord r) {
            if (r.type() != DnsRecordType.SRV || !(r instanceof DnsRawRecord)) {
                return null;
            }
            final ByteBuf content = ((DnsRawRecord) r).content().duplicate();
            if (content.readableBytes() < 7) {
                return null;
            }
            final int priority = content.readUnsignedShort();
            final int weight = content.readUnsignedShort();
            final int port = content.readUnsignedShort();
            final String target;
            try {
                target = DefaultDnsRecordDecoder.decodeName(content);
            } catch (RuntimeException e) {
                return null;
            }
            if (port == 0 || target.isEmpty() || ".".equals(target)) {
                return null; // "." : the service is decidedly not available at this domain (RFC 2782)
            }
            return new Srv(priority, weight, port, target.endsWith(".") ? target.substring(0, target.length() - 1)
                                                                         : target);
        }

        /** Lower priority wins, then higher weight; ties keep the first listed. */
        boolean betterThan(Srv other) {
            return other == null || priority < other.priority || priority == other.priority && weight > other.weight;
        }
    }
}
