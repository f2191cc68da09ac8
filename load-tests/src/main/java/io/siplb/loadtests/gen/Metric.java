package io.siplb.loadtests.gen;

/**
 * A latency the UAC measures. Every one is measured from a scheduled time, not from when the generator got round to
 * sending: the INVITE's (or request's) from the time the call was due by the schedule, the BYE's from the end of the
 * hold time as scheduled. This corrects for coordinated omission: a stalled generator, socket or proxy shows up as
 * latency instead of delaying the later calls' start times. Immutable.
 */
public enum Metric {
    /** INVITE to its first response (1xx or final). */
    INVITE_FIRST_RESPONSE("invite_first_response", "INVITE -> first response"),
    /** INVITE to its 200. */
    INVITE_OK("invite_200", "INVITE -> 200"),
    /** BYE to its 200. */
    BYE_OK("bye_200", "BYE -> 200"),
    /** An OPTIONS, MESSAGE or REGISTER to its final response. */
    REQUEST_FINAL("request_final", "request -> final"),
    /**
     * How late the generator sent each call's first request against its schedule: the generator's own lag, a check
     * that it kept up (it is included in the other latencies, never subtracted).
     */
    SCHEDULE_LAG("schedule_lag", "schedule lag (self-check)");

    private final String key;
    private final String label;

    Metric(String key, String label) {
        this.key = key;
        this.label = label;
    }

    /** Returns the name used in the JSON result. */
    public String key() {
        return key;
    }

    /** Returns the human label. */
    public String label() {
        return label;
    }

    /** Returns the metric sweeps and progress lines report: INVITE to 200, or request to final. */
    static Metric primary(CallMode mode) {
        return mode == CallMode.INVITE ? INVITE_OK : REQUEST_FINAL;
    }
}
