package io.siplb.loadtests.gen;

import java.util.Locale;

/** The SIP transport a load generator speaks (RFC 3261 §18). Immutable. */
public enum LoadTransport {
    /** UDP: one message per datagram; requests and 2xx responses are retransmitted (Timers A, E and G). */
    UDP("UDP", "", 5060),
    /** TCP: messages framed by Content-Length on one connection per socket; no retransmissions. */
    TCP("TCP", ";transport=tcp", 5060),
    /** TLS over TCP (RFC 3261 §26.2.1). */
    TLS("TLS", ";transport=tls", 5061);

    private final String viaToken;
    private final String uriParameter;
    private final int defaultPort;

    LoadTransport(String viaToken, String uriParameter, int defaultPort) {
        this.viaToken = viaToken;
        this.uriParameter = uriParameter;
        this.defaultPort = defaultPort;
    }

    /** Returns the Via sent-protocol transport token, e.g. {@code "UDP"}. */
    public String viaToken() {
        return viaToken;
    }

    /** Returns the URI parameter naming this transport ({@code ";transport=tcp"}), empty for UDP. */
    public String uriParameter() {
        return uriParameter;
    }

    /** Returns the port a URI without one means (5060, or 5061 for TLS). */
    public int defaultPort() {
        return defaultPort;
    }

    /** Returns whether messages travel on a byte stream (TCP, TLS). */
    public boolean isStream() {
        return this != UDP;
    }

    /** Parses {@code udp}, {@code tcp} or {@code tls} (any case). */
    public static LoadTransport of(String name) {
        switch (name.toLowerCase(Locale.ROOT)) {
            case "udp":
                return UDP;
            case "tcp":
                return TCP;
            case "tls":
                return TLS;
            default:
                throw new IllegalArgumentException("transport: " + name + " (expected: udp, tcp or tls)");
        }
    }
}
