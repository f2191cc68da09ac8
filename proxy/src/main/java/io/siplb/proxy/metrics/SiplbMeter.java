package io.siplb.proxy.metrics;

/**
 * The metrics siplb exports at {@code GET /metrics}, by their Prometheus names (counters without the
 * {@code _total} the exposition format adds). Dashboards, alert rules and scripts rely on these names; the table
 * in {@code proxy/README.md} lists them with their labels. Every label is bounded by the configuration or by an
 * enum: never a Call-ID, a remote address or a Request-URI. Immutable.
 */
public enum SiplbMeter {
    /** Counter {transport, kind, method}: SIP messages received. */
    MESSAGES_RECEIVED("siplb_messages_received", "counter",
            "SIP messages received, by transport, kind and method"),
    /** Counter {transport, kind, method}: SIP messages queued for sending. */
    MESSAGES_SENT("siplb_messages_sent", "counter",
            "SIP messages sent (queued on a socket), by transport, kind and method"),
    /** Counter {reason}: messages dropped without forwarding or answering. */
    MESSAGES_DROPPED("siplb_messages_dropped", "counter",
            "Messages dropped without forwarding or answering, by reason"),
    /** Counter {code}: responses siplb built itself. */
    LOCAL_RESPONSES("siplb_local_responses", "counter",
            "Responses siplb built and sent itself, by status code"),
    /** Gauge server transactions alive. */
    TRANSACTIONS_ACTIVE("siplb_transactions_active", "gauge",
            "Server transactions alive (stateful mode)"),
    /** Gauge siplb.proxy.max-transactions, for the fill ratio of the transaction table. */
    TRANSACTIONS_MAX("siplb_transactions_max", "gauge",
            "Server transactions siplb keeps at most (siplb.proxy.max-transactions); past it requests get 503"),
    /** Counter: messages one event loop read and handed to the loop holding their transaction. */
    HANDOVERS("siplb_handovers", "counter",
            "Messages an event loop read and handed to the event loop holding their transaction (stateful mode)"),
    /** Counter {set}: tries of a next destination after a failure. */
    FAILOVERS("siplb_failovers", "counter",
            "Requests sent to a next destination of a set after a failure"),
    /** Gauge {set, destination}: 1 when the destination accepts new calls. */
    DESTINATION_UP("siplb_destination_up", "gauge",
            "1 when the destination accepts new calls (active or trying), else 0"),
    /** Gauge {set, destination, state}: 1 for the current state, 0 for the others. */
    DESTINATION_STATE("siplb_destination_state", "gauge",
            "1 for the destination's current health state, 0 for the others"),
    /** Counter {set, destination}: tries sent to the destination. */
    DESTINATION_SELECTED("siplb_destination_selected", "counter",
            "Requests sent to the destination as a new try (first choice, failover or fork)"),
    /** Counter {set, destination, class}: responses from the destination. */
    DESTINATION_RESPONSES("siplb_destination_responses", "counter",
            "Responses received from the destination, by class (1xx..6xx; stateful mode)"),
    /** Gauge {set, destination}: calls counted against the destination. */
    DESTINATION_ACTIVE_CALLS("siplb_destination_active_calls", "gauge",
            "Calls (INVITE dialogs) counted against the destination by the call-load table"),
    /** Gauge {set, destination, stat}: latency statistics. */
    DESTINATION_LATENCY("siplb_destination_latency_seconds", "gauge",
            "Response latency statistics of the destination: avg, std, est (EWMA) and max"),
    /** Histogram {set, destination}: keepalive round-trip times. */
    DESTINATION_PROBE_RTT("siplb_destination_probe_rtt_seconds", "histogram",
            "Round-trip times of keepalive probes that got a final response"),
    /** Counter {set, destination}: keepalive probes without a final response in time. */
    DESTINATION_PROBE_TIMEOUTS("siplb_destination_probe_timeouts", "counter",
            "Keepalive probes that got no final response within the probing timeout"),
    /** Histogram request to first final response. */
    REQUEST_DURATION("siplb_request_duration_seconds", "histogram",
            "Time from a request's arrival to the first final response siplb sent for it (stateful mode)"),
    /** Counter {result}: configuration reloads. */
    CONFIG_RELOADS("siplb_config_reloads", "counter",
            "Configuration reloads, by result (success or failure)"),
    /** Gauge when the last reload succeeded; absent before the first. */
    CONFIG_LAST_RELOAD_SUCCESS("siplb_config_last_reload_success_timestamp_seconds", "gauge",
            "When the last configuration reload was applied (Unix time)"),
    /** Gauge {transport}: open stream connections. */
    CONNECTIONS_OPEN("siplb_connections_open", "gauge",
            "Open TCP, TLS and WebSocket connections, by transport"),
    /** Counter failed TLS handshakes. */
    TLS_HANDSHAKE_FAILURES("siplb_tls_handshake_failures", "counter",
            "TLS handshakes that failed or did not finish in time");

    private final String prometheusName;
    private final String type;
    private final String help;

    SiplbMeter(String prometheusName, String type, String help) {
        this.prometheusName = prometheusName;
        this.type = type;
        this.help = help;
    }

    /** Returns the Prometheus name, without {@code _total} for counters. */
    public String prometheusName() {
        return prometheusName;
    }

    /** Returns the name in {@code # TYPE}: with {@code _total} for counters. */
    public String exposedName() {
        return type.equals("counter") ? prometheusName + "_total" : prometheusName;
    }

    /** Returns the Prometheus type: {@code counter}, {@code gauge} or {@code histogram}. */
    public String type() {
        return type;
    }

    /** Returns the help text. */
    public String help() {
        return help;
    }
}
