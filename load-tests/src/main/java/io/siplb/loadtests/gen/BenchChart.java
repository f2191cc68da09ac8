package io.siplb.loadtests.gen;

import java.awt.BasicStroke;
import java.awt.Color;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import org.jfree.chart.ChartFactory;
import org.jfree.chart.ChartUtils;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.axis.LogAxis;
import org.jfree.chart.axis.NumberAxis;
import org.jfree.chart.plot.PlotOrientation;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.xy.XYLineAndShapeRenderer;
import org.jfree.data.xy.XYSeries;
import org.jfree.data.xy.XYSeriesCollection;

/**
 * Draws the sweeps of several targets in one chart per transport, for {@code load-tests/bench/run.sh}: completed
 * calls/s against offered rate ({@code sweep-throughput-TRANSPORT.png}, the offered rate dashed) and p99 INVITE
 * &rarr; 200 against offered rate ({@code sweep-p99-TRANSPORT.png}, log scale), one line per target (direct,
 * siplb, Kamailio, ...). Input: the tab-separated file the script writes, a header line then
 * {@code transport target offered throughput p99_ms failed} per sweep step (an empty or {@code NaN} p99: no call
 * of the step completed).
 *
 * <p>Usage: {@code java -cp benchmarks.jar io.siplb.loadtests.gen.BenchChart SWEEPS.tsv OUTPUT_DIR}. Static methods
 * only. Immutable.
 */
public final class BenchChart {

    private static final int WIDTH = 1000;
    private static final int HEIGHT = 600;
    /** p99 values are drawn from this floor (ms), so that the log axis has no zero. */
    private static final double MIN_P99_MS = 0.01;

    static {
        System.setProperty("java.awt.headless", "true");
    }

    private BenchChart() {}

    /** One sweep step of one target. */
    private record Step(double offered, double throughput, double p99Ms) {}

    /**
     * Reads {@code args[0]} (the sweeps file) and writes the charts into {@code args[1]}; exits 2 on a usage
     * error and 1 when the file cannot be read or has a malformed line (named with its number).
     */
    public static void main(String[] args) {
        if (args.length != 2) {
            System.err.println("usage: BenchChart SWEEPS.tsv OUTPUT_DIR");
            System.exit(2);
        }
        try {
            for (Path p : write(Path.of(args[0]), Path.of(args[1]))) {
                System.out.println("chart: " + p);
            }
        } catch (IOException | IllegalArgumentException e) {
            System.err.println("BenchChart: " + e.getMessage());
            System.exit(1);
        }
    }

    /** Writes two charts per transport of {@code sweeps} into {@code dir} and returns the files written. */
    public static List<Path> write(Path sweeps, Path dir) throws IOException {
        final Map<String, Map<String, List<Step>>> byTransport = read(sweeps);
        Files.createDirectories(dir);
        final List<Path> written = new ArrayList<>();
        for (Map.Entry<String, Map<String, List<Step>>> e : byTransport.entrySet()) {
            final String tr = e.getKey();
            final Path throughput = dir.resolve("sweep-throughput-" + tr + ".png");
            ChartUtils.saveChartAsPNG(throughput.toFile(), chart(tr, e.getValue(), true), WIDTH, HEIGHT);
            written.add(throughput);
            final Path p99 = dir.resolve("sweep-p99-" + tr + ".png");
            ChartUtils.saveChartAsPNG(p99.toFile(), chart(tr, e.getValue(), false), WIDTH, HEIGHT);
            written.add(p99);
        }
        return written;
    }

    private static Map<String, Map<String, List<Step>>> read(Path file) throws IOException {
        final Map<String, Map<String, List<Step>>> out = new LinkedHashMap<>();
        final List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        for (int i = 1; i < lines.size(); i++) {
            final String line = lines.get(i);
            if (line.isBlank()) {
                continue;
            }
            final String[] f = line.split("\t");
            if (f.length < 5) {
                throw new IllegalArgumentException(file + " line " + (i + 1) + ": expected 'transport target offered"
                                                   + " throughput p99_ms failed', got '" + line + "'");
            }
            try {
                final double p99 = f[4].isBlank() || "NaN".equalsIgnoreCase(f[4]) || "null".equals(f[4]) ? Double.NaN
                                                                                        : Double.parseDouble(f[4]);
                out.computeIfAbsent(f[0], k -> new LinkedHashMap<>())
                   .computeIfAbsent(f[1], k -> new ArrayList<>())
                   .add(new Step(Double.parseDouble(f[2]), Double.parseDouble(f[3]), p99));
            } catch (NumberFormatException ex) {
                throw new IllegalArgumentException(file + " line " + (i + 1) + ": expected numbers, got '" + line
                                                   + "'");
            }
        }
        return out;
    }

    private static JFreeChart chart(String transport, Map<String, List<Step>> targets, boolean throughput) {
        final XYSeriesCollection data = new XYSeriesCollection();
        final XYSeries offered = new XYSeries("offered");
        for (Map.Entry<String, List<Step>> t : targets.entrySet()) {
            final XYSeries s = new XYSeries(t.getKey(), false, true);
            for (Step step : t.getValue()) {
                if (throughput) {
                    s.add(step.offered(), step.throughput());
                    offered.addOrUpdate(step.offered(), step.offered());
                } else if (!Double.isNaN(step.p99Ms())) {
                    s.add(step.offered(), Math.max(MIN_P99_MS, step.p99Ms()));
                }
            }
            data.addSeries(s);
        }
        if (throughput) {
            data.addSeries(offered);
        }
        final String tr = transport.toUpperCase(Locale.ROOT);
        final JFreeChart chart = ChartFactory.createXYLineChart(
                throughput ? "Completed calls/s against offered rate, " + tr + " -> " + tr
                           : "p99 INVITE -> 200 against offered rate, " + tr + " -> " + tr,
                "offered rate (calls/s)", throughput ? "completed calls/s" : "p99 INVITE -> 200 (ms, log scale)",
                data, PlotOrientation.VERTICAL, true, false, false);
        final XYPlot plot = chart.getXYPlot();
        plot.setBackgroundPaint(Color.WHITE);
        plot.setDomainGridlinePaint(Color.LIGHT_GRAY);
        plot.setRangeGridlinePaint(Color.LIGHT_GRAY);
        final XYLineAndShapeRenderer renderer = new XYLineAndShapeRenderer(true, true);
        for (int i = 0; i < data.getSeriesCount(); i++) {
            renderer.setSeriesStroke(i, new BasicStroke(2f));
        }
        if (throughput) {
            final int last = data.getSeriesCount() - 1;
            renderer.setSeriesStroke(last, new BasicStroke(1.5f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_MITER, 10f,
                                                           new float[] { 6f, 6f }, 0f));
            renderer.setSeriesPaint(last, Color.GRAY);
            renderer.setSeriesShapesVisible(last, false);
            ((NumberAxis) plot.getRangeAxis()).setAutoRangeIncludesZero(true);
        } else {
            final LogAxis y = new LogAxis("p99 INVITE -> 200 (ms, log scale)");
            y.setBase(10);
            y.setSmallestValue(MIN_P99_MS);
            plot.setRangeAxis(y);
        }
        plot.setRenderer(renderer);
        return chart;
    }
}
