package io.siplb.proxy.config;

import static java.util.Objects.requireNonNull;

import java.time.Duration;
import java.util.Locale;

/**
 * Keepalive probing of destinations, read from {@code siplb.dispatcher.probing} (Kamailio's {@code ds_ping_*}
 * parameters). Immutable.
 *
 * <table>
 * <caption>Keys</caption>
 * <tr><th>Key</th><th>Type</th><th>Default</th><th>Meaning</th></tr>
 * <tr><td>{@code interval}</td><td>duration</td><td>{@code 10s}</td><td>each eligible destination is probed once
 *     per interval, spread over it ({@code 0s}: no probing); Kamailio {@code ds_ping_interval}</td></tr>
 * <tr><td>{@code mode}</td><td>{@code all}, {@code inactive}, {@code flagged}</td><td>{@code all}</td>
 *     <td>which destinations: every one not disabled; those out of rotation (inactive, probing, trying); those out
 *     of rotation or with flag 8 (probing); Kamailio {@code ds_probing_mode}</td></tr>
 * <tr><td>{@code method}</td><td>token</td><td>{@code OPTIONS}</td><td>{@code ds_ping_method}</td></tr>
 * <tr><td>{@code from}</td><td>SIP URI</td><td>{@code sip:siplb@localhost}</td><td>{@code ds_ping_from}; a
 *     destination's {@code ping_from} attribute wins</td></tr>
 * <tr><td>{@code timeout}</td><td>duration</td><td>{@code 2s}</td><td>no final response in this time is a
 *     failure</td></tr>
 * <tr><td>{@code reply-codes}</td><td>string</td><td>{@code class=2}</td><td>final responses that count as
 *     success besides 200: {@code class=N} and {@code code=NNN} joined by {@code ;} or {@code ,} (a destination's
 *     {@code ping_reply_codes} attribute takes {@code ,}); {@code ds_ping_reply_codes}</td></tr>
 * <tr><td>{@code failure-threshold}</td><td>integer</td><td>{@code 3}</td><td>consecutive failures (probes or
 *     passive signals) before a destination goes down; read by the dispatch engine; {@code ds_probing_threshold}</td></tr>
 * <tr><td>{@code success-threshold}</td><td>integer</td><td>{@code 1}</td><td>consecutive probe successes before a
 *     down destination is active again; read by the dispatch engine; {@code ds_inactive_threshold}</td></tr>
 * </table>
 *
 * <p>A destination's attributes {@code ping_from}, {@code ping_method}, {@code ping_reply_codes} and
 * {@code ping_timeout} override the global values for it ({@link #forDestination}).
 */
public final class ProbeSettings {

    /** Which destinations are probed. */
    public enum Mode {
        /** Every destination that is not disabled and has no no-ping flag (32). */
        ALL,
        /** Destinations out of rotation: inactive, probing or trying. */
        INACTIVE,
        /** Destinations out of rotation, and those with the probing flag (8). */
        FLAGGED
    }

    private static final ProbeSettings DEFAULTS =
            new ProbeSettings(Duration.ofSeconds(10), Mode.ALL, "OPTIONS", "sip:siplb@localhost",
                              Duration.ofSeconds(2), "class=2");

    private final Duration interval;
    private final Mode mode;
    private final String method;
    private final String from;
    private final Duration timeout;
    private final String replyCodesText;
    private final boolean[] replyCodes = new boolean[700];

    /**
     * Creates the settings.
     *
     * @throws IllegalArgumentException naming the value and the expectation
     */
    public ProbeSettings(Duration interval, Mode mode, String method, String from, Duration timeout,
                         String replyCodes) {
        this.interval = requireNonNull(interval, "interval");
        if (interval.isNegative()) {
            throw new IllegalArgumentException("interval: " + interval + " (expected: >= 0s, 0s = no probing)");
        }
        this.mode = requireNonNull(mode, "mode");
        this.method = requireNonNull(method, "method");
        if (method.isEmpty() || !method.chars().allMatch(c -> c > 0x20 && c < 0x7f && c != ':' && c != '"')) {
            throw new IllegalArgumentException("method: \"" + method + "\" (expected: a SIP method token)");
        }
        this.from = requireNonNull(from, "from");
        if (!from.regionMatches(true, 0, "sip:", 0, 4) && !from.regionMatches(true, 0, "sips:", 0, 5)
            || from.chars().anyMatch(c -> c < 0x21 || c == '<' || c == '>')) {
            throw new IllegalArgumentException("from: \"" + from + "\" (expected: a SIP URI, e.g. sip:siplb@example.com)");
        }
        this.timeout = requireNonNull(timeout, "timeout");
        if (timeout.toMillis() < 10 || timeout.getSeconds() > 300) {
            throw new IllegalArgumentException("timeout: " + timeout + " (expected: 10ms..5min)");
        }
        replyCodesText = requireNonNull(replyCodes, "replyCodes");
        this.replyCodes[200] = true;
        for (String part : replyCodes.split("[;,]")) {
            final String p = part.trim().toLowerCase(Locale.ROOT);
            if (p.isEmpty()) {
                continue;
            }
            try {
                if (p.startsWith("class=")) {
                    final int c = Integer.parseInt(p.substring(6).trim());
                    if (c < 1 || c > 6) {
                        throw new NumberFormatException();
                    }
                    for (int s = c * 100; s < c * 100 + 100; s++) {
                        this.replyCodes[s] = true;
                    }
                    continue;
                }
                if (p.startsWith("code=")) {
                    final int s = Integer.parseInt(p.substring(5).trim());
                    if (s < 100 || s > 699) {
                        throw new NumberFormatException();
                    }
                    this.replyCodes[s] = true;
                    continue;
                }
            } catch (NumberFormatException e) {
                // fall through to the error
            }
            throw new IllegalArgumentException("reply-codes: \"" + replyCodes + "\" (expected: class=N and code=NNN"
                                               + " joined by ';' or ',', e.g. \"class=2;code=403;code=404\")");
        }
    }

    /**
     * Returns these settings with a destination's own probing attributes applied: {@code ping_from} (From URI),
     * {@code ping_method}, {@code ping_reply_codes} (as {@code reply-codes}) and {@code ping_timeout} (a duration
     * such as {@code 500ms} or {@code 2s}). The interval, the mode and the thresholds are global.
     *
     * @param pingFrom the {@code ping_from} attribute, or null
     * @param others   the destination's other attributes (keys lower-case)
     * @throws IllegalArgumentException naming the attribute and the expectation
     */
    public ProbeSettings forDestination(String pingFrom, java.util.Map<String, String> others) {
        final String m = others.get("ping_method");
        final String codes = others.get("ping_reply_codes");
        final String t = others.get("ping_timeout");
        if (pingFrom == null && m == null && codes == null && t == null) {
            return this;
        }
        Duration to = timeout;
        if (t != null) {
            try {
                to = com.typesafe.config.ConfigFactory.parseString("t = \"" + t.replace("\"", "") + "\"")
                                                      .getDuration("t");
            } catch (com.typesafe.config.ConfigException e) {
                throw new IllegalArgumentException("ping_timeout: \"" + t + "\" (expected: a duration, e.g. 500ms or 2s)");
            }
        }
        try {
            return new ProbeSettings(interval, mode, m != null ? m : method, pingFrom != null ? pingFrom : from, to,
                                     codes != null ? codes : replyCodesText);
        } catch (IllegalArgumentException e) {
            final String msg = e.getMessage();
            final String key = msg.substring(0, msg.indexOf(':'));
            throw new IllegalArgumentException("ping_" + key.replace('-', '_')
                                               + msg.substring(key.length()), e);
        }
    }

    /** Returns the defaults. */
    public static ProbeSettings defaults() {
        return DEFAULTS;
    }

    /**
     * Returns whether a destination in state {@code health} with Kamailio {@code flags} is probed under
     * {@link #mode()}: never a disabled one or one with the no-ping flag (32); with {@code all} every other one;
     * with {@code inactive} those out of rotation (inactive, probing, trying); with {@code flagged} those and the
     * ones with the probing flag (8).
     */
    public boolean probes(io.siplb.dispatch.state.HealthState health, int flags) {
        requireNonNull(health, "health");
        if (health == io.siplb.dispatch.state.HealthState.DISABLED
            || (flags & io.siplb.dispatch.Destination.FLAG_NOPING) != 0) {
            return false;
        }
        final boolean out = health == io.siplb.dispatch.state.HealthState.INACTIVE
                            || health == io.siplb.dispatch.state.HealthState.PROBING
                            || health == io.siplb.dispatch.state.HealthState.TRYING;
        switch (mode) {
            case ALL:
                return true;
            case FLAGGED:
                return out || (flags & io.siplb.dispatch.Destination.FLAG_PROBING) != 0;
            default:
                return out;
        }
    }

    /** Returns the interval; zero means no probing. */
    public Duration interval() {
        return interval;
    }

    /** Returns which destinations are probed. */
    public Mode mode() {
        return mode;
    }

    /** Returns the probe method. */
    public String method() {
        return method;
    }

    /** Returns the From URI of probes. */
    public String from() {
        return from;
    }

    /** Returns how long a probe may wait for its final response. */
    public Duration timeout() {
        return timeout;
    }

    /** Returns whether a final response with {@code status} counts as success. */
    public boolean isSuccess(int status) {
        return status >= 0 && status < replyCodes.length && replyCodes[status];
    }

    @Override
    public String toString() {
        return "ProbeSettings{interval=" + interval + ", mode=" + mode + ", method=" + method + ", from=" + from +
               ", timeout=" + timeout + ", replyCodes=" + replyCodesText + '}';
    }
}
