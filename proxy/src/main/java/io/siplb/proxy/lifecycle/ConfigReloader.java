package io.siplb.proxy.lifecycle;

import static java.util.Objects.requireNonNull;

import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigValue;

import io.netty.channel.Channel;
import io.netty.channel.ChannelOption;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.siplb.dispatch.Destination;
import io.siplb.dispatch.DestinationSet;
import io.siplb.dispatch.DispatcherSettings;
import io.siplb.dispatch.Transport;
import io.siplb.dispatch.state.DestinationKey;
import io.siplb.proxy.config.ProxySettings;
import io.siplb.proxy.config.RuntimeConfig;
import io.siplb.proxy.config.SiplbConfig;
import io.siplb.proxy.config.SiplbConfigException;
import io.siplb.proxy.core.OwnAddresses;
import io.siplb.proxy.core.ProxyContext;
import io.siplb.proxy.stateful.StatefulForwarder;
import io.siplb.proxy.tls.TlsContexts;

/**
 * Reloads a running siplb's configuration: {@link #reload(String)} loads the configuration file again with
 * {@link SiplbConfig#load(Path)} (the parse path of start-up, defaults included), validates all of it (HOCON,
 * proxy settings, routing rules, destination sets and list file, algorithms against the mode, TLS files), and only
 * then applies it:
 * <ol>
 *   <li>the dispatch engine's sets ({@link io.siplb.dispatch.Dispatcher#reload(DispatcherSettings)}): a destination
 *       that remains (same set and {@code duid}, or same URI) keeps its health, call load, latency statistics and
 *       overload control; a new one starts in the state its flags give; a removed one is forgotten;</li>
 *   <li>new TLS contexts when {@code siplb.tls} changed (new connections use them; open ones keep theirs);</li>
 *   <li>the {@link RuntimeConfig} (settings and routing rules), published with one volatile write that every
 *       message, timer and probe reads from then on;</li>
 *   <li>on each stateful event loop: sockets towards the new UDP destinations and a probe of each new destination
 *       (when probing is on); socket buffer sizes on the UDP listeners.</li>
 * </ol>
 * Transactions under way finish on the branches they have (a removed destination still gets its retransmissions,
 * CANCEL and ACK); requests routed from now on see the new sets and rules. Settings that the running sockets and
 * threads embody ({@code siplb.listen}, {@code siplb.io.threads}, {@code siplb.io.transport},
 * {@code siplb.proxy.mode}, {@code siplb.proxy.advertised-address}, {@code siplb.admin}, the engine's state settings
 * ({@code siplb.dispatcher.state}, the call-load table included) and health thresholds
 * ({@code siplb.dispatcher.probing.failure-threshold}, {@code success-threshold})) are compared and, when changed, logged once as applying at the next restart;
 * the rest of the new configuration is applied.
 *
 * <p>Destinations named by host name are resolved by DNS ({@link DestinationResolver}) as part of the validation,
 * and looked up again when their time to live runs out ({@link #refreshDns()}); a changed answer is applied like a
 * reload, keeping the state of the destinations that remain.
 *
 * <p>An invalid file changes nothing: the error (file, line, key, expected value) is logged once at WARN, counted as
 * a failure in {@link #stats()} and returned. Thread-safe: reloads and DNS refreshes are serialized on this
 * object's lock (they wait for files and DNS answers, never on an event loop); {@link #current()} is a volatile read.
 */
public final class ConfigReloader {

    private static final Logger logger = LoggerFactory.getLogger(ConfigReloader.class);

    private final SiplbServer server;
    private final Path file;
    private final ReloadStats stats = new ReloadStats();
    private final DestinationResolver dns;
    /** Runs the DNS refreshes (which wait for answers: never an event loop). */
    private final ScheduledExecutorService refresher;
    private volatile SiplbConfig current;
    /** The destination sets in force: {@code current}'s with the host names resolved. */
    // @GuardedBy("this")
    private DispatcherSettings applied;
    /** The next DNS refresh; written under this object's lock. */
    private volatile ScheduledFuture<?> refresh;
    private volatile ReloadResult lastResult;

    /**
     * @param initial the configuration siplb started with
     * @param dns the resolver of destinations named by host name, owned (closed) by this reloader
     * @param resolved {@code initial}'s destination sets as resolved at start-up
     */
    ConfigReloader(SiplbServer server, SiplbConfig initial, DestinationResolver dns,
                   DestinationResolver.Resolved resolved) {
        this.server = requireNonNull(server, "server");
        current = requireNonNull(initial, "initial");
        this.dns = requireNonNull(dns, "dns");
        file = initial.file();
        applied = resolved.settings;
        refresher = Executors.newSingleThreadScheduledExecutor(new DefaultThreadFactory("siplb-dns-refresh", true));
        stats.loaded(System.currentTimeMillis());
        synchronized (this) {
            scheduleRefresh(resolved.refreshSeconds);
        }
    }

    /** Returns the destination sets in force, with the host names resolved. */
    synchronized DispatcherSettings applied() {
        return applied;
    }

    // @GuardedBy("this")
    private void scheduleRefresh(long seconds) {
        if (refresh != null) {
            refresh.cancel(false);
            refresh = null;
        }
        if (seconds > 0 && !refresher.isShutdown()) {
            try {
                refresh = refresher.schedule(this::refreshDns, seconds, TimeUnit.SECONDS);
            } catch (java.util.concurrent.RejectedExecutionException e) {
                // closed meanwhile
            }
        }
    }

    /**
     * Looks the destinations named by host name up again (their time to live has run out) and, when an answer
     * changed, applies the new destinations as a reload does: the state of those that remain is kept. A failed
     * lookup keeps the last answer. Not counted as a configuration reload.
     */
    synchronized void refreshDns() {
        final SiplbConfig c = current;
        final DestinationResolver.Resolved r;
        try {
            r = dns.resolve(c.dispatcher(), c.proxy());
        } catch (SiplbConfigException | IllegalArgumentException e) {
            logger.warn("DNS refresh failed, keeping the destinations in force: {}", e.getMessage());
            scheduleRefresh(DestinationResolver.RETRY_SECONDS);
            return;
        } catch (RuntimeException e) {
            logger.warn("DNS refresh failed unexpectedly, keeping the destinations in force", e);
            scheduleRefresh(DestinationResolver.RETRY_SECONDS);
            return;
        }
        if (!sameDestinations(applied, r.settings)) {
            final String changes = describeChanges(applied, r.settings);
            apply(r.settings);
            logger.info("DNS answers changed, destinations updated: {}", changes);
        }
        scheduleRefresh(r.refreshSeconds);
    }

    /** Puts {@code resolved} in place in the engine and opens (and probes) new destinations. */
    // @GuardedBy("this")
    private void apply(DispatcherSettings resolved) {
        server.proxy().dispatcher().reload(resolved);
        applied = resolved;
        openAndProbe(resolved);
    }

    private void openAndProbe(DispatcherSettings resolved) {
        final List<InetSocketAddress> udp = udpDestinations(resolved, server.proxy().own());
        for (StatefulForwarder f : server.statefulForwarders()) {
            try {
                f.eventLoop().execute(() -> f.onReload(udp));
            } catch (java.util.concurrent.RejectedExecutionException e) {
                // siplb is stopping
            }
        }
    }

    /** Whether both have the same sets with the same destinations at the same addresses. */
    private static boolean sameDestinations(DispatcherSettings a, DispatcherSettings b) {
        if (a.sets().size() != b.sets().size()) {
            return false;
        }
        for (int i = 0; i < a.sets().size(); i++) {
            final List<Destination> x = a.sets().get(i).destinations();
            final List<Destination> y = b.sets().get(i).destinations();
            if (a.sets().get(i).id() != b.sets().get(i).id() || x.size() != y.size()) {
                return false;
            }
            for (int k = 0; k < x.size(); k++) {
                final Destination p = x.get(k);
                final Destination q = y.get(k);
                if (!p.key().equals(q.key()) || !Objects.equals(p.address(), q.address())
                    || p.priority() != q.priority() || p.flags() != q.flags()
                    || !p.attributes().body().equals(q.attributes().body())) {
                    return false;
                }
            }
        }
        return true;
    }

    /** Stops the DNS refreshes and closes the resolver; siplb is stopping. */
    void close() {
        final ScheduledFuture<?> r = refresh;
        if (r != null) {
            r.cancel(false);
        }
        refresher.shutdownNow();
        dns.close();
    }

    /** Returns the configuration file that {@link #reload} reads. */
    public Path file() {
        return file;
    }

    /** Returns the configuration in force (the last one loaded successfully). */
    public SiplbConfig current() {
        return current;
    }

    /** Returns the outcome of the last reload, or {@code null} before the first. */
    public ReloadResult lastResult() {
        return lastResult;
    }

    /** Returns the reload counters (for {@code siplb_config_reloads_total} and the last success time). */
    public ReloadStats stats() {
        return stats;
    }

    /**
     * Loads the configuration file again and, when it is valid, puts it in place (see the class documentation).
     *
     * @param trigger what asks for the reload, logged and returned (e.g. {@code "file change"}, {@code "admin API"})
     * @return the outcome; on failure the error names the file, the line and the expected value
     */
    public synchronized ReloadResult reload(String trigger) {
        requireNonNull(trigger, "trigger");
        final ReloadResult result = doReload(trigger);
        lastResult = result;
        return result;
    }

    private ReloadResult doReload(String trigger) {
        final ProxyContext proxy = server.proxy();
        final long running = proxy.runtime().version();
        final SiplbConfig next;
        final DestinationResolver.Resolved resolved;
        TlsContexts newTls = null;
        try {
            next = SiplbConfig.load(file);
            resolved = dns.resolve(next.dispatcher(), next.proxy());
            if (tlsChanged(current, next)) {
                newTls = SiplbServer.tlsFor(next, resolved.settings.sets());
            }
        } catch (SiplbConfigException | IllegalArgumentException e) {
            return failed(trigger, e.getMessage() != null ? e.getMessage() : e.toString(), running);
        } catch (RuntimeException e) {
            logger.warn("Reload ({}) of {} failed unexpectedly, keeping configuration version {}", trigger, file,
                        running, e);
            stats.failure(System.currentTimeMillis());
            return ReloadResult.failure(trigger, file + ": " + e, running);
        }
        final SiplbConfig previous = current;
        final List<String> restart = needsRestart(previous, next);
        final String changes = describeChanges(applied, resolved.settings);
        proxy.dispatcher().reload(resolved.settings);
        applied = resolved.settings;
        if (newTls != null) {
            server.replaceTls(newTls);
        }
        final RuntimeConfig published = proxy.runtime().next(next);
        proxy.publish(published);
        current = next;
        applySocketBuffers(previous.proxy(), next.proxy());
        openAndProbe(resolved.settings);
        scheduleRefresh(resolved.refreshSeconds);
        stats.success(System.currentTimeMillis());
        final String message = "version " + published.version() + " from " + next.dispatcher().source() + ": "
                               + changes;
        logger.info("Configuration reloaded ({}): {}", trigger, message);
        for (String key : restart) {
            logger.warn("Reload ({}): {} changed in {}; it applies when siplb restarts", trigger, key, file);
        }
        for (String problem : next.routing().problems(proxy.dispatcher().snapshot())) {
            logger.warn("Reload ({}): {}", trigger, problem);
        }
        return ReloadResult.success(trigger, message, published.version(), restart);
    }

    private ReloadResult failed(String trigger, String error, long running) {
        stats.failure(System.currentTimeMillis());
        logger.warn("Reload ({}) refused, keeping configuration version {}: {}", trigger, running, error);
        return ReloadResult.failure(trigger, error, running);
    }

    /**
     * Returns the files the configuration in force was read from: the configuration file, every file it includes
     * and the list file; the ones a watcher should watch.
     */
    public Set<Path> files() {
        final SiplbConfig c = current;
        final Set<Path> files = new LinkedHashSet<>();
        files.add(c.file().toAbsolutePath().normalize());
        collectOrigins(c.root().root(), files, 0);
        final Config root = c.root();
        if (root.hasPath("siplb.dispatcher.list-file")) {
            final Path dir = c.file().toAbsolutePath().getParent();
            final Path list = Path.of(root.getString("siplb.dispatcher.list-file"));
            files.add((dir != null ? dir.resolve(list) : list).toAbsolutePath().normalize());
        }
        return files;
    }

    /** Adds the file of every value of {@code v} defined in a file (not {@code reference.conf} in a jar). */
    private static void collectOrigins(ConfigValue v, Set<Path> files, int depth) {
        if (depth > 64) {
            return;
        }
        // reference.conf and other class-path resources are part of siplb, not of the operator's configuration.
        if (v.origin() != null && v.origin().filename() != null && v.origin().resource() == null) {
            files.add(Path.of(v.origin().filename()).toAbsolutePath().normalize());
        }
        if (v instanceof com.typesafe.config.ConfigObject) {
            for (ConfigValue child : ((com.typesafe.config.ConfigObject) v).values()) {
                collectOrigins(child, files, depth + 1);
            }
        } else if (v instanceof com.typesafe.config.ConfigList) {
            for (ConfigValue child : (com.typesafe.config.ConfigList) v) {
                collectOrigins(child, files, depth + 1);
            }
        }
    }

    /** Whether {@code siplb.tls} differs, or TLS destinations appear where there were none. */
    private static boolean tlsChanged(SiplbConfig before, SiplbConfig after) {
        return !Objects.equals(render(before.root(), "siplb.tls"), render(after.root(), "siplb.tls"))
               || usesTls(before.dispatcher()) != usesTls(after.dispatcher());
    }

    private static boolean usesTls(DispatcherSettings settings) {
        for (DestinationSet set : settings.sets()) {
            for (Destination d : set.destinations()) {
                if (d.transport() == Transport.TLS || d.transport() == Transport.WSS) {
                    return true;
                }
            }
        }
        return false;
    }

    private static String render(Config root, String key) {
        return root.hasPath(key) ? root.getValue(key).render(com.typesafe.config.ConfigRenderOptions.concise())
                                 : null;
    }

    /** The keys whose new value the running sockets and threads cannot take; they apply at restart. */
    private static List<String> needsRestart(SiplbConfig before, SiplbConfig after) {
        final ProxySettings a = before.proxy();
        final ProxySettings b = after.proxy();
        final List<String> keys = new ArrayList<>();
        if (!a.listen().equals(b.listen())) {
            keys.add("siplb.listen");
        }
        if (a.ioThreads() != b.ioThreads()) {
            keys.add("siplb.io.threads");
        }
        if (a.ioTransport() != b.ioTransport()) {
            keys.add("siplb.io.transport");
        }
        if (a.mode() != b.mode()) {
            keys.add("siplb.proxy.mode");
        }
        if (!Objects.equals(a.advertisedHost(), b.advertisedHost()) || a.advertisedPort() != b.advertisedPort()) {
            keys.add("siplb.proxy.advertised-address");
        }
        if (!Objects.equals(render(before.root(), "siplb.admin"), render(after.root(), "siplb.admin"))) {
            keys.add("siplb.admin");
        }
        if (before.reload().watch() != after.reload().watch()) {
            keys.add("siplb.reload.watch");
        }
        if (!Objects.equals(render(before.root(), "siplb.dispatcher.state"),
                            render(after.root(), "siplb.dispatcher.state"))) {
            keys.add("siplb.dispatcher.state");
        }
        final io.siplb.dispatch.state.StateConfig sa = before.dispatcher().stateConfig();
        final io.siplb.dispatch.state.StateConfig sb = after.dispatcher().stateConfig();
        if (sa.probingThreshold() != sb.probingThreshold()) {
            keys.add("siplb.dispatcher.probing.failure-threshold");
        }
        if (sa.inactiveThreshold() != sb.inactiveThreshold()) {
            keys.add("siplb.dispatcher.probing.success-threshold");
        }
        return keys;
    }

    /** Sets SO_RCVBUF and SO_SNDBUF of the UDP listeners when they changed (0 = leave the OS's value). */
    private void applySocketBuffers(ProxySettings before, ProxySettings after) {
        final boolean rcv = before.receiveBufferSize() != after.receiveBufferSize() && after.receiveBufferSize() > 0;
        final boolean snd = before.sendBufferSize() != after.sendBufferSize() && after.sendBufferSize() > 0;
        if (!rcv && !snd) {
            return;
        }
        for (Channel ch : server.channels()) {
            if (rcv) {
                ch.config().setOption(ChannelOption.SO_RCVBUF, after.receiveBufferSize());
            }
            if (snd) {
                ch.config().setOption(ChannelOption.SO_SNDBUF, after.sendBufferSize());
            }
        }
    }

    /** The resolved UDP destinations that are not siplb itself, once each. */
    static List<InetSocketAddress> udpDestinations(DispatcherSettings settings, OwnAddresses own) {
        final Set<InetSocketAddress> seen = new LinkedHashSet<>();
        for (DestinationSet set : settings.sets()) {
            for (Destination d : set.destinations()) {
                final InetSocketAddress a = d.address();
                if (d.transport() == Transport.UDP && a != null && !a.isUnresolved()
                    && (own == null || !own.isListener(a))) {
                    seen.add(a);
                }
            }
        }
        return new ArrayList<>(seen);
    }

    /** "2 set(s), 5 destination(s); added 1/sip:…; removed 1/sip:…" */
    private static String describeChanges(DispatcherSettings before, DispatcherSettings after) {
        final Set<DestinationKey> old = keys(before);
        final Set<DestinationKey> now = keys(after);
        final List<String> added = new ArrayList<>();
        final List<String> removed = new ArrayList<>();
        for (DestinationKey k : now) {
            if (!old.contains(k)) {
                added.add(k.toString());
            }
        }
        for (DestinationKey k : old) {
            if (!now.contains(k)) {
                removed.add(k.toString());
            }
        }
        final StringBuilder sb = new StringBuilder();
        sb.append(after.sets().size()).append(" set(s), ").append(now.size()).append(" destination(s)");
        if (!added.isEmpty()) {
            sb.append("; added ").append(String.join(", ", limit(added)));
        }
        if (!removed.isEmpty()) {
            sb.append("; removed ").append(String.join(", ", limit(removed)));
        }
        return sb.toString();
    }

    private static List<String> limit(List<String> items) {
        if (items.size() <= 10) {
            return items;
        }
        final List<String> first = new ArrayList<>(items.subList(0, 10));
        first.add("and " + (items.size() - 10) + " more");
        return first;
    }

    private static Set<DestinationKey> keys(DispatcherSettings settings) {
        final Set<DestinationKey> keys = new HashSet<>();
        for (DestinationSet set : settings.sets()) {
            for (Destination d : set.destinations()) {
                keys.add(d.key());
            }
        }
        return keys;
    }
}
