package io.siplb.dispatch;

import java.util.Locale;

/**
 * The transport used to reach a {@link Destination}, taken from the URI's {@code transport} parameter or
 * defaulted as Kamailio 6.1 does (see {@link Destination}). Immutable.
 */
public enum Transport {
    UDP, TCP, TLS, SCTP, WS, WSS;

    /**
     * Returns the transport named by a URI {@code transport} parameter value (case-insensitive), or {@code null}
     * when the name is not one of {@code udp}, {@code tcp}, {@code tls}, {@code sctp}, {@code ws}, {@code wss}.
     */
    public static Transport fromUriParameter(String value) {
        switch (value.toLowerCase(Locale.ROOT)) {
            case "udp": return UDP;
            case "tcp": return TCP;
            case "tls": return TLS;
            case "sctp": return SCTP;
            case "ws": return WS;
            case "wss": return WSS;
            default: return null;
        }
    }

    /**
     * Returns the transport named by the {@code sent-protocol} transport of a Via (RFC 3261 §20.42, RFC 7118 §5.2;
     * case-insensitive), or {@code null} for an unknown one.
     */
    public static Transport fromViaName(String value) {
        return value == null ? null : fromUriParameter(value);
    }

    /** Returns whether the transport is reliable (a stream: TCP, TLS, SCTP, WS, WSS; RFC 3261 §17.1.1.2). */
    public boolean isReliable() {
        return this != UDP;
    }

    /** Returns the upper-case name written in a Via ({@code UDP}, {@code TLS}, {@code WSS}, ...). */
    public String viaName() {
        return name();
    }

    /** Returns the lower-case name used in URIs and in Kamailio socket strings ({@code udp}, {@code tls}, ...). */
    public String uriName() {
        return name().toLowerCase(Locale.ROOT);
    }
}
