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

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigValue;

import io.netty.channel.Channel;
import io.netty.channel.ChannelOption;
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
 * {@code siplb.proxy.mode}, {@code siplb.proxy.advertised-address}, {@code siplb.admin}, the call-load table's size
 * and the engine's state thresholds) are compared and, when changed, logged once as applying at the next restart;
 * the rest of the new configuration is applied.
 *
 * <p>An invalid file changes nothing: the error (file, line, key, expected value) is logged once at WARN, counted as
 * a failure in {@link #stats()} and returned. Thread-safe: reloads are serialized on this object's lock (a reload
 * takes milliseconds and never runs on an event loop); {@link #current()} is a volatile read.
 */
public final class ConfigReloader {

    private static final Logger logger = LoggerFactory.getLogger(ConfigReloader.class);

    private final SiplbServer server;
    private final Path file;
    private final ReloadStats stats = new ReloadStats();
    private volatile SiplbConfig current;
    private volatile ReloadResult lastResult;

    ConfigReloader(SiplbServer server, SiplbConfig initial) {
        this.server = requireNonNull(server, "server");
        current = requireNonNull(initial, "initial");
        file = initial.file();
        stats.loaded(System.currentTimeMillis());
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
        TlsContexts newTls = null;
        try {
            next = SiplbConfig.load(file);
            if (tlsChanged(current, next)) {
                newTls = SiplbServer.tlsFor(next, next.dispatcher().sets());
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
        final String changes = describeChanges(previous.dispatcher(), next.dispatcher());
        proxy.dispatcher().reload(next.dispatcher());
        if (newTls != null) {
            server.replaceTls(newTls);
        }
        final RuntimeConfig published = proxy.runtime().next(next);
        proxy.publish(published);
        current = next;
        applySocketBuffers(previous.proxy(), next.proxy());
        final List<InetSocketAddress> udp = udpDestinations(next.dispatcher(), proxy.own());
        for (StatefulForwarder f : server.statefulForwarders()) {
            try {
                f.eventLoop().execute(() -> f.onReload(udp));
            } catch (java.util.concurrent.RejectedExecutionException e) {
                // siplb is stopping
            }
        }
        stats.success(System.currentTimeMillis());
        final String message = "version " + published.version() + " from " + next.dispatcher().source() + ": "
                               + changes;
        logger.info("Configuration reloaded ({}): {}", trigger, message);
        for (String key : restart) {
            logger.warn("Reload ({}): {} changed in {}; it applies when siplb restarts", trigger, key, file);
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
