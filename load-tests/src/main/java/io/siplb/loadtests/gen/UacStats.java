package io.siplb.loadtests.gen;

import java.util.EnumMap;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;

import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

/**
 * The counters and latency recorders of one UAC run. Event loops write (wait-free: {@link LongAdder}s, HdrHistogram
 * {@link Recorder}s, which take concurrent writers); one collector at a time ({@link #collect()}, once a second and
 * at the end) moves each recorder's interval into the run's total histograms.
 *
 * <p>Thread-safe: writers lock-free; the totals are guarded by {@code this} ({@link #collect()} and the readers of
 * totals are {@code synchronized}).
 */
final class UacStats {

    /** Largest latency recorded, in microseconds (one hour); longer values are recorded as this. */
    static final long MAX_MICROS = TimeUnit.HOURS.toMicros(1);
    /** Significant decimal digits of every histogram. */
    static final int DIGITS = 3;

    private static final Metric[] METRICS = Metric.values();

    final LongAdder attempted = new LongAdder();
    final LongAdder completed = new LongAdder();
    final LongAdder failed = new LongAdder();
    final LongAdder retransmissionsSent = new LongAdder();
    final LongAdder retransmissionsSeen = new LongAdder();
    /** Responses whose Call-ID is not one of a call in flight (late retransmissions, foreign messages). */
    final LongAdder strayResponses = new LongAdder();
    /** Requests received by the UAC, and responses that do not fit the call's state; not call failures. */
    final LongAdder unexpectedMessages = new LongAdder();
    /** Messages that failed to decode. */
    final LongAdder malformed = new LongAdder();
    /** Exceptions on the sockets (write failures, resets); the calls they hit fail as they end. */
    final LongAdder socketErrors = new LongAdder();
    /** Calls still in flight when the run stopped waiting for them. */
    final LongAdder unfinished = new LongAdder();
    final AtomicInteger inFlight = new AtomicInteger();
    final AtomicInteger peakInFlight = new AtomicInteger();

    private final EnumMap<FailureReason, LongAdder> failures = new EnumMap<>(FailureReason.class);
    private final ConcurrentHashMap<Integer, LongAdder> failedByStatus = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, LongAdder> backends = new ConcurrentHashMap<>();

    private final Recorder[] recorders = new Recorder[METRICS.length];
    // Guarded by this.
    private final Histogram[] totals = new Histogram[METRICS.length];
    // Guarded by this.
    private final Histogram[] intervals = new Histogram[METRICS.length];

    /** Per schedule step: the primary metric and the calls' outcomes, by the step the call was due in. */
    private final Recorder[] stepRecorders;
    // Guarded by this.
    private final Histogram[] stepTotals;
    // Guarded by this.
    private final Histogram[] stepIntervals;
    private final LongAdder[] stepAttempted;
    private final LongAdder[] stepCompleted;
    private final LongAdder[] stepFailed;

    UacStats(int steps) {
        for (FailureReason r : FailureReason.values()) {
            failures.put(r, new LongAdder());
        }
        for (int m = 0; m < METRICS.length; m++) {
            recorders[m] = new Recorder(1, MAX_MICROS, DIGITS);
            totals[m] = new Histogram(1, MAX_MICROS, DIGITS);
        }
        stepRecorders = new Recorder[steps];
        stepTotals = new Histogram[steps];
        stepIntervals = new Histogram[steps];
        stepAttempted = new LongAdder[steps];
        stepCompleted = new LongAdder[steps];
        stepFailed = new LongAdder[steps];
        for (int s = 0; s < steps; s++) {
            stepRecorders[s] = new Recorder(1, MAX_MICROS, DIGITS);
            stepTotals[s] = new Histogram(1, MAX_MICROS, DIGITS);
            stepAttempted[s] = new LongAdder();
            stepCompleted[s] = new LongAdder();
            stepFailed[s] = new LongAdder();
        }
    }

    /** Records {@code nanos} for metric {@code m} (microsecond resolution, clamped to [1 µs, 1 h]). */
    void record(Metric m, long nanos) {
        recorders[m.ordinal()].recordValue(micros(nanos));
    }

    /** Records the primary metric of a call due in {@code step}. */
    void recordStep(int step, long nanos) {
        stepRecorders[step].recordValue(micros(nanos));
    }

    private static long micros(long nanos) {
        return Math.min(MAX_MICROS, Math.max(1, nanos / 1000));
    }

    void attempted(int step) {
        attempted.increment();
        stepAttempted[step].increment();
    }

    void completed(int step) {
        completed.increment();
        stepCompleted[step].increment();
    }

    /** Counts a failed call; {@code status} is its final response's code for {@link FailureReason#STATUS}. */
    void failed(int step, FailureReason reason, int status) {
        failed.increment();
        stepFailed[step].increment();
        failures.get(reason).increment();
        if (reason == FailureReason.STATUS) {
            failedByStatus.computeIfAbsent(status, s -> new LongAdder()).increment();
        }
    }

    /** Returns the counter of 200 OKs from the backend named {@code name} (created on first use). */
    LongAdder backend(String name) {
        return backends.computeIfAbsent(name, n -> new LongAdder());
    }

    /** Counts one more call in flight; returns {@code false} (counting nothing) when {@code max} are. */
    boolean tryStart(int max) {
        for (;;) {
            final int n = inFlight.get();
            if (n >= max) {
                return false;
            }
            if (inFlight.compareAndSet(n, n + 1)) {
                if (n + 1 > peakInFlight.get()) {
                    peakInFlight.accumulateAndGet(n + 1, Math::max);
                }
                return true;
            }
        }
    }

    void ended() {
        inFlight.decrementAndGet();
    }

    /**
     * Moves every recorder's values since the last collection into the totals; the interval histograms stay
     * readable through {@link #interval(Metric)} until the next collection.
     */
    synchronized void collect() {
        for (int m = 0; m < METRICS.length; m++) {
            intervals[m] = recorders[m].getIntervalHistogram(intervals[m]);
            totals[m].add(intervals[m]);
        }
        for (int s = 0; s < stepRecorders.length; s++) {
            stepIntervals[s] = stepRecorders[s].getIntervalHistogram(stepIntervals[s]);
            stepTotals[s].add(stepIntervals[s]);
        }
    }

    /** Returns a copy of the interval histogram of the last {@link #collect()}. */
    synchronized Histogram interval(Metric m) {
        final Histogram h = intervals[m.ordinal()];
        return h == null ? new Histogram(1, MAX_MICROS, DIGITS) : h.copy();
    }

    /** Returns a copy of the total histogram of {@code m} as of the last {@link #collect()}. */
    synchronized Histogram total(Metric m) {
        return totals[m.ordinal()].copy();
    }

    synchronized Histogram stepTotal(int step) {
        return stepTotals[step].copy();
    }

    long stepAttempted(int step) {
        return stepAttempted[step].sum();
    }

    long stepCompleted(int step) {
        return stepCompleted[step].sum();
    }

    long stepFailed(int step) {
        return stepFailed[step].sum();
    }

    /** Returns the failure counts by reason (every reason, zeros included). */
    Map<FailureReason, Long> failures() {
        final EnumMap<FailureReason, Long> m = new EnumMap<>(FailureReason.class);
        failures.forEach((r, n) -> m.put(r, n.sum()));
        return m;
    }

    /** Returns the failures with a final response, by code, ascending. */
    Map<Integer, Long> failedByStatus() {
        final TreeMap<Integer, Long> m = new TreeMap<>();
        failedByStatus.forEach((c, n) -> m.put(c, n.sum()));
        return m;
    }

    /** Returns the 200 OKs per backend, by name. */
    Map<String, Long> backends() {
        final TreeMap<String, Long> m = new TreeMap<>();
        backends.forEach((b, n) -> m.put(b, n.sum()));
        return m;
    }
}
