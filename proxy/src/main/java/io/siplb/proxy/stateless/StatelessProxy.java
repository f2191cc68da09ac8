package io.siplb.proxy.stateless;

import static java.util.Objects.requireNonNull;

import java.util.List;

import io.netty.channel.Channel;
import io.netty.channel.socket.DatagramChannel;
import io.netty.channel.socket.nio.NioDatagramChannel;
import io.netty.resolver.ResolvedAddressTypes;
import io.netty.resolver.dns.DefaultDnsCache;
import io.netty.resolver.dns.DnsCache;

import io.siplb.codec.SipResponses;
import io.siplb.dispatch.Dispatcher;
import io.siplb.proxy.config.ProxySettings;

/**
 * What every {@link StatelessForwarder} of a running siplb shares: the settings, the {@link Dispatcher}, the
 * counters, siplb's own addresses and the sockets to send from. The egress sockets are published once, after the
 * listeners are bound and before any of them reads ({@link #publish}).
 * The fields are final or a single volatile reference to an immutable object. Thread-safe (lock-free).
 */
public final class StatelessProxy {

    private final ProxySettings settings;
    private final Dispatcher dispatcher;
    private final ProxyStats stats = new ProxyStats();
    private final long retryAfterSeconds;
    private final SipResponses responses = SipResponses.ofDefaults();

    /** Host name lookups of every event loop share these caches (thread-safe). */
    private final DnsCache dnsCache = new DefaultDnsCache(0, 86_400, (int) SrvCache.NEGATIVE_TTL_SECONDS);
    private final SrvCache srvCache = new SrvCache();

    private volatile Published published;

    /** Creates a new instance; call {@link #publish} before the listeners read. */
    public StatelessProxy(ProxySettings settings, Dispatcher dispatcher) {
        this.settings = requireNonNull(settings, "settings");
        this.dispatcher = requireNonNull(dispatcher, "dispatcher");
        retryAfterSeconds = settings.retryAfter().getSeconds();
    }

    /**
     * Publishes the bound sockets: siplb's own addresses and the egress sockets by address family.
     *
     * @param own the addresses siplb answers to
     * @param egresses one egress per bound socket
     */
    public void publish(OwnAddresses own, List<Egress> egresses) {
        requireNonNull(own, "own");
        requireNonNull(egresses, "egresses");
        Egress v4 = null;
        Egress v6 = null;
        for (Egress e : egresses) {
            if (e.isIpv6()) {
                if (v6 == null) {
                    v6 = e;
                }
            } else if (v4 == null) {
                v4 = e;
            }
        }
        published = new Published(own, v4, v6);
    }

    /** Returns the settings. */
    public ProxySettings settings() {
        return settings;
    }

    /** Returns the dispatcher. */
    public Dispatcher dispatcher() {
        return dispatcher;
    }

    /** Returns the counters. */
    public ProxyStats stats() {
        return stats;
    }

    /**
     * Returns a resolver of next hops running on {@code channel}'s event loop, over a UDP channel of the same
     * transport, sharing this proxy's DNS cache.
     */
    NextHopResolver newResolver(Channel channel) {
        @SuppressWarnings("unchecked")
        final Class<? extends DatagramChannel> type =
                channel instanceof DatagramChannel ? (Class<? extends DatagramChannel>) channel.getClass()
                                                   : NioDatagramChannel.class;
        // Only the address families siplb can send from: a name with both kinds of record gets the one it can use.
        final ResolvedAddressTypes families = egress(false) == null ? ResolvedAddressTypes.IPV6_ONLY
                                              : egress(true) == null ? ResolvedAddressTypes.IPV4_ONLY
                                              : ResolvedAddressTypes.IPV4_PREFERRED;
        return new NextHopResolver(channel.eventLoop(), type, settings.dnsServers(), settings.dnsTimeout(),
                                   families, dnsCache, srvCache);
    }

    SipResponses responses() {
        return responses;
    }

    long retryAfterSeconds() {
        return retryAfterSeconds;
    }

    /** Returns siplb's own addresses; {@code null} before {@link #publish}. */
    OwnAddresses own() {
        final Published p = published;
        return p != null ? p.own : null;
    }

    /** Returns the first egress socket of the family, or {@code null} when siplb has no socket of that family. */
    Egress egress(boolean ipv6) {
        final Published p = published;
        if (p == null) {
            return null;
        }
        return ipv6 ? p.v6 : p.v4;
    }

    /** What {@link #publish} set. Immutable. */
    private static final class Published {
        final OwnAddresses own;
        final Egress v4;
        final Egress v6;

        Published(OwnAddresses own, Egress v4, Egress v6) {
            this.own = own;
            this.v4 = v4;
            this.v6 = v6;
        }
    }
}
