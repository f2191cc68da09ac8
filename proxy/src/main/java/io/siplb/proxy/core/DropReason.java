package io.siplb.proxy.core;

import java.util.Locale;

/**
 * Why siplb dropped a message without forwarding or answering it. Each reason has its own counter in
 * {@link ProxyStats}. Immutable.
 */
public enum DropReason {
    /** A request so malformed that it cannot be answered (no usable Via, empty, not SIP); see the decode reason. */
    MALFORMED_REQUEST,
    /** A malformed response; responses are never answered. */
    MALFORMED_RESPONSE,
    /** A datagram that is neither a request nor a response (e.g. garbage, or a keep-alive). */
    MALFORMED_DATAGRAM,
    /** A malformed ACK: ACKs never get a response (RFC 3261 §17.2.1). */
    MALFORMED_ACK,
    /**
     * An ACK that cannot be routed (no destination, Max-Forwards 0, unusable next hop, a loop through siplb); ACKs
     * are never answered.
     */
    ACK_NOT_ROUTABLE,
    /** A response whose top Via is not siplb's (RFC 3261 §18.2.2: "it MUST be silently discarded"). */
    RESPONSE_VIA_NOT_OURS,
    /** A response with no Via below siplb's: nowhere to send it. */
    RESPONSE_NO_NEXT_VIA,
    /**
     * A response whose next Via names no unicast address: broadcast, multicast, wildcard, or a host name without a
     * usable DNS record.
     */
    RESPONSE_BAD_NEXT_VIA,
    /** A response whose next hop has an address family siplb has no listener of. */
    RESPONSE_NO_LISTENER_FOR_FAMILY,
    /** A response whose next Via names a transport siplb cannot send on yet (TCP, TLS, SCTP, WS). */
    RESPONSE_UNSUPPORTED_TRANSPORT,
    /** Too many messages of the socket were already waiting for the DNS lookup of their next hop (a response). */
    TOO_MANY_LOOKUPS,
    /** The socket failed to send the datagram. */
    SEND_FAILED,
    /**
     * The socket's send queue was full (the kernel took datagrams more slowly than they arrived): the datagram was
     * dropped rather than queued, which would hold its receive buffer without bound.
     */
    SEND_QUEUE_FULL,
    /** An unexpected error while handling the message (a bug); the message was dropped and siplb carried on. */
    /** A response for a WebSocket or stream client whose connection has closed and cannot be opened again. */
    RESPONSE_NO_CONNECTION,
    INTERNAL_ERROR;

    private final String metricName = name().toLowerCase(Locale.ROOT).replace('_', '-');

    /** Returns the lower-case, dash-separated name used in stats, e.g. {@code response-via-not-ours}. */
    public String metricName() {
        return metricName;
    }
}
