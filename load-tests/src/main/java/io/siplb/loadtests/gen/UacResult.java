package io.siplb.loadtests.gen;

import java.time.Instant;
import java.util.Collections;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

import org.HdrHistogram.Histogram;

/**
 * What a {@link Uac} run measured: the call counts, the failures by reason and by status code, the retransmissions,
 * the latency histograms (microseconds, each measured from a scheduled time: see {@link Metric}), the per-step figures
 * of a sweep and the 2xx count per backend. {@code attempted == completed + failed + unfinished}. Immutable (the
 * histograms are copies no one else holds; callers must not modify them).
 */
public final class UacResult {

    /** One step of the schedule: its offered rate and what became of the calls due in it. Immutable. */
    public static final class Step {
        private final double offeredRate;
        private final long durationNanos;
        private final long attempted;
        private final long completed;
        private final long failed;
        private final Histogram latency;

        Step(double offeredRate, long durationNanos, long attempted, long completed, long failed,
             Histogram latency) {
            this.offeredRate = offeredRate;
            this.durationNanos = durationNanos;
            this.attempted = attempted;
            this.completed = completed;
            this.failed = failed;
            this.latency = latency;
        }

        public double offeredRate() {
            return offeredRate;
        }

        public long durationNanos() {
            return durationNanos;
        }

        public long attempted() {
            return attempted;
        }

        public long completed() {
            return completed;
        }

        public long failed() {
            return failed;
        }

        /** Returns the completed calls per second of the step (calls due in it that completed / its duration). */
        public double throughput() {
            return completed / (durationNanos / 1e9);
        }

        /** Returns the primary latency (INVITE to 200, or request to final) of the calls due in the step. */
        public Histogram latency() {
            return latency;
        }
    }

    private final UacConfig config;
    private final Instant startedAt;
    private final long elapsedNanos;
    private final long attempted;
    private final long completed;
    private final long failed;
    private final long unfinished;
    private final Map<FailureReason, Long> failures;
    private final Map<Integer, Long> failedByStatus;
    private final long retransmissionsSent;
    private final long retransmissionsSeen;
    private final long strayResponses;
    private final long unexpectedMessages;
    private final long malformed;
    private final long socketErrors;
    private final int peakInFlight;
    private final Map<Metric, Histogram> latencies;
    private final List<Step> steps;
    private final Map<String, Long> backends;

    UacResult(UacConfig config, Instant startedAt, long elapsedNanos, UacStats stats, List<Step> steps) {
        this.config = config;
        this.startedAt = startedAt;
        this.elapsedNanos = elapsedNanos;
        attempted = stats.attempted.sum();
        completed = stats.completed.sum();
        failed = stats.failed.sum();
        unfinished = stats.unfinished.sum();
        failures = Collections.unmodifiableMap(stats.failures());
        failedByStatus = Collections.unmodifiableMap(stats.failedByStatus());
        retransmissionsSent = stats.retransmissionsSent.sum();
        retransmissionsSeen = stats.retransmissionsSeen.sum();
        strayResponses = stats.strayResponses.sum();
        unexpectedMessages = stats.unexpectedMessages.sum();
        malformed = stats.malformed.sum();
        socketErrors = stats.socketErrors.sum();
        peakInFlight = stats.peakInFlight.get();
        final EnumMap<Metric, Histogram> l = new EnumMap<>(Metric.class);
        for (Metric m : Metric.values()) {
            l.put(m, stats.total(m));
        }
        latencies = Collections.unmodifiableMap(l);
        this.steps = List.copyOf(steps);
        backends = Collections.unmodifiableMap(stats.backends());
    }

    public UacConfig config() {
        return config;
    }

    public Instant startedAt() {
        return startedAt;
    }

    /** Returns the time from the first call's due time to the end of the run. */
    public long elapsedNanos() {
        return elapsedNanos;
    }

    /** Returns the calls that were due (started, or refused by the concurrency cap). */
    public long attempted() {
        return attempted;
    }

    /** Returns the calls that ended well: BYE answered 2xx, or the request answered 2xx. */
    public long completed() {
        return completed;
    }

    public long failed() {
        return failed;
    }

    /** Returns the calls still in flight when the run stopped waiting. */
    public long unfinished() {
        return unfinished;
    }

    /** Returns the failed calls by reason (every reason present, zeros included). */
    public Map<FailureReason, Long> failures() {
        return failures;
    }

    /** Returns the calls failed by a final response of 300..699, by status code. */
    public Map<Integer, Long> failedByStatus() {
        return failedByStatus;
    }

    /** Returns the requests the UAC retransmitted (UDP: Timers A and E). */
    public long retransmissionsSent() {
        return retransmissionsSent;
    }

    /** Returns the retransmitted 2xx responses the UAC received (and ACKed again). */
    public long retransmissionsSeen() {
        return retransmissionsSeen;
    }

    /** Returns the responses for no call in flight (late retransmissions after a call ended, foreign Call-IDs). */
    public long strayResponses() {
        return strayResponses;
    }

    /** Returns requests received by the UAC and responses that did not fit their call's state. */
    public long unexpectedMessages() {
        return unexpectedMessages;
    }

    public long malformed() {
        return malformed;
    }

    public long socketErrors() {
        return socketErrors;
    }

    public int peakInFlight() {
        return peakInFlight;
    }

    /** Returns the latency histogram of {@code m}, in microseconds. */
    public Histogram latency(Metric m) {
        return latencies.get(m);
    }

    /** Returns the schedule's steps (one for a constant rate). */
    public List<Step> steps() {
        return steps;
    }

    /** Returns the 2xx count per backend (its Server header, else its Contact URI). */
    public Map<String, Long> backends() {
        return backends;
    }

    /** Returns completed calls per second over the run's elapsed time. */
    public double throughput() {
        return elapsedNanos <= 0 ? 0 : completed / (elapsedNanos / 1e9);
    }
}
