package io.siplb.proxy.lifecycle;

import static java.util.Objects.requireNonNull;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.socket.DatagramChannel;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.siplb.codec.SipMessageParser;
import io.siplb.proxy.admin.AdminResponse;
import io.siplb.proxy.admin.AdminRouter;
import io.siplb.proxy.admin.AdminServer;
import io.siplb.proxy.admin.AdminSettings;
import io.siplb.proxy.admin.Readiness;
import io.siplb.proxy.admin.api.AdminApi;
import io.siplb.proxy.admin.api.Reloader;
import io.siplb.proxy.metrics.SiplbMetrics;
import io.siplb.dispatch.Destination;
import io.siplb.dispatch.DestinationSet;
import io.siplb.dispatch.Dispatcher;
import io.siplb.dispatch.Transport;
import io.siplb.proxy.config.ListenAddress;
import io.siplb.proxy.config.ProxySettings;
import io.siplb.proxy.config.SiplbConfig;
import io.siplb.proxy.core.OwnAddresses;
import io.siplb.proxy.core.ProxyStats;
import io.siplb.proxy.core.Forwarder;
import io.siplb.proxy.core.ProxyContext;
import io.siplb.proxy.routing.RequestRouter;
import io.siplb.proxy.routing.RoutingRules;
import io.siplb.proxy.stateless.StatelessForwarder;
import io.siplb.proxy.stateful.StatefulForwarder;
import io.siplb.proxy.stateful.StatefulProxy;
import io.siplb.dispatch.state.CallLoadTable;
import io.siplb.proxy.udp.UdpConnector;
import io.siplb.proxy.config.SiplbConfigException;
import io.siplb.proxy.stream.StreamTransports;
import io.siplb.proxy.tls.DevCertificate;
import io.siplb.proxy.tls.TlsContexts;
import io.siplb.proxy.tls.TlsMaterialException;
import io.siplb.proxy.tls.TlsSettings;
import io.siplb.proxy.stream.TlsHandlers;
import io.siplb.proxy.udp.UdpEgress;
import io.siplb.proxy.udp.IoTransports;
import io.siplb.proxy.udp.UdpListeners;
import io.siplb.proxy.udp.UdpSipHandlers;

/**
 * A running siplb: the event loops, the listeners and the forwarders over one {@link Dispatcher}. Started from a
 * configuration file, it also has a {@link ConfigReloader} ({@link #reloader()}), with
 * {@code siplb.reload.watch} a {@link ConfigWatcher} that reloads when the files change, and with
 * {@code siplb.admin.listen} set the admin HTTP listener ({@code /health/live}, {@code /health/ready},
 * {@code /metrics}, the admin API and the status page, {@link AdminApi}) on a thread of its own.
 * {@link #start} binds every listener before it returns; {@link #close} stops in this order:
 * <ol>
 *   <li>stop watching the configuration files;</li>
 *   <li>close the admin listener and stop the admin API's worker thread;</li>
 *   <li>close the listeners (no more datagrams are read);</li>
 *   <li>shut the event loops down gracefully, with the configured quiet period and timeout, so that datagrams
 *       already being written are sent;</li>
 *   <li>log the counters.</li>
 * </ol>
 * {@link #close} may be called from any thread, more than once. Thread-safe (lock-free).
 */
public final class SiplbServer implements AutoCloseable {

    private static final Logger logger = LoggerFactory.getLogger(SiplbServer.class);

    private final MultiThreadIoEventLoopGroup group;
    private final UdpListeners listeners;
    private final StreamTransports streams;
    private final ProxyContext proxy;
    private final List<Forwarder> forwarders;
    private final StatefulProxy stateful;
    private final AtomicBoolean closed = new AtomicBoolean();
    private final CountDownLatch terminated = new CountDownLatch(1);

    private SiplbServer(MultiThreadIoEventLoopGroup group, UdpListeners listeners,
                        StreamTransports streams, ProxyContext proxy, List<Forwarder> forwarders,
                        StatefulProxy stateful) {
        this.streams = streams;
        this.forwarders = forwarders;
        this.stateful = stateful;
        this.group = group;
        this.listeners = listeners;
        this.proxy = proxy;
    }

    /** Starts siplb with a loaded configuration. */
    public static SiplbServer start(SiplbConfig config) {
        requireNonNull(config, "config");
        final DestinationResolver dns = new DestinationResolver();
        final DestinationResolver.Resolved resolved;
        final Dispatcher dispatcher;
        final TlsContexts tls;
        try {
            resolved = dns.resolve(config.dispatcher(), config.proxy());
            dispatcher = Dispatcher.create(resolved.settings);
            tls = tlsFor(config, dispatcher.snapshot().sets());
        } catch (RuntimeException e) {
            dns.close();
            throw e;
        }
        final SiplbServer server;
        try {
            server = start(config.proxy(), dispatcher, config.routing(), tls);
        } catch (RuntimeException e) {
            if (tls != null) {
                closeTls(tls);
            }
            dns.close();
            throw e;
        }
        server.tls = tls;
        server.reloader = new ConfigReloader(server, config, dns, resolved);
        if (config.admin().isEnabled()) {
            try {
                server.startAdmin(config.admin(), apiReloader(server.reloader));
            } catch (RuntimeException e) {
                server.close();
                throw e;
            }
            server.metrics.bindReloads(server.reloader.stats());
        }
        if (config.reload().watch()) {
            try {
                server.watcher = ConfigWatcher.start(server.reloader);
            } catch (java.io.IOException e) {
                logger.warn("Cannot watch {} for changes ({}); reload through the admin API", config.file(),
                            e.toString());
            }
        }
        // relative-weight with cc: the weights are computed from the latency estimates when a snapshot is built.
        // Whether a set uses it is read from the configuration in force, which a reload may change.
        final ConfigReloader reloader = server.reloader;
        server.group.scheduleAtFixedRate(() -> {
            if (reloader.current().usesCongestionControl()) {
                server.stateful.onWriter(dispatcher::refresh);
            }
        }, 1, 1, TimeUnit.SECONDS);
        return server;
    }

    /** The thread checking each TLS context's files for changes, stopped with the context. */
    private static final Map<TlsContexts, ScheduledExecutorService> TLS_RELOADERS =
            new java.util.concurrent.ConcurrentHashMap<>();

    private static void closeTls(TlsContexts tls) {
        tls.close();
        final ScheduledExecutorService reload = TLS_RELOADERS.remove(tls);
        if (reload != null) {
            reload.shutdownNow();
        }
    }

    /** The TLS contexts when siplb has TLS listeners or destinations, else {@code null}; closed at stop. */
    private volatile TlsContexts tls;
    /** The admin listener and the metrics it serves; {@code null} when it is off. */
    private volatile AdminServer admin;
    private volatile SiplbMetrics metrics;
    /** Runs the admin API's blocking work (state changes, add, remove, reload); {@code null} when it is off. */
    private volatile ExecutorService adminWorker;

    /**
     * Returns the reloader of {@code POST /api/reload}: the {@link ConfigReloader} that the file watcher uses too
     * (the whole configuration validated, then applied; a file that does not load keeps everything and answers the
     * file, line and reason).
     */
    static Reloader apiReloader(ConfigReloader reloader) {
        return trigger -> {
            final ReloadResult r = reloader.reload(trigger);
            return r.isSuccess() ? Reloader.Result.success(r.message()) : Reloader.Result.failure(r.message());
        };
    }

    /**
     * Starts the admin listener with siplb's routes ({@link #adminRoutes}).
     *
     * @throws UdpListeners.BindFailedException when its address cannot be bound
     */
    private void startAdmin(AdminSettings settings, Reloader reloader) {
        final SiplbMetrics m = new SiplbMetrics(proxy, stateful);
        metrics = m;
        final ExecutorService worker = Executors.newSingleThreadExecutor(
                new DefaultThreadFactory("siplb-admin-worker", true));
        adminWorker = worker;
        final AdminApi api = new AdminApi(proxy, reloader, worker, this::openDestination);
        admin = AdminServer.start(settings, api.register(adminRoutes(m)));
    }

    /** Opens the sockets of every stateful forwarder towards a destination added at run time (UDP). */
    private void openDestination(Destination d) {
        final InetSocketAddress a = d.address();
        if (d.transport() != Transport.UDP || a == null || a.isUnresolved() || proxy.own().isListener(a)) {
            return;
        }
        for (Forwarder f : forwarders) {
            if (f instanceof StatefulForwarder) {
                f.eventLoop().execute(() -> ((StatefulForwarder) f).openDestinations(List.of(a)));
            }
        }
    }

    /**
     * Returns the admin listener's routes: {@code GET /health/live} and {@code GET /health/ready} (open to anyone)
     * and {@code GET /metrics} (bearer token when configured); {@link AdminApi} adds the API and the status page.
     */
    private AdminRouter adminRoutes(SiplbMetrics m) {
        final Readiness readiness = new Readiness(this::isListening, proxy.dispatcher(), proxy::rules);
        return new AdminRouter()
                .addOpen(HttpMethod.GET, "/health/live",
                         r -> AdminResponse.json(HttpResponseStatus.OK, "{\"status\": \"live\"}"))
                .addOpen(HttpMethod.GET, "/health/ready", r -> {
                    final Readiness.Result result = readiness.check();
                    return AdminResponse.json(result.isReady() ? HttpResponseStatus.OK
                                                               : HttpResponseStatus.SERVICE_UNAVAILABLE,
                                              result.toJson());
                })
                .add(HttpMethod.GET, "/metrics",
                     r -> AdminResponse.of(HttpResponseStatus.OK, SiplbMetrics.CONTENT_TYPE, m.scrape()));
    }

    /** Returns whether siplb runs with every SIP listener bound and open. */
    boolean isListening() {
        if (closed.get() || !streams.isListening()) {
            return false;
        }
        for (Channel ch : listeners.channels()) {
            if (!ch.isActive()) {
                return false;
            }
        }
        return true;
    }

    /** Returns the admin listener, or {@code null} when it is off. */
    public AdminServer admin() {
        return admin;
    }

    /** Returns the metrics registry behind {@code /metrics}, or {@code null} when the admin listener is off. */
    public SiplbMetrics metrics() {
        return metrics;
    }

    /** Reloads the configuration file; {@code null} when siplb was started from settings built in code. */
    private volatile ConfigReloader reloader;
    /** Watches the configuration files, or {@code null}. */
    private volatile ConfigWatcher watcher;

    /**
     * Returns what reloads the configuration (the admin API's {@code POST /reload} and the file watcher call it),
     * or {@code null} when siplb was started from settings built in code rather than from a file.
     */
    public ConfigReloader reloader() {
        return reloader;
    }

    /** Puts new TLS contexts in place (a reload changed {@code siplb.tls}) and closes the previous ones. */
    void replaceTls(TlsContexts next) {
        final TlsContexts old = tls;
        tls = next;
        streams.tls(next);
        if (old != null && old != next) {
            closeTls(old);
        }
    }

    /** Returns the stateful forwarders, one per event loop (none in stateless mode). */
    List<StatefulForwarder> statefulForwarders() {
        final List<StatefulForwarder> list = new ArrayList<>();
        for (Forwarder f : forwarders) {
            if (f instanceof StatefulForwarder) {
                list.add((StatefulForwarder) f);
            }
        }
        return list;
    }

    /**
     * Returns the TLS contexts a configuration needs: when it has a {@code tls:} or {@code wss:} listener or a TLS
     * destination; without {@code siplb.tls.certificate} and with every TLS listener on loopback, siplb's development
     * certificate (generated once into {@code var/dev-tls} of the siplb home folder, logged as not for production).
     *
     * @throws SiplbConfigException when a TLS listener has no certificate, or the TLS files cannot be used
     */
    static TlsContexts tlsFor(SiplbConfig config, List<DestinationSet> sets) {
        final List<InetSocketAddress> tlsListeners = new ArrayList<>();
        for (ListenAddress a : config.proxy().listen()) {
            if (a.protocol() == ListenAddress.Protocol.TLS || a.protocol() == ListenAddress.Protocol.WSS) {
                tlsListeners.add(a.address());
            }
        }
        boolean tlsDestinations = false;
        for (DestinationSet set : sets) {
            for (Destination d : set.destinations()) {
                tlsDestinations |= d.transport() == Transport.TLS || d.transport() == Transport.WSS;
            }
        }
        if (tlsListeners.isEmpty() && !tlsDestinations) {
            return null;
        }
        TlsSettings settings = config.tls();
        if (settings.keyMaterial() == null && !tlsListeners.isEmpty()) {
            if (!DevCertificate.isApplicable(settings, tlsListeners)) {
                throw new SiplbConfigException(config.file() + ": siplb.tls.certificate: missing (expected: a PEM "
                                               + "certificate and siplb.tls.private-key for the tls:/wss: listeners "
                                               + tlsListeners + "; only loopback listeners may use the development "
                                               + "certificate)");
            }
            final String home = System.getenv("SIPLB_HOME");
            final Path dir = (home != null && !home.isEmpty() ? Path.of(home) : Path.of("."))
                    .resolve("var").resolve("dev-tls");
            try {
                settings = settings.toBuilder().keyMaterial(DevCertificate.ensure(dir)).build();
            } catch (IOException e) {
                throw new SiplbConfigException(dir + ": cannot create the development certificate: " + e.getMessage(),
                                               e);
            }
        }
        final ScheduledExecutorService reload = Executors.newSingleThreadScheduledExecutor(
                new DefaultThreadFactory("siplb-tls-reload", true));
        try {
            final TlsContexts contexts = TlsContexts.create(settings, reload);
            TLS_RELOADERS.put(contexts, reload);
            return contexts;
        } catch (TlsMaterialException e) {
            reload.shutdownNow();
            throw new SiplbConfigException(e.getMessage(), e);
        } catch (RuntimeException e) {
            reload.shutdownNow();
            throw e;
        }
    }

    /** Starts siplb with the single rule "dispatch to the default set". */
    public static SiplbServer start(ProxySettings settings, Dispatcher dispatcher) {
        return start(settings, dispatcher, RoutingRules.ofDefaultSet(settings.defaultSet(), "siplb.proxy.default-set"));
    }

    /**
     * Starts siplb: creates the event loops, binds every listener and starts reading.
     *
     * @throws UdpListeners.BindFailedException when a listener cannot be bound (nothing is left running)
     * @throws io.siplb.proxy.config.SiplbConfigException when the configured transport is unavailable
     */
    public static SiplbServer start(ProxySettings settings, Dispatcher dispatcher, RoutingRules rules) {
        return start(settings, dispatcher, rules, null);
    }

    /**
     * Starts siplb as {@link #start(ProxySettings, Dispatcher, RoutingRules)} with the TLS handlers of its
     * {@code tls:} and {@code wss:} listeners and TLS destinations ({@code null}: none configured).
     */
    public static SiplbServer start(ProxySettings settings, Dispatcher dispatcher, RoutingRules rules,
                                    TlsHandlers tls) {
        requireNonNull(settings, "settings");
        requireNonNull(rules, "rules");
        requireNonNull(dispatcher, "dispatcher");
        final IoTransports transport = IoTransports.select(settings.ioTransport());
        final int threads = settings.effectiveIoThreads();
        final MultiThreadIoEventLoopGroup group = new MultiThreadIoEventLoopGroup(
                threads, new DefaultThreadFactory("siplb-io"), transport.ioHandlerFactory());
        final ProxyContext proxy = new ProxyContext(settings, dispatcher, rules);
        dispatcher.stateRegistry().addListener(proxy.healthLog());
        final StatefulProxy statefulShared = new StatefulProxy(
                CallLoadTable.builder().config(dispatcher.snapshot().settings().callLoadConfig()).build());
        final SipMessageParser parser = new SipMessageParser();
        final ChannelInitializer<DatagramChannel> initializer = new ChannelInitializer<>() {
            @Override
            protected void initChannel(DatagramChannel ch) {
                ch.config().setOption(ChannelOption.AUTO_READ, false);
                UdpSipHandlers.install(ch, parser, proxy.stats());
            }
        };
        final UdpListeners listeners;
        final Map<EventLoop, Forwarder> forwarders = new LinkedHashMap<>();
        StreamTransports streams = null;
        try {
            final List<ListenAddress> udp = new ArrayList<>();
            for (ListenAddress a : settings.listen()) {
                if (a.protocol() == ListenAddress.Protocol.UDP) {
                    udp.add(a);
                }
            }
            listeners = UdpListeners.bind(udp, group, transport, threads,
                                          settings.receiveBufferSize(), settings.sendBufferSize(), initializer);
            streams = StreamTransports.bind(settings.listen(), group, transport, () -> proxy.settings().connections(),
                                            tls, parser,
                                            settings.advertisedHost(), settings.advertisedPort());
            final List<InetSocketAddress> bound = new ArrayList<>(listeners.boundAddresses());
            bound.addAll(streams.boundAddresses());
            final OwnAddresses own = new OwnAddresses(bound, settings.advertisedHost(), settings.advertisedPort());
            final List<UdpEgress> egresses = new ArrayList<>();
            for (Channel ch : listeners.channels()) {
                egresses.add(new UdpEgress(ch, (InetSocketAddress) ch.localAddress(), settings.advertisedHost(),
                                           settings.advertisedPort()));
            }
            proxy.publish(own, egresses, transport.datagramChannelClass());
            proxy.connector(new UdpConnector(transport.datagramChannelClass(), parser, proxy.stats(),
                                             () -> proxy.settings().receiveBufferSize(),
                                             () -> proxy.settings().sendBufferSize()));
            proxy.streams(streams);
            final Set<Transport> sendable = EnumSet.noneOf(Transport.class);
            if (!udp.isEmpty()) {
                sendable.add(Transport.UDP);
            }
            sendable.addAll(streams.transports());
            if (sendable.isEmpty()) {
                sendable.add(Transport.UDP);
            }
            final RequestRouter statelessRouter = new RequestRouter(dispatcher, proxy::rules, proxy::own, true,
                                                                    sendable);
            final RequestRouter statefulRouter = new RequestRouter(dispatcher, proxy::rules, proxy::own, false,
                                                                   sendable);
            statelessRouter.flows(streams::flow);
            statefulRouter.flows(streams::flow);
            // Every event loop has a forwarder: connections are accepted on any of them.
            final List<EventLoop> loops = new ArrayList<>();
            for (UdpEgress e : egresses) {
                if (!loops.contains(e.eventLoop())) {
                    loops.add(e.eventLoop());
                }
            }
            for (io.netty.util.concurrent.EventExecutor e : group) {
                if (!loops.contains((EventLoop) e)) {
                    loops.add((EventLoop) e);
                }
            }
            final List<StatefulForwarder> stateful = new ArrayList<>();
            for (EventLoop loop : loops) {
                if (settings.mode() == ProxySettings.Mode.STATELESS) {
                    forwarders.put(loop, new StatelessForwarder(proxy, loop, statelessRouter));
                } else {
                    final StatefulForwarder f = new StatefulForwarder(statefulShared, proxy, loop, stateful.size(),
                                                                      loops.size(), statefulRouter, statelessRouter);
                    stateful.add(f);
                    forwarders.put(loop, f);
                }
            }
            statefulShared.publish(stateful);
            final List<InetSocketAddress> destinations = new ArrayList<>();
            for (DestinationSet set : dispatcher.snapshot().sets()) {
                for (Destination d : set.destinations()) {
                    final InetSocketAddress a = d.address();
                    if (d.transport() == Transport.UDP && a != null && !a.isUnresolved()
                        && !own.isListener(a) && !destinations.contains(a)) {
                        destinations.add(a);
                    }
                }
            }
            for (StatefulForwarder f : stateful) {
                f.eventLoop().submit(() -> f.openDestinations(destinations)).awaitUninterruptibly(5000);
            }
            if (!stateful.isEmpty()) {
                final StatefulForwarder prober = stateful.get(0);
                prober.eventLoop().execute(prober::startProbing);
            }
            for (UdpEgress e : egresses) {
                UdpSipHandlers.start(e, forwarders.get(e.eventLoop()));
            }
            streams.start(forwarders);
        } catch (RuntimeException e) {
            if (streams != null) {
                streams.close();
            }
            statefulShared.close();
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly();
            throw e;
        }
        final SiplbServer server = new SiplbServer(group, listeners, streams, proxy,
                                                   List.copyOf(forwarders.values()), statefulShared);
        logDestinations(settings, dispatcher);
        // Calls whose BYE never came leave the call-load table after its expiry (Kamailio ds_hash_check_interval).
        group.scheduleAtFixedRate(() -> statefulShared.onWriter(statefulShared.callLoad()::sweep), 10, 10,
                                  TimeUnit.SECONDS);
        return server;
    }

    private static void logDestinations(ProxySettings settings, Dispatcher dispatcher) {
        if (settings.mode() == ProxySettings.Mode.STATEFUL) {
            final io.siplb.proxy.config.TransactionSettings t = settings.transactions();
            logger.info("Forwarding statefully: fr-timeout {}, fr-inv-timeout {}, failover on {}, at most {} "
                        + "transactions; probing {}", t.frTimeout(), t.frInvTimeout(),
                        java.util.Arrays.toString(t.failoverCodes()), t.maxTransactions(), settings.probing());
        } else {
            logger.info("Forwarding statelessly (no failover)");
        }
        final List<DestinationSet> sets = dispatcher.snapshot().sets();
        if (sets.isEmpty()) {
            logger.warn("No destination set is configured: every initial request is answered 503");
        }
        for (DestinationSet set : sets) {
            final StringBuilder sb = new StringBuilder();
            for (Destination d : set.destinations()) {
                if (sb.length() > 0) {
                    sb.append(", ");
                }
                sb.append(d.uri());
                final InetSocketAddress a = d.address();
                if (a != null && !a.isUnresolved()) {
                    sb.append(" (").append(ListenAddress.hostPort(a)).append(')');
                }
            }
            logger.info("Set {} ({}{}): sending to {}", set.id(), set.algorithm().configName(),
                        set.id() == settings.defaultSet() ? ", default for initial requests" : "",
                        sb.length() > 0 ? sb : "no destination");
        }
        if (dispatcher.snapshot().set(settings.defaultSet()) == null) {
            logger.warn("siplb.proxy.default-set = {} names no configured set: initial requests are answered 503",
                        settings.defaultSet());
        }
    }

    /**
     * Returns the bound address of each UDP listen entry, then of each stream entry, in configuration order
     * (ephemeral ports resolved).
     */
    public List<InetSocketAddress> localAddresses() {
        final List<InetSocketAddress> all = new ArrayList<>(listeners.boundAddresses());
        all.addAll(streams.boundAddresses());
        return all;
    }

    /** Returns the bound address of the first listener of {@code transport}, or {@code null}. */
    public InetSocketAddress localAddress(Transport transport) {
        if (transport == Transport.UDP) {
            return listeners.boundAddresses().isEmpty() ? null : listeners.boundAddresses().get(0);
        }
        for (io.siplb.proxy.stream.ListenerTexts l : streams.listeners()) {
            if (l.transport() == transport) {
                return l.localAddress();
            }
        }
        return null;
    }

    /** Returns the stream transports (TCP, TLS, WebSocket listeners and connections). */
    public StreamTransports streams() {
        return streams;
    }

    /** Returns every bound socket (with epoll, one per event loop thread and listen address). */
    public List<Channel> channels() {
        return listeners.channels();
    }

    /** Returns the forwarder's counters. */
    public ProxyStats stats() {
        return proxy.stats();
    }

    /** Returns the state the stateful forwarders share (transaction counters, call load). */
    public StatefulProxy stateful() {
        return stateful;
    }

    /** Returns the proxy's shared state (settings, dispatcher, counters). */
    public ProxyContext proxy() {
        return proxy;
    }

    /** Stops siplb (see the class documentation for the order) and waits until it has stopped. Idempotent. */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            awaitTermination();
            return;
        }
        try {
            final ConfigWatcher w = watcher;
            if (w != null) {
                w.close();
            }
            final AdminServer a = admin;
            if (a != null) {
                a.close();
            }
            final ExecutorService worker = adminWorker;
            if (worker != null) {
                worker.shutdownNow();
            }
            final ConfigReloader r = reloader;
            if (r != null) {
                r.close();
            }
            final ProxySettings settings = proxy.settings();
            logger.info("Stopping: closing {} listener socket(s)", listeners.channels().size());
            listeners.close();
            streams.close();
            for (Forwarder f : forwarders) {
                try {
                    f.eventLoop().submit(f::close).awaitUninterruptibly(1000);
                } catch (RuntimeException e) {
                    logger.warn("Error while closing a forwarder", e);
                }
            }
            stateful.close();
            proxy.dispatcher().stateRegistry().removeListener(proxy.healthLog());
            if (tls != null) {
                closeTls(tls);
            }
            group.shutdownGracefully(settings.shutdownQuietPeriod().toMillis(),
                                     settings.shutdownTimeout().toMillis(), TimeUnit.MILLISECONDS)
                 .awaitUninterruptibly(settings.shutdownTimeout().toMillis() + 1000);
            final Map<String, Long> stats = new LinkedHashMap<>(proxy.stats().snapshot());
            stats.putAll(streams.stats().snapshot());
            logger.info("Stopped. Counters: {}", stats.isEmpty() ? "{}" : stats);
            final SiplbMetrics m = metrics;
            if (m != null) {
                m.close();
            }
        } finally {
            terminated.countDown();
        }
    }

    /** Waits until {@link #close} has finished. */
    public void awaitTermination() {
        boolean interrupted = false;
        while (true) {
            try {
                terminated.await();
                break;
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }
}
