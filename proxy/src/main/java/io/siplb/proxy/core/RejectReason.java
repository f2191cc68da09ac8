package io.siplb.proxy.core;

import java.util.Locale;

/**
 * Why siplb answered a well-formed request with 503 (Service Unavailable) instead of forwarding it. Each reason has
 * its own counter in {@link ProxyStats}; an ACK that cannot be routed is dropped instead
 * ({@link DropReason#ACK_NOT_ROUTABLE}) and counted here too. Immutable.
 */
public enum RejectReason {
    /** No routing rule matched the request. */
    NO_MATCHING_RULE,
    /** The configured destination set does not exist. */
    NO_SUCH_SET,
    /** The set has no destination that accepts new calls. */
    NO_ACTIVE_DESTINATION,
    /** The set's algorithm hashes a key the request does not have. */
    MISSING_KEY,
    /** The next hop (destination, Route or Request-URI) needs a transport siplb cannot send on yet. */
    UNSUPPORTED_TRANSPORT,
    /**
     * The next hop (Route or Request-URI) names a host that has no usable address record (or the lookup timed out),
     * or the destination was not resolved.
     */
    UNRESOLVABLE_NEXT_HOP,
    /** Too many requests of one socket were already waiting for the DNS lookup of their next hop. */
    TOO_MANY_LOOKUPS,
    /** siplb has no listener of the next hop's address family. */
    NO_LISTENER_FOR_FAMILY,
    /** siplb held {@code siplb.proxy.max-transactions} server transactions already. */
    TOO_MANY_TRANSACTIONS,
    /** Every destination of the selection failed or could not be tried, and no response came to forward. */
    ALL_DESTINATIONS_FAILED,
    /** The set chose a destination that is siplb itself (a configuration error): forwarding would loop. */
    DESTINATION_IS_SIPLB;

    private final String metricName = name().toLowerCase(Locale.ROOT).replace('_', '-');

    /** Returns the lower-case, dash-separated name used in stats, e.g. {@code no-active-destination}. */
    public String metricName() {
        return metricName;
    }
}
