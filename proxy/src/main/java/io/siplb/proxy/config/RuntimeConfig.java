package io.siplb.proxy.config;

import static java.util.Objects.requireNonNull;

import io.siplb.proxy.routing.RoutingRules;

/**
 * The configuration a running siplb works with: the proxy's settings (transactions, probing, connections, DNS,
 * retry-after, record-route…) and the routing rules, with the version of the load that produced them. Start-up and
 * every reload build one from a {@link SiplbConfig} (the same parse path, defaults included) and publish it through
 * the single volatile holder of {@link io.siplb.proxy.core.ProxyContext#runtime()}; components read it there, once
 * per message or timer, rather than keeping copies of their own, so a reload reaches every one of them. The
 * destination sets are the dispatch engine's snapshot ({@link io.siplb.dispatch.Dispatcher#snapshot()}), which the
 * same reload replaces first. Immutable.
 */
public final class RuntimeConfig {

    private final long version;
    private final ProxySettings proxy;
    private final RoutingRules routing;
    private final long retryAfterSeconds;

    private RuntimeConfig(long version, ProxySettings proxy, RoutingRules routing) {
        this.version = version;
        this.proxy = proxy;
        this.routing = routing;
        retryAfterSeconds = proxy.retryAfter().getSeconds();
    }

    /** Returns the first configuration (version 1). */
    public static RuntimeConfig of(ProxySettings proxy, RoutingRules routing) {
        return new RuntimeConfig(1, requireNonNull(proxy, "proxy"), requireNonNull(routing, "routing"));
    }

    /** Returns the configuration that follows this one, with {@code config}'s settings and rules. */
    public RuntimeConfig next(SiplbConfig config) {
        requireNonNull(config, "config");
        return new RuntimeConfig(version + 1, config.proxy(), config.routing());
    }

    /** Returns 1 for the configuration siplb started with, one more for each successful reload. */
    public long version() {
        return version;
    }

    /** Returns the proxy's settings. */
    public ProxySettings proxy() {
        return proxy;
    }

    /** Returns the routing rules. */
    public RoutingRules routing() {
        return routing;
    }

    /** Returns the Retry-After of a 503, in seconds. */
    public long retryAfterSeconds() {
        return retryAfterSeconds;
    }

    @Override
    public String toString() {
        return "RuntimeConfig{version=" + version + '}';
    }
}
