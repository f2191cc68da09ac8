package io.siplb.loadtests.gen;

import java.util.Locale;
import java.util.Map;

import org.HdrHistogram.Histogram;

/**
 * Formats the UAC's one-line-per-second progress output, e.g.
 * {@code "   12s  started 200.0/s  completed 199.0/s  failed 0.0/s (total 0)  in-flight 4  p99 1.23 ms
 * backends uas-a 50%, uas-b 50%"}: rates over the last interval, the primary latency's p99 over the last interval
 * ({@code -} when nothing completed), and each backend's share of the 2xx of the last interval. Static methods only.
 * Immutable.
 */
final class ProgressLine {

    private ProgressLine() {}

    static String format(UacProgress p) {
        return format(p.elapsedNanos(), p.perSecond(p.intervalAttempted()), p.perSecond(p.intervalCompleted()),
                      p.perSecond(p.intervalFailed()), p.failed(), p.inFlight(), p.intervalLatency(),
                      p.intervalBackends());
    }

    static String format(long elapsedNanos, double startedPerSecond, double completedPerSecond,
                         double failedPerSecond, long failedTotal, int inFlight, Histogram lastInterval,
                         Map<String, Long> backendsInInterval) {
        final StringBuilder b = new StringBuilder(160);
        b.append(String.format(Locale.ROOT, "%5ds  started %.1f/s  completed %.1f/s  failed %.1f/s (total %d)  " +
                                            "in-flight %d  p99 ", Math.round(elapsedNanos / 1e9), startedPerSecond,
                               completedPerSecond, failedPerSecond, failedTotal, inFlight));
        if (lastInterval.getTotalCount() == 0) {
            b.append('-');
        } else {
            b.append(String.format(Locale.ROOT, "%.2f ms", lastInterval.getValueAtPercentile(99) / 1000.0));
        }
        long sum = 0;
        for (long n : backendsInInterval.values()) {
            sum += n;
        }
        if (sum > 0) {
            b.append("  backends ");
            boolean first = true;
            for (Map.Entry<String, Long> e : backendsInInterval.entrySet()) {
                if (!first) {
                    b.append(", ");
                }
                first = false;
                b.append(e.getKey()).append(' ').append(Math.round(100.0 * e.getValue() / sum)).append('%');
            }
        }
        return b.toString();
    }
}
