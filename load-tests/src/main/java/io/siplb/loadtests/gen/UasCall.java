package io.siplb.loadtests.gen;

import java.net.InetSocketAddress;

import io.netty.buffer.ByteBuf;
import io.netty.util.ReferenceCountUtil;

/**
 * One INVITE server transaction of the UAS, from the INVITE until its ACK (or 64 x T1): the encoded responses (held
 * for a delayed answer and for retransmissions of the final response), where they go, and the retransmission timer.
 *
 * <p>Ownership: holds one reference to {@link #provisional} and {@link #finalResponse} while they are set; sends
 * retained duplicates; {@link #releaseBuffers()} (on ACK, give-up, BYE, connection close and wheel close) drops them.
 *
 * <p>Not thread-safe; confined to its {@link UasHandler}'s event loop.
 */
final class UasCall extends TimerWheel.Timer {

    /** The answer is delayed (mode {@code delay}). */
    static final int DELAYING = 0;
    /** The final response was sent; waiting for the ACK. */
    static final int WAIT_ACK = 1;

    private final UasHandler owner;
    long key;
    byte[] callId = new byte[64];
    int callIdLength;
    int state;
    ByteBuf provisional;
    ByteBuf finalResponse;
    InetSocketAddress remote;
    long retransmitAt;
    long retransmitInterval;
    long giveUpAt;

    UasCall(UasHandler owner) {
        this.owner = owner;
    }

    long nextDeadline() {
        return Math.min(retransmitAt, giveUpAt);
    }

    void releaseBuffers() {
        if (provisional != null) {
            ReferenceCountUtil.release(provisional);
            provisional = null;
        }
        if (finalResponse != null) {
            ReferenceCountUtil.release(finalResponse);
            finalResponse = null;
        }
    }

    @Override
    void onTimer(long deadlineNanos, long now) {
        owner.onCallTimer(this, now);
    }

    @Override
    void onDiscard() {
        releaseBuffers();
    }
}
