package io.siplb.proxy.stateful;

import io.netty.buffer.ByteBuf;
import io.netty.util.concurrent.ScheduledFuture;
import io.siplb.codec.SipMessage;
import io.siplb.codec.SipMethod;
import io.siplb.dispatch.state.DestinationState;
import io.siplb.proxy.core.NextHop;
import io.siplb.proxy.transport.Egress;

/**
 * One branch of a server transaction: the client transaction of one forwarded copy of the request (RFC 3261 §17.1),
 * keyed by siplb's own branch.
 * <pre>
 * CALLING --1xx--> PROCEEDING --2xx--> ACCEPTED (Timer M = 64*T1: 2xx retransmissions forwarded, RFC 6026)
 *    |                 |      --300-699--> COMPLETED (ACK sent; Timer D 32 s over UDP re-ACKs retransmissions)
 *    +--- fr-timeout / fr-inv-timeout (Timer C) / transport error --> ABANDONED (64*T1: late answers absorbed)
 * </pre>
 * Over UDP the request is retransmitted by Timer A (INVITE, until a provisional) or Timer E (non-INVITE, at T2
 * once a provisional came). An INVITE branch is cancelled (CANCEL, retransmitted like a non-INVITE) only after its
 * first provisional (§9.1); a CANCEL asked for before is sent when that provisional comes. The time to the first
 * response feeds the destination's latency statistics. Not thread-safe; confined to its forwarder's event loop.
 */
final class ClientBranch extends Lingering.Owner {

    private static final int CALLING = 0;
    private static final int PROCEEDING = 1;
    private static final int COMPLETED = 2;
    private static final int ACCEPTED = 3;
    private static final int ABANDONED = 4;
    private static final int TERMINATED = 5;

    /** Timer D over an unreliable transport (RFC 3261 §17.1.1.2: at least 32 s). */
    private static final long TIMER_D_NANOS = 32_000_000_000L;

    final ServerTransaction st;
    final String id;
    /** The destination's runtime state, or {@code null} for a next hop the request named. */
    final DestinationState destination;
    final NextHop hop;
    final Egress out;
    /** The request as sent (owned here), retransmitted by Timer A/E. */
    private ByteBuf request;
    private final boolean invite;
    private final long frTimeout;
    private final long frInvTimeout;
    private final boolean reliable;
    private int state = CALLING;
    private long sentNanos;
    private long cancelSentNanos;
    private boolean answered;
    private boolean cancelWanted;
    private ByteBuf cancel;
    private boolean cancelAnswered;
    private ScheduledFuture<?> retransmit;
    private ScheduledFuture<?> deadline;
    private ScheduledFuture<?> cancelTimer;
    private long interval;
    private long cancelInterval;
    /** The ACK sent for a non-2xx final, re-sent for each retransmission of it. */
    private ByteBuf ack;

    ClientBranch(ServerTransaction st, String id, DestinationState destination, NextHop hop, Egress out,
                 ByteBuf request, boolean invite, long frTimeout, long frInvTimeout) {
        this.st = st;
        this.id = id;
        this.destination = destination;
        this.hop = hop;
        this.out = out;
        this.request = request;
        this.invite = invite;
        this.frTimeout = frTimeout;
        this.frInvTimeout = frInvTimeout;
        reliable = out.transport().isReliable();
    }

    void start() {
        sentNanos = System.nanoTime();
        if (destination != null) {
            destination.counters().selected();
        }
        if (st.f.io.send(out, request.retainedDuplicate(), hop.address(), true, st.method)) {
            st.f.stats.requestForwarded();
        }
        if (!reliable) {
            interval = st.t1;
            retransmit = st.f.schedule(this::retransmit, interval);
        }
        // Timer B / F (64*T1) bound the wait for a first response when fr-timeout is longer.
        deadline = st.f.schedule(this::timeout, Math.min(frTimeout, 64 * st.t1));
    }

    /** Timer A (INVITE) or E (non-INVITE). */
    private void retransmit() {
        if (state != CALLING && !(state == PROCEEDING && !invite)) {
            return;
        }
        st.f.io.send(out, request.retainedDuplicate(), hop.address(), true, st.method);
        interval = invite ? interval * 2 : Math.min(interval * 2, st.t2);
        if (state == PROCEEDING) {
            interval = st.t2;
        }
        retransmit = st.f.schedule(this::retransmit, interval);
    }

    /** No (final) response in time: the branch fails over (Kamailio's fr_timer / fr_inv_timer, RFC Timer C). */
    private void timeout() {
        if (state != CALLING && state != PROCEEDING) {
            return;
        }
        final boolean provisional = state == PROCEEDING;
        abandon();
        if (invite && provisional) {
            sendCancel();
        }
        st.onBranchError(this, 408, provisional ? "no final response in time" : "no response in time");
    }

    /** A transport error (ICMP port unreachable, connection refused or reset): fails over at once. */
    void onTransportError(String reason) {
        if (state != CALLING && state != PROCEEDING) {
            return;
        }
        abandon();
        st.onBranchError(this, 503, reason);
    }

    private void abandon() {
        state = ABANDONED;
        retransmit = cancel(retransmit);
        deadline = cancel(deadline);
        // Late responses are still matched (and a late non-2xx ACKed) for 64*T1.
        lingerFor(st.f, 64 * st.t1);
    }

    void onResponse(SipMessage response) {
        final int status = response.statusCode();
        if (destination != null) {
            destination.counters().response(status);
        }
        if (!answered) {
            answered = true;
            if (destination != null) {
                destination.latency().recordNanos(System.nanoTime() - sentNanos);
            }
        }
        if (status < 200) {
            onProvisional(response, status);
        } else if (status < 300) {
            onSuccess(response);
        } else {
            onFailure(response);
        }
    }

    private void onProvisional(SipMessage response, int status) {
        if (state == ABANDONED && invite) {
            // Failed over before any provisional: the late ringing is cancelled (§9.1), never forwarded.
            sendCancel();
            return;
        }
        if (state == CALLING || state == PROCEEDING) {
            final boolean first = state == CALLING;
            state = PROCEEDING;
            if (invite) {
                retransmit = cancel(retransmit);
                // fr-inv-timeout (bounded by Timer C) runs from each provisional (RFC 3261 §16.7 step 2).
                deadline = cancel(deadline);
                deadline = st.f.schedule(this::timeout, frInvTimeout);
            } else if (first && !reliable) {
                retransmit = cancel(retransmit);
                interval = st.t2;
                retransmit = st.f.schedule(this::retransmit, interval);
            }
            if (cancelWanted) {
                sendCancel();
            }
            if (status > 100) {
                st.onProvisional(this, response);
            }
        }
    }

    private void onSuccess(SipMessage response) {
        if (state == CALLING || state == PROCEEDING || state == ABANDONED || state == ACCEPTED) {
            final boolean first = state != ACCEPTED;
            if (first) {
                retransmit = cancel(retransmit);
                deadline = cancel(deadline);
                state = invite ? ACCEPTED : COMPLETED;
                releaseRequest();
                lingerFor(st.f, invite ? 64 * st.t1 : reliable ? 0 : st.t4); // Timer M or K
            }
            // Every 2xx to an INVITE, retransmissions included, goes upstream (the caller's ACK ends them).
            if (invite || first) {
                st.onSuccess(this, response);
            }
        }
    }

    private void onFailure(SipMessage response) {
        if (state == COMPLETED) {
            if (invite && ack != null) {
                st.f.io.send(out, ack.retainedDuplicate(), hop.address(), true, SipMethod.ACK);
            }
            return;
        }
        if (state == TERMINATED || state == ACCEPTED) {
            return;
        }
        final boolean wasLive = state != ABANDONED;
        retransmit = cancel(retransmit);
        deadline = cancel(deadline);
        state = COMPLETED;
        if (invite) {
            // RFC 3261 §17.1.1.3: the ACK of a non-2xx final goes hop by hop, from the client transaction.
            final SipMessage sent = st.f.parse(request);
            try {
                ack = TransactionMessages.ack(out.alloc(), sent, response);
            } finally {
                sent.release();
            }
            st.f.io.send(out, ack.retainedDuplicate(), hop.address(), true, SipMethod.ACK);
        }
        releaseRequest();
        lingerFor(st.f, reliable ? 0 : invite ? TIMER_D_NANOS : st.t4); // Timer D or K
        if (wasLive) {
            st.onFailure(this, response);
        }
    }

    /** Cancels the branch: a CANCEL now when a provisional came, else when one comes (RFC 3261 §9.1). */
    void cancel() {
        if (!invite) {
            return;
        }
        if (state == PROCEEDING) {
            sendCancel();
        } else if (state == CALLING) {
            cancelWanted = true;
        }
    }

    private void sendCancel() {
        if (cancel != null) {
            return;
        }
        final SipMessage sent = st.f.parse(request);
        try {
            cancel = TransactionMessages.cancel(out.alloc(), sent);
        } finally {
            sent.release();
        }
        cancelSentNanos = System.nanoTime();
        st.f.io.send(out, cancel.retainedDuplicate(), hop.address(), true, SipMethod.CANCEL);
        if (!reliable) {
            cancelInterval = st.t1;
            cancelTimer = st.f.schedule(this::retransmitCancel, cancelInterval);
        }
    }

    /** Timer E of the CANCEL's own client transaction, for 64*T1 at most (Timer F). */
    private void retransmitCancel() {
        if (cancel == null || cancelAnswered || state == TERMINATED || state == COMPLETED || state == ACCEPTED) {
            return;
        }
        if (System.nanoTime() - cancelSentNanos > 64 * st.t1) {
            return;
        }
        st.f.io.send(out, cancel.retainedDuplicate(), hop.address(), true, SipMethod.CANCEL);
        cancelInterval = Math.min(cancelInterval * 2, st.t2);
        cancelTimer = st.f.schedule(this::retransmitCancel, cancelInterval);
    }

    /** A response to the branch's CANCEL: its retransmissions stop. */
    void onCancelResponse(int status) {
        if (status >= 200) {
            cancelTimer = cancel(cancelTimer);
            cancelAnswered = true;
        }
    }

    /** Ends the branch and releases what it holds. */
    void terminate() {
        if (state == TERMINATED) {
            return;
        }
        state = TERMINATED;
        stopLingering();
        retransmit = cancel(retransmit);
        deadline = cancel(deadline);
        cancelTimer = cancel(cancelTimer);
        st.f.unregister(this);
        release();
    }

    /**
     * A final response came: the request is not retransmitted, cancelled or ACKed from any more (a non-2xx's ACK is
     * built before), so the branch lingers without it.
     */
    private void releaseRequest() {
        if (request != null) {
            request.release();
            request = null;
        }
    }

    private void release() {
        releaseRequest();
        if (cancel != null) {
            cancel.release();
            cancel = null;
        }
        if (ack != null) {
            ack.release();
            ack = null;
        }
    }

    @Override
    void lingerEnded() {
        terminate();
    }

    /** Cancels {@code f} if any; returns {@code null}, for the field (a lingering branch keeps no timer task). */
    private static ScheduledFuture<?> cancel(ScheduledFuture<?> f) {
        if (f != null) {
            f.cancel(false);
        }
        return null;
    }

}
