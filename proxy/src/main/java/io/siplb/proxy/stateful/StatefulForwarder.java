package io.siplb.proxy.stateful;

import static java.util.Objects.requireNonNull;

import java.net.InetSocketAddress;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.EventLoop;
import io.netty.util.concurrent.ScheduledFuture;
import io.siplb.codec.SipMessage;
import io.siplb.codec.SipMessageParser;
import io.siplb.codec.SipMethod;
import io.siplb.codec.Via;
import io.siplb.proxy.core.DropReason;
import io.siplb.proxy.core.Forwarder;
import io.siplb.proxy.core.ForwardingSupport;
import io.siplb.proxy.core.ProxyContext;
import io.siplb.proxy.core.ProxyStats;
import io.siplb.proxy.core.RejectReason;
import io.siplb.proxy.routing.RequestRouter;
import io.siplb.proxy.routing.RoutingDecision;
import io.siplb.proxy.routing.RoutingDecision.Reject;
import io.siplb.proxy.stateless.StatelessForwarder;
import io.siplb.proxy.transport.Egress;

/**
 * The transaction-stateful forwarder of one event loop (RFC 3261 §16, §17; siplb.proxy.mode = stateful):
 * <ul>
 *   <li>A request opens a server transaction ({@link ServerTransaction}) keyed by its top Via's branch, sent-by
 *       and method (RFC 2543 matching without the magic cookie); a retransmission is absorbed and answered with the
 *       last response sent for it; an INVITE gets 100 Trying at once.</li>
 *   <li>The {@link RequestRouter} decides; a dispatch is tried destination by destination down the engine's
 *       failover list ({@link ClientBranch} per try, each with its own branch), on fr-timeout, a failover code or a
 *       transport error, until the list or {@code max-attempts} runs out; parallel selections fork to every
 *       destination at once.</li>
 *   <li>Responses are matched to their branch by siplb's branch ({@link Branches}: a response another event loop
 *       received is handed over to this one); the best final response goes upstream (§16.7); a response matching no
 *       transaction is forwarded statelessly by its Vias.</li>
 *   <li>CANCEL (§16.10) is answered 200 and sent down every pending branch after its first provisional; a CANCEL
 *       matching nothing, and the ACK of a 2xx, are forwarded statelessly; the ACK of a non-2xx response is
 *       absorbed (the proxy ACKs downstream itself).</li>
 *   <li>A request matching a server transaction of another event loop (its retransmission, CANCEL or ACK read by
 *       another loop than the INVITE: over a second TCP connection, from another source port) is handed over to
 *       that loop and handled there as if it had been read there.</li>
 * </ul>
 *
 * <p>Ownership: {@link #handle} does not release the message it is given. A server transaction keeps a compact copy
 * of its request (the received datagram's buffer is not held) until a final response went upstream, a branch the
 * message it sends (one buffer: the request with siplb's edits) until its final response, and the transaction the
 * last response it sent (a heap copy) until it ends; all are released at the latest when the transaction ends or
 * the forwarder closes.
 *
 * <p>Not thread-safe; confined to its event loop: the transactions, their timers (scheduled on the loop) and the
 * tables are touched only there, so no lock is taken per message. The one exception is the table of server
 * transactions, which the other loops read (never write) to find where a request they cannot match belongs: a
 * {@link ConcurrentHashMap}, whose reads take no lock.
 */
public final class StatefulForwarder implements Forwarder {

    final StatefulProxy shared;
    final ProxyContext ctx;
    final ForwardingSupport io;
    final RequestRouter router;
    final ProxyStats stats;
    final EventLoop loop;
    private final int index;
    private final int loops;
    private final String branchPrefix;
    private final SipMessageParser parser = new SipMessageParser();
    private final StatelessForwarder stateless;
    /**
     * This loop's server transactions by key: written only on this loop, read by the other loops when a request
     * matches none of theirs (see {@link #handOver(String, SipMessage, Egress, InetSocketAddress)}).
     */
    private final Map<String, ServerTransaction> servers = new ConcurrentHashMap<>();
    private final Map<String, ClientBranch> branches = new HashMap<>();
    /**
     * The server transactions of this loop without a final response yet: what {@code max-transactions} bounds.
     * The completed ones that linger to absorb retransmissions (64*T1 over UDP) hold only their key and last
     * response, and their number is bounded by the request rate.
     */
    private int inProgress;
    private long branchSequence;
    private boolean closed;
    /** The ends of lingering transactions and branches, swept every {@link Lingering#TICK_NANOS}. */
    private final Lingering lingering = new Lingering();
    private final ScheduledFuture<?> lingerSweep;
    /** Keepalive probing; only the forwarder of loop 0 probes. */
    private Prober prober;

    /**
     * Creates the forwarder of one event loop.
     *
     * @param shared the state every loop shares
     * @param ctx the proxy context, published
     * @param loop this forwarder's event loop
     * @param index this loop's index, named in siplb's branches
     * @param loops how many event loops share {@code max-transactions}
     * @param router a stateful router
     * @param statelessRouter the router of requests forwarded without a transaction (ACK of a 2xx, CANCEL matching
     *                        nothing)
     */
    public StatefulForwarder(StatefulProxy shared, ProxyContext ctx, EventLoop loop, int index, int loops,
                             RequestRouter router, RequestRouter statelessRouter) {
        this.shared = requireNonNull(shared, "shared");
        this.ctx = requireNonNull(ctx, "ctx");
        this.loop = requireNonNull(loop, "loop");
        this.router = requireNonNull(router, "router");
        this.index = index;
        io = new ForwardingSupport(ctx, loop);
        stats = ctx.stats();
        this.loops = Math.max(1, loops);
        branchPrefix = Branches.prefix(shared.instanceTag());
        stateless = new StatelessForwarder(io, statelessRouter);
        lingerSweep = loop.scheduleAtFixedRate(this::sweepLingering, Lingering.TICK_NANOS, Lingering.TICK_NANOS,
                                               TimeUnit.NANOSECONDS);
    }

    private void sweepLingering() {
        if (closed) {
            return;
        }
        try {
            lingering.expire(System.nanoTime());
        } catch (RuntimeException e) {
            io.internalError("the linger sweep", e);
        } finally {
            io.flush();
        }
    }

    /**
     * Ends {@code owner}'s linger {@code nanos} from now (its {@link Lingering.Owner#lingerEnded} then runs on this
     * loop), unless its generation changes before; on the loop.
     */
    void linger(Lingering.Owner owner, long nanos) {
        if (nanos > 0 && lingering.add(owner, nanos, System.nanoTime())) {
            return;
        }
        final int generation = owner.lingerGeneration();
        schedule(() -> {
            if (owner.lingerGeneration() == generation) {
                owner.lingerEnded();
            }
        }, Math.max(0, nanos));
    }

    /** Returns the server transactions alive on this loop, lingering ones included. */
    int transactionCount() {
        return servers.size();
    }

    /** A server transaction sent its final response (or ended without one): it no longer counts as in progress. */
    void transactionSettled() {
        inProgress--;
    }

    @Override
    public void handle(SipMessage msg, Egress inbound, InetSocketAddress sender) {
        stats.received(inbound.transport(), msg);
        try {
            if (!msg.decoderResult().isSuccess()) {
                io.handleMalformed(msg, inbound, sender);
            } else if (msg.isRequest()) {
                onRequest(msg, inbound, sender, false);
            } else {
                onResponse(msg);
            }
        } catch (RuntimeException e) {
            io.internalError(sender, e);
        }
    }

    /**
     * Handles a request; {@code handedOver} when another loop read it and handed it to this one, which holds (or
     * held a moment ago) its server transaction.
     */
    private void onRequest(SipMessage msg, Egress inbound, InetSocketAddress sender, boolean handedOver) {
        final SipMethod method = msg.method();
        if (method == SipMethod.ACK) {
            final String key = TransactionMessages.serverKey(msg, false);
            final ServerTransaction st = server(key);
            if (st != null && st.absorbsAck()) {
                stats.requestReceived();
                stats.retransmissionAbsorbed();
                st.onAck();
                return;
            }
            if (st == null && !handedOver && handOver(key, msg, inbound, sender)) {
                return;
            }
            // The ACK of a 2xx is an in-dialog request of its own (RFC 3261 §13.2.2.4): routed, not absorbed.
            stateless.handle(msg, inbound, sender);
            return;
        }
        if (method == SipMethod.CANCEL) {
            final String key = TransactionMessages.serverKey(msg, true);
            final ServerTransaction st = server(key);
            if (st == null && !handedOver && handOver(key, msg, inbound, sender)) {
                return;
            }
            if (st == null || !st.isInvite()) {
                // RFC 3261 §16.10: a CANCEL without response context is forwarded statelessly.
                stateless.handle(msg, inbound, sender);
                return;
            }
            stats.requestReceived();
            io.respond(msg, inbound, sender, io.localResponse(msg, inbound, sender, 200), 200);
            st.cancel();
            return;
        }
        final String key = TransactionMessages.serverKey(msg, false);
        if (key == null) {
            // No top Via to key a transaction by (the decoder lets no such request through): nothing to keep.
            stateless.handle(msg, inbound, sender);
            return;
        }
        final ServerTransaction existing = servers.get(key);
        if (existing == null && !handedOver && handOver(key, msg, inbound, sender)) {
            return;
        }
        stats.requestReceived();
        if (existing != null) {
            stats.retransmissionAbsorbed();
            existing.onRetransmission();
            return;
        }
        // This loop's share of max-transactions, read from the configuration in force (a reload may change it).
        if (inProgress >= Math.max(1, ctx.settings().transactions().maxTransactions() / loops)) {
            io.reject(msg, inbound, sender, Reject.unavailable(RejectReason.TOO_MANY_TRANSACTIONS));
            return;
        }
        // A copy of its own size (index and all), so that the transaction does not hold the datagram.
        final SipMessage copy = msg.compactCopy();
        final ServerTransaction st = new ServerTransaction(this, key, copy, inbound, sender);
        servers.put(key, st);
        inProgress++;
        shared.transactionCreated();
        try {
            st.start();
        } catch (RuntimeException e) {
            st.fail();
            throw e;
        }
    }

    /** Routes the transaction's request and acts on the decision. */
    void route(ServerTransaction st) {
        act(st, router.route(st.request, st.sender));
    }

    void act(ServerTransaction st, RoutingDecision decision) {
        if (!st.isProceeding()) {
            // Answered or CANCELled meanwhile (a lookup took time): nothing more goes downstream.
            return;
        }
        if (decision instanceof RoutingDecision.Lookup) {
            final RoutingDecision.Lookup l = (RoutingDecision.Lookup) decision;
            final boolean started = io.lookUp(st.request, l.name(), to -> {
                if (st.isProceeding()) {
                    act(st, router.afterLookup(l, to, st.request, st.sender));
                }
            });
            if (!started) {
                st.reject(Reject.unavailable(RejectReason.TOO_MANY_LOOKUPS));
            }
            return;
        }
        st.onDecision(decision);
    }

    /** Parses a message siplb built (a forwarded request), for the CANCEL and ACK built from it. */
    SipMessage parse(ByteBuf built) {
        final ByteBuf flat = Unpooled.buffer(built.readableBytes());
        flat.writeBytes(built, built.readerIndex(), built.readableBytes());
        try {
            return parser.parse(flat);
        } finally {
            flat.release();
        }
    }

    private void onResponse(SipMessage msg) {
        final Via top = msg.topVia();
        final int owner = top != null ? Branches.loopOf(top.branch(), branchPrefix) : -1;
        if (owner < 0) {
            stats.responseReceived();
            io.forwardResponseByVia(msg);
            return;
        }
        if (owner != index) {
            final StatefulForwarder other = shared.forwarder(owner);
            if (other == null) {
                stats.responseReceived();
                stats.drop(DropReason.RESPONSE_VIA_NOT_OURS);
                return;
            }
            handTo(other, msg, () -> other.onOwnResponse(msg));
            return;
        }
        onOwnResponse(msg);
    }

    /**
     * Hands a request that matches none of this loop's server transactions to the loop that holds its transaction,
     * if another loop does: a retransmission, CANCEL or ACK that reached siplb over another connection or from
     * another source port than its INVITE, so that another loop read it. Returns whether it did. Costs a lookup in
     * each other loop's table, no lock; nothing when there is one loop.
     */
    private boolean handOver(String key, SipMessage msg, Egress inbound, InetSocketAddress sender) {
        if (key == null) {
            return false;
        }
        final List<StatefulForwarder> all = shared.forwarders();
        for (int i = 0; i < all.size(); i++) {
            final StatefulForwarder other = all.get(i);
            if (other != this && other.servers.containsKey(key)) {
                handTo(other, msg, () -> other.onRequest(msg, inbound, sender, true));
                return true;
            }
        }
        return false;
    }

    /** This loop's server transaction of {@code key}, or {@code null} (also for a {@code null} key). */
    private ServerTransaction server(String key) {
        return key != null ? servers.get(key) : null;
    }

    /**
     * Runs {@code task} on {@code other}'s loop, {@code msg} retained for it and released after it, then flushes
     * what it sent; counted as a handover.
     */
    private void handTo(StatefulForwarder other, SipMessage msg, Runnable task) {
        shared.handover();
        msg.retain();
        try {
            other.loop.execute(() -> {
                try {
                    if (!other.closed) {
                        task.run();
                    }
                } catch (RuntimeException e) {
                    other.io.internalError("another event loop", e);
                } finally {
                    msg.release();
                    other.flush();
                }
            });
        } catch (RejectedExecutionException e) {
            msg.release(); // siplb is stopping
        }
    }

    /** Handles a response to one of this loop's branches. */
    void onOwnResponse(SipMessage msg) {
        stats.responseReceived();
        if (closed) {
            return;
        }
        if (prober != null && prober.onResponse(msg)) {
            return;
        }
        final ClientBranch b = branches.get(msg.topVia().branch());
        if (b == null) {
            // RFC 3261 §16.7 last paragraph: a response matching no transaction is forwarded statelessly.
            io.forwardResponseByVia(msg);
            return;
        }
        final io.siplb.codec.CSeq cseq = msg.cseq();
        if (cseq != null && cseq.methodType() == SipMethod.CANCEL) {
            b.onCancelResponse(msg.statusCode());
            return;
        }
        b.onResponse(msg);
    }

    /** Starts keepalive probing from this loop (one loop of siplb probes); on the loop. */
    public void startProbing() {
        prober = new Prober(this);
        prober.start();
    }

    /**
     * After a reload published a new configuration: opens the sockets towards the destinations added; on the loop.
     * (The prober follows the snapshot and the probing settings itself and probes new destinations at once.)
     * Transactions under way keep the branches they have.
     */
    public void onReload(Iterable<java.net.InetSocketAddress> addresses) {
        openDestinations(addresses);
        io.flush();
    }

    /** Opens the sockets towards the destinations of every set (see {@link ForwardingSupport#open}); on the loop. */
    public void openDestinations(Iterable<java.net.InetSocketAddress> addresses) {
        for (InetSocketAddress a : addresses) {
            io.open(a, this);
        }
    }

    @Override
    public void onTransportError(InetSocketAddress remote, String reason) {
        if (prober != null) {
            prober.onTransportError(remote);
        }
        for (ClientBranch b : branches.values().toArray(new ClientBranch[0])) {
            if (b.hop.address().equals(remote)) {
                b.onTransportError(reason);
            }
        }
        io.flush();
    }

    /** Returns a new branch of this loop. */
    String newBranch() {
        return Branches.of(branchPrefix, index, ++branchSequence);
    }

    void register(ClientBranch b) {
        branches.put(b.id, b);
    }

    void unregister(ClientBranch b) {
        branches.remove(b.id, b);
    }

    void unregister(ServerTransaction st) {
        servers.remove(st.key, st);
    }

    /** Schedules {@code task} on this loop in {@code nanos}; the task's sends are flushed when it has run. */
    ScheduledFuture<?> schedule(Runnable task, long nanos) {
        return loop.schedule(() -> {
            if (closed) {
                return;
            }
            try {
                task.run();
            } catch (RuntimeException e) {
                io.internalError("a timer", e);
            } finally {
                io.flush();
            }
        }, nanos, TimeUnit.NANOSECONDS);
    }

    @Override
    public EventLoop eventLoop() {
        return loop;
    }

    @Override
    public void flush() {
        io.flush();
    }

    @Override
    public void close() {
        closed = true;
        for (ServerTransaction st : servers.values().toArray(new ServerTransaction[0])) {
            st.terminate();
        }
        for (ClientBranch b : branches.values().toArray(new ClientBranch[0])) {
            b.terminate();
        }
        servers.clear();
        branches.clear();
        lingerSweep.cancel(false);
        lingering.clear();
        io.close();
    }
}
