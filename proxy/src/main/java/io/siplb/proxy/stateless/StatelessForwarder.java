package io.siplb.proxy.stateless;

import static java.util.Objects.requireNonNull;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.CompositeByteBuf;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.socket.DatagramPacket;
import io.netty.util.concurrent.Future;
import io.siplb.codec.NameAddr;
import io.siplb.codec.SipBranches;
import io.siplb.codec.SipDecodeError;
import io.siplb.codec.SipHeader;
import io.siplb.codec.SipMessage;
import io.siplb.codec.SipMessageParser;
import io.siplb.codec.SipMethod;
import io.siplb.codec.SipResponses;
import io.siplb.codec.SipRewriter;
import io.siplb.codec.SipUri;
import io.siplb.codec.Via;
import io.siplb.dispatch.Algorithm;
import io.siplb.dispatch.DestinationSet;
import io.siplb.dispatch.Destination;
import io.siplb.dispatch.DispatchSnapshot;
import io.siplb.dispatch.Selection;
import io.siplb.dispatch.SelectionKey;
import io.siplb.dispatch.Transport;

/**
 * Forwards SIP messages without keeping any state (RFC 3261 §16.11), so that every retransmission, ACK and CANCEL
 * of a call takes the same path as its INVITE:
 * <ul>
 *   <li>Requests: a Request-URI of an unknown scheme is answered 416 (§16.3 step 1), Max-Forwards 0 483
 *       (§16.3 step 2), a Proxy-Require 420 with Unsupported (§16.3 step 4: siplb supports no extension).
 *       The top Via gets {@code received}/{@code rport} (§18.2.1, RFC 3581). A Request-URI naming siplb (a
 *       strict-routing predecessor) is replaced by the last Route (§16.4); every top Route naming siplb is removed
 *       (two after double record-routing, RFC 5658 §4). The request goes to the next Route, else, inside a dialog
 *       (To tag; not an ACK without Route, which is a non-2xx ACK), to the Request-URI, else to a destination of
 *       {@link io.siplb.proxy.config.ProxySettings#defaultSet()} chosen by the set's algorithm with the key it hashes
 *       (Call-ID by default). Max-Forwards is decremented, dialog-creating requests get siplb's Record-Route, and
 *       siplb's Via goes on top with a branch derived from the incoming one ({@link SipBranches#stateless(SipMessage)},
 *       §16.11). A request that cannot be routed is answered 503 with Retry-After. A next hop named by a host
 *       name is looked up ({@link NextHopResolver}, RFC 3263) while the request is held.</li>
 *   <li>Responses: the top Via must be siplb's (else dropped, §18.2.2); it is removed and the response is sent to
 *       the next Via's {@code maddr}, else {@code received}/{@code rport}, else sent-by (§18.2.2), looked up when it
 *       is a host name (RFC 3263 §5).</li>
 *   <li>Malformed input: answerable requests get the status the decoder chose (400, 414, 501, 505, 513) naming the
 *       problem; everything else, and every ACK, is dropped and counted by reason.</li>
 * </ul>
 *
 * <p>Ownership: {@link #handle} does not release the message; the caller releases it afterwards. A message whose next
 * hop is being looked up is retained meanwhile and released once it is forwarded, answered or dropped, or when the
 * socket closes. Each
 * forwarded message and local response is a new buffer written to a socket, which releases it after sending. Writes
 * to the forwarder's own socket are flushed by {@link #flush()}, which the transport calls after each read batch.
 *
 * <p>A socket that is not writable (more queued than its high water mark: the kernel takes datagrams more slowly than
 * they arrive) gets nothing more: the message is dropped and counted ({@link DropReason#SEND_QUEUE_FULL}), so a burst
 * cannot queue datagrams, each holding its receive buffer, without bound.
 *
 * <p>No locks and no logging per message: drops and failures are counted in {@link ProxyStats}, with at most one
 * DEBUG line per second. Not thread-safe; confined to the channel's EventLoop (one instance per socket).
 */
public final class StatelessForwarder {

    private static final Logger logger = LoggerFactory.getLogger(StatelessForwarder.class);

    /** siplb's own values on top of a route set: two after double record-routing (RFC 5658 §4); more is a loop. */
    private static final int MAX_OWN_ROUTES = 2;

    /** Requests that may wait for a DNS lookup per socket; each holds its receive buffer. */
    public static final int MAX_PENDING_LOOKUPS = 256;

    /** At most one per-message DEBUG line per this many nanoseconds. */
    private static final long LOG_INTERVAL_NANOS = 1_000_000_000L;

    private final StatelessProxy proxy;
    private final Egress self;
    private final ProxyStats stats;
    private final SipRewriter rewriter = new SipRewriter();
    /** Parses a request again after one of several own Route values was removed (see {@link #handleRequest}). */
    private final SipMessageParser parser = new SipMessageParser();
    private final SipResponses responses;
    private final int retryAfterSeconds;
    private final ChannelFutureListener sendListener;
    private long nextLogNanos;
    /** The rate limit of {@link #sendListener}'s DEBUG line, which other event loops run too. */
    private final AtomicLong nextSendFailureLogNanos = new AtomicLong();
    private boolean flushPending;
    /** Looks up next hops named by host name; created on first use. */
    private NextHopResolver resolver;
    /** Requests held (retained) while their next hop is looked up; identity set, confined to the event loop. */
    private final Set<SipMessage> held = Collections.newSetFromMap(new IdentityHashMap<>());

    /**
     * Creates the forwarder of one socket.
     *
     * @param proxy the shared state
     * @param self the socket messages arrive on, also used to answer them
     */
    public StatelessForwarder(StatelessProxy proxy, Egress self) {
        this.proxy = requireNonNull(proxy, "proxy");
        this.self = requireNonNull(self, "self");
        stats = proxy.stats();
        responses = proxy.responses();
        retryAfterSeconds = (int) proxy.retryAfterSeconds();
        // Runs on the event loop of the socket written to, which is another one for the other address family.
        sendListener = future -> {
            if (!future.isSuccess()) {
                stats.drop(DropReason.SEND_FAILED);
                if (logger.isDebugEnabled()) {
                    final long now = System.nanoTime();
                    final long next = nextSendFailureLogNanos.get();
                    if (now - next >= 0 && nextSendFailureLogNanos.compareAndSet(next, now + LOG_INTERVAL_NANOS)) {
                        logger.debug("send failed: {}", future.cause());
                    }
                }
            }
        };
    }

    /**
     * Handles one received message.
     *
     * @param msg the message, decoded or failed; not released here
     * @param sender where it came from
     */
    public void handle(SipMessage msg, InetSocketAddress sender) {
        try {
            if (!msg.decoderResult().isSuccess()) {
                handleMalformed(msg, sender);
            } else if (msg.isRequest()) {
                handleRequest(msg, sender);
            } else {
                handleResponse(msg);
            }
        } catch (RuntimeException e) {
            rewriter.clear();
            stats.drop(DropReason.INTERNAL_ERROR);
            final long now = System.nanoTime();
            if (now - nextLogNanos >= 0) {
                nextLogNanos = now + LOG_INTERVAL_NANOS;
                logger.warn("Dropped a message from {} after an unexpected error", sender, e);
            }
        }
    }

    private void handleMalformed(SipMessage msg, InetSocketAddress sender) {
        final SipDecodeError reason = msg.decodeError();
        if (reason != null) {
            stats.decodeError(reason);
        }
        if (msg.isResponse()) {
            stats.responseReceived();
            stats.drop(DropReason.MALFORMED_RESPONSE);
            debug("dropped a malformed response from {}: {}", sender, msg.errorText());
            return;
        }
        if (!msg.isRequest()) {
            stats.drop(DropReason.MALFORMED_DATAGRAM);
            debug("dropped a datagram from {} that is not SIP: {}", sender, msg.errorText());
            return;
        }
        stats.requestReceived();
        if (msg.method() == SipMethod.ACK) {
            // RFC 3261 §17.2.1: an ACK is never answered.
            stats.drop(DropReason.MALFORMED_ACK);
            debug("dropped a malformed ACK from {}: {}", sender, msg.errorText());
            return;
        }
        if (msg.isAnswerable() && msg.errorStatus() >= 400) {
            final int status = msg.errorStatus();
            // RFC 3581 §4: the copied top Via gets received and the filled rport.
            final String text = msg.errorText();
            respond(msg, sender, responses.response(self.channel().alloc(), msg, sender, status, null,
                                                    text != null ? text : SipResponses.reasonPhrase(status)),
                    status);
            return;
        }
        stats.drop(DropReason.MALFORMED_REQUEST);
        debug("dropped an unanswerable malformed request from {}: {}", sender, msg.errorText());
    }

    private void handleRequest(SipMessage msg, InetSocketAddress sender) {
        stats.requestReceived();
        final boolean ack = msg.method() == SipMethod.ACK;
        final OwnAddresses own = proxy.own();

        // RFC 3261 §16.3 step 1: a Request-URI scheme siplb does not understand is answered 416.
        final SipUri requestUri = msg.requestUri();
        if (requestUri != null && requestUri.scheme() == SipUri.Scheme.OTHER) {
            if (ack) {
                stats.drop(DropReason.ACK_NOT_ROUTABLE);
                return;
            }
            respond(msg, sender, responses.response(self.channel().alloc(), msg, sender, 416, null, null), 416);
            return;
        }

        // RFC 3261 §16.3 step 2: Max-Forwards 0 is never forwarded.
        if (msg.maxForwards() == 0) {
            if (ack) {
                stats.drop(DropReason.ACK_NOT_ROUTABLE);
                return;
            }
            respond(msg, sender, responses.response(self.channel().alloc(), msg, sender, 483, null, null), 483);
            return;
        }

        // RFC 3261 §16.3 step 4: siplb supports no extension, so any Proxy-Require is answered 420.
        if (!ack && msg.method() != SipMethod.CANCEL && msg.firstHeader(SipHeader.PROXY_REQUIRE) >= 0) {
            respond(msg, sender, responses.badExtension(self.channel().alloc(), msg, sender, proxyRequire(msg)), 420);
            return;
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
        // siplb's own values on top of the route set: one, or two where siplb double record-routed (RFC 5658 §4);
        // they are removed.
        int first = 0;
        while (first < end && first <= MAX_OWN_ROUTES && isOwn(own, routes.get(first).uri())) {
            first++;
        }
        if (first > MAX_OWN_ROUTES) {
            // More than double record-routing leaves: a loop (§16.3 step 4), not removed one parse at a time.
            if (ack) {
                stats.drop(DropReason.ACK_NOT_ROUTABLE);
                return;
            }
            respond(msg, sender, responses.response(self.channel().alloc(), msg, sender, 482, null, null), 482);
            return;
        }

        Object hop = null;
        if (first < end) {
            // Loose routing: the next Route's URI.
            hop = nextHop(routes.get(first).uri());
        } else if (hasToTag(msg) && target != null && !(ack && routes.isEmpty())) {
            // Inside a dialog with no further Route: the Request-URI (a URI of another scheme falls back to the
            // set). An ACK without any Route is the ACK of a non-2xx response (RFC 3261 §17.1.1.3): it carries the
            // INVITE's Request-URI and Route set and goes where the INVITE went, so it is dispatched like the INVITE.
            hop = nextHop(target);
            if (hop == RejectReason.UNRESOLVABLE_NEXT_HOP) {
                hop = null;
            }
        }
        if (hop instanceof RejectReason) {
            reject(msg, sender, ack, (RejectReason) hop);
            return;
        }
        if (hop instanceof HostName) {
            // A Request-URI host without address (an internal name of a backend, say) goes to the set, as before.
            resolveThenForward(msg, sender, ack, (HostName) hop, first, newRequestUri, first >= end);
            return;
        }
        forward(msg, sender, ack, (InetSocketAddress) hop, first, newRequestUri);
    }

    /**
     * Looks the host name up ({@link NextHopResolver}) and forwards once it is known, holding the message meanwhile;
     * a name without a usable record is answered 503 ({@link RejectReason#UNRESOLVABLE_NEXT_HOP}), or, with
     * {@code orToTheSet}, goes to the default set; more than {@value #MAX_PENDING_LOOKUPS} waiting requests: 503
     * ({@link RejectReason#TOO_MANY_LOOKUPS}).
     */
    private void resolveThenForward(SipMessage msg, InetSocketAddress sender, boolean ack, HostName name, int first,
                                    String newRequestUri, boolean orToTheSet) {
        final boolean started = lookUp(msg, name, to -> {
            if (to == null && !orToTheSet) {
                reject(msg, sender, ack, RejectReason.UNRESOLVABLE_NEXT_HOP);
            } else {
                forward(msg, sender, ack, to, first, newRequestUri);
            }
        });
        if (!started) {
            reject(msg, sender, ack, RejectReason.TOO_MANY_LOOKUPS);
        }
    }

    /** What to do once a lookup is over: {@code to} is the unicast address found, or {@code null}. */
    private interface AfterLookup {
        void run(InetSocketAddress to);
    }

    /**
     * Starts looking {@code name} up, holding (retaining) {@code msg} until {@code then} has run on this event loop;
     * returns {@code false}, holding nothing, when {@value #MAX_PENDING_LOOKUPS} messages of this socket are already
     * waiting. When the socket closes, the messages still waiting are released unanswered (siplb is stopping).
     */
    private boolean lookUp(SipMessage msg, HostName name, AfterLookup then) {
        if (held.size() >= MAX_PENDING_LOOKUPS) {
            return false;
        }
        NextHopResolver r = resolver;
        if (r == null) {
            resolver = r = proxy.newResolver(self.channel());
            final NextHopResolver created = r;
            self.channel().closeFuture().addListener(f -> {
                for (SipMessage m : held) {
                    m.release();
                }
                held.clear();
                created.close();
            });
        }
        final Future<InetSocketAddress> lookup;
        try {
            lookup = r.resolve(name.host, name.port);
        } catch (RuntimeException e) {
            // A name the DNS layer refuses (it was checked by isHostName, so this is not expected): no address.
            debug("no lookup for {}: {}", name, e);
            then.run(null);
            return true;
        }
        msg.retain();
        held.add(msg);
        lookup.addListener((Future<InetSocketAddress> f) -> {
            if (!held.remove(msg)) {
                return; // released when the socket closed
            }
            try {
                final InetSocketAddress to = f.isSuccess() ? f.getNow() : null;
                if (to == null || !isUnicast(to.getAddress())) {
                    debug("no address for {}: {}", name, f.cause());
                    then.run(null);
                } else {
                    then.run(to);
                }
            } catch (RuntimeException e) {
                rewriter.clear();
                stats.drop(DropReason.INTERNAL_ERROR);
                logger.warn("Dropped a message after an unexpected error", e);
            } finally {
                msg.release();
                flush();
            }
        });
        return true;
    }

    /** Forwards to {@code to}, the next hop, or, when {@code null}, to a destination the dispatcher chooses. */
    private void forward(SipMessage msg, InetSocketAddress sender, boolean ack, InetSocketAddress to, int first,
                         String newRequestUri) {
        final OwnAddresses own = proxy.own();
        if (to != null && own.isListener(to)) {
            // The next hop is siplb itself: dispatch instead of looping through it.
            to = null;
        }
        if (to == null) {
            final Object hop = dispatch(msg, own);
            if (hop instanceof RejectReason) {
                reject(msg, sender, ack, (RejectReason) hop);
                return;
            }
            to = (InetSocketAddress) hop;
        }

        final Egress out = egressFor(to);
        if (out == null) {
            reject(msg, sender, ack, RejectReason.NO_LISTENER_FOR_FAMILY);
            return;
        }

        final String branch = SipBranches.stateless(msg);
        SipMessage m = msg;
        final ByteBuf buf;
        try {
            // siplb's own values on top of the route set go in the same pass as the other edits; only together
            // with the strict-routing step (which removes the last value) is each further own value removed by a
            // pass of its own over the message without the previous one (double record-routing behind a strict
            // router: rare).
            final int passes = newRequestUri != null ? first : Math.min(first, 1);
            for (int k = 1; k < passes; k++) {
                final SipMessage shorter = withoutFirstRoute(m);
                if (m != msg) {
                    m.release();
                }
                m = shorter;
            }
            final SipRewriter r = rewriter.rewrite(m);
            r.setReceivedRport(sender);
            if (newRequestUri != null) {
                r.replaceRequestUri(newRequestUri);
                // With siplb's value on the same line ("Route: <siplb>, <target>") the whole line goes.
                r.removeLastRoute();
            }
            if (first > 0) {
                r.removeFirstRoutes(newRequestUri != null ? 1 : first);
            }
            r.decrementMaxForwards();
            if (proxy.settings().recordRoute() && isDialogCreating(msg.method())) {
                if (out == self) {
                    r.addRecordRoute(self.recordRoute());
                } else {
                    // Double record-routing (RFC 5658): the interface facing the next hop on top.
                    r.addRecordRoute(out.recordRoute(), self.recordRoute());
                }
            }
            r.addVia(out.viaSentBy(), branch);
            buf = r.build(out.channel().alloc());
        } finally {
            if (m != msg) {
                m.release();
            }
        }
        if (send(out, buf, to)) {
            stats.requestForwarded();
        }
    }

    /**
     * Returns {@code m} without its first Route value, parsed anew; {@code m} is neither retained nor released and
     * the caller releases the result.
     */
    private SipMessage withoutFirstRoute(SipMessage m) {
        final ByteBufAllocator alloc = self.channel().alloc();
        final ByteBuf flat;
        final CompositeByteBuf rest = rewriter.rewrite(m).removeFirstRoute().build(alloc);
        try {
            flat = alloc.buffer(rest.readableBytes());
            flat.writeBytes(rest);
        } finally {
            rest.release();
        }
        final SipMessage shorter;
        try {
            shorter = parser.parse(flat);
        } finally {
            flat.release();
        }
        if (!shorter.decoderResult().isSuccess()) {
            final String error = shorter.errorText();
            shorter.release();
            throw new IllegalStateException("a request without its first Route does not parse: " + error);
        }
        return shorter;
    }

    private void handleResponse(SipMessage msg) {
        stats.responseReceived();
        final List<Via> vias = msg.vias();
        if (vias.isEmpty()) {
            stats.drop(DropReason.MALFORMED_RESPONSE);
            return;
        }
        final Via top = vias.get(0);
        final OwnAddresses own = proxy.own();
        if (!own.matches(top.host(), top.port())) {
            // RFC 3261 §18.2.2 / §16.7 step 3: a response whose top Via is not ours is discarded.
            stats.drop(DropReason.RESPONSE_VIA_NOT_OURS);
            debug("dropped a response whose top Via is not siplb's: {}", top);
            return;
        }
        if (vias.size() < 2) {
            stats.drop(DropReason.RESPONSE_NO_NEXT_VIA);
            return;
        }
        final Via next = vias.get(1);
        if (!"UDP".equalsIgnoreCase(next.transport())) {
            stats.drop(DropReason.RESPONSE_UNSUPPORTED_TRANSPORT);
            return;
        }
        final InetSocketAddress to = responseTarget(next);
        if (to == null) {
            final HostName name = responseHostName(next);
            if (name == null) {
                stats.drop(DropReason.RESPONSE_BAD_NEXT_VIA);
                debug("dropped a response whose next Via has no usable address: {}", next);
            } else if (!lookUp(msg, name, address -> {
                if (address == null) {
                    stats.drop(DropReason.RESPONSE_BAD_NEXT_VIA);
                } else {
                    sendResponse(msg, address);
                }
            })) {
                stats.drop(DropReason.TOO_MANY_LOOKUPS);
            }
            return;
        }
        sendResponse(msg, to);
    }

    /**
     * The host name a response goes to when the next Via has neither {@code received} nor an IP address (RFC 3263
     * §5, UDP): {@code maddr} with the sent-by port, else the sent-by host with its port, or by SRV without one;
     * {@code null} when the Via names no host name.
     */
    static HostName responseHostName(Via via) {
        final String maddr = via.maddr();
        if (maddr != null) {
            return OwnAddresses.parseIp(maddr) == null && isHostName(maddr)
                   ? new HostName(maddr, via.port() > 0 ? via.port() : OwnAddresses.DEFAULT_SIP_PORT) : null;
        }
        if (via.received() != null || via.host() == null || OwnAddresses.parseIp(via.host()) != null ||
            !isHostName(via.host())) {
            return null;
        }
        return new HostName(via.host(), via.rport() > 0 ? via.rport() : via.port() > 0 ? via.port() : 0);
    }

    /** Removes siplb's Via and sends the response to {@code to}. */
    private void sendResponse(SipMessage msg, InetSocketAddress to) {
        final Egress out = egressFor(to);
        if (out == null) {
            stats.drop(DropReason.RESPONSE_NO_LISTENER_FOR_FAMILY);
            return;
        }
        final ByteBuf buf = rewriter.rewrite(msg).removeTopVia().build(out.channel().alloc());
        if (send(out, buf, to)) {
            stats.responseForwarded();
        }
    }

    /** Chooses a destination of the default set; returns an {@link InetSocketAddress} or a {@link RejectReason}. */
    private Object dispatch(SipMessage msg, OwnAddresses own) {
        final int setId = proxy.settings().defaultSet();
        final DispatchSnapshot snapshot = proxy.dispatcher().snapshot();
        final DestinationSet set = snapshot.set(setId);
        if (set == null) {
            return RejectReason.NO_SUCH_SET;
        }
        final Selection selection = snapshot.select(setId, selectionKey(set.algorithm(), msg));
        switch (selection.status()) {
            case SELECTED:
                break;
            case NO_SUCH_SET:
                return RejectReason.NO_SUCH_SET;
            case MISSING_KEY:
                return RejectReason.MISSING_KEY;
            default:
                return RejectReason.NO_ACTIVE_DESTINATION;
        }
        final Destination d = selection.destination();
        if (d.transport() != Transport.UDP || d.isSecure()) {
            return RejectReason.UNSUPPORTED_TRANSPORT;
        }
        final InetSocketAddress address = d.address();
        if (address == null || address.isUnresolved()) {
            return RejectReason.UNRESOLVABLE_NEXT_HOP;
        }
        if (own.isListener(address)) {
            // A set listing siplb itself would send each request round siplb until Max-Forwards runs out.
            return RejectReason.DESTINATION_IS_SIPLB;
        }
        return address;
    }

    /**
     * Returns the key the set's algorithm hashes: the Call-ID for {@code hash-call-id} (and for {@code hash-key},
     * which needs a routing rule to name its key), the From, To or Request-URI for the URI hashes (user, then the
     * host as written with {@code :port} unless it is the scheme's default, as Kamailio hashes them), the
     * authorization username; no key for the others.
     */
    static SelectionKey selectionKey(Algorithm algorithm, SipMessage msg) {
        switch (algorithm) {
            case HASH_CALL_ID:
            case HASH_KEY: {
                final String callId = msg.callId();
                return callId != null ? SelectionKey.of(callId) : SelectionKey.NONE;
            }
            case HASH_FROM_URI:
                return uriKey(msg.from() != null ? msg.from().uri() : null);
            case HASH_TO_URI:
                return uriKey(msg.to() != null ? msg.to().uri() : null);
            case HASH_REQUEST_URI:
                return uriKey(msg.requestUri());
            case HASH_AUTH_USERNAME: {
                final String user = msg.authorizationUsername();
                return user != null ? SelectionKey.of(user) : SelectionKey.NONE;
            }
            default:
                return SelectionKey.NONE;
        }
    }

    private static SelectionKey uriKey(SipUri uri) {
        if (uri == null || uri.host() == null) {
            return SelectionKey.NONE;
        }
        final String user = uri.user();
        return SelectionKey.ofUri(user != null ? user : "", uri.host(), uri.port(),
                                  uri.scheme() == SipUri.Scheme.SIPS);
    }

    /**
     * Resolves the next hop named by a URI (RFC 3263 without DNS): {@code maddr} else the host, which must be an IP
     * literal; the URI's port else 5060; {@code transport} must be absent or {@code udp}.
     *
     * @return an {@link InetSocketAddress} or a {@link RejectReason}
     */
    static Object nextHop(SipUri uri) {
        if (uri == null || !uri.isSip() || uri.scheme() == SipUri.Scheme.SIPS) {
            return uri != null && uri.scheme() == SipUri.Scheme.SIPS ? RejectReason.UNSUPPORTED_TRANSPORT
                                                                      : RejectReason.UNRESOLVABLE_NEXT_HOP;
        }
        final String transport = uri.transport();
        if (transport != null && !"udp".equalsIgnoreCase(transport)) {
            return RejectReason.UNSUPPORTED_TRANSPORT;
        }
        final String maddr = uri.maddr();
        final String host = maddr != null ? maddr : uri.host();
        final InetAddress ip = OwnAddresses.parseIp(host);
        if (ip == null && host != null && isHostName(host)) {
            // RFC 3263 §4.2: with a port, A/AAAA; without one (and no maddr), SRV first.
            return new HostName(host, uri.port() > 0 ? uri.port() : maddr != null ? OwnAddresses.DEFAULT_SIP_PORT : 0);
        }
        if (!isUnicast(ip)) {
            return RejectReason.UNRESOLVABLE_NEXT_HOP;
        }
        return new InetSocketAddress(ip, uri.port() > 0 ? uri.port() : OwnAddresses.DEFAULT_SIP_PORT);
    }

    /**
     * hostname = *( domainlabel "." ) toplabel [ "." ] (RFC 3261 §25.1), with the limits of DNS (RFC 1035 §2.3.4):
     * labels of 1..63 octets, at most 253 octets without the final dot.
     */
    static boolean isHostName(String host) {
        final int n = host.endsWith(".") ? host.length() - 1 : host.length();
        if (n <= 0 || n > 253) {
            return false;
        }
        int label = 0;
        char prev = '.';
        for (int i = 0; i < n; i++) {
            final char c = host.charAt(i);
            final boolean alnum = c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9';
            if (c == '.') {
                if (prev == '.' || prev == '-') {
                    return false;
                }
                label = 0;
            } else if (!alnum && (c != '-' || prev == '.') || ++label > 63) {
                return false;
            }
            prev = c;
        }
        return prev != '-';
    }

    /** A next hop named by a host name, resolved by {@link NextHopResolver}; {@code port} 0: by SRV. Immutable. */
    static final class HostName {
        final String host;
        final int port;

        HostName(String host, int port) {
            this.host = host;
            this.port = port;
        }

        @Override
        public String toString() {
            return port > 0 ? host + ':' + port : host;
        }
    }

    /**
     * Returns where a response goes by the Via below siplb's (RFC 3261 §18.2.2, RFC 3581 §4): {@code maddr} with the
     * sent-by port, else {@code received} with {@code rport} or the sent-by port, else the sent-by host (an IP
     * literal) with {@code rport} or its port; {@code null} when no unicast IP address is usable.
     */
    static InetSocketAddress responseTarget(Via via) {
        final int sentByPort = via.port() > 0 ? via.port() : OwnAddresses.DEFAULT_SIP_PORT;
        final String maddr = via.maddr();
        if (maddr != null) {
            final InetAddress ip = OwnAddresses.parseIp(maddr);
            return isUnicast(ip) ? new InetSocketAddress(ip, sentByPort) : null;
        }
        final int port = via.rport() > 0 ? via.rport() : sentByPort;
        final String received = via.received();
        final InetAddress ip = OwnAddresses.parseIp(received != null ? received : via.host());
        return isUnicast(ip) ? new InetSocketAddress(ip, port) : null;
    }

    /**
     * Returns whether siplb may send to {@code ip}: a unicast address, not the wildcard, a multicast group or the
     * IPv4 broadcast address (RFC 4475 §3.3.10: a response for 255.255.255.255 is dropped, not broadcast).
     */
    static boolean isUnicast(InetAddress ip) {
        if (ip == null || ip.isAnyLocalAddress() || ip.isMulticastAddress()) {
            return false;
        }
        final byte[] b = ip.getAddress();
        return !(b.length == 4 && b[0] == -1 && b[1] == -1 && b[2] == -1 && b[3] == -1);
    }

    /**
     * Returns where a local response to a request received from {@code sender} goes (RFC 3261 §18.2.2 with
     * {@code received} being the source address, RFC 3581 §4): {@code maddr}, else the source address with the
     * source port when the Via has {@code rport}, else with the sent-by port.
     */
    static InetSocketAddress localResponseTarget(Via via, InetSocketAddress sender) {
        if (via == null) {
            return sender;
        }
        final int sentByPort = via.port() > 0 ? via.port() : OwnAddresses.DEFAULT_SIP_PORT;
        final String maddr = via.maddr();
        if (maddr != null) {
            final InetAddress ip = OwnAddresses.parseIp(maddr);
            if (isUnicast(ip)) {
                return new InetSocketAddress(ip, sentByPort);
            }
        }
        return new InetSocketAddress(sender.getAddress(), via.hasRport() ? sender.getPort() : sentByPort);
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

    /** Returns whether a request of this method can create a dialog and so gets a Record-Route. */
    static boolean isDialogCreating(SipMethod method) {
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

    private Egress egressFor(InetSocketAddress to) {
        final boolean v6 = to.getAddress() instanceof Inet6Address;
        if (self.isIpv6() == v6) {
            return self;
        }
        return proxy.egress(v6);
    }

    private void reject(SipMessage msg, InetSocketAddress sender, boolean ack, RejectReason reason) {
        stats.reject(reason);
        if (ack) {
            stats.drop(DropReason.ACK_NOT_ROUTABLE);
            return;
        }
        debug("answered 503 to a request from {}: {}", sender, reason);
        respond(msg, sender, responses.serviceUnavailable(self.channel().alloc(), msg, sender, retryAfterSeconds), 503);
    }

    private void respond(SipMessage request, InetSocketAddress sender, ByteBuf response, int status) {
        if (response == null) {
            // SipResponses builds nothing for a request that cannot be answered.
            stats.drop(DropReason.MALFORMED_REQUEST);
            return;
        }
        if (send(self, response, localResponseTarget(request.topVia(), sender))) {
            stats.localResponse(status);
        }
    }

    /**
     * Writes {@code buf} to {@code to} through {@code out}, or releases it and counts
     * {@link DropReason#SEND_QUEUE_FULL} when the socket is not writable (its queue is above the high water mark).
     *
     * @return whether the datagram was queued
     */
    private boolean send(Egress out, ByteBuf buf, InetSocketAddress to) {
        if (!out.channel().isWritable()) {
            buf.release();
            stats.drop(DropReason.SEND_QUEUE_FULL);
            return false;
        }
        if (out == self) {
            // Flushed once per read batch by flush(), called from channelReadComplete.
            out.channel().write(new DatagramPacket(buf, to)).addListener(sendListener);
            flushPending = true;
        } else {
            out.channel().writeAndFlush(new DatagramPacket(buf, to)).addListener(sendListener);
        }
        return true;
    }

    /** Flushes what {@link #handle} wrote to this forwarder's own socket since the last flush. */
    public void flush() {
        if (flushPending) {
            flushPending = false;
            self.channel().flush();
        }
    }

    private void debug(String format, Object arg1, Object arg2) {
        if (!logger.isDebugEnabled()) {
            return;
        }
        final long now = System.nanoTime();
        if (now - nextLogNanos >= 0) {
            nextLogNanos = now + LOG_INTERVAL_NANOS;
            logger.debug(format, arg1, arg2);
        }
    }

    private void debug(String format, Object arg) {
        if (!logger.isDebugEnabled()) {
            return;
        }
        final long now = System.nanoTime();
        if (now - nextLogNanos >= 0) {
            nextLogNanos = now + LOG_INTERVAL_NANOS;
            logger.debug(format, arg);
        }
    }
}
