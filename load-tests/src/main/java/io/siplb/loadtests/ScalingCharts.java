package io.siplb.loadtests;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.ToDoubleFunction;

import org.jfree.chart.ChartFactory;
import org.jfree.chart.ChartUtils;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.axis.LogAxis;
import org.jfree.chart.plot.PlotOrientation;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.xy.XYLineAndShapeRenderer;
import org.jfree.data.xy.XYSeries;
import org.jfree.data.xy.XYSeriesCollection;

/**
 * Turns the {@code results.tsv} of {@code load-tests/bench/scaling.sh} into medians per point, a Markdown table
 * ({@code summary.md}) and PNG charts drawn with JFreeChart, headless: CPU per call (the JIT compiler threads'
 * share left out: a warm-up cost, not a per-call one; the table gives both) and p99 latency against the
 * destination count ({@code destinations-*.png}) and against the concurrent transactions
 * ({@code concurrency-*.png}), one line per {@code siplb.io.threads} value, on a logarithmic x axis. A point's median
 * is the median of its runs (the lower middle value of an even count). Immutable; static methods only.
 *
 * <pre>{@code
 * java -cp load-tests/target/benchmarks.jar io.siplb.loadtests.ScalingCharts load-tests/target/scaling/results.tsv \
 *     load-tests/target/scaling
 * }</pre>
 */
public final class ScalingCharts {

    private static final int WIDTH = 900;
    private static final int HEIGHT = 550;

    static {
        System.setProperty("java.awt.headless", "true");
    }

    private ScalingCharts() {}

    /** One line of results.tsv. */
    record Run(String curve, int threads, int destinations, int concurrency, int ringMillis, int rep,
               double cpuMicrosPerCall, double p99FirstMillis, double p99InviteOkMillis, double p99ByeOkMillis,
               long completed, long failed, long unfinished, long rssMib, double load1, String startUtc,
               double jitMicrosPerCall) {

        /** CPU per call without the JIT compiler threads (all of it when they were not measured). */
        double cpuWithoutJitMicrosPerCall() {
            return Double.isNaN(jitMicrosPerCall) ? cpuMicrosPerCall : cpuMicrosPerCall - jitMicrosPerCall;
        }

        /** The x of its curve: destinations, or concurrent transactions. */
        int x() {
            return curve.equals("destinations") ? destinations : concurrency;
        }
    }

    /** Reads results.tsv (a header line, then one tab-separated line per run; the 17th field, JIT, optional). */
    static List<Run> read(Path tsv) throws IOException {
        final List<Run> runs = new ArrayList<>();
        final List<String> lines = Files.readAllLines(tsv, StandardCharsets.UTF_8);
        for (int i = 1; i < lines.size(); i++) {
            final String[] f = lines.get(i).split("\t", -1);
            if (f.length < 16) {
                throw new IllegalArgumentException(tsv + ":" + (i + 1) + ": " + f.length +
                                                   " fields (expected: 16, tab-separated)");
            }
            runs.add(new Run(f[0], Integer.parseInt(f[1]), Integer.parseInt(f[2]), Integer.parseInt(f[3]),
                             Integer.parseInt(f[4]), Integer.parseInt(f[5]), number(f[6]), number(f[7]),
                             number(f[8]), number(f[9]), (long) number(f[10]), (long) number(f[11]),
                             (long) number(f[12]), (long) number(f[13]), number(f[14]), f[15],
                             f.length > 16 ? number(f[16]) : Double.NaN));
        }
        return runs;
    }

    private static double number(String s) {
        try {
            return Double.parseDouble(s);
        } catch (NumberFormatException e) {
            return Double.NaN;
        }
    }

    /** The median of the values (NaN ignored; the lower middle one of an even count); NaN if there are none. */
    static double median(List<Double> values) {
        final List<Double> v = new ArrayList<>();
        for (Double d : values) {
            if (!d.isNaN()) {
                v.add(d);
            }
        }
        if (v.isEmpty()) {
            return Double.NaN;
        }
        Collections.sort(v);
        return v.get((v.size() - 1) / 2);
    }

    /** Runs of {@code curve} by io.threads, then by x. */
    private static Map<Integer, Map<Integer, List<Run>>> points(List<Run> runs, String curve) {
        final Map<Integer, Map<Integer, List<Run>>> byThreads = new TreeMap<>();
        for (Run r : runs) {
            if (r.curve().equals(curve)) {
                byThreads.computeIfAbsent(r.threads(), k -> new TreeMap<>())
                         .computeIfAbsent(r.x(), k -> new ArrayList<>()).add(r);
            }
        }
        return byThreads;
    }

    private static double medianOf(List<Run> runs, ToDoubleFunction<Run> f) {
        final List<Double> v = new ArrayList<>();
        for (Run r : runs) {
            v.add(f.applyAsDouble(r));
        }
        return median(v);
    }

    private static JFreeChart chart(Map<Integer, Map<Integer, List<Run>>> points, String title, String x, String y,
                                    ToDoubleFunction<Run> f) {
        final XYSeriesCollection data = new XYSeriesCollection();
        for (Map.Entry<Integer, Map<Integer, List<Run>>> t : points.entrySet()) {
            final XYSeries s = new XYSeries("siplb.io.threads = " + t.getKey());
            for (Map.Entry<Integer, List<Run>> p : t.getValue().entrySet()) {
                final double m = medianOf(p.getValue(), f);
                if (!Double.isNaN(m)) {
                    s.add(p.getKey().doubleValue(), m);
                }
            }
            data.addSeries(s);
        }
        final JFreeChart chart = ChartFactory.createXYLineChart(title, x, y, data, PlotOrientation.VERTICAL, true,
                                                                false, false);
        final XYPlot plot = chart.getXYPlot();
        final LogAxis axis = new LogAxis(x);
        axis.setBase(10);
        axis.setSmallestValue(1);
        plot.setDomainAxis(axis);
        plot.setRenderer(new XYLineAndShapeRenderer(true, true));
        return chart;
    }

    /** Writes summary.md and the charts of {@code runs} into {@code dir}; returns the files written. */
    static List<Path> write(List<Run> runs, Path dir) throws IOException {
        Files.createDirectories(dir);
        final List<Path> written = new ArrayList<>();
        final StringBuilder md = new StringBuilder();
        for (String curve : List.of("destinations", "concurrency")) {
            final Map<Integer, Map<Integer, List<Run>>> points = points(runs, curve);
            if (points.isEmpty()) {
                continue;
            }
            final boolean dests = curve.equals("destinations");
            final String x = dests ? "destinations in the set" : "concurrent INVITE transactions";
            md.append("\n### ").append(dests ? "Destination count" : "Concurrent transactions").append("\n\n");
            md.append("| io.threads | ").append(x).append(" | runs | CPU µs/call without JIT (each run) | median | ")
              .append("CPU µs/call with JIT (median) | p99 INVITE→100/180 ms | p99 INVITE→200 ms | p99 BYE→200 ms | failed | ")
              .append("RSS MiB | load |\n")
              .append("|---|---|---|---|---|---|---|---|---|---|---|---|\n");
            for (Map.Entry<Integer, Map<Integer, List<Run>>> t : points.entrySet()) {
                for (Map.Entry<Integer, List<Run>> p : t.getValue().entrySet()) {
                    final List<Run> rs = p.getValue();
                    final StringBuilder each = new StringBuilder();
                    final StringBuilder loads = new StringBuilder();
                    long failed = 0;
                    for (Run r : rs) {
                        each.append(each.length() == 0 ? "" : " / ").append(fmt(r.cpuWithoutJitMicrosPerCall()));
                        loads.append(loads.length() == 0 ? "" : " / ").append(fmt(r.load1()));
                        failed += r.failed();
                    }
                    md.append(String.format(Locale.ROOT,
                                            "| %d | %,d | %d | %s | **%s** | %s | %s | %s | %s | %d | %s | %s |%n",
                                            t.getKey(), p.getKey(), rs.size(), each,
                                            fmt(medianOf(rs, Run::cpuWithoutJitMicrosPerCall)),
                                            fmt(medianOf(rs, Run::cpuMicrosPerCall)),
                                            fmt(medianOf(rs, Run::p99FirstMillis)),
                                            fmt(medianOf(rs, Run::p99InviteOkMillis)),
                                            fmt(medianOf(rs, Run::p99ByeOkMillis)), failed,
                                            fmt(medianOf(rs, Run::rssMib)), loads));
                }
            }
            final Path cpu = dir.resolve(curve + "-cpu.png");
            ChartUtils.saveChartAsPNG(cpu.toFile(),
                                      chart(points, "siplb CPU per call, JIT compiler threads excluded (median of runs)",
                                            x, "CPU µs per call", Run::cpuWithoutJitMicrosPerCall), WIDTH, HEIGHT);
            written.add(cpu);
            final Path p99 = dir.resolve(curve + "-p99.png");
            ChartUtils.saveChartAsPNG(p99.toFile(),
                                      dests ? chart(points, "p99 INVITE → 200 through siplb (median of runs)", x,
                                                    "ms", Run::p99InviteOkMillis)
                                            : chart(points, "p99 BYE → 200 through siplb (median of runs)", x,
                                                    "ms", Run::p99ByeOkMillis), WIDTH, HEIGHT);
            written.add(p99);
        }
        final Path summary = dir.resolve("summary.md");
        Files.writeString(summary, md.toString(), StandardCharsets.UTF_8);
        written.add(summary);
        return written;
    }

    private static String fmt(double v) {
        return Double.isNaN(v) ? "–" : String.format(Locale.ROOT, v >= 100 ? "%.0f" : "%.2f", v);
    }

    public static void main(String[] args) throws IOException {
        if (args.length != 2) {
            System.err.println("usage: ScalingCharts RESULTS.tsv OUTPUT-DIR");
            System.exit(2);
        }
        for (Path p : write(read(Path.of(args[0])), Path.of(args[1]))) {
            System.out.println("wrote " + p);
        }
        System.out.print(Files.readString(Path.of(args[1]).resolve("summary.md"), StandardCharsets.UTF_8));
    }
}
