package io.siplb.loadtests.gen;

import java.net.InetSocketAddress;

import io.netty.buffer.ByteBuf;

/**
 * One call (or one OPTIONS/MESSAGE/REGISTER transaction) of the UAC: its schedule, its state, its single pending
 * timer, and what the dialog needs from the 2xx (the To with its tag, the remote target, the route set, the next
 * hop), kept in byte arrays that are reused when the object is recycled for a later call of the same socket.
 * As {@link SipTemplate.Values} it writes the slots of whichever message {@link #sending} names.
 *
 * <p>Not thread-safe; confined to its {@link UacHandler}'s event loop.
 */
final class UacCall extends TimerWheel.Timer implements SipTemplate.Values {

    // States.
    /** INVITE sent, no response yet (Timer A retransmits over UDP). */
    static final int INVITING = 0;
    /** A provisional response came: no more INVITE retransmissions (RFC 3261 §17.1.1.2). */
    static final int INVITE_PROCEEDING = 1;
    /** 2xx received and ACKed; waiting for the end of the hold time. */
    static final int CONFIRMED = 2;
    /** BYE sent (Timer E retransmits over UDP). */
    static final int BYE_SENT = 3;
    /** A provisional response to the BYE came: retransmissions every T2 (RFC 3261 §17.1.2.2). */
    static final int BYE_PROCEEDING = 4;
    /** OPTIONS, MESSAGE or REGISTER sent. */
    static final int REQUEST_SENT = 5;
    /** A provisional response to the request came. */
    static final int REQUEST_PROCEEDING = 6;

    // What is being written.
    static final int MSG_INVITE = 0;
    static final int MSG_ACK_2XX = 1;
    static final int MSG_ACK_ERROR = 2;
    static final int MSG_BYE = 3;
    static final int MSG_REQUEST = 4;

    private final UacHandler owner;

    /** The call's number over the whole run (its Call-ID and branches derive from it). */
    long seq;
    /** The schedule step the call was due in. */
    int step;
    /** When the call was due ({@link System#nanoTime()} time): INVITE and request latencies start here. */
    long dueNanos;
    /** When the BYE was due (the end of the hold time as scheduled): BYE latency starts here. */
    long byeDueNanos;
    int state;
    boolean firstResponseSeen;
    /** Which message {@link #write} writes the slots of (MSG_*). */
    int sending;

    long timeoutAt;
    long retransmitAt;
    long retransmitInterval;
    long holdUntil;

    /** The To header value of the 2xx or the final response (with the UAS's tag). */
    byte[] to = new byte[128];
    int toLength;
    /** The remote target: the URI of the 2xx's Contact (RFC 3261 §12.1.2). */
    byte[] target = new byte[96];
    int targetLength;
    /** The route set as Route header lines, in the 2xx's Record-Route order reversed (RFC 3261 §12.1.2). */
    byte[] routes = new byte[0];
    int routesLength;
    /** Where in-dialog requests go over UDP: the first route's address, else the remote target's. */
    InetSocketAddress nextHop;

    UacCall(UacHandler owner) {
        this.owner = owner;
    }

    /** Resets the call for call number {@code seq}, due at {@code dueNanos} in schedule step {@code step}. */
    void begin(long seq, int step, long dueNanos) {
        this.seq = seq;
        this.step = step;
        this.dueNanos = dueNanos;
        byeDueNanos = 0;
        firstResponseSeen = false;
        toLength = 0;
        targetLength = 0;
        routesLength = 0;
        nextHop = null;
        retransmitAt = Long.MAX_VALUE;
        timeoutAt = Long.MAX_VALUE;
        holdUntil = Long.MAX_VALUE;
    }

    /** Returns the earliest of the call's pending deadlines. */
    long nextDeadline() {
        return state == CONFIRMED ? holdUntil : Math.min(timeoutAt, retransmitAt);
    }

    @Override
    void onTimer(long deadlineNanos, long now) {
        owner.onCallTimer(this, deadlineNanos, now);
    }

    @Override
    void onDiscard() {
        // The owner counts and forgets its calls itself when it stops; the wheel only closes after that.
    }

    @Override
    public void write(SipTemplate.Slot slot, ByteBuf out) {
        final UacHandler.Constants k = owner.constants();
        switch (slot) {
            case BRANCH:
                out.writeBytes(k.runId);
                out.writeByte('.');
                SipBytes.writeDecimal(out, seq);
                out.writeByte(branchKind());
                break;
            case FROM_TAG:
                SipBytes.writeDecimal(out, seq);
                out.writeByte('.');
                out.writeBytes(k.runId);
                break;
            case CALL_ID:
                out.writeBytes(k.callIdPrefix);
                SipBytes.writeDecimal(out, seq);
                out.writeBytes(k.callIdSuffix);
                break;
            case REQUEST_URI:
                if (sending == MSG_ACK_ERROR) {
                    out.writeBytes(k.requestUri);
                } else {
                    out.writeBytes(target, 0, targetLength);
                }
                break;
            case TO:
                out.writeBytes(to, 0, toLength);
                break;
            case ROUTES:
                if (sending != MSG_ACK_ERROR) {
                    out.writeBytes(routes, 0, routesLength);
                }
                break;
            case USER:
                SipBytes.writeDecimal(out, seq);
                break;
            default:
                throw new IllegalStateException("slot " + slot);
        }
    }

    /**
     * The branch suffix: the INVITE and its non-2xx ACK share one (the ACK is part of the INVITE transaction, RFC
     * 3261 §17.1.1.3); the 2xx ACK and the BYE are transactions of their own.
     */
    private int branchKind() {
        switch (sending) {
            case MSG_ACK_2XX:
                return 'a';
            case MSG_BYE:
                return 'b';
            case MSG_REQUEST:
                return 'r';
            default:
                return 'i';
        }
    }
}
