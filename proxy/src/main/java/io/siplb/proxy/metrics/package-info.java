/**
 * siplb's metrics at {@code GET /metrics}: Micrometer's Prometheus registry with JVM and process binders, and a
 * collector that reads the forwarders' striped counters at scrape time under the names of {@link
 * io.siplb.proxy.metrics.SiplbMeter}.
 *
 * <p>Starting points: {@link io.siplb.proxy.metrics.SiplbMetrics}, {@link io.siplb.proxy.metrics.ReloadStats}.
 */
package io.siplb.proxy.metrics;
