package io.siplb.proxy.config;

import static java.util.Objects.requireNonNull;

import java.nio.file.Path;

import com.typesafe.config.Config;

import io.siplb.dispatch.DispatcherSettings;
import io.siplb.dispatch.config.DispatchConfigException;
import io.siplb.dispatch.config.DispatcherConfigLoader;
import io.siplb.proxy.routing.RoutingRules;

/**
 * A complete, validated siplb configuration: the proxy's settings, the routing rules and the dispatcher's destination
 * sets, read from one HOCON file (and the files it includes, and the Kamailio-format list file it may name). Start-up
 * and every reload load it with {@link #load(Path)}, the one parse path, defaults included. Immutable.
 */
public final class SiplbConfig {

    private final Path file;
    private final Config root;
    private final ProxySettings proxy;
    private final DispatcherSettings dispatcher;
    private final RoutingRules routing;
    private final io.siplb.proxy.tls.TlsSettings tls;
    private final io.siplb.proxy.admin.AdminSettings admin;
    private final ReloadSettings reload;
    /** Digests of the configuration file and the list file taken before they were read ({@link #load}). */
    private java.util.Map<Path, String> loadedDigests = java.util.Map.of();

    private SiplbConfig(Path file, Config root, ProxySettings proxy, DispatcherSettings dispatcher,
                        RoutingRules routing) {
        final Path dir = file.toAbsolutePath().getParent();
        tls = root.hasPath("siplb.tls")
              ? io.siplb.proxy.tls.TlsSettings.parse(root, file.toString(), dir != null ? dir : Path.of("."))
              : io.siplb.proxy.tls.TlsSettings.builder().build();
        admin = root.hasPath("siplb.admin.listen")
                ? io.siplb.proxy.admin.AdminSettings.parse(root, file.toString())
                : io.siplb.proxy.admin.AdminSettings.disabled();
        reload = ReloadSettings.parse(root, file.toString());
        this.file = file;
        this.root = root;
        this.proxy = proxy;
        this.dispatcher = dispatcher;
        this.routing = routing;
    }

    /**
     * Loads and validates {@code file}.
     *
     * @throws SiplbConfigException naming the file, the line or key, and the expected value
     */
    public static SiplbConfig load(Path file) {
        requireNonNull(file, "file");
        final java.util.Map<Path, String> digests = new java.util.LinkedHashMap<>();
        final Path absolute = file.toAbsolutePath().normalize();
        digests.put(absolute, FileDigests.of(absolute));
        final Config root = SiplbConfigLoader.parse(file);
        if (root.hasPath("siplb.dispatcher.list-file")
            && root.getValue("siplb.dispatcher.list-file").valueType() == com.typesafe.config.ConfigValueType.STRING) {
            // (a list-file that is not a string is refused by the dispatcher's loader below, naming the line)
            final Path list = absolute.getParent() != null
                              ? absolute.getParent().resolve(root.getString("siplb.dispatcher.list-file"))
                              : Path.of(root.getString("siplb.dispatcher.list-file"));
            digests.put(list.toAbsolutePath().normalize(), FileDigests.of(list));
        }
        final ProxySettings proxy = SiplbConfigLoader.proxySettings(root, file);
        final RoutingRules routing = SiplbConfigLoader.routingRules(root, file, proxy.defaultSet());
        final DispatcherSettings dispatcher;
        try {
            // Host names are resolved by siplb's DNS resolver, off the event loops and by their TTL (see
            // io.siplb.proxy.lifecycle.DestinationResolver), not by the blocking system lookup.
            dispatcher = DispatcherConfigLoader.load(root, file, false);
        } catch (DispatchConfigException e) {
            throw new SiplbConfigException(e.getMessage(), e);
        } catch (com.typesafe.config.ConfigException e) {
            throw new SiplbConfigException(e.getMessage(), e);
        }
        AlgorithmCheck.check(root, file.toString(), proxy, dispatcher, routing);
        checkProbeAttributes(file, proxy, dispatcher);
        final SiplbConfig config = new SiplbConfig(file, root, proxy, dispatcher, routing);
        config.loadedDigests = java.util.Collections.unmodifiableMap(digests);
        return config;
    }

    /** Refuses a destination whose probing attributes ({@code ping_method}, {@code ping_timeout}, ...) are invalid. */
    private static void checkProbeAttributes(Path file, ProxySettings proxy, DispatcherSettings dispatcher) {
        for (io.siplb.dispatch.DestinationSet set : dispatcher.sets()) {
            for (io.siplb.dispatch.Destination d : set.destinations()) {
                try {
                    proxy.probing().forDestination(d.attributes().pingFrom(), d.attributes().others());
                } catch (IllegalArgumentException e) {
                    throw new SiplbConfigException(file + ": siplb.dispatcher set " + set.id() + " destination "
                                                   + d.uri() + ": attribute " + e.getMessage(), e);
                }
            }
        }
    }

    /**
     * Creates a configuration from settings built in code (tests, embedding); the routing rules are read from
     * {@code root} ({@code siplb.routing}, absent: the single rule dispatching to the proxy's default set).
     *
     * @throws SiplbConfigException when {@code root} has an invalid {@code siplb.routing}
     */
    public static SiplbConfig of(Path file, Config root, ProxySettings proxy, DispatcherSettings dispatcher) {
        requireNonNull(file, "file");
        requireNonNull(root, "root");
        requireNonNull(proxy, "proxy");
        return new SiplbConfig(file, root, proxy, requireNonNull(dispatcher, "dispatcher"),
                               SiplbConfigLoader.routingRules(root, file, proxy.defaultSet()));
    }

    /** Returns the TLS settings ({@code siplb.tls}). */
    public io.siplb.proxy.tls.TlsSettings tls() {
        return tls;
    }

    /** Returns the admin listener's settings ({@code siplb.admin}). */
    public io.siplb.proxy.admin.AdminSettings admin() {
        return admin;
    }

    /**
     * Returns the digests ({@link FileDigests}) of the configuration file and the list file as they were before
     * {@link #load} read them, so that a change made while siplb starts is not missed; empty for a configuration
     * built in code.
     */
    public java.util.Map<Path, String> loadedDigests() {
        return loadedDigests;
    }

    /** Returns the reload settings ({@code siplb.reload}). */
    public ReloadSettings reload() {
        return reload;
    }

    /** Returns the configuration file. */
    public Path file() {
        return file;
    }

    /** Returns the resolved HOCON tree (the file over {@code reference.conf}). */
    public Config root() {
        return root;
    }

    /** Returns the proxy's settings. */
    public ProxySettings proxy() {
        return proxy;
    }

    /** Returns the routing rules ({@code siplb.routing}), never empty. */
    public RoutingRules routing() {
        return routing;
    }

    /** Returns whether some set's weights follow latency (relative-weight with {@code cc}), refreshed regularly. */
    public boolean usesCongestionControl() {
        return AlgorithmCheck.usesCongestionControl(dispatcher);
    }

    /**
     * Returns the dispatcher's settings as configured: a destination named by host name has an unresolved address
     * until siplb's DNS resolver has looked it up.
     */
    public DispatcherSettings dispatcher() {
        return dispatcher;
    }
}
