package io.siplb.proxy.routing;

import static java.util.Objects.requireNonNull;

import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;

import io.siplb.codec.NameAddr;
import io.siplb.codec.SipHeader;
import io.siplb.codec.SipMessage;
import io.siplb.codec.SipMethod;
import io.siplb.codec.SipUri;
import io.siplb.dispatch.Algorithm;
import io.siplb.dispatch.Destination;
import io.siplb.dispatch.DestinationSet;
import io.siplb.dispatch.DispatchSnapshot;
import io.siplb.dispatch.Dispatcher;
import io.siplb.dispatch.Selection;
import io.siplb.dispatch.SelectionKey;
import io.siplb.dispatch.Transport;
import io.siplb.proxy.core.Addresses;
import io.siplb.proxy.core.HostName;
import io.siplb.proxy.core.NextHop;
import io.siplb.proxy.core.OwnAddresses;
import io.siplb.proxy.core.RejectReason;
import io.siplb.proxy.routing.RoutingDecision.Dispatch;
import io.siplb.proxy.routing.RoutingDecision.Forward;
import io.siplb.proxy.routing.RoutingDecision.Lookup;
import io.siplb.proxy.routing.RoutingDecision.Reject;
import io.siplb.proxy.routing.RoutingDecision.RouteEdits;

/**
 * Decides where a well-formed request goes, apart from any socket: the checks of RFC 3261 §16.3 (416 for an unknown
 * Request-URI scheme, 483 for Max-Forwards 0, 420 for a Proxy-Require, 482 for a loop through siplb; 481 for a
 * CANCEL or an in-dialog request that cannot be routed, 503 with Retry-After for other requests), route
 * information preprocessing (§16.4: a Request-URI naming siplb is replaced by the last Route; siplb's own values on
 * top of the Route set, one or two after double record-routing, are removed), then the next hop: the next Route,
 * else inside a dialog the Request-URI, else the routing rules and the dispatch engine. Both the stateless and the
 * stateful forwarder consume its {@link RoutingDecision}.
 *
 * <p>In stateless mode every copy of a request (retransmissions, its ACK and CANCEL) must reach the destination the
 * first copy reached, without state. An algorithm whose choice is not a function of the request (round-robin,
 * weighted, random) is therefore replaced by {@link Algorithm#HASH_CALL_ID} over the same set: consistent hashing
 * weighs the destinations by their {@code weight} attribute, so {@code weighted} keeps its shares. Algorithms that
 * depend on live state (call-load, latency, relative-weight, priority-weight, overload control, parallel), and
 * hash-auth-username (a CANCEL carries no credentials), are refused
 * in stateless mode when the configuration is loaded ({@link #statelessProblem}).
 *
 * <p>Thread-safe (lock-free): the router holds only immutable settings and reads the dispatcher's snapshot and the
 * rules once per request; the round-robin counters it advances are atomics of the engine.
 */
public final class RequestRouter {

    /** siplb's own values on top of a route set: two after double record-routing (RFC 5658 §4); more is a loop. */
    public static final int MAX_OWN_ROUTES = 2;

    private final Dispatcher dispatcher;
    private final RulesSource rules;
    private final OwnSource own;
    private final boolean stateless;
    private final Set<Transport> transports;

    /** Where the router reads the rules in force (a reload replaces them). */
    @FunctionalInterface
    public interface RulesSource {
        /** Returns the rules in force. */
        RoutingRules rules();
    }

    /** Finds the client connection a flow token in siplb's Route names (RFC 5626 §5.3). */
    @FunctionalInterface
    public interface FlowSource {
        /** Returns the next hop over the open connection named by {@code token}, or {@code null}. */
        NextHop flow(String token);
    }

    private volatile FlowSource flows = token -> null;

    /** Sets where flow tokens are looked up; before the listeners read. */
    public void flows(FlowSource flows) {
        this.flows = requireNonNull(flows, "flows");
    }

    /** Where the router reads siplb's own addresses (published once the listeners are bound). */
    @FunctionalInterface
    public interface OwnSource {
        /** Returns siplb's own addresses. */
        OwnAddresses own();
    }

    /**
     * Creates a router.
     *
     * @param dispatcher the dispatch engine
     * @param rules the rules in force
     * @param own siplb's own addresses
     * @param stateless whether the forwarder keeps no state (see the class documentation)
     * @param transports the transports siplb can send on
     */
    public RequestRouter(Dispatcher dispatcher, RulesSource rules, OwnSource own, boolean stateless,
                         Set<Transport> transports) {
        this.dispatcher = requireNonNull(dispatcher, "dispatcher");
        this.rules = requireNonNull(rules, "rules");
        this.own = requireNonNull(own, "own");
        this.stateless = stateless;
        this.transports = EnumSet.copyOf(requireNonNull(transports, "transports"));
    }

    /** Returns whether this router serves a stateless forwarder. */
    public boolean isStateless() {
        return stateless;
    }

    /**
     * Routes a well-formed request received from {@code sender}.
     *
     * @param msg a decoded request; neither retained nor released
     */
    public RoutingDecision route(SipMessage msg, InetSocketAddress sender) {
        return unroutableInDialog(msg, decide(msg, sender));
    }

    /**
     * A CANCEL or an in-dialog request (To tag) that cannot be routed refers to a transaction or dialog siplb cannot
     * reach: answered 481 (Call/Transaction Does Not Exist) rather than 503, so the caller does not retry it
     * elsewhere; the reason stays counted.
     */
    private static RoutingDecision unroutableInDialog(SipMessage msg, RoutingDecision d) {
        if (d instanceof Reject && ((Reject) d).status() == 503 && ((Reject) d).reasonPhrase() == null
            && !isTransient(((Reject) d).reason())
            && (msg.method() == SipMethod.CANCEL || hasToTag(msg)) && msg.method() != SipMethod.ACK) {
            return new Reject(481, ((Reject) d).reason(), null, null);
        }
        return d;
    }

    /** Reasons that pass (siplb's own limits): the request may be routable a moment later, so 503 stays. */
    private static boolean isTransient(RejectReason reason) {
        return reason == RejectReason.TOO_MANY_LOOKUPS || reason == RejectReason.TOO_MANY_TRANSACTIONS
               || reason == RejectReason.NO_LISTENER_FOR_FAMILY;
    }

    private RoutingDecision decide(SipMessage msg, InetSocketAddress sender) {
        final boolean ack = msg.method() == SipMethod.ACK;
        final OwnAddresses own = this.own.own();

        // RFC 3261 §16.3 step 1: a Request-URI scheme siplb does not understand is answered 416.
        final SipUri requestUri = msg.requestUri();
        if (requestUri != null && requestUri.scheme() == SipUri.Scheme.OTHER) {
            return Reject.status(416);
        }
        // RFC 3261 §16.3 step 2: Max-Forwards 0 is never forwarded.
        if (msg.maxForwards() == 0) {
            return Reject.status(483);
        }
        // RFC 3261 §16.3 step 4: siplb supports no extension, so any Proxy-Require is answered 420.
        if (!ack && msg.method() != SipMethod.CANCEL && msg.firstHeader(SipHeader.PROXY_REQUIRE) >= 0) {
            return new Reject(420, null, proxyRequire(msg), null);
        }

        // RFC 3261 §16.4: route information preprocessing.
        final List<NameAddr> routes = msg.routes();
        int end = routes.size();
        String newRequestUri = null;
        SipUri target = requestUri;
        if (end > 0 && requestUri != null && requestUri.user() == null && isOwn(own, requestUri)) {
            // A strict-routing predecessor put siplb's Record-Route into the Request-URI.
            final SipUri last = routes.get(end - 1).uri();
            newRequestUri = last.toString();
            target = last;
            end--;
        }
        // siplb's own values on top of the route set: one, or two where siplb double record-routed (RFC 5658 §4).
        int first = 0;
        while (first < end && first <= MAX_OWN_ROUTES && isOwn(own, routes.get(first).uri())) {
            first++;
        }
        if (first > MAX_OWN_ROUTES) {
            // More than double record-routing leaves: a loop (§16.3 step 4).
            return Reject.status(482);
        }
        final RouteEdits edits = first == 0 && newRequestUri == null ? RouteEdits.NONE
                                                                       : new RouteEdits(first, newRequestUri);
        if (first > 0 && routes.get(first - 1).uri().user() != null) {
            // siplb's Record-Route facing a stream client carries the flow token of the client's connection: the
            // request goes back over that connection. When it has closed: 430 (RFC 5626 §5.3) to a client using
            // outbound (";ob" in its Contact, the Request-URI here), which opens a new flow, and to a WebSocket
            // client, which nothing else reaches; any other client is reached as without flow token (RFC 3261
            // §16.12), by the rest of the route set or its Contact, over a new connection.
            final NextHop flow = flows.flow(routes.get(first - 1).uri().user());
            if (flow != null) {
                return new Forward(flow, edits);
            }
            if (!reachableWithoutFlow(target)) {
                return new Reject(430, null, null, "Flow Failed");
            }
        }
        if (first < end) {
            // Loose routing: the next Route's URI.
            final SipUri route = routes.get(first).uri();
            final Object hop = Addresses.nextHop(route);
            if (hop instanceof NextHop) {
                return toHop((NextHop) hop, msg, sender, edits);
            }
            if (hop instanceof HostName) {
                return new Lookup((HostName) hop, Addresses.transportOf(route), edits, false);
            }
            return Reject.unavailable((RejectReason) hop);
        }
        if (hasToTag(msg) && target != null && !(stateless && ack && routes.isEmpty())) {
            // Inside a dialog with no further Route: the Request-URI (a URI siplb cannot resolve goes to the set).
            // Statelessly, an ACK without any Route is the ACK of a non-2xx response (RFC 3261 §17.1.1.3): it
            // carries the INVITE's Request-URI and Route set and goes where the INVITE went, so it is dispatched
            // like the INVITE. A stateful siplb absorbs those ACKs: one that reaches the router is a 2xx's.
            final Object hop = Addresses.nextHop(target);
            if (hop instanceof NextHop) {
                return toHop((NextHop) hop, msg, sender, edits);
            }
            if (hop instanceof HostName) {
                // A Request-URI host without address (an internal name of a backend, say) goes to the set.
                return new Lookup((HostName) hop, Addresses.transportOf(target), edits, true);
            }
            if (hop != RejectReason.UNRESOLVABLE_NEXT_HOP) {
                return Reject.unavailable((RejectReason) hop);
            }
        }
        return dispatch(msg, sender, edits);
    }

    /**
     * Routes a request after the lookup of a {@link Lookup} decision: to {@code address} over the transport the name
     * was looked up for, or, without an address, to the set ({@link Lookup#orToTheSet()}) or a 503.
     */
    public RoutingDecision afterLookup(Lookup lookup, InetSocketAddress address, SipMessage msg,
                                       InetSocketAddress sender) {
        if (address == null) {
            return unroutableInDialog(msg, lookup.orToTheSet() ? dispatch(msg, sender, lookup.edits())
                                                               : Reject.unavailable(RejectReason.UNRESOLVABLE_NEXT_HOP));
        }
        return unroutableInDialog(msg, toHop(new NextHop(address, lookup.transport(), lookup.name().host(), true, null), msg, sender, lookup.edits()));
    }

    /**
     * Whether a client whose flow has closed is reached by its remote target {@code target} (the Request-URI): when
     * it names an address (not a name to look up, which could send the request anywhere), and the client uses
     * neither outbound ({@code ob}, RFC 5626 §4.2) nor WebSocket (RFC 7118: a browser accepts no connection).
     */
    private static boolean reachableWithoutFlow(SipUri target) {
        if (target == null || target.hasParam("ob") || !(Addresses.nextHop(target) instanceof NextHop)) {
            return false;
        }
        final Transport t = Addresses.transportOf(target);
        return t != Transport.WS && t != Transport.WSS;
    }

    private RoutingDecision toHop(NextHop hop, SipMessage msg, InetSocketAddress sender, RouteEdits edits) {
        if (own.own().isListener(hop.address())) {
            // The next hop is siplb itself: dispatch instead of looping through it.
            return dispatch(msg, sender, edits);
        }
        if (!transports.contains(hop.transport())) {
            return Reject.unavailable(RejectReason.UNSUPPORTED_TRANSPORT);
        }
        return new Forward(hop, edits);
    }

    /** Chooses a destination set by the routing rules and selects from it. */
    RoutingDecision dispatch(SipMessage msg, InetSocketAddress sender, RouteEdits edits) {
        final DispatchSnapshot snapshot = dispatcher.snapshot();
        final RoutingRule rule = rules.rules().match(msg, sender, snapshot);
        if (rule == null) {
            return Reject.unavailable(RejectReason.NO_MATCHING_RULE);
        }
        final RuleAction action = rule.action();
        if (action instanceof RuleAction.Reject) {
            final RuleAction.Reject r = (RuleAction.Reject) action;
            return new Reject(r.code(), null, null, r.reason());
        }
        final RuleAction.Dispatch d = (RuleAction.Dispatch) action;
        final DestinationSet set = snapshot.set(d.setId());
        if (set == null) {
            return Reject.unavailable(RejectReason.NO_SUCH_SET);
        }
        Algorithm algorithm = d.algorithm() != null ? d.algorithm() : set.algorithm();
        SelectionKey key = (d.key() != null ? d.key() : KeySpec.defaultFor(algorithm)).keyOf(msg);
        if (stateless) {
            final Algorithm mapped = statelessAlgorithm(algorithm, set, key);
            if (mapped != algorithm) {
                algorithm = mapped;
                key = KeySpec.defaultFor(mapped).keyOf(msg);
            }
        }
        final Selection selection = snapshot.select(set.id(), algorithm, key).limit(d.limit());
        switch (selection.status()) {
            case SELECTED:
                return new Dispatch(edits, rule, d, algorithm, selection);
            case NO_SUCH_SET:
                return Reject.unavailable(RejectReason.NO_SUCH_SET);
            case MISSING_KEY:
                return Reject.unavailable(RejectReason.MISSING_KEY);
            default:
                return Reject.unavailable(RejectReason.NO_ACTIVE_DESTINATION);
        }
    }

    /**
     * Returns the next hop of a selected destination, or why siplb cannot send to it: a transport siplb cannot send
     * on, an address not resolved, or siplb itself (which would loop until Max-Forwards runs out).
     *
     * @return a {@link NextHop} or a {@link RejectReason}
     */
    public Object nextHop(Destination d) {
        if (!transports.contains(d.transport())) {
            return RejectReason.UNSUPPORTED_TRANSPORT;
        }
        final InetSocketAddress address = d.address();
        if (address == null || address.isUnresolved()) {
            return RejectReason.UNRESOLVABLE_NEXT_HOP;
        }
        if (own.own().isListener(address)) {
            return RejectReason.DESTINATION_IS_SIPLB;
        }
        return new NextHop(address, d.transport(), d.host().startsWith("[") ? null : d.host(),
                           d.hasExplicitTransport() || d.isSecure(), null);
    }

    /**
     * Returns the algorithm a stateless siplb uses for {@code algorithm}: the same when it chooses the same destination
     * for every copy of a request (the hash algorithms, priority), else the Call-ID hash (round-robin, weighted,
     * random, round-robin-or-serial when it is round-robin).
     */
    static Algorithm statelessAlgorithm(Algorithm algorithm, DestinationSet set, SelectionKey key) {
        switch (algorithm) {
            case ROUND_ROBIN_OR_SERIAL:
                return isRoundRobin(set) ? Algorithm.HASH_CALL_ID : Algorithm.PRIORITY;
            case ROUND_ROBIN:
            case WEIGHTED:
            case RANDOM:
                return Algorithm.HASH_CALL_ID;
            default:
                return algorithm;
        }
    }

    /** Kamailio's algorithm 14 is round-robin when every priority is equal and positive, else serial. */
    private static boolean isRoundRobin(DestinationSet set) {
        final List<Destination> ds = set.destinations();
        if (ds.isEmpty() || ds.get(0).priority() <= 0) {
            return false;
        }
        for (Destination d : ds) {
            if (d.priority() != ds.get(0).priority()) {
                return false;
            }
        }
        return true;
    }

    /**
     * Returns why {@code algorithm} cannot be used by a stateless siplb, or {@code null} when it can (directly or
     * replaced by the Call-ID hash).
     */
    public static String statelessProblem(Algorithm algorithm) {
        switch (algorithm) {
            case CALL_LOAD:
                return "call-load counts the calls of each destination, which only a stateful siplb sees end";
            case LATENCY:
            case RELATIVE_WEIGHT:
                return algorithm.configName() + " follows response times, which only a stateful siplb measures";
            case PRIORITY_WEIGHT:
                return "priority-weight picks at random, so copies of one request would reach different"
                       + " destinations";
            case ROUND_ROBIN_OVERLOAD_CONTROL:
                return "overload control skips destinations at random, so copies of one request would reach"
                       + " different destinations";
            case PARALLEL:
                return "parallel forking needs a transaction per branch";
            case HASH_AUTH_USERNAME:
                return "hash-auth-username hashes the credentials' username, which a CANCEL and the ACK of a non-2xx"
                       + " response do not carry (RFC 3261 §22.1), so they would reach another destination than"
                       + " their INVITE";
            default:
                return null;
        }
    }

    /** Returns whether a request of this method can create a dialog and so gets a Record-Route. */
    public static boolean isDialogCreating(SipMethod method) {
        if (method == null) {
            return false;
        }
        switch (method) {
            case INVITE:
            case SUBSCRIBE:
            case REFER:
            case NOTIFY:
                return true;
            default:
                return false;
        }
    }

    /** Returns the option tags of every Proxy-Require header, comma-separated, for the 420's Unsupported. */
    private static String proxyRequire(SipMessage msg) {
        final StringBuilder sb = new StringBuilder();
        for (int i = msg.firstHeader(SipHeader.PROXY_REQUIRE); i >= 0; i = msg.nextHeader(SipHeader.PROXY_REQUIRE, i)) {
            final String value = msg.content().toString(msg.headerValueStart(i),
                                                        msg.headerValueEnd(i) - msg.headerValueStart(i),
                                                        StandardCharsets.UTF_8);
            for (String tag : value.split(",")) {
                final String t = tag.trim();
                if (t.isEmpty() || t.chars().anyMatch(c -> c < 0x21 || c > 0x7e)) {
                    continue;
                }
                if (sb.length() > 0) {
                    sb.append(", ");
                }
                sb.append(t);
            }
        }
        return sb.length() > 0 ? sb.toString() : "unknown";
    }

    private static boolean isOwn(OwnAddresses own, SipUri uri) {
        return uri != null && uri.isSip() && own.matches(uri.maddr() != null ? uri.maddr() : uri.host(), uri.port());
    }

    private static boolean hasToTag(SipMessage msg) {
        final NameAddr to = msg.to();
        return to != null && to.tag() != null;
    }
}
