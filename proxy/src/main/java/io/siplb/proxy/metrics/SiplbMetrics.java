package io.siplb.proxy.metrics;

import static java.util.Objects.requireNonNull;

import java.util.ArrayList;
import java.util.List;

import io.micrometer.core.instrument.binder.MeterBinder;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.FileDescriptorMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.siplb.proxy.core.ProxyContext;
import io.siplb.proxy.stateful.StatefulProxy;

/**
 * siplb's metrics registry: Micrometer's {@link PrometheusMeterRegistry} with the JVM and process binders (memory,
 * GC, threads, class loading, CPU, uptime, file descriptors) and siplb's own metrics ({@link SiplbMeter}), which a
 * collector reads from the forwarders' striped counters at scrape time (the SIP path never touches Micrometer).
 * {@link #scrape()} returns the Prometheus text exposition format 0.0.4.
 *
 * <p>Thread-safe: scrapes may run concurrently with traffic and with {@link #bindReloads}.
 */
public final class SiplbMetrics implements AutoCloseable {

    /** The content type of {@link #scrape()}: Prometheus text format 0.0.4. */
    public static final String CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final SiplbCollector collector;
    private final List<AutoCloseable> closeables = new ArrayList<>();

    /**
     * Creates the registry over siplb's counters.
     *
     * @param proxy the forwarders' shared state: counters, settings, dispatcher (whose current snapshot lists the
     *              destinations at each scrape) and stream transports (connections), published
     * @param stateful the stateful forwarders' shared state, or {@code null} (no transaction metrics)
     */
    public SiplbMetrics(ProxyContext proxy, StatefulProxy stateful) {
        collector = new SiplbCollector(requireNonNull(proxy, "proxy"), stateful);
        registry.getPrometheusRegistry().register(collector);
        final JvmGcMetrics gc = new JvmGcMetrics();
        closeables.add(gc);
        final JvmThreadMetrics threads = new JvmThreadMetrics();
        final MeterBinder[] binders = { new JvmMemoryMetrics(), gc, threads, new ClassLoaderMetrics(),
                                        new ProcessorMetrics(), new UptimeMetrics(), new FileDescriptorMetrics() };
        for (MeterBinder b : binders) {
            b.bindTo(registry);
        }
    }

    /** Binds the reload counters; until then they read 0 and the last-success timestamp is absent. */
    public void bindReloads(ReloadStats reloads) {
        collector.bindReloads(requireNonNull(reloads, "reloads"));
    }

    /** Returns the Micrometer registry, for components that register meters of their own. */
    public PrometheusMeterRegistry registry() {
        return registry;
    }

    /** Returns every metric in the Prometheus text format 0.0.4 ({@link #CONTENT_TYPE}). */
    public String scrape() {
        return registry.scrape(CONTENT_TYPE);
    }

    /** Stops the GC notification listener and closes the registry. */
    @Override
    public void close() {
        for (AutoCloseable c : closeables) {
            try {
                c.close();
            } catch (Exception e) {
                // Closing a binder only removes listeners; nothing to report.
            }
        }
        registry.close();
    }
}
