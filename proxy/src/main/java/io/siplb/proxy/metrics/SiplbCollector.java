package io.siplb.proxy.metrics;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.SortedSet;
import java.util.TreeSet;

import io.prometheus.metrics.model.registry.MultiCollector;
import io.prometheus.metrics.model.snapshots.ClassicHistogramBuckets;
import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import io.prometheus.metrics.model.snapshots.CounterSnapshot.CounterDataPointSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot.GaugeDataPointSnapshot;
import io.prometheus.metrics.model.snapshots.HistogramSnapshot;
import io.prometheus.metrics.model.snapshots.HistogramSnapshot.HistogramDataPointSnapshot;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.MetricSnapshot;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import io.siplb.codec.SipMethod;
import io.siplb.dispatch.Destination;
import io.siplb.dispatch.DestinationSet;
import io.siplb.dispatch.DispatchSnapshot;
import io.siplb.dispatch.Dispatcher;
import io.siplb.dispatch.Transport;
import io.siplb.dispatch.state.DestinationCounters;
import io.siplb.dispatch.state.DestinationState;
import io.siplb.dispatch.state.DurationHistogram;
import io.siplb.dispatch.state.HealthState;
import io.siplb.dispatch.state.LatencyStats;
import io.siplb.proxy.core.DropReason;
import io.siplb.proxy.core.ProxyContext;
import io.siplb.proxy.core.ProxyStats;
import io.siplb.proxy.stateful.StatefulProxy;
import io.siplb.proxy.stream.ConnectionStats;
import io.siplb.proxy.stream.StreamTransports;

/**
 * Reads siplb's own counters at scrape time and turns them into Prometheus metric snapshots ({@link SiplbMeter}).
 * Nothing here runs on the SIP path: the forwarders only increment the striped counters of {@link ProxyStats},
 * {@link DestinationCounters} and the other sources, and this collector sums them when {@code /metrics} is read.
 * Per-destination series are built from the dispatcher's current snapshot, so destinations a reload adds or
 * removes get or lose their series at the next scrape.
 *
 * <p>Message series appear once non-zero (at most transports × 2 × 15 methods); drop reasons are always present;
 * local responses appear per status code once sent. Thread-safe: every source is read through its thread-safe
 * accessors; the reload source is one volatile reference.
 */
final class SiplbCollector implements MultiCollector {

    private static final Transport[] STREAM_TRANSPORTS = { Transport.TCP, Transport.TLS, Transport.WS,
                                                           Transport.WSS };
    private static final String[] LATENCY_STATS = { "avg", "std", "est", "max" };

    private final ProxyStats stats;
    private final ProxyContext proxy;
    private final StatefulProxy stateful;
    private final StreamTransports streams;
    private final Dispatcher dispatcher;
    private volatile ReloadStats reloads;

    SiplbCollector(ProxyContext proxy, StatefulProxy stateful) {
        this.proxy = proxy;
        this.stats = proxy.stats();
        this.stateful = stateful;
        this.streams = proxy.streams();
        this.dispatcher = proxy.dispatcher();
    }

    void bindReloads(ReloadStats reloads) {
        this.reloads = reloads;
    }

    /** Returns the {@code method} label of {@code m}: its name, or {@code other} for extension methods. */
    static String methodLabel(SipMethod m) {
        return m == SipMethod.EXTENSION ? "other" : m.name();
    }

    @Override
    public MetricSnapshots collect() {
        final List<MetricSnapshot> out = new ArrayList<>(24);
        messages(out, true);
        messages(out, false);
        drops(out);
        localResponses(out);
        out.add(gauge(SiplbMeter.TRANSACTIONS_ACTIVE).dataPoint(
                GaugeDataPointSnapshot.builder().value(stateful != null ? stateful.activeTransactions() : 0)
                                      .build()).build());
        out.add(gauge(SiplbMeter.TRANSACTIONS_MAX).dataPoint(GaugeDataPointSnapshot.builder().value(
                proxy.settings().transactions().maxTransactions()).build()).build());
        out.add(counter(SiplbMeter.HANDOVERS).dataPoint(counterPoint(stateful != null ? stateful.handovers() : 0))
                                             .build());
        final DispatchSnapshot snapshot = dispatcher.snapshot();
        failovers(out, snapshot);
        destinations(out, snapshot);
        out.add(histogram(SiplbMeter.REQUEST_DURATION, Labels.EMPTY, stats.requestDuration()));
        reloads(out);
        connections(out);
        return new MetricSnapshots(out);
    }

    private void messages(List<MetricSnapshot> out, boolean received) {
        final CounterSnapshot.Builder b = counter(received ? SiplbMeter.MESSAGES_RECEIVED : SiplbMeter.MESSAGES_SENT);
        for (Transport t : Transport.values()) {
            for (int kind = 0; kind < 2; kind++) {
                final boolean request = kind == 0;
                for (SipMethod m : SipMethod.values()) {
                    final long v = received ? stats.receivedCount(t, request, m) : stats.sentCount(t, request, m);
                    if (v != 0) {
                        b.dataPoint(counterPoint(v, "transport", t.uriName(), "kind",
                                                 request ? "request" : "response", "method", methodLabel(m)));
                    }
                }
            }
        }
        out.add(b.build());
    }

    private void drops(List<MetricSnapshot> out) {
        final CounterSnapshot.Builder b = counter(SiplbMeter.MESSAGES_DROPPED);
        for (DropReason r : DropReason.values()) {
            b.dataPoint(counterPoint(stats.drops(r), "reason", r.metricName()));
        }
        out.add(b.build());
    }

    private void localResponses(List<MetricSnapshot> out) {
        final CounterSnapshot.Builder b = counter(SiplbMeter.LOCAL_RESPONSES);
        for (int code = 100; code < 700; code++) {
            final long v = stats.localResponses(code);
            if (v != 0) {
                b.dataPoint(counterPoint(v, "code", Integer.toString(code)));
            }
        }
        out.add(b.build());
    }

    private void failovers(List<MetricSnapshot> out, DispatchSnapshot snapshot) {
        final SortedSet<Integer> sets = new TreeSet<>();
        for (DestinationSet s : snapshot.sets()) {
            sets.add(s.id());
        }
        if (stateful != null) {
            sets.addAll(stateful.setsWithFailovers());
        }
        final CounterSnapshot.Builder b = counter(SiplbMeter.FAILOVERS);
        for (int id : sets) {
            b.dataPoint(counterPoint(stateful != null ? stateful.failovers(id) : 0, "set", Integer.toString(id)));
        }
        out.add(b.build());
    }

    private void destinations(List<MetricSnapshot> out, DispatchSnapshot snapshot) {
        final GaugeSnapshot.Builder up = gauge(SiplbMeter.DESTINATION_UP);
        final GaugeSnapshot.Builder state = gauge(SiplbMeter.DESTINATION_STATE);
        final CounterSnapshot.Builder selected = counter(SiplbMeter.DESTINATION_SELECTED);
        final CounterSnapshot.Builder responses = counter(SiplbMeter.DESTINATION_RESPONSES);
        final GaugeSnapshot.Builder calls = gauge(SiplbMeter.DESTINATION_ACTIVE_CALLS);
        final GaugeSnapshot.Builder latency = gauge(SiplbMeter.DESTINATION_LATENCY);
        final HistogramSnapshot.Builder rtt = HistogramSnapshot.builder()
                .name(SiplbMeter.DESTINATION_PROBE_RTT.prometheusName())
                .help(SiplbMeter.DESTINATION_PROBE_RTT.help());
        final CounterSnapshot.Builder timeouts = counter(SiplbMeter.DESTINATION_PROBE_TIMEOUTS);
        // Two destinations of a set with the same URI (told apart by duid) would repeat a label set: first wins.
        final Set<String> seen = new HashSet<>();
        for (DestinationSet set : snapshot.sets()) {
            final String setId = Integer.toString(set.id());
            for (Destination d : set.destinations()) {
                final DestinationState s = dispatcher.state(d);
                if (s == null || !seen.add(setId + ' ' + d.uri())) {
                    continue;
                }
                final String[] l = { "set", setId, "destination", d.uri() };
                final HealthState h = s.health();
                up.dataPoint(gaugePoint(h.acceptsNewCalls() ? 1 : 0, l));
                for (HealthState each : HealthState.values()) {
                    state.dataPoint(gaugePoint(each == h ? 1 : 0, with(l, "state",
                                                                      each.name().toLowerCase(Locale.ROOT))));
                }
                final DestinationCounters c = s.counters();
                selected.dataPoint(counterPoint(c.selectedCount(), l));
                for (int cls = 1; cls <= 6; cls++) {
                    responses.dataPoint(counterPoint(c.responses(cls), with(l, "class", cls + "xx")));
                }
                calls.dataPoint(gaugePoint(s.activeCalls(), l));
                final LatencyStats.Snapshot lat = s.latency().snapshot();
                if (lat.count() > 0) {
                    final double[] v = { lat.averageMillis(), lat.stdDevMillis(), lat.estimateMillis(),
                                         lat.maxMillis() };
                    for (int i = 0; i < v.length; i++) {
                        latency.dataPoint(gaugePoint(finite(v[i]) / 1000.0, with(l, "stat", LATENCY_STATS[i])));
                    }
                }
                rtt.dataPoint(histogramPoint(Labels.of(l), c.probeRtt()));
                timeouts.dataPoint(counterPoint(c.probeTimeouts(), l));
            }
        }
        out.add(up.build());
        out.add(state.build());
        out.add(selected.build());
        out.add(responses.build());
        out.add(calls.build());
        out.add(latency.build());
        out.add(rtt.build());
        out.add(timeouts.build());
    }

    private void reloads(List<MetricSnapshot> out) {
        final ReloadStats r = reloads;
        out.add(counter(SiplbMeter.CONFIG_RELOADS)
                        .dataPoint(counterPoint(r != null ? r.successes() : 0, "result", "success"))
                        .dataPoint(counterPoint(r != null ? r.failures() : 0, "result", "failure"))
                        .build());
        final GaugeSnapshot.Builder last = gauge(SiplbMeter.CONFIG_LAST_RELOAD_SUCCESS);
        final long at = r != null ? r.lastSuccessEpochMillis() : 0;
        if (at > 0) {
            last.dataPoint(GaugeDataPointSnapshot.builder().value(at / 1000.0).build());
        }
        out.add(last.build());
    }

    private void connections(List<MetricSnapshot> out) {
        final GaugeSnapshot.Builder open = gauge(SiplbMeter.CONNECTIONS_OPEN);
        for (Transport t : STREAM_TRANSPORTS) {
            open.dataPoint(gaugePoint(streams != null ? streams.table().open(t) : 0, "transport", t.uriName()));
        }
        out.add(open.build());
        out.add(counter(SiplbMeter.TLS_HANDSHAKE_FAILURES).dataPoint(CounterDataPointSnapshot.builder().value(
                streams != null ? streams.stats().get(ConnectionStats.Cause.TLS_HANDSHAKE_FAILED) : 0).build())
                                                           .build());
    }

    private static double finite(double v) {
        return Double.isFinite(v) ? v : 0;
    }

    private static String[] with(String[] labels, String name, String value) {
        final String[] l = java.util.Arrays.copyOf(labels, labels.length + 2);
        l[labels.length] = name;
        l[labels.length + 1] = value;
        return l;
    }

    private static CounterSnapshot.Builder counter(SiplbMeter m) {
        return CounterSnapshot.builder().name(m.prometheusName()).help(m.help());
    }

    private static GaugeSnapshot.Builder gauge(SiplbMeter m) {
        return GaugeSnapshot.builder().name(m.prometheusName()).help(m.help());
    }

    private static CounterDataPointSnapshot counterPoint(double v, String... labels) {
        return CounterDataPointSnapshot.builder().labels(Labels.of(labels)).value(v).build();
    }

    private static GaugeDataPointSnapshot gaugePoint(double v, String... labels) {
        return GaugeDataPointSnapshot.builder().labels(Labels.of(labels)).value(v).build();
    }

    private static HistogramSnapshot histogram(SiplbMeter m, Labels labels, DurationHistogram h) {
        return HistogramSnapshot.builder().name(m.prometheusName()).help(m.help())
                                .dataPoint(histogramPoint(labels, h)).build();
    }

    private static HistogramDataPointSnapshot histogramPoint(Labels labels, DurationHistogram h) {
        final double[] bounds = h.boundsSeconds();
        final long[] cumulative = h.cumulativeCounts();
        final double[] upper = java.util.Arrays.copyOf(bounds, bounds.length + 1);
        upper[bounds.length] = Double.POSITIVE_INFINITY;
        // The model takes the count of each bucket alone; the text format writes them cumulative.
        final long[] counts = new long[cumulative.length];
        for (int i = 0; i < cumulative.length; i++) {
            counts[i] = cumulative[i] - (i > 0 ? cumulative[i - 1] : 0);
        }
        return HistogramDataPointSnapshot.builder().labels(labels)
                                         .classicHistogramBuckets(ClassicHistogramBuckets.of(upper, counts))
                                         .sum(h.sumSeconds()).build();
    }
}
