package io.siplb.proxy.routing;

import static java.util.Objects.requireNonNull;

import io.siplb.dispatch.Algorithm;
import io.siplb.dispatch.Selection;
import io.siplb.dispatch.Transport;
import io.siplb.proxy.core.HostName;
import io.siplb.proxy.core.NextHop;
import io.siplb.proxy.core.RejectReason;

/**
 * What {@link RequestRouter} decided for a request: answer it ({@link Reject}), send it to a next hop named by the
 * request ({@link Forward}, or {@link Lookup} when the name must be looked up first), or send it to a destination of a
 * set ({@link Dispatch}, with the engine's whole selection: the chosen destination and its failover list). Every
 * decision but {@link Reject} carries the {@link RouteEdits} the forwarder applies. Immutable.
 */
public sealed interface RoutingDecision {

    /**
     * Answer the request with {@code status} (an ACK is dropped instead).
     *
     * @param status the status code
     * @param reason why a 503 was sent (counted), or {@code null} for the other statuses
     * @param unsupported the option tags of a 420's Unsupported, else {@code null}
     * @param reasonPhrase the reason phrase, or {@code null} for the standard one
     */
    record Reject(int status, RejectReason reason, String unsupported, String reasonPhrase)
            implements RoutingDecision {

        /** A 503 for {@code reason}. */
        public static Reject unavailable(RejectReason reason) {
            return new Reject(503, requireNonNull(reason, "reason"), null, null);
        }

        /** Answer {@code status} with its standard reason phrase. */
        public static Reject status(int status) {
            return new Reject(status, null, null, null);
        }
    }

    /**
     * Send the request to a next hop the request named (a Route, or the Request-URI inside a dialog).
     *
     * @param hop where
     * @param edits the Route edits
     */
    record Forward(NextHop hop, RouteEdits edits) implements RoutingDecision {}

    /**
     * Look {@code name} up first (RFC 3263), then send the request there (see
     * {@link RequestRouter#afterLookup}).
     *
     * @param name the host name
     * @param transport the transport the URI asks for
     * @param edits the Route edits
     * @param orToTheSet when the name has no address: dispatch to the set instead of answering 503
     */
    record Lookup(HostName name, Transport transport, RouteEdits edits, boolean orToTheSet)
            implements RoutingDecision {}

    /**
     * Send the request to a destination of a set.
     *
     * @param edits the Route edits
     * @param rule the routing rule that matched
     * @param action its dispatch action
     * @param algorithm the algorithm that selected (after the stateless mapping, see {@link RequestRouter})
     * @param selection the selected destination first, then the failover list (never empty)
     */
    record Dispatch(RouteEdits edits, RoutingRule rule, RuleAction.Dispatch action, Algorithm algorithm,
                    Selection selection) implements RoutingDecision {}

    /**
     * How the Route set and Request-URI change (RFC 3261 §16.4, RFC 5658 §4).
     *
     * @param ownRoutes how many of siplb's own values lead the Route set (0, 1 or 2), to remove
     * @param newRequestUri the last Route value, which replaces a Request-URI naming siplb (a strict-routing
     *                      predecessor), or {@code null}
     */
    record RouteEdits(int ownRoutes, String newRequestUri) {
        /** No edit. */
        public static final RouteEdits NONE = new RouteEdits(0, null);
    }
}
