package io.siplb.loadtests.gen;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;

import org.HdrHistogram.Histogram;

/**
 * Writes a {@link UacResult} as the human summary (stdout) and as the JSON result file. Latencies are in
 * milliseconds in both, from the microsecond histograms. Static methods only. Immutable.
 *
 * <p>JSON layout: {@code tool}, {@code coordinated_omission}, {@code config} (target, transport, mode, rates, hold,
 * timeout, sockets, threads, max_concurrent, io), {@code started_at}, {@code elapsed_s}, {@code calls} (attempted,
 * completed, failed, unfinished, peak_in_flight, throughput_per_s), {@code failures} (one count per
 * {@link FailureReason#key()}, and {@code by_status}: code to count), {@code retransmissions} (sent, seen),
 * {@code messages} (stray_responses, unexpected, malformed, socket_errors), {@code latency_ms} (per
 * {@link Metric#key()}: count, min, mean, p50, p90, p99, p99_9, max), {@code backends} (name to 2xx count) and
 * {@code steps} (offered_rate, duration_s, attempted, completed, failed, throughput_per_s, p50_ms, p99_ms, max_ms).
 */
public final class UacReport {

    /** What the JSON and the summary say about how latencies are measured. */
    static final String CO_NOTE = "latencies are measured from each call's scheduled start time (BYE: from the " +
                                  "scheduled end of its hold time), not from when it was sent: corrected for " +
                                  "coordinated omission";

    private static final double[] PERCENTILES = { 50, 90, 99, 99.9 };

    private UacReport() {}

    /** Prints the summary. */
    public static void printSummary(UacResult r, PrintStream out) {
        final UacConfig c = r.config();
        out.printf(Locale.ROOT, "siplb load uac: %s %s to %s, %s%n", c.mode().name(),
                   c.transport().name(), UacMessages.hostPort(c.target()), describeSchedule(c.schedule()));
        out.printf(Locale.ROOT, "  elapsed %.1f s, %d socket(s), %d thread(s)%n", r.elapsedNanos() / 1e9,
                   c.sockets(), c.threads());
        out.printf(Locale.ROOT, "calls: attempted %d, completed %d, failed %d, unfinished %d; " +
                                "throughput %.1f/s; peak in flight %d%n",
                   r.attempted(), r.completed(), r.failed(), r.unfinished(), r.throughput(), r.peakInFlight());
        if (r.failed() > 0) {
            final StringBuilder b = new StringBuilder("failures:");
            for (Map.Entry<FailureReason, Long> e : r.failures().entrySet()) {
                if (e.getValue() > 0) {
                    b.append(' ').append(e.getKey().key()).append(' ').append(e.getValue());
                    if (e.getKey() == FailureReason.STATUS) {
                        b.append(" (");
                        boolean first = true;
                        for (Map.Entry<Integer, Long> s : r.failedByStatus().entrySet()) {
                            b.append(first ? "" : ", ").append(s.getKey()).append(": ").append(s.getValue());
                            first = false;
                        }
                        b.append(')');
                    }
                    b.append(';');
                }
            }
            out.println(b.substring(0, b.length() - 1));
        }
        out.printf(Locale.ROOT, "retransmissions: sent %d, seen %d; stray responses %d, unexpected %d, " +
                                "malformed %d, socket errors %d%n",
                   r.retransmissionsSent(), r.retransmissionsSeen(), r.strayResponses(), r.unexpectedMessages(),
                   r.malformed(), r.socketErrors());
        out.println("latency (ms)                    count      p50      p90      p99    p99.9      max");
        for (Metric m : Metric.values()) {
            final Histogram h = r.latency(m);
            if (h.getTotalCount() == 0) {
                continue;
            }
            out.printf(Locale.ROOT, "  %-27s %8d %8.3f %8.3f %8.3f %8.3f %8.3f%n", m.label(), h.getTotalCount(),
                       ms(h.getValueAtPercentile(50)), ms(h.getValueAtPercentile(90)),
                       ms(h.getValueAtPercentile(99)), ms(h.getValueAtPercentile(99.9)), ms(h.getMaxValue()));
        }
        out.println("  (" + CO_NOTE + ')');
        if (!r.backends().isEmpty()) {
            final long sum = r.backends().values().stream().mapToLong(Long::longValue).sum();
            final StringBuilder b = new StringBuilder("backends (2xx):");
            for (Map.Entry<String, Long> e : r.backends().entrySet()) {
                b.append(String.format(Locale.ROOT, " %s %d (%.1f%%);", e.getKey(), e.getValue(),
                                       100.0 * e.getValue() / sum));
            }
            out.println(b.substring(0, b.length() - 1));
        }
        if (r.steps().size() > 1) {
            out.println("sweep: offered/s  attempted  completed   failed  throughput/s   p99 ms");
            for (UacResult.Step s : r.steps()) {
                out.printf(Locale.ROOT, "  %14.1f %10d %10d %8d %13.1f %8.3f%n", s.offeredRate(), s.attempted(),
                           s.completed(), s.failed(), s.throughput(),
                           s.latency().getTotalCount() == 0 ? Double.NaN : ms(s.latency().getValueAtPercentile(99)));
            }
        }
    }

    static String describeSchedule(Schedule s) {
        if (s.isSweep()) {
            return String.format(Locale.ROOT, "sweep %.1f..%.1f calls/s in %d steps of %.1f s (%d calls)",
                                 s.rate(0), s.rate(s.stepCount() - 1), s.stepCount(), s.durationNanos(0) / 1e9,
                                 s.totalCalls());
        }
        return String.format(Locale.ROOT, "%d calls at %.1f calls/s", s.totalCalls(), s.rate(0));
    }

    private static double ms(long micros) {
        return micros / 1000.0;
    }

    /** Returns the result as JSON. */
    public static String toJson(UacResult r) {
        final UacConfig c = r.config();
        final JsonWriter w = new JsonWriter().beginObject();
        w.field("tool", "siplb load uac");
        w.field("coordinated_omission", CO_NOTE);
        w.name("config").beginObject()
         .field("target", UacMessages.hostPort(c.target()))
         .field("transport", c.transport().name().toLowerCase(Locale.ROOT))
         .field("mode", c.mode().name().toLowerCase(Locale.ROOT))
         .field("calls", c.schedule().totalCalls())
         .field("sweep", c.schedule().isSweep())
         .field("hold_ms", c.hold().toMillis())
         .field("timeout_ms", c.timeout().toMillis())
         .field("t1_ms", c.t1().toMillis())
         .field("max_concurrent", c.maxConcurrent())
         .field("sockets", c.sockets())
         .field("threads", c.threads())
         .field("io", c.io().name().toLowerCase(Locale.ROOT));
        w.name("rates").beginArray();
        for (int s = 0; s < c.schedule().stepCount(); s++) {
            w.value(c.schedule().rate(s));
        }
        w.endArray().endObject();
        w.field("started_at", r.startedAt().toString());
        w.field("elapsed_s", r.elapsedNanos() / 1e9);
        w.name("calls").beginObject()
         .field("attempted", r.attempted())
         .field("completed", r.completed())
         .field("failed", r.failed())
         .field("unfinished", r.unfinished())
         .field("peak_in_flight", r.peakInFlight())
         .field("throughput_per_s", r.throughput())
         .endObject();
        w.name("failures").beginObject();
        for (Map.Entry<FailureReason, Long> e : r.failures().entrySet()) {
            w.field(e.getKey().key(), e.getValue());
        }
        w.name("by_status").beginObject();
        for (Map.Entry<Integer, Long> e : r.failedByStatus().entrySet()) {
            w.field(Integer.toString(e.getKey()), e.getValue());
        }
        w.endObject().endObject();
        w.name("retransmissions").beginObject()
         .field("sent", r.retransmissionsSent())
         .field("seen", r.retransmissionsSeen())
         .endObject();
        w.name("messages").beginObject()
         .field("stray_responses", r.strayResponses())
         .field("unexpected", r.unexpectedMessages())
         .field("malformed", r.malformed())
         .field("socket_errors", r.socketErrors())
         .endObject();
        w.name("latency_ms").beginObject();
        for (Metric m : Metric.values()) {
            w.name(m.key());
            histogram(w, r.latency(m));
        }
        w.endObject();
        w.name("backends").beginObject();
        for (Map.Entry<String, Long> e : r.backends().entrySet()) {
            w.field(e.getKey(), e.getValue());
        }
        w.endObject();
        w.name("steps").beginArray();
        for (UacResult.Step s : r.steps()) {
            final Histogram h = s.latency();
            final boolean any = h.getTotalCount() > 0;
            w.beginObject()
             .field("offered_rate", s.offeredRate())
             .field("duration_s", s.durationNanos() / 1e9)
             .field("attempted", s.attempted())
             .field("completed", s.completed())
             .field("failed", s.failed())
             .field("throughput_per_s", s.throughput())
             .field("p50_ms", any ? ms(h.getValueAtPercentile(50)) : Double.NaN)
             .field("p99_ms", any ? ms(h.getValueAtPercentile(99)) : Double.NaN)
             .field("max_ms", any ? ms(h.getMaxValue()) : Double.NaN)
             .endObject();
        }
        w.endArray();
        return w.endObject().toString();
    }

    private static void histogram(JsonWriter w, Histogram h) {
        final boolean any = h.getTotalCount() > 0;
        w.beginObject().field("count", h.getTotalCount());
        w.field("min", any ? ms(h.getMinValue()) : Double.NaN);
        w.field("mean", any ? h.getMean() / 1000.0 : Double.NaN);
        for (double p : PERCENTILES) {
            w.field(p == 99.9 ? "p99_9" : "p" + (int) p, any ? ms(h.getValueAtPercentile(p)) : Double.NaN);
        }
        w.field("max", any ? ms(h.getMaxValue()) : Double.NaN);
        w.endObject();
    }

    /** Writes the JSON result to {@code file}. */
    public static void writeJson(UacResult r, Path file) throws IOException {
        final Path parent = file.toAbsolutePath().getParent();
        if (parent != null) {
            Files.createDirectories(parent);
        }
        Files.writeString(file, toJson(r), StandardCharsets.UTF_8);
    }
}
