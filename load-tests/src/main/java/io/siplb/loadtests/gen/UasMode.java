package io.siplb.loadtests.gen;

import static java.util.Objects.requireNonNull;

import java.time.Duration;

/**
 * How the UAS answers: {@code answer} (INVITE: 180 then 200; everything else 200), {@code 503} (every INVITE is
 * answered 503 Service Unavailable), {@code delay=DURATION} (as {@code answer}, every response sent DURATION after
 * the request came), {@code ring=DURATION} (INVITE: 180 at once, 200 DURATION after the INVITE, so that the
 * INVITE transaction stays open that long in every proxy on the path without retransmissions; everything else 200
 * at once) or {@code silent} (nothing is ever answered). Immutable.
 */
public final class UasMode {

    /** The kinds of behaviour. */
    public enum Kind { ANSWER, REJECT_503, DELAY, RING, SILENT }

    /** Answers at once. */
    public static final UasMode ANSWER = new UasMode(Kind.ANSWER, Duration.ZERO);
    /** Answers every INVITE 503. */
    public static final UasMode REJECT_503 = new UasMode(Kind.REJECT_503, Duration.ZERO);
    /** Never answers. */
    public static final UasMode SILENT = new UasMode(Kind.SILENT, Duration.ZERO);

    private final Kind kind;
    private final Duration delay;

    private UasMode(Kind kind, Duration delay) {
        this.kind = kind;
        this.delay = delay;
    }

    /** Answers like {@link #ANSWER}, {@code delay} after each request. */
    public static UasMode delay(Duration delay) {
        requireNonNull(delay, "delay");
        if (delay.isNegative()) {
            throw new IllegalArgumentException("delay: " + delay + " (expected: >= 0)");
        }
        return new UasMode(Kind.DELAY, delay);
    }

    /** Answers an INVITE 180 at once and 200 {@code ringing} after it; everything else at once. */
    public static UasMode ring(Duration ringing) {
        requireNonNull(ringing, "ringing");
        if (ringing.isNegative()) {
            throw new IllegalArgumentException("ring: " + ringing + " (expected: >= 0)");
        }
        return new UasMode(Kind.RING, ringing);
    }

    /** Parses {@code answer}, {@code 503}, {@code delay=DURATION}, {@code ring=DURATION} (see {@link Durations}) or
     * {@code silent}. */
    public static UasMode of(String text) {
        switch (text) {
            case "answer":
                return ANSWER;
            case "503":
                return REJECT_503;
            case "silent":
                return SILENT;
            default:
                if (text.startsWith("delay=")) {
                    return delay(Durations.parse(text.substring("delay=".length()), "delay"));
                }
                if (text.startsWith("ring=")) {
                    return ring(Durations.parse(text.substring("ring=".length()), "ring"));
                }
                throw new IllegalArgumentException("mode: " + text +
                                                   " (expected: answer, 503, delay=DURATION, ring=DURATION or silent)");
        }
    }

    public Kind kind() {
        return kind;
    }

    /** Returns the delay of {@link Kind#DELAY} or the ringing time of {@link Kind#RING}, else zero. */
    public Duration delay() {
        return delay;
    }

    @Override
    public String toString() {
        switch (kind) {
            case REJECT_503:
                return "503";
            case DELAY:
                return "delay=" + Durations.format(delay);
            case RING:
                return "ring=" + Durations.format(delay);
            case SILENT:
                return "silent";
            default:
                return "answer";
        }
    }
}
