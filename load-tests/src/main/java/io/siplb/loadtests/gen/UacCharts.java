package io.siplb.loadtests.gen;

import java.awt.BasicStroke;
import java.awt.Color;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.text.DecimalFormat;
import java.text.FieldPosition;
import java.text.NumberFormat;
import java.text.ParsePosition;
import java.util.ArrayList;
import java.util.List;

import org.HdrHistogram.Histogram;
import org.HdrHistogram.HistogramIterationValue;
import org.jfree.chart.ChartFactory;
import org.jfree.chart.ChartUtils;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.axis.LogAxis;
import org.jfree.chart.axis.NumberAxis;
import org.jfree.chart.axis.NumberTickUnit;
import org.jfree.chart.plot.PlotOrientation;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.xy.XYLineAndShapeRenderer;
import org.jfree.data.xy.XYSeries;
import org.jfree.data.xy.XYSeriesCollection;

/**
 * Draws a {@link UacResult}'s charts as PNG files with JFreeChart, headless: the latency percentile distribution of
 * every measured metric ({@value #LATENCY_PNG}: latency against percentile on HdrHistogram's usual log scale of
 * 1 / (1 - percentile), so 90%, 99%, 99.9% are evenly spaced) and, for a sweep, throughput
 * ({@value #SWEEP_THROUGHPUT_PNG}) and p99 latency ({@value #SWEEP_P99_PNG}) against the offered rate.
 * Static methods only. Immutable.
 */
public final class UacCharts {

    /** File name of the latency distribution chart. */
    public static final String LATENCY_PNG = "latency-percentiles.png";
    /** File name of the sweep's throughput chart. */
    public static final String SWEEP_THROUGHPUT_PNG = "sweep-throughput.png";
    /** File name of the sweep's p99 chart. */
    public static final String SWEEP_P99_PNG = "sweep-p99.png";

    private static final int WIDTH = 1000;
    private static final int HEIGHT = 600;
    /** Percentile iteration resolution: ticks per halving of the distance to 100%. */
    private static final int TICKS_PER_HALF = 5;
    /** The largest 1 / (1 - p) plotted: 99.9999%. */
    private static final double MAX_X = 1e6;

    static {
        System.setProperty("java.awt.headless", "true");
    }

    private UacCharts() {}

    /** Writes the charts into {@code dir} (created if needed) and returns the files written. */
    public static List<Path> write(UacResult r, Path dir) throws IOException {
        Files.createDirectories(dir);
        final List<Path> written = new ArrayList<>();
        final Path latency = dir.resolve(LATENCY_PNG);
        ChartUtils.saveChartAsPNG(latency.toFile(), latencyChart(r), WIDTH, HEIGHT);
        written.add(latency);
        if (r.steps().size() > 1) {
            final Path throughput = dir.resolve(SWEEP_THROUGHPUT_PNG);
            ChartUtils.saveChartAsPNG(throughput.toFile(), sweepChart(r, true), WIDTH, HEIGHT);
            written.add(throughput);
            final Path p99 = dir.resolve(SWEEP_P99_PNG);
            ChartUtils.saveChartAsPNG(p99.toFile(), sweepChart(r, false), WIDTH, HEIGHT);
            written.add(p99);
        }
        return written;
    }

    private static JFreeChart latencyChart(UacResult r) {
        final XYSeriesCollection data = new XYSeriesCollection();
        for (Metric m : Metric.values()) {
            final Histogram h = r.latency(m);
            if (h.getTotalCount() == 0) {
                continue;
            }
            final XYSeries s = new XYSeries(m.label(), false, true);
            // Beyond 1 / count the percentiles only repeat the maximum.
            final double maxX = Math.min(MAX_X, Math.max(10, h.getTotalCount()));
            for (HistogramIterationValue v : h.percentiles(TICKS_PER_HALF)) {
                final double p = v.getPercentileLevelIteratedTo() / 100.0;
                final double x = p >= 1 - 1 / maxX ? maxX : 1 / (1 - p);
                s.add(x, h.highestEquivalentValue(v.getValueIteratedTo()) / 1000.0);
                if (x >= maxX) {
                    break;
                }
            }
            data.addSeries(s);
        }
        final JFreeChart chart = ChartFactory.createXYLineChart(
                "Latency by percentile: " + UacReport.describeSchedule(r.config().schedule()), "percentile",
                "latency (ms), from the scheduled time", data, PlotOrientation.VERTICAL, true, false, false);
        final XYPlot plot = chart.getXYPlot();
        final LogAxis x = new LogAxis("percentile");
        x.setBase(10);
        x.setSmallestValue(1);
        x.setNumberFormatOverride(new PercentileFormat());
        // One labelled tick per decade of 1 / (1 - p): 0%, 90%, 99%, 99.9%, ...
        x.setAutoTickUnitSelection(false);
        x.setTickUnit(new NumberTickUnit(1), false, false);
        x.setMinorTickCount(1);
        plot.setDomainAxis(x);
        x.setAutoRange(true);
        style(plot);
        return chart;
    }

    private static JFreeChart sweepChart(UacResult r, boolean throughput) {
        final XYSeriesCollection data = new XYSeriesCollection();
        final XYSeries s = new XYSeries(throughput ? "completed calls/s" : "p99 " +
                                        Metric.primary(r.config().mode()).label());
        final XYSeries offered = new XYSeries("offered");
        for (UacResult.Step step : r.steps()) {
            if (throughput) {
                s.add(step.offeredRate(), step.throughput());
                offered.add(step.offeredRate(), step.offeredRate());
            } else if (step.latency().getTotalCount() > 0) {
                s.add(step.offeredRate(), step.latency().getValueAtPercentile(99) / 1000.0);
            }
        }
        data.addSeries(s);
        if (throughput) {
            data.addSeries(offered);
        }
        final JFreeChart chart = ChartFactory.createXYLineChart(
                throughput ? "Throughput against offered rate" : "p99 latency against offered rate",
                "offered rate (calls/s)", throughput ? "completed calls/s" : "p99 latency (ms)", data,
                PlotOrientation.VERTICAL, true, false, false);
        final XYPlot plot = chart.getXYPlot();
        ((NumberAxis) plot.getRangeAxis()).setAutoRangeIncludesZero(true);
        style(plot);
        if (throughput) {
            // The offered rate as a dashed reference line: where throughput falls below it, calls failed.
            final XYLineAndShapeRenderer renderer = (XYLineAndShapeRenderer) plot.getRenderer();
            renderer.setSeriesStroke(1, new BasicStroke(1.5f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_MITER, 10f,
                                                        new float[] { 6f, 6f }, 0f));
            renderer.setSeriesPaint(1, Color.GRAY);
        }
        return chart;
    }

    private static void style(XYPlot plot) {
        plot.setBackgroundPaint(Color.WHITE);
        plot.setDomainGridlinePaint(Color.LIGHT_GRAY);
        plot.setRangeGridlinePaint(Color.LIGHT_GRAY);
        final XYLineAndShapeRenderer renderer = new XYLineAndShapeRenderer(true, false);
        for (int i = 0; i < plot.getDataset().getSeriesCount(); i++) {
            renderer.setSeriesStroke(i, new BasicStroke(2f));
        }
        plot.setRenderer(renderer);
    }

    /** Labels a value {@code 1 / (1 - p)} of the log axis as the percentile {@code p}: 10 is "90%". */
    private static final class PercentileFormat extends NumberFormat {
        private static final long serialVersionUID = 1L;
        private final DecimalFormat percent = new DecimalFormat("0.####");

        @Override
        public StringBuffer format(double number, StringBuffer toAppendTo, FieldPosition pos) {
            return toAppendTo.append(percent.format(100 * (1 - 1 / number))).append('%');
        }

        @Override
        public StringBuffer format(long number, StringBuffer toAppendTo, FieldPosition pos) {
            return format((double) number, toAppendTo, pos);
        }

        @Override
        public Number parse(String source, ParsePosition parsePosition) {
            return null;
        }
    }
}
