package io.siplb.proxy.stateless;

import static java.util.Objects.requireNonNull;

import java.net.InetSocketAddress;

import io.netty.buffer.ByteBuf;
import io.netty.channel.EventLoop;
import io.siplb.codec.SipBranches;
import io.siplb.codec.SipMessage;
import io.siplb.proxy.core.Forwarder;
import io.siplb.proxy.core.ForwardingSupport;
import io.siplb.proxy.core.NextHop;
import io.siplb.proxy.core.ProxyContext;
import io.siplb.proxy.core.ProxyStats;
import io.siplb.proxy.core.RejectReason;
import io.siplb.proxy.routing.RequestRouter;
import io.siplb.proxy.routing.RoutingDecision;
import io.siplb.proxy.routing.RoutingDecision.Dispatch;
import io.siplb.proxy.routing.RoutingDecision.Forward;
import io.siplb.proxy.routing.RoutingDecision.Lookup;
import io.siplb.proxy.routing.RoutingDecision.Reject;
import io.siplb.proxy.routing.RoutingDecision.RouteEdits;
import io.siplb.proxy.transport.Egress;

/**
 * Forwards SIP messages without keeping any state (RFC 3261 §16.11), so that every retransmission, ACK and CANCEL
 * of a call takes the same path as its INVITE (siplb.proxy.mode = stateless):
 * <ul>
 *   <li>Requests: the {@link RequestRouter} decides; a {@link Reject} is answered (an ACK dropped), a
 *       {@link Forward} or {@link Dispatch} goes to its next hop (for a dispatch, the selected destination: the
 *       router replaces algorithms whose choice is not a function of the request by the Call-ID hash), a
 *       {@link Lookup} is looked up first while the request is held. siplb's Via goes on top with a branch derived
 *       from the incoming one ({@link SipBranches#stateless(SipMessage)}, §16.11).</li>
 *   <li>Responses: by their Vias ({@link ForwardingSupport#forwardResponseByVia}).</li>
 *   <li>Malformed input: answered or dropped and counted ({@link ForwardingSupport#handleMalformed}).</li>
 * </ul>
 *
 * <p>Ownership: {@link #handle} does not release the message; the caller releases it afterwards. A message whose next
 * hop is being looked up is retained meanwhile ({@link ForwardingSupport#lookUp}). Each forwarded message and local
 * response is a new buffer written to a socket, which releases it after sending.
 *
 * <p>Not thread-safe; confined to its event loop (one instance per event loop, fed by every socket of the loop).
 */
public final class StatelessForwarder implements Forwarder {

    private final ForwardingSupport io;
    private final RequestRouter router;
    private final ProxyStats stats;
    /** Whether {@link #handle} counts received messages: not when the stateful forwarder hands them on. */
    private final boolean countsReceived;

    /**
     * Creates the forwarder of one event loop.
     *
     * @param ctx the shared state, published
     * @param loop the event loop
     * @param router the router (stateless)
     */
    public StatelessForwarder(ProxyContext ctx, EventLoop loop, RequestRouter router) {
        this(new ForwardingSupport(requireNonNull(ctx, "ctx"), loop), router, true);
    }

    /**
     * Creates a stateless forwarder over the forwarding support of another forwarder of the same event loop (the
     * stateful one, for the requests it forwards without a transaction); that forwarder flushes and closes it.
     */
    public StatelessForwarder(ForwardingSupport io, RequestRouter router) {
        this(io, router, false);
    }

    private StatelessForwarder(ForwardingSupport io, RequestRouter router, boolean countsReceived) {
        this.io = requireNonNull(io, "io");
        this.router = requireNonNull(router, "router");
        this.countsReceived = countsReceived;
        stats = io.stats();
    }

    @Override
    public void handle(SipMessage msg, Egress inbound, InetSocketAddress sender) {
        if (countsReceived) {
            stats.received(inbound.transport(), msg);
        }
        try {
            if (!msg.decoderResult().isSuccess()) {
                io.handleMalformed(msg, inbound, sender);
            } else if (msg.isRequest()) {
                stats.requestReceived();
                act(router.route(msg, sender), msg, inbound, sender);
            } else {
                stats.responseReceived();
                io.forwardResponseByVia(msg);
            }
        } catch (RuntimeException e) {
            io.internalError(sender, e);
        }
    }

    private void act(RoutingDecision decision, SipMessage msg, Egress inbound, InetSocketAddress sender) {
        if (decision instanceof Reject) {
            io.reject(msg, inbound, sender, (Reject) decision);
        } else if (decision instanceof Forward) {
            final Forward f = (Forward) decision;
            forward(msg, inbound, sender, f.hop(), f.edits());
        } else if (decision instanceof Dispatch) {
            final Dispatch d = (Dispatch) decision;
            final io.siplb.dispatch.Destination chosen = d.selection().destination();
            final Object hop = router.nextHop(chosen);
            if (hop instanceof RejectReason) {
                io.reject(msg, inbound, sender, Reject.unavailable((RejectReason) hop));
                return;
            }
            final io.siplb.dispatch.state.DestinationState state = io.context().dispatcher().state(chosen);
            if (state != null) {
                state.counters().selected();
            }
            forward(msg, inbound, sender, (NextHop) hop, d.edits());
        } else {
            final Lookup l = (Lookup) decision;
            final boolean started = io.lookUp(msg, l.name(), to -> act(
                    router.afterLookup(l, to, msg, sender),
                    msg, inbound, sender));
            if (!started) {
                io.reject(msg, inbound, sender, Reject.unavailable(RejectReason.TOO_MANY_LOOKUPS));
            }
        }
    }

    private void forward(SipMessage msg, Egress inbound, InetSocketAddress sender, NextHop chosen,
                         RouteEdits edits) {
        final NextHop hop = io.sized(chosen, msg, inbound);
        final Egress out = io.egressFor(hop);
        if (out == null) {
            io.reject(msg, inbound, sender, Reject.unavailable(RejectReason.NO_LISTENER_FOR_FAMILY));
            return;
        }
        final ByteBuf buf = io.buildRequest(msg, sender, edits, inbound, out, SipBranches.stateless(msg));
        if (io.send(out, buf, hop.address(), true, msg.method())) {
            stats.requestForwarded();
        }
    }

    @Override
    public EventLoop eventLoop() {
        return io.eventLoop();
    }

    @Override
    public void flush() {
        io.flush();
    }

    @Override
    public void close() {
        io.close();
    }
}
