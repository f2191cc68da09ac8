package io.siplb.proxy.core;

import static java.util.Objects.requireNonNull;

import java.net.InetAddress;
import java.net.InetSocketAddress;
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
import io.netty.channel.EventLoop;
import io.netty.util.concurrent.Future;
import io.siplb.codec.SipDecodeError;
import io.siplb.codec.SipMessage;
import io.siplb.codec.SipMessageParser;
import io.siplb.codec.SipMethod;
import io.siplb.codec.SipResponses;
import io.siplb.codec.SipRewriter;
import io.siplb.codec.Via;
import io.siplb.dispatch.Transport;
import io.siplb.proxy.routing.RequestRouter;
import io.siplb.proxy.routing.RoutingDecision.Reject;
import io.siplb.proxy.routing.RoutingDecision.RouteEdits;
import io.siplb.proxy.stream.StreamConnection;
import io.siplb.proxy.stream.StreamTransports;
import io.siplb.proxy.transport.Egress;

/**
 * What the stateless and the stateful forwarder of one event loop both do with messages: choose the egress towards a
 * next hop (a socket of this loop first), send with a bound on queued writes, flush once per read batch, answer
 * locally (with {@code received}/{@code rport}, RFC 3581 §4), answer or drop malformed input, apply the Route edits,
 * Max-Forwards, Record-Route and Via to a forwarded request, send a response by its next Via (RFC 3261 §18.2.2), and
 * look next hops named by host name up while holding the message.
 *
 * <p>Ownership: every buffer passed to {@link #send} is released by the channel once written, or here when it is not
 * written. A message held during a lookup is retained until the lookup's continuation has run, or released when the
 * forwarder closes.
 *
 * <p>No locks and no logging per message: drops and failures are counted in {@link ProxyStats}, with at most one
 * DEBUG line per second. Not thread-safe; confined to its event loop (the send listener, which other loops may run,
 * only touches thread-safe state).
 */
public final class ForwardingSupport {

    private static final Logger logger = LoggerFactory.getLogger(ForwardingSupport.class);

    /** Requests that may wait for a DNS lookup per event loop; each holds its receive buffer. */
    public static final int MAX_PENDING_LOOKUPS = 256;

    /** At most one per-message DEBUG line per this many nanoseconds. */
    private static final long LOG_INTERVAL_NANOS = 1_000_000_000L;

    private final ProxyContext ctx;
    private final EventLoop loop;
    private final ProxyStats stats;
    private final SipResponses responses;
    private final SipRewriter rewriter = new SipRewriter();
    /** Parses a request again after one of several own Route values was removed (see {@link #buildRequest}). */
    private final SipMessageParser parser = new SipMessageParser();
    private final ChannelFutureListener sendListener;
    /** The rate limit of {@link #sendListener}'s DEBUG line, which other event loops run too. */
    private final AtomicLong nextSendFailureLogNanos = new AtomicLong();
    private final Egress udp4;
    private final Egress udp6;
    private final Egress[] pending;
    private int pendingCount;
    private long nextLogNanos;
    /** Looks up next hops named by host name; created on first use. */
    private NextHopResolver resolver;
    /** The {@code siplb.dns} settings {@link #resolver} was built with. */
    private java.util.List<InetSocketAddress> resolverServers;
    private java.time.Duration resolverTimeout;
    /** Requests held (retained) while their next hop is looked up; identity set, confined to the event loop. */
    private final Set<SipMessage> held = Collections.newSetFromMap(new IdentityHashMap<>());

    /** Creates the support of the forwarder of {@code loop}; {@link ProxyContext#publish} must have run. */
    public ForwardingSupport(ProxyContext ctx, EventLoop loop) {
        this.ctx = requireNonNull(ctx, "ctx");
        this.loop = requireNonNull(loop, "loop");
        stats = ctx.stats();
        responses = ctx.responses();
        final List<Egress> egresses = ctx.egressesPreferring(loop);
        pending = new Egress[egresses.size() + 1];
        Egress v4 = null;
        Egress v6 = null;
        for (Egress e : egresses) {
            if (e.transport() != Transport.UDP) {
                continue;
            }
            if (e.isIpv6()) {
                v6 = v6 == null ? e : v6;
            } else {
                v4 = v4 == null ? e : v4;
            }
        }
        udp4 = v4;
        udp6 = v6;
        // Runs on the event loop of the socket written to, which may be another one.
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

    /** Returns the event loop. */
    public EventLoop eventLoop() {
        return loop;
    }

    /** Returns the proxy context. */
    public ProxyContext context() {
        return ctx;
    }

    /** Returns the counters. */
    public ProxyStats stats() {
        return stats;
    }

    /** Returns the rewriter of this loop (reset by every {@link SipRewriter#rewrite}). */
    public SipRewriter rewriter() {
        return rewriter;
    }

    /**
     * Returns the socket or connection to send to {@code to} over {@code transport} from: over UDP a socket of this
     * event loop when there is one, of the address's family; over a stream an open connection to {@code to}, else a
     * new one (see {@link StreamTransports#connection}); {@code null} when siplb has none.
     */
    public Egress egressFor(Transport transport, InetSocketAddress to) {
        if (transport == Transport.UDP) {
            return to.getAddress() instanceof java.net.Inet6Address ? udp6 : udp4;
        }
        final StreamTransports st = ctx.streams();
        return st != null ? st.connection(transport, to, null, loop) : null;
    }

    /**
     * Returns the socket or connection to send to {@code hop} from: its flow when it names one (the connection
     * when it is still open, else {@code null}), else as {@link #egressFor(Transport, InetSocketAddress)} with the
     * host name a TLS certificate must match.
     */
    public Egress egressFor(NextHop hop) {
        if (hop.connection() != null) {
            return isOpen(hop.connection()) ? hop.connection() : null;
        }
        if (hop.transport() == Transport.UDP) {
            return egressFor(Transport.UDP, hop.address());
        }
        final StreamTransports st = ctx.streams();
        return st != null ? st.connection(hop.transport(), hop.address(), hop.host(), loop) : null;
    }

    private static boolean isOpen(Egress e) {
        return !(e instanceof StreamConnection) || ((StreamConnection) e).isOpen();
    }

    /** The size above which a request goes over TCP instead of UDP (RFC 3261 §18.1.1: 1300 octets). */
    public static final int MAX_UDP_REQUEST = 1300;

    /**
     * Returns {@code hop}, or the same over TCP when the request siplb builds from {@code msg} would be larger
     * than {@value #MAX_UDP_REQUEST} octets, the next hop's URI did not ask for UDP explicitly and siplb listens on
     * TCP (RFC 3261 §18.1.1).
     */
    public NextHop sized(NextHop hop, SipMessage msg, Egress inbound) {
        if (hop.transport() != Transport.UDP || hop.explicitTransport() || hop.connection() != null) {
            return hop;
        }
        final StreamTransports st = ctx.streams();
        if (st == null || !st.transports().contains(Transport.TCP)) {
            return hop;
        }
        // What siplb adds: its Via (with branch and received/rport on the next) and up to two Record-Routes.
        final int added = 2 * inbound.recordRoute().length() + inbound.viaSentBy().length() + 120;
        if (msg.content().readableBytes() + added <= MAX_UDP_REQUEST) {
            return hop;
        }
        return hop.withTransport(Transport.TCP);
    }

    /** Sockets connected to one destination each, at most {@value #MAX_CONNECTED} per event loop. */
    private final java.util.Map<InetSocketAddress, Egress> connected = new java.util.HashMap<>();
    private final Set<InetSocketAddress> connecting = new java.util.HashSet<>();
    /** When opening a socket towards a destination last failed, so that it is not retried on every request. */
    private final java.util.Map<InetSocketAddress, Long> failed = new java.util.HashMap<>();
    private static final long RETRY_CONNECT_NANOS = 5_000_000_000L;
    private boolean closed;

    /** Connected sockets per event loop; past it, the listener sends (and ICMP errors are not seen). */
    public static final int MAX_CONNECTED = 4096;

    /**
     * Returns the socket a transaction sends to {@code to} over {@code transport} from: over UDP one connected to
     * {@code to} (opened on first use, so that an ICMP port unreachable reaches {@code owner} as a transport error),
     * else as {@link #egressFor}.
     */
    public Egress egressTowards(Transport transport, InetSocketAddress to, Forwarder owner) {
        return egressTowards(new NextHop(to, transport), owner);
    }

    /** As {@link #egressTowards(Transport, InetSocketAddress, Forwarder)}, for {@code hop} (see {@link #egressFor(NextHop)}). */
    public Egress egressTowards(NextHop hop, Forwarder owner) {
        final Transport transport = hop.transport();
        final InetSocketAddress to = hop.address();
        final Egress listener = egressFor(hop);
        if (listener == null || transport != Transport.UDP || hop.connection() != null) {
            return listener;
        }
        final Egress e = connected.get(to);
        if (e != null) {
            return e;
        }
        open(to, listener, owner);
        return listener;
    }

    /**
     * Opens the socket connected to {@code to} unless it is open or opening; requests go through the listener until
     * it is open. Called at start-up for every destination, so that the first request already uses it.
     */
    public void open(InetSocketAddress to, Forwarder owner) {
        final Egress listener = egressFor(Transport.UDP, to);
        if (listener != null) {
            open(to, listener, owner);
        }
    }

    private void open(InetSocketAddress to, Egress listener, Forwarder owner) {
        final io.siplb.proxy.transport.Connector c = ctx.connector();
        if (c == null || connecting.contains(to) || connected.containsKey(to)
            || connected.size() + connecting.size() >= MAX_CONNECTED) {
            return;
        }
        final Long failedAt = failed.get(to);
        if (failedAt != null && System.nanoTime() - failedAt < RETRY_CONNECT_NANOS) {
            return;
        }
        connecting.add(to);
        c.connect(loop, to, listener, owner, egress -> {
            connecting.remove(to);
            if (egress == null) {
                failed.put(to, System.nanoTime());
                return;
            }
            failed.remove(to);
            if (closed) {
                egress.close();
                return;
            }
            connected.put(to, egress);
            // A socket the transport closed (a read error) is forgotten: the next request opens another.
            egress.closeFuture().addListener(f -> {
                if (!loop.isShuttingDown()) {
                    loop.execute(() -> connected.remove(to, egress));
                }
            });
        });
    }

    /**
     * Writes {@code buf} to {@code to} through {@code out}, or releases it and counts
     * {@link DropReason#SEND_QUEUE_FULL} when the socket is not writable (its queue is above the high water mark).
     * A queued message is counted as sent over the egress's transport, as a request or response of {@code method}.
     *
     * @param request whether {@code buf} is a request (else a response)
     * @param method the request's method, or the response's CSeq method ({@link SipMethod#EXTENSION}: other)
     * @return whether the message was queued
     */
    public boolean send(Egress out, ByteBuf buf, InetSocketAddress to, boolean request, SipMethod method) {
        if (out instanceof StreamConnection && !((StreamConnection) out).isOpen()) {
            out = reopen((StreamConnection) out);
            if (out == null) {
                buf.release();
                stats.drop(DropReason.RESPONSE_NO_CONNECTION);
                return false;
            }
        }
        if (!out.isWritable()) {
            buf.release();
            stats.drop(DropReason.SEND_QUEUE_FULL);
            return false;
        }
        if (out.eventLoop() == loop && loop.inEventLoop()) {
            out.send(buf, to, false, sendListener);
            markPending(out);
        } else {
            out.send(buf, to, true, sendListener);
        }
        stats.sent(out.transport(), request, method);
        return true;
    }

    /**
     * Returns a connection to use instead of {@code closed}: another open one to the same peer, else a new one to
     * a client's Via sent-by (RFC 3261 §18.2.2; TCP and TLS: a WebSocket client cannot be reached) or to the
     * destination siplb had connected to; {@code null} when there is none.
     */
    private Egress reopen(StreamConnection closed) {
        final StreamTransports st = ctx.streams();
        if (st == null) {
            return null;
        }
        final StreamConnection other = st.table().find(closed.transport(), closed.remoteAddress());
        if (other != null) {
            return other;
        }
        if (!closed.isInbound()) {
            return st.connection(closed.transport(), closed.remoteAddress(), null, loop);
        }
        final InetSocketAddress reply = closed.replyAddress();
        if (reply == null || closed.transport() == Transport.WS || closed.transport() == Transport.WSS) {
            return null;
        }
        return st.connection(closed.transport(), reply, null, loop);
    }

    private void markPending(Egress out) {
        for (int i = 0; i < pendingCount; i++) {
            if (pending[i] == out) {
                return;
            }
        }
        if (pendingCount == pending.length) {
            out.flush();
            return;
        }
        pending[pendingCount++] = out;
    }

    /** Flushes every socket written to since the last flush. */
    public void flush() {
        for (int i = 0; i < pendingCount; i++) {
            pending[i].flush();
            pending[i] = null;
        }
        pendingCount = 0;
    }

    /**
     * Answers or drops a message that failed to decode: answerable requests get the status the decoder chose (400,
     * 414, 501, 505, 513) naming the problem; responses, ACKs and the rest are dropped and counted by reason.
     */
    public void handleMalformed(SipMessage msg, Egress inbound, InetSocketAddress sender) {
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
            final String text = msg.errorText();
            respond(msg, inbound, sender, responses.response(inbound.alloc(), msg, sender, status, null,
                                                             text != null ? text : SipResponses.reasonPhrase(status)),
                    status);
            return;
        }
        stats.drop(DropReason.MALFORMED_REQUEST);
        debug("dropped an unanswerable malformed request from {}: {}", sender, msg.errorText());
    }

    /**
     * Answers {@code msg} as {@code reject} says (an ACK is dropped instead, RFC 3261 §17.2.1), counting a 503's
     * reason.
     */
    public void reject(SipMessage msg, Egress inbound, InetSocketAddress sender, Reject reject) {
        if (reject.reason() != null) {
            stats.reject(reject.reason());
        }
        if (msg.method() == SipMethod.ACK) {
            stats.drop(DropReason.ACK_NOT_ROUTABLE);
            return;
        }
        final ByteBuf response = localResponse(msg, inbound, sender, reject);
        respond(msg, inbound, sender, response, reject.status());
        if (reject.reason() != null) {
            debug("answered 503 to a request from {}: {}", sender, reject.reason());
        }
    }

    /** Builds the local response a {@link Reject} describes; {@code null} when the request cannot be answered. */
    public ByteBuf localResponse(SipMessage msg, Egress inbound, InetSocketAddress sender, Reject reject) {
        final ByteBufAllocator alloc = inbound.alloc();
        if (reject.status() == 420) {
            return responses.badExtension(alloc, msg, sender, reject.unsupported());
        }
        if (reject.status() == 503 && reject.reasonPhrase() == null && reject.reason() != null) {
            return responses.serviceUnavailable(alloc, msg, sender, (int) ctx.retryAfterSeconds());
        }
        return responses.response(alloc, msg, sender, reject.status(), reject.reasonPhrase(), null);
    }

    /** Returns a local response with {@code status}; {@code null} when the request cannot be answered. */
    public ByteBuf localResponse(SipMessage msg, Egress inbound, InetSocketAddress sender, int status) {
        return responses.response(inbound.alloc(), msg, sender, status, null, null);
    }

    /** Returns a 503 with Retry-After; {@code null} when the request cannot be answered. */
    public ByteBuf serviceUnavailable(SipMessage msg, Egress inbound, InetSocketAddress sender) {
        return responses.serviceUnavailable(inbound.alloc(), msg, sender, (int) ctx.retryAfterSeconds());
    }

    /** Sends a local response to a request back the way the request came (RFC 3261 §18.2.2, RFC 3581 §4). */
    public void respond(SipMessage request, Egress inbound, InetSocketAddress sender, ByteBuf response, int status) {
        if (response == null) {
            // SipResponses builds nothing for a request that cannot be answered.
            stats.drop(DropReason.MALFORMED_REQUEST);
            return;
        }
        if (send(inbound, response, Addresses.localResponseTarget(request.topVia(), sender), false,
                 ProxyStats.countedMethod(request))) {
            stats.localResponse(status);
        }
    }

    /**
     * Builds the request to forward: {@code received}/{@code rport} on the top Via (§18.2.1, RFC 3581), the Route
     * edits (§16.4), Max-Forwards decremented, Record-Route on a dialog-creating request when configured (two when
     * the request leaves through another socket than it came in on, RFC 5658), and siplb's Via with {@code branch} on
     * top.
     *
     * @param msg the received request; neither retained nor released
     * @return the new message, for {@link #send} to {@code out}
     */
    public ByteBuf buildRequest(SipMessage msg, InetSocketAddress sender, RouteEdits edits, Egress inbound,
                                Egress out, String branch) {
        final int first = edits.ownRoutes();
        final String newRequestUri = edits.newRequestUri();
        SipMessage m = msg;
        try {
            // siplb's own values on top of the route set go in the same pass as the other edits; only together
            // with the strict-routing step (which removes the last value) is each further own value removed by a
            // pass of its own over the message without the previous one (double record-routing behind a strict
            // router: rare).
            final int passes = newRequestUri != null ? first : Math.min(first, 1);
            for (int k = 1; k < passes; k++) {
                final SipMessage shorter = withoutFirstRoute(m, out.alloc());
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
            if (ctx.settings().recordRoute() && RequestRouter.isDialogCreating(msg.method())) {
                if (out.recordRoute().equals(inbound.recordRoute())) {
                    r.addRecordRoute(inbound.recordRoute());
                } else {
                    // Double record-routing (RFC 5658): the interface facing the next hop on top.
                    r.addRecordRoute(out.recordRoute(), inbound.recordRoute());
                }
            }
            r.addVia(out.viaSentBy(), branch);
            return r.buildCopy(out.alloc());
        } finally {
            if (m != msg) {
                m.release();
            }
        }
    }

    /**
     * Returns {@code m} without its first Route value, parsed anew; {@code m} is neither retained nor released and
     * the caller releases the result.
     */
    private SipMessage withoutFirstRoute(SipMessage m, ByteBufAllocator alloc) {
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

    /**
     * Forwards a response by its Vias without state (RFC 3261 §16.7 last paragraph, §18.2.2): the top Via must be
     * siplb's (else dropped); it is removed and the response goes to the next Via's {@code maddr}, else
     * {@code received}/{@code rport}, else sent-by, looked up when it is a host name (RFC 3263 §5).
     *
     * @param msg a decoded response; neither retained nor released (retained while a lookup runs)
     */
    public void forwardResponseByVia(SipMessage msg) {
        final List<Via> vias = msg.vias();
        if (vias.isEmpty()) {
            stats.drop(DropReason.MALFORMED_RESPONSE);
            return;
        }
        final Via top = vias.get(0);
        if (!ctx.own().matches(top.host(), top.port())) {
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
        final Transport transport = Transport.fromViaName(next.transport());
        if (transport == null || transport == Transport.SCTP) {
            stats.drop(DropReason.RESPONSE_UNSUPPORTED_TRANSPORT);
            return;
        }
        if (transport != Transport.UDP) {
            forwardResponseOverStream(msg, next, transport);
            return;
        }
        final InetSocketAddress to = Addresses.responseTarget(next);
        if (to == null) {
            final HostName name = Addresses.responseHostName(next);
            if (name == null) {
                stats.drop(DropReason.RESPONSE_BAD_NEXT_VIA);
                debug("dropped a response whose next Via has no usable address: {}", next);
            } else if (!lookUp(msg, name, address -> {
                if (address == null) {
                    stats.drop(DropReason.RESPONSE_BAD_NEXT_VIA);
                } else {
                    sendResponse(msg, address, null);
                }
            })) {
                stats.drop(DropReason.TOO_MANY_LOOKUPS);
            }
            return;
        }
        sendResponse(msg, to, null);
    }

    /**
     * Sends a response whose next Via names a stream transport: over the connection the request came in on (found
     * by the {@code received}/{@code rport} siplb wrote, or an RFC 5923 alias), else, over TCP and TLS, over a new
     * connection to the {@code received} address and the sent-by port (RFC 3261 §18.2.2).
     */
    private void forwardResponseOverStream(SipMessage msg, Via next, Transport transport) {
        final StreamTransports st = ctx.streams();
        if (st == null || !st.transports().contains(transport)) {
            stats.drop(DropReason.RESPONSE_UNSUPPORTED_TRANSPORT);
            return;
        }
        final InetSocketAddress at = Addresses.responseTarget(next);
        StreamConnection c = at != null ? st.table().find(transport, at) : null;
        if (c == null && (transport == Transport.TCP || transport == Transport.TLS)) {
            final InetAddress ip = next.received() != null ? OwnAddresses.parseIp(next.received())
                                                           : OwnAddresses.parseIp(next.host());
            if (ip != null) {
                final int port = next.port() > 0 ? next.port() : transport == Transport.TLS ? 5061 : 5060;
                c = st.connection(transport, new InetSocketAddress(ip, port), null, loop);
            }
        }
        if (c == null) {
            stats.drop(DropReason.RESPONSE_NO_CONNECTION);
            debug("dropped a response for a {} client whose connection is gone: {}", transport, next);
            return;
        }
        sendResponse(msg, c.remoteAddress(), c);
    }

    /**
     * Removes siplb's Via and sends the response to {@code to}, through {@code out} or, when {@code null}, a socket
     * of the address's family.
     */
    public void sendResponse(SipMessage msg, InetSocketAddress to, Egress out) {
        final Egress via = out != null ? out : egressFor(Transport.UDP, to);
        if (via == null) {
            stats.drop(DropReason.RESPONSE_NO_LISTENER_FOR_FAMILY);
            return;
        }
        final ByteBuf buf = rewriter.rewrite(msg).removeTopVia().buildCopy(via.alloc());
        if (send(via, buf, to, false, ProxyStats.countedMethod(msg))) {
            stats.responseForwarded();
        }
    }

    /** What to do once a lookup is over: {@code to} is the unicast address found, or {@code null}. */
    public interface AfterLookup {
        /** Runs on the event loop. */
        void run(InetSocketAddress to);
    }

    /**
     * Starts looking {@code name} up, holding (retaining) {@code msg} until {@code then} has run on this event loop;
     * returns {@code false}, holding nothing, when {@value #MAX_PENDING_LOOKUPS} messages are already waiting.
     */
    public boolean lookUp(SipMessage msg, HostName name, AfterLookup then) {
        if (held.size() >= MAX_PENDING_LOOKUPS) {
            return false;
        }
        NextHopResolver r = resolver;
        final io.siplb.proxy.config.ProxySettings settings = ctx.settings();
        if (r != null && !(settings.dnsServers().equals(resolverServers)
                           && settings.dnsTimeout().equals(resolverTimeout))) {
            // A reload changed siplb.dns: later lookups use the new servers; those under way finish on the old ones.
            final NextHopResolver old = r;
            loop.schedule(old::close, resolverTimeout.toMillis() + 1000, java.util.concurrent.TimeUnit.MILLISECONDS);
            r = null;
        }
        if (r == null) {
            resolver = r = ctx.newResolver(loop);
            resolverServers = settings.dnsServers();
            resolverTimeout = settings.dnsTimeout();
        }
        final Future<InetSocketAddress> lookup;
        try {
            lookup = r.resolve(name.host(), name.port());
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
                return; // released when the forwarder closed
            }
            try {
                final InetSocketAddress to = f.isSuccess() ? f.getNow() : null;
                if (to == null || !Addresses.isUnicast(to.getAddress())) {
                    debug("no address for {}: {}", name, f.cause());
                    then.run(null);
                } else {
                    then.run(to);
                }
            } catch (RuntimeException e) {
                internalError(name, e);
            } finally {
                msg.release();
                flush();
            }
        });
        return true;
    }

    /** Counts and logs (rate-limited) an unexpected error while handling a message; the message is dropped. */
    public void internalError(Object from, RuntimeException e) {
        rewriter.clear();
        stats.drop(DropReason.INTERNAL_ERROR);
        final long now = System.nanoTime();
        if (now - nextLogNanos >= 0) {
            nextLogNanos = now + LOG_INTERVAL_NANOS;
            logger.warn("Dropped a message from {} after an unexpected error", from, e);
        }
    }

    /** Releases the messages held for lookups and closes the resolver; on the event loop. */
    public void close() {
        closed = true;
        for (Egress e : connected.values()) {
            e.close();
        }
        connected.clear();
        for (SipMessage m : held) {
            m.release();
        }
        held.clear();
        if (resolver != null) {
            resolver.close();
            resolver = null;
        }
    }

    /** Logs at DEBUG, at most once per second. */
    public void debug(String format, Object arg1, Object arg2) {
        if (!logger.isDebugEnabled()) {
            return;
        }
        final long now = System.nanoTime();
        if (now - nextLogNanos >= 0) {
            nextLogNanos = now + LOG_INTERVAL_NANOS;
            logger.debug(format, arg1, arg2);
        }
    }

    /** Logs at DEBUG, at most once per second. */
    public void debug(String format, Object arg) {
        debug(format, arg, null);
    }
}
