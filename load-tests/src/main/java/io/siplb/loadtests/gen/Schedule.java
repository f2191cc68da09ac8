package io.siplb.loadtests.gen;

import static java.util.Objects.requireNonNull;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * When each call of an open-model run is due: a sequence of steps, each a constant rate for a number of calls.
 * Call {@code k} (0-based, over the whole run) of step {@code s} is due at
 * {@code stepStart(s) + (k - firstCall(s)) / rate(s)} seconds after the run's start, whatever became of the calls
 * before it. A constant-rate run is one step; a sweep ({@code --sweep FROM:TO:STEP}) is one step per rate. Immutable.
 */
public final class Schedule {

    private final double[] rates;
    private final long[] calls;
    private final long[] firstCall;
    private final long[] startNanos;
    private final long[] durationNanos;
    private final long totalCalls;

    private Schedule(double[] rates, long[] calls, long[] durationNanos) {
        this.rates = rates;
        this.calls = calls;
        this.durationNanos = durationNanos;
        firstCall = new long[rates.length];
        startNanos = new long[rates.length];
        long k = 0;
        long t = 0;
        for (int s = 0; s < rates.length; s++) {
            firstCall[s] = k;
            startNanos[s] = t;
            k += calls[s];
            t += durationNanos[s];
        }
        totalCalls = k;
    }

    /** Returns {@code calls} calls at {@code rate} calls per second. */
    public static Schedule constant(double rate, long calls) {
        checkRate(rate);
        if (calls <= 0) {
            throw new IllegalArgumentException("calls: " + calls + " (expected: > 0)");
        }
        return new Schedule(new double[] { rate }, new long[] { calls },
                            new long[] { Math.round(calls * 1e9 / rate) });
    }

    /** Returns {@code duration} at {@code rate} calls per second ({@code round(rate * seconds)} calls). */
    public static Schedule constant(double rate, Duration duration) {
        checkRate(rate);
        final long calls = Math.round(rate * duration.toNanos() / 1e9);
        if (calls <= 0) {
            throw new IllegalArgumentException("duration: " + duration + " at " + rate +
                                               " calls/s is no call (expected: rate x duration >= 1)");
        }
        return new Schedule(new double[] { rate }, new long[] { calls }, new long[] { duration.toNanos() });
    }

    /**
     * Returns a sweep: {@code from}, {@code from + step}, ... up to and including {@code to} (when reached exactly,
     * or the last rate below it), each for {@code stepDuration}.
     */
    public static Schedule sweep(double from, double to, double step, Duration stepDuration) {
        checkRate(from);
        checkRate(to);
        requireNonNull(stepDuration, "stepDuration");
        if (step <= 0) {
            throw new IllegalArgumentException("sweep step: " + step + " (expected: > 0)");
        }
        if (to < from) {
            throw new IllegalArgumentException("sweep: " + from + ':' + to + " (expected: FROM <= TO)");
        }
        if (stepDuration.isNegative() || stepDuration.isZero()) {
            throw new IllegalArgumentException("step duration: " + stepDuration + " (expected: > 0)");
        }
        final List<Double> rates = new ArrayList<>();
        for (int i = 0; ; i++) {
            final double r = from + i * step;
            if (r > to + 1e-9) {
                break;
            }
            rates.add(r);
            if (rates.size() > 10_000) {
                throw new IllegalArgumentException("sweep " + from + ':' + to + ':' + step +
                                                   " has more than 10000 steps");
            }
        }
        final double[] r = new double[rates.size()];
        final long[] c = new long[r.length];
        final long[] d = new long[r.length];
        for (int s = 0; s < r.length; s++) {
            r[s] = rates.get(s);
            c[s] = Math.max(1, Math.round(r[s] * stepDuration.toNanos() / 1e9));
            d[s] = stepDuration.toNanos();
        }
        return new Schedule(r, c, d);
    }

    private static void checkRate(double rate) {
        if (!(rate > 0) || Double.isInfinite(rate)) {
            throw new IllegalArgumentException("rate: " + rate + " (expected: > 0 calls/s)");
        }
    }

    /** Returns the number of calls of the whole run. */
    public long totalCalls() {
        return totalCalls;
    }

    /** Returns the number of steps (1 for a constant rate). */
    public int stepCount() {
        return rates.length;
    }

    /** Returns step {@code s}'s rate in calls per second. */
    public double rate(int s) {
        return rates[s];
    }

    /** Returns step {@code s}'s number of calls. */
    public long calls(int s) {
        return calls[s];
    }

    /** Returns step {@code s}'s duration in nanoseconds. */
    public long durationNanos(int s) {
        return durationNanos[s];
    }

    /** Returns the whole run's scheduled duration in nanoseconds. */
    public long totalNanos() {
        return startNanos[rates.length - 1] + durationNanos[rates.length - 1];
    }

    /** Returns the step call {@code k} belongs to. */
    public int stepOf(long k) {
        final int i = Arrays.binarySearch(firstCall, k);
        return i >= 0 ? i : -i - 2;
    }

    /** Returns when call {@code k} is due, in nanoseconds after the run's start. */
    public long offsetNanos(long k) {
        final int s = stepOf(k);
        return startNanos[s] + (long) ((k - firstCall[s]) * 1e9 / rates[s]);
    }

    /** Returns whether this is a sweep (more than one step). */
    public boolean isSweep() {
        return rates.length > 1;
    }
}
