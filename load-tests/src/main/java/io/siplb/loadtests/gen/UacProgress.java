package io.siplb.loadtests.gen;

import static java.util.Objects.requireNonNull;

import java.util.Collections;
import java.util.Map;
import java.util.TreeMap;

import org.HdrHistogram.Histogram;

/**
 * What a {@link Uac} run reports once a second (and once at its end) to a progress listener: the totals so far, the
 * counts of the last interval, the calls in flight, the primary latency (INVITE → 200, or request → final) of the
 * calls that completed in the interval, and the 2xx per backend (by {@code Server} header, else Contact URI), in
 * total and in the interval. {@link ProgressLine} formats it as the {@code --progress} line. Immutable (the
 * histogram is a copy no one else holds; do not change it).
 */
public final class UacProgress {

    private final long elapsedNanos;
    private final long intervalNanos;
    private final long attempted;
    private final long completed;
    private final long failed;
    private final long intervalAttempted;
    private final long intervalCompleted;
    private final long intervalFailed;
    private final int inFlight;
    private final Histogram intervalLatency;
    private final Map<String, Long> backends;
    private final Map<String, Long> intervalBackends;

    UacProgress(long elapsedNanos, long intervalNanos, long attempted, long completed, long failed,
                long intervalAttempted, long intervalCompleted, long intervalFailed, int inFlight,
                Histogram intervalLatency, Map<String, Long> backends, Map<String, Long> intervalBackends) {
        this.elapsedNanos = elapsedNanos;
        this.intervalNanos = intervalNanos;
        this.attempted = attempted;
        this.completed = completed;
        this.failed = failed;
        this.intervalAttempted = intervalAttempted;
        this.intervalCompleted = intervalCompleted;
        this.intervalFailed = intervalFailed;
        this.inFlight = inFlight;
        this.intervalLatency = requireNonNull(intervalLatency, "intervalLatency");
        this.backends = Collections.unmodifiableMap(new TreeMap<>(backends));
        this.intervalBackends = Collections.unmodifiableMap(new TreeMap<>(intervalBackends));
    }

    /** Returns the time since the run's start. */
    public long elapsedNanos() {
        return elapsedNanos;
    }

    /** Returns the length of the interval the {@code interval*} figures cover (at least 1 ms). */
    public long intervalNanos() {
        return intervalNanos;
    }

    /** Returns the calls due so far (started, or refused by the concurrency cap). */
    public long attempted() {
        return attempted;
    }

    public long completed() {
        return completed;
    }

    public long failed() {
        return failed;
    }

    public long intervalAttempted() {
        return intervalAttempted;
    }

    public long intervalCompleted() {
        return intervalCompleted;
    }

    public long intervalFailed() {
        return intervalFailed;
    }

    public int inFlight() {
        return inFlight;
    }

    /** Returns the primary latency of the interval, in microseconds (empty when nothing completed). */
    public Histogram intervalLatency() {
        return intervalLatency;
    }

    /** Returns the 2xx per backend name since the start, by name. */
    public Map<String, Long> backends() {
        return backends;
    }

    /** Returns the 2xx per backend name in the interval, by name: every backend seen so far, zeros included. */
    public Map<String, Long> intervalBackends() {
        return intervalBackends;
    }

    /** Returns {@code n} per second of the interval. */
    public double perSecond(long n) {
        return n * 1e9 / intervalNanos;
    }
}
