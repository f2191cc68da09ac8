package io.siplb.proxy.stateful;

import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.util.concurrent.ScheduledFuture;
import io.siplb.codec.SipMessage;
import io.siplb.codec.SipMethod;
import io.siplb.dispatch.Destination;
import io.siplb.dispatch.Selection;
import io.siplb.dispatch.state.DestinationState;
import io.siplb.proxy.config.TransactionSettings;
import io.siplb.proxy.core.Addresses;
import io.siplb.proxy.core.NextHop;
import io.siplb.proxy.core.RejectReason;
import io.siplb.proxy.routing.RoutingDecision;
import io.siplb.proxy.routing.RoutingDecision.Dispatch;
import io.siplb.proxy.routing.RoutingDecision.Forward;
import io.siplb.proxy.routing.RoutingDecision.Reject;
import io.siplb.proxy.routing.RoutingDecision.RouteEdits;
import io.siplb.proxy.routing.RuleAction;
import io.siplb.proxy.transport.Egress;

/**
 * One server transaction of the stateful proxy (RFC 3261 §17.2) with its response context (§16.7): the request (a
 * compact copy), where responses go back, the branches tried, the final responses received, and the state machine:
 * <pre>
 * INVITE:      PROCEEDING --2xx--> ACCEPTED (Timer L = 64*T1, RFC 6026) --> TERMINATED
 *              PROCEEDING --300-699--> COMPLETED (Timer G retransmits over UDP, Timer H = 64*T1)
 *                          --ACK--> CONFIRMED (Timer I = T4) --> TERMINATED
 * non-INVITE:  TRYING/PROCEEDING --final--> COMPLETED (Timer J = 64*T1 over UDP, else 0) --> TERMINATED
 * </pre>
 * A dispatch tries the engine's candidates in turn (or all at once for a parallel selection): a branch that fails
 * (fr-timeout, a failover code, a transport error) makes the next candidate be tried, until the candidates or the
 * attempts run out; then the best final response goes upstream (6xx first, then the lowest class; 401/407 with
 * every challenge received; a 503 becomes 500 as §16.7 step 6 asks; 503 with Retry-After when nothing could be
 * tried). Not thread-safe; confined to its forwarder's event loop.
 */
final class ServerTransaction extends Lingering.Owner {

    private static final int PROCEEDING = 0;
    private static final int COMPLETED = 1;
    private static final int CONFIRMED = 2;
    private static final int ACCEPTED = 3;
    private static final int TERMINATED = 4;

    final StatefulForwarder f;
    final String key;
    /**
     * The request, a compact copy owned by this transaction while it is proceeding; released (and {@code null})
     * once a final response went upstream, so that a transaction lingering to absorb retransmissions holds only its
     * key, its last response (when it is retransmitted) and its place in the lingering ring.
     */
    SipMessage request;
    final Egress inbound;
    final InetSocketAddress sender;
    final InetSocketAddress responseTarget;
    private final boolean invite;
    /** The request's method, under which the responses sent for it are counted. */
    final SipMethod method;
    /** When the request arrived, for {@link io.siplb.proxy.core.ProxyStats#requestDuration()}. */
    private final long createdNanos;
    /** Whether a final response went upstream (the request's duration is recorded once). */
    private boolean finalSent;
    private final String callId;
    private int state = PROCEEDING;
    /**
     * The last response sent upstream, owned here, for retransmitted requests and Timer G: the buffer as built
     * while proceeding, a heap copy once COMPLETED, none once ACCEPTED.
     */
    private ByteBuf lastResponse;
    private ScheduledFuture<?> timer;
    private ScheduledFuture<?> lifetime;
    private long timerGInterval;
    private boolean cancelled;
    private final List<ClientBranch> live = new ArrayList<>(2);
    /** Final responses received from failed branches (compact copies owned here), for the best response. */
    private List<SipMessage> finals;
    /** Local failures that stand for a response (408 for a timeout), when no branch answered. */
    private int localFailure;
    private Dispatch plan;
    private int nextCandidate;
    private int attempts;
    private int maxAttempts;
    private RejectReason lastSkip;
    private boolean callTracked;
    /** Whether {@link #settle} ran: the transaction no longer counts as in progress. */
    private boolean settled;
    /**
     * The transaction settings in force when the request arrived: a reload changes the timers of later
     * transactions, never those of one under way.
     */
    final TransactionSettings settings;
    final long t1;
    final long t2;
    final long t4;

    ServerTransaction(StatefulForwarder f, String key, SipMessage request, Egress inbound, InetSocketAddress sender) {
        this.f = f;
        settings = f.ctx.settings().transactions();
        t1 = settings.t1().toNanos();
        t2 = settings.t2().toNanos();
        t4 = settings.t4().toNanos();
        this.key = key;
        this.request = request;
        this.inbound = inbound;
        this.sender = sender;
        responseTarget = Addresses.localResponseTarget(request.topVia(), sender);
        invite = request.method() == SipMethod.INVITE;
        method = request.method();
        createdNanos = System.nanoTime();
        callId = request.callId();
    }

    boolean isInvite() {
        return invite;
    }

    boolean isTerminated() {
        return state == TERMINATED;
    }

    /** Whether the transaction still waits for a final response to send (not answered, not cancelled). */
    boolean isProceeding() {
        return state == PROCEEDING && !cancelled;
    }

    /** Whether an ACK matching this transaction is the hop-by-hop ACK of a non-2xx final siplb sent. */
    boolean absorbsAck() {
        return invite && (state == COMPLETED || state == CONFIRMED);
    }

    void start() {
        // Whatever happens to the branches, the transaction ends: Timer C (INVITE) or 64*T1, and 64*T1 more.
        lifetime = f.schedule(this::expire, (invite ? settings.timerC().toNanos() : 0) + 128 * t1);
        f.route(this);
        if (invite && state == PROCEEDING) {
            // RFC 3261 §16.2 / §17.2.1: 100 Trying at once, so the caller stops retransmitting. It leaves right
            // after the INVITE went downstream (or its lookup started): the forward is on the way to the callee's
            // answer, the 100 is not. Routing that answered at once (a reject: no longer PROCEEDING) needs no 100.
            sendUpstream(f.io.localResponse(request, inbound, sender, 100), 100, true);
        }
    }

    void onRetransmission() {
        if (lastResponse != null && state != ACCEPTED && state != TERMINATED) {
            f.io.send(inbound, lastResponse.retainedDuplicate(), responseTarget, false, method);
        }
    }

    void onAck() {
        if (state == COMPLETED) {
            state = CONFIRMED;
            cancelTimers();
            // Timer I: absorb ACK retransmissions for T4 over UDP.
            lingerFor(f, inbound.transport().isReliable() ? 0 : t4);
        }
    }

    /** The caller CANCELled (RFC 3261 §16.10): every pending branch is cancelled; no failover from now on. */
    void cancel() {
        if (cancelled || state != PROCEEDING) {
            return;
        }
        cancelled = true;
        if (callTracked) {
            f.shared.callLoad().release(callId);
            callTracked = false;
        }
        if (live.isEmpty()) {
            respondLocal(487);
            return;
        }
        for (ClientBranch b : live.toArray(new ClientBranch[0])) {
            b.cancel();
        }
    }

    void onDecision(RoutingDecision decision) {
        if (request.method() == SipMethod.BYE && callId != null) {
            // The call ends whichever way its BYE goes.
            f.shared.callLoad().release(callId);
        }
        if (decision instanceof Reject) {
            reject((Reject) decision);
        } else if (decision instanceof Forward) {
            final Forward fw = (Forward) decision;
            maxAttempts = 1;
            if (!startBranch(null, fw.hop(), fw.edits())) {
                reject(Reject.unavailable(lastSkip != null ? lastSkip : RejectReason.NO_LISTENER_FOR_FAMILY));
            }
        } else {
            plan = (Dispatch) decision;
            final int configured = plan.action().maxAttempts() > 0 ? plan.action().maxAttempts()
                                                                   : settings.maxAttempts();
            maxAttempts = configured > 0 ? configured : Integer.MAX_VALUE;
            if (plan.selection().isParallel()) {
                while (nextCandidate < plan.selection().size()) {
                    tryCandidate();
                }
                if (live.isEmpty()) {
                    finish();
                }
            } else if (!tryNext()) {
                finish();
            }
        }
    }

    void reject(Reject r) {
        if (r.reason() != null) {
            f.stats.reject(r.reason());
        }
        final ByteBuf response = f.io.localResponse(request, inbound, sender, r);
        sendFinal(response, r.status());
    }

    /** Tries candidates until one branch starts; returns false when none is left. */
    private boolean tryNext() {
        while (nextCandidate < plan.selection().size() && attempts < maxAttempts) {
            if (tryCandidate()) {
                return true;
            }
        }
        return false;
    }

    private boolean tryCandidate() {
        final Selection sel = plan.selection();
        final Destination d = sel.get(nextCandidate++);
        final Object hop = f.router.nextHop(d);
        if (hop instanceof RejectReason) {
            lastSkip = (RejectReason) hop;
            return false;
        }
        if (attempts > 0 && !sel.isParallel()) {
            f.shared.failover(d.setId());
        }
        return startBranch(d, (NextHop) hop, plan.edits());
    }

    private boolean startBranch(Destination d, NextHop chosen, RouteEdits edits) {
        final NextHop hop = f.io.sized(chosen, request, inbound);
        final Egress out = f.io.egressTowards(hop, f);
        if (out == null) {
            lastSkip = RejectReason.NO_LISTENER_FOR_FAMILY;
            return false;
        }
        final DestinationState ds = d != null ? f.ctx.dispatcher().state(d) : null;
        final String branch = f.newBranch();
        final ByteBuf built = f.io.buildRequest(request, sender, edits, inbound, out, branch);
        if (invite && ds != null && plan != null && callId != null) {
            if (!callTracked) {
                callTracked = f.shared.callLoad().add(callId, ds, d.attributes().maxload()).isAdded();
            } else if (!plan.selection().isParallel()) {
                f.shared.callLoad().moveTo(callId, ds);
            }
        }
        attempts++;
        final ClientBranch b = new ClientBranch(this, branch, ds, hop, out, built, invite, frTimeout(),
                                                frInvTimeout());
        live.add(b);
        f.register(b);
        b.start();
        return true;
    }

    private long frTimeout() {
        final RuleAction.Dispatch a = plan != null ? plan.action() : null;
        return (a != null && a.frTimeout() != null ? a.frTimeout() : settings.frTimeout()).toNanos();
    }

    private long frInvTimeout() {
        final RuleAction.Dispatch a = plan != null ? plan.action() : null;
        final long inv = (a != null && a.frInvTimeout() != null ? a.frInvTimeout() : settings.frInvTimeout())
                .toNanos();
        return Math.min(inv, settings.timerC().toNanos());
    }

    private boolean isFailoverCode(int status) {
        return plan != null && plan.action().hasFailoverCodes() ? plan.action().isFailoverCode(status)
                                                                 : settings.isFailoverCode(status);
    }

    /** A provisional response (101-199) of a branch: forwarded upstream (RFC 3261 §16.7 step 5). */
    void onProvisional(ClientBranch b, SipMessage response) {
        if (state != PROCEEDING) {
            return;
        }
        sendUpstream(buildUpstream(response), response.statusCode(), false);
    }

    /** A 2xx of a branch: forwarded at once, every retransmission too (§16.7 step 5, RFC 6026). */
    void onSuccess(ClientBranch b, SipMessage response) {
        if (state != PROCEEDING && state != ACCEPTED) {
            f.io.sendResponse(response, responseTarget, inbound);
            return;
        }
        live.remove(b);
        f.shared.passiveSuccess(b.destination, "2xx");
        if (invite) {
            if (callTracked) {
                // The call now lives on the destination that answered, until its BYE (or the table's expiry).
                if (b.destination != null) {
                    f.shared.callLoad().moveTo(callId, b.destination);
                }
                f.shared.callLoad().confirm(callId);
                callTracked = false;
            }
            final boolean first = state == PROCEEDING;
            final ByteBuf upstream = buildUpstream(response);
            // ACCEPTED before the send: the 2xx goes out as built, not kept as a last response (none is resent).
            state = ACCEPTED;
            sendUpstream(upstream, response.statusCode(), false);
            if (first) {
                cancelOthers(null);
                cancelTimers();
                settle();
                lingerFor(f, 64 * t1);
            }
        } else if (state == PROCEEDING) {
            cancelOthers(null);
            sendFinal(buildUpstream(response), response.statusCode(), false);
        }
    }

    /** A 300-699 final response of a branch. */
    void onFailure(ClientBranch b, SipMessage response) {
        live.remove(b);
        if (state != PROCEEDING) {
            return;
        }
        final int status = response.statusCode();
        keep(response);
        if (status >= 600) {
            // §16.7 step 5: a 6xx ends the transaction; the other branches are cancelled; never failed over.
            cancelOthers(null);
            finish();
            return;
        }
        if (isFailoverCode(status)) {
            f.shared.passiveFailure(b.destination, status + " " + response.reasonPhrase());
            if (b.destination != null) {
                b.destination.latency().recordTimeout();
            }
            failOver();
        } else {
            f.shared.passiveSuccess(b.destination, Integer.toString(status));
            if (live.isEmpty()) {
                finish();
            }
        }
    }

    /** A branch failed without a response: fr-timeout (408) or a transport error (503). */
    void onBranchError(ClientBranch b, int localStatus, String reason) {
        live.remove(b);
        if (state != PROCEEDING) {
            return;
        }
        if (localFailure == 0 || localStatus == 408) {
            localFailure = localStatus;
        }
        f.shared.passiveFailure(b.destination, reason);
        if (b.destination != null && localStatus == 408) {
            b.destination.latency().recordTimeout();
        }
        failOver();
    }

    private void failOver() {
        if (!cancelled && plan != null && !plan.selection().isParallel() && tryNext()) {
            return;
        }
        if (live.isEmpty()) {
            finish();
        }
    }

    private void cancelOthers(ClientBranch except) {
        for (ClientBranch o : live.toArray(new ClientBranch[0])) {
            if (o != except) {
                o.cancel();
            }
        }
    }

    /** Sends the best final response upstream (§16.7 step 6) once no branch is pending. */
    private void finish() {
        if (state != PROCEEDING) {
            return;
        }
        if (callTracked) {
            f.shared.callLoad().release(callId);
            callTracked = false;
        }
        final SipMessage best = best();
        if (best == null) {
            if (cancelled) {
                respondLocal(487);
            } else if (localFailure == 408 && !invite) {
                // RFC 4320 §4.1: no 408 to a non-INVITE; the caller's own Timer F ends it. Its retransmissions
                // are absorbed meanwhile.
                state = COMPLETED;
                cancelTimers();
                settle();
                lingerFor(f, 64 * t1);
            } else if (localFailure != 0) {
                if (localFailure == 503) {
                    f.stats.reject(RejectReason.ALL_DESTINATIONS_FAILED);
                    sendFinal(f.io.serviceUnavailable(request, inbound, sender), 503);
                } else {
                    respondLocal(localFailure);
                }
            } else {
                final RejectReason reason = lastSkip != null ? lastSkip : RejectReason.NO_ACTIVE_DESTINATION;
                reject(Reject.unavailable(reason));
            }
            return;
        }
        final int status = best.statusCode();
        if (status == 503) {
            // §16.7 step 6: a 503 is not forwarded (it would make the caller stop using siplb): 500 instead.
            respondLocal(500);
            return;
        }
        if ((status == 401 || status == 407) && finals.size() > 1) {
            final ByteBuf merged = TransactionMessages.withChallenges(inbound.alloc(), best, finals);
            try {
                final SipMessage m = f.parse(merged);
                try {
                    sendFinal(buildUpstream(m), status, false);
                } finally {
                    m.release();
                }
            } finally {
                merged.release();
            }
            return;
        }
        sendFinal(buildUpstream(best), status, false);
    }

    /** 6xx first; else the lowest class, 401/407 first in class 4, else the first received of that class. */
    private SipMessage best() {
        if (finals == null || finals.isEmpty()) {
            return null;
        }
        SipMessage best = null;
        for (SipMessage m : finals) {
            final int s = m.statusCode();
            if (best == null) {
                best = m;
                continue;
            }
            final int b = best.statusCode();
            if (s >= 600 && b < 600) {
                best = m;
            } else if (b < 600 && s / 100 < b / 100) {
                best = m;
            } else if (b < 600 && s / 100 == b / 100 && (s == 401 || s == 407) && b != 401 && b != 407) {
                best = m;
            } else if (b < 600 && s / 100 == b / 100 && b == 503 && s != 503) {
                best = m;
            }
        }
        return best;
    }

    private void keep(SipMessage response) {
        if (finals == null) {
            finals = new ArrayList<>(2);
        }
        if (finals.size() < 16) {
            finals.add(response.compactCopy());
        }
    }

    private void respondLocal(int status) {
        sendFinal(f.io.localResponse(request, inbound, sender, status), status);
    }

    /** Removes siplb's Via from a downstream response, as the buffer to send upstream. */
    private ByteBuf buildUpstream(SipMessage response) {
        return f.io.rewriter().rewrite(response).removeTopVia().buildCopy(inbound.alloc());
    }

    /** Sends a final response siplb built upstream and enters COMPLETED (Timer G and H, or Timer J). */
    private void sendFinal(ByteBuf response, int status) {
        sendFinal(response, status, true);
    }

    /** Sends a final response upstream ({@code local}: built by siplb) and enters COMPLETED. */
    private void sendFinal(ByteBuf response, int status, boolean local) {
        if (state != PROCEEDING) {
            if (response != null) {
                response.release();
            }
            return;
        }
        if (response == null) {
            f.stats.drop(io.siplb.proxy.core.DropReason.MALFORMED_REQUEST);
            terminate();
            return;
        }
        sendUpstream(response, status, local);
        state = COMPLETED;
        cancelTimers();
        cancelOthers(null);
        settle();
        final boolean reliable = inbound.transport().isReliable();
        if (invite && status >= 300) {
            if (!reliable) {
                timerGInterval = t1;
                timer = f.schedule(this::timerG, timerGInterval);
            }
            lingerFor(f, 64 * t1); // Timer H
        } else {
            lingerFor(f, reliable ? 0 : 64 * t1); // Timer J
        }
    }

    private void timerG() {
        if (state != COMPLETED || lastResponse == null) {
            return;
        }
        f.io.send(inbound, lastResponse.retainedDuplicate(), responseTarget, false, method);
        timerGInterval = Math.min(timerGInterval * 2, t2);
        timer = f.schedule(this::timerG, timerGInterval);
    }

    /**
     * Sends a response upstream; {@code local} responses count as local. While the transaction proceeds the
     * response is kept as the last response (for retransmitted requests) and a duplicate is sent; {@link #settle}
     * then keeps a heap copy of the final only when the state it lingers in retransmits it.
     */
    private void sendUpstream(ByteBuf response, int status, boolean local) {
        if (response == null) {
            return;
        }
        final ByteBuf sent;
        if (state == PROCEEDING) {
            if (lastResponse != null) {
                lastResponse.release();
            }
            lastResponse = response;
            sent = response.retainedDuplicate();
        } else {
            sent = response;
        }
        if (status >= 200 && !finalSent) {
            finalSent = true;
            f.stats.requestDuration().record(System.nanoTime() - createdNanos);
        }
        if (f.io.send(inbound, sent, responseTarget, false, method)) {
            if (local && status != 100) {
                f.stats.localResponse(status);
            } else if (!local) {
                f.stats.responseForwarded();
            }
        }
    }

    private void cancelTimers() {
        if (timer != null) {
            timer.cancel(false);
            timer = null;
        }
        stopLingering();
    }

    /**
     * A final response went upstream: what only a proceeding transaction needs is released (the request, the plan,
     * the failed branches' finals, the last response unless COMPLETED retransmits it) and the lifetime timer
     * cancelled (the state's own timer ends the transaction).
     */
    private void settle() {
        if (settled) {
            return;
        }
        settled = true;
        f.transactionSettled();
        if (lifetime != null) {
            lifetime.cancel(false);
            lifetime = null;
        }
        plan = null;
        if (lastResponse != null) {
            if (state == COMPLETED) {
                // Retransmitted requests (and Timer G) get the final again while the transaction lingers: a heap
                // copy of its own size, holding no pooled memory for up to 64*T1.
                final ByteBuf copy = Unpooled.copiedBuffer(lastResponse);
                lastResponse.release();
                lastResponse = copy;
            } else {
                // ACCEPTED (RFC 6026 absorbs INVITE retransmissions; every 2xx comes from downstream) or ended.
                lastResponse.release();
                lastResponse = null;
            }
        }
        if (finals != null) {
            for (SipMessage m : finals) {
                m.release();
            }
            finals = null;
        }
        if (request != null) {
            request.release();
            request = null;
        }
    }

    @Override
    void lingerEnded() {
        terminate();
    }

    /** The lifetime ran out (a branch misbehaved or an error stopped the transaction): answer if still due, end. */
    private void expire() {
        lifetime = null;
        if (state == PROCEEDING) {
            for (ClientBranch b : live.toArray(new ClientBranch[0])) {
                b.terminate();
            }
            live.clear();
            if (invite) {
                respondLocal(cancelled ? 487 : 408);
            }
        }
        terminate();
    }

    /** An unexpected error while handling the transaction: 500 when no final was sent, then the end. */
    void fail() {
        if (state == PROCEEDING) {
            try {
                respondLocal(500);
            } catch (RuntimeException e) {
                // The transaction ends regardless.
            }
        }
        terminate();
    }

    /** Ends the transaction and releases what it holds. */
    void terminate() {
        if (state == TERMINATED) {
            return;
        }
        state = TERMINATED;
        cancelTimers();
        if (callTracked) {
            f.shared.callLoad().release(callId);
            callTracked = false;
        }
        f.unregister(this);
        if (lastResponse != null) {
            lastResponse.release();
            lastResponse = null;
        }
        settle(); // the lifetime timer, the request and the finals, unless a final response released them already
    }
}
