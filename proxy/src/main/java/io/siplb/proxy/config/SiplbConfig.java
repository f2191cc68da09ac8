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
 * sets, read from one HOCON file (and the Kamailio-format list file it may name). Immutable.
 */
public final class SiplbConfig {

    private final Path file;
    private final Config root;
    private final ProxySettings proxy;
    private final DispatcherSettings dispatcher;
    private final RoutingRules routing;
    private final io.siplb.proxy.tls.TlsSettings tls;
    private final io.siplb.proxy.admin.AdminSettings admin;

    private SiplbConfig(Path file, Config root, ProxySettings proxy, DispatcherSettings dispatcher,
                        RoutingRules routing) {
        final Path dir = file.toAbsolutePath().getParent();
        tls = root.hasPath("siplb.tls")
              ? io.siplb.proxy.tls.TlsSettings.parse(root, file.toString(), dir != null ? dir : Path.of("."))
              : io.siplb.proxy.tls.TlsSettings.builder().build();
        admin = root.hasPath("siplb.admin.listen")
                ? io.siplb.proxy.admin.AdminSettings.parse(root, file.toString())
                : io.siplb.proxy.admin.AdminSettings.disabled();
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
        final Config root = SiplbConfigLoader.parse(file);
        final ProxySettings proxy = SiplbConfigLoader.proxySettings(root, file);
        final RoutingRules routing = SiplbConfigLoader.routingRules(root, file, proxy.defaultSet());
        final DispatcherSettings dispatcher;
        try {
            dispatcher = DispatcherConfigLoader.load(root, file);
        } catch (DispatchConfigException e) {
            throw new SiplbConfigException(e.getMessage(), e);
        } catch (com.typesafe.config.ConfigException e) {
            throw new SiplbConfigException(e.getMessage(), e);
        }
        AlgorithmCheck.check(root, file.toString(), proxy, dispatcher, routing);
        checkProbeAttributes(file, proxy, dispatcher);
        return new SiplbConfig(file, root, proxy, dispatcher, routing);
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

    /** Returns the dispatcher's settings. */
    public DispatcherSettings dispatcher() {
        return dispatcher;
    }
}
