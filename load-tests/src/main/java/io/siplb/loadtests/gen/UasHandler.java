package io.siplb.loadtests.gen;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import io.netty.buffer.ByteBuf;
import io.netty.channel.AddressedEnvelope;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.socket.DatagramPacket;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.collection.LongObjectHashMap;
import io.siplb.codec.SipHeader;
import io.siplb.codec.SipMessage;

/**
 * The UAS side of one UDP socket or one accepted TCP/TLS connection. Answers an INVITE with 180 and 200 (or 503, or
 * later, or never: {@link UasMode}), copying its Via, From, To (adding a tag), Call-ID, CSeq and, in the 18x and
 * 2xx, Record-Route (RFC 3261 §8.2.6.2, §12.1.1), with this UAS's Contact and {@code Server} header; answers every
 * other request 200. Over UDP the final response to an INVITE is retransmitted at T1, 2 x T1, ... up to T2 until the
 * ACK comes (RFC 3261 §13.3.1.4 for a 2xx, Timer G of §17.2.1 for a 503), for at most 64 x T1. Over UDP responses go
 * to the request's source address and port (as with {@code rport}, RFC 3581).
 *
 * <p>Ownership: the last handler of the pipeline; it releases every inbound message (the {@link SipMessage}, or the
 * {@link AddressedEnvelope} holding it) in {@code finally}. Responses are encoded here into buffers handed to the
 * channel (which releases them once written); a {@link UasCall} or {@link DelayedResponse} holds the responses it
 * will (re)send and releases them when it ends; on {@link #channelInactive} every transaction is ended. The dialogs
 * up (a 2xx sent, no BYE yet; no ACK within 64 x T1 ends one too) are counted in {@link UasStats#openDialogs()}.
 *
 * <p>Not thread-safe; confined to the channel's event loop.
 */
final class UasHandler extends ChannelInboundHandlerAdapter {

    private static final AtomicInteger IDS = new AtomicInteger();
    private static final byte[] TAG_PARAM = SipBytes.ascii(";tag=");
    private static final byte[] CRLF = { '\r', '\n' };
    private static final byte[] STATUS_180 = SipBytes.ascii("SIP/2.0 180 Ringing\r\n");
    private static final byte[] STATUS_200 = SipBytes.ascii("SIP/2.0 200 OK\r\n");
    private static final byte[] STATUS_503 = SipBytes.ascii("SIP/2.0 503 Service Unavailable\r\n");

    /** A delayed answer to a non-INVITE request. Confined to the handler's event loop. */
    private final class DelayedResponse extends TimerWheel.Timer {
        private final ByteBuf response;
        private final InetSocketAddress remote;

        DelayedResponse(ByteBuf response, InetSocketAddress remote) {
            this.response = response;
            this.remote = remote;
        }

        @Override
        void onTimer(long deadlineNanos, long now) {
            send(response, remote);
        }

        @Override
        void onDiscard() {
            ReferenceCountUtil.release(response);
        }
    }

    private final UasConfig config;
    private final UasStats stats;
    private final TimerWheel wheel;
    /** Set by {@link Uas#stop}: new requests are left unanswered, the calls answered may end. */
    private final AtomicBoolean stopping;
    private final boolean udp;
    private final long t1Nanos;
    private final long t2Nanos;
    private final long giveUpNanos;
    private final long delayNanos;
    private final long ringNanos;
    private final byte[] tagPrefix;
    // Set in channelActive, before any message arrives.
    private byte[] trailer180;
    private byte[] trailer200Invite;
    private byte[] trailer503;
    private byte[] trailer200;
    private final LongObjectHashMap<UasCall> calls = new LongObjectHashMap<>();
    /** The Call-ID hashes of the INVITEs answered 2xx whose BYE has not come yet (the dialogs up). */
    private final LongObjectHashMap<Boolean> dialogs = new LongObjectHashMap<>();
    private final ArrayDeque<UasCall> free = new ArrayDeque<>();
    private final Runnable flusher = this::flushNow;
    private Channel channel;
    private long tags;
    private boolean flushScheduled;

    UasHandler(UasConfig config, UasStats stats, TimerWheel wheel, AtomicBoolean stopping) {
        this.config = config;
        this.stats = stats;
        this.wheel = wheel;
        this.stopping = stopping;
        udp = config.transport() == LoadTransport.UDP;
        t1Nanos = config.t1().toNanos();
        t2Nanos = Math.max(t1Nanos, UacConfig.T2.toNanos());
        giveUpNanos = 64 * t1Nanos;
        delayNanos = config.mode().kind() == UasMode.Kind.DELAY ? config.mode().delay().toNanos() : 0;
        ringNanos = config.mode().kind() == UasMode.Kind.RING ? config.mode().delay().toNanos() : 0;
        tagPrefix = SipBytes.ascii("u" + Integer.toString(IDS.incrementAndGet(), 36) + '.');
    }

    /**
     * Fixes the trailers once the socket has its address: the Contact names the local address of the socket (of the
     * connection, for TCP/TLS: the address the peer reached), this host's address for a UDP socket bound to the
     * wildcard address.
     */
    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        final InetSocketAddress local = (InetSocketAddress) ctx.channel().localAddress();
        final String name = config.name() != null ? config.name() : defaultName(local);
        final String contact = "Contact: <sip:uas@" + UacMessages.hostPort(advertised(local)) +
                               config.transport().uriParameter() + ">\r\n";
        final String server = "Server: siplb-load-uas " + name + "\r\n";
        final String sdp = UacMessages.SDP.replace("siplb-load", "siplb-load-uas").replace("\n", "\r\n");
        trailer180 = SipBytes.ascii(contact + server + "Content-Length: 0\r\n\r\n");
        trailer200Invite = SipBytes.ascii(contact + server + "Content-Type: application/sdp\r\nContent-Length: " +
                                          sdp.length() + "\r\n\r\n" + sdp);
        trailer503 = SipBytes.ascii(server + "Content-Length: 0\r\n\r\n");
        trailer200 = SipBytes.ascii(server + "Content-Length: 0\r\n\r\n");
        ctx.fireChannelActive();
    }

    private static InetSocketAddress advertised(InetSocketAddress local) {
        if (!local.getAddress().isAnyLocalAddress()) {
            return local;
        }
        try {
            return new InetSocketAddress(InetAddress.getLocalHost(), local.getPort());
        } catch (UnknownHostException e) {
            return new InetSocketAddress(InetAddress.getLoopbackAddress(), local.getPort());
        }
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        channel = ctx.channel();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        try {
            if (msg instanceof AddressedEnvelope) {
                final AddressedEnvelope<?, ?> e = (AddressedEnvelope<?, ?>) msg;
                onMessage((SipMessage) e.content(), (InetSocketAddress) e.sender(), System.nanoTime());
            } else {
                onMessage((SipMessage) msg, null, System.nanoTime());
            }
        } finally {
            ReferenceCountUtil.release(msg);
        }
    }

    private void onMessage(SipMessage msg, InetSocketAddress sender, long now) {
        if (!msg.decoderResult().isSuccess()) {
            stats.malformed.increment();
            return;
        }
        if (msg.isResponse()) {
            stats.responsesReceived.increment();
            return;
        }
        final ByteBuf buf = msg.content();
        final int method = SipBytes.methodOf(buf, 0, msg.methodEnd());
        stats.request(method);
        if (config.mode().kind() == UasMode.Kind.SILENT) {
            if (method != SipBytes.ACK) {
                stats.unanswered.increment();
            }
            return;
        }
        final long key = SipBytes.hash(buf, msg.callIdStart(), msg.callIdEnd());
        final UasCall existing = find(key, msg);
        if (existing == null && method != SipBytes.ACK && stopping.get() && !inDialog(msg)) {
            // Stopping: a new call or out-of-dialog request gets no answer, as from a backend shutting down.
            stats.unanswered.increment();
            return;
        }
        switch (method) {
            case SipBytes.INVITE:
                onInvite(msg, existing, key, sender, now);
                break;
            case SipBytes.ACK:
                if (existing != null && existing.state == UasCall.WAIT_ACK) {
                    stats.acksMatched.increment();
                    end(existing);
                } else {
                    stats.acksUnmatched.increment();
                }
                break;
            case SipBytes.BYE:
                if (existing != null) {
                    end(existing); // the BYE ends the dialog, ACK or not
                }
                answer(encode(msg, STATUS_200, trailer200, false, false), sender, now);
                dialogEnded(key); // after the 200 is queued (with its flush), so a stop sees it sent
                break;
            default:
                answer(encode(msg, STATUS_200, trailer200, false, method == SipBytes.REGISTER), sender, now);
                break;
        }
    }

    private UasCall find(long key, SipMessage msg) {
        final UasCall c = calls.get(key);
        if (c == null) {
            return null;
        }
        return SipBytes.equalsRange(msg.content(), msg.callIdStart(), msg.callIdEnd(), c.callId, c.callIdLength)
               ? c : null;
    }

    private void onInvite(SipMessage msg, UasCall existing, long key, InetSocketAddress sender, long now) {
        if (existing != null) {
            stats.retransmissionsSeen.increment();
            if (existing.state == UasCall.WAIT_ACK) {
                send(existing.finalResponse.retainedDuplicate(), existing.remote);
                stats.retransmissionsSent.increment();
            }
            return;
        }
        if (calls.containsKey(key)) {
            // Another Call-ID with the same 64-bit hash is in progress: answer without a transaction.
            answer(encode(msg, STATUS_200, trailer200Invite, true, false), sender, now);
            return;
        }
        final UasCall c = free.isEmpty() ? new UasCall(this) : free.poll();
        c.key = key;
        final int idLen = msg.callIdEnd() - msg.callIdStart();
        c.callId = SipBytes.ensureCapacity(c.callId, idLen, 0);
        msg.content().getBytes(msg.callIdStart(), c.callId, 0, idLen);
        c.callIdLength = idLen;
        c.remote = sender;
        calls.put(key, c);
        final long tag = ++tags;
        switch (config.mode().kind()) {
            case REJECT_503:
                c.finalResponse = encodeTagged(msg, STATUS_503, trailer503, false, tag);
                sendFinal(c, now);
                break;
            case DELAY:
                c.provisional = encodeTagged(msg, STATUS_180, trailer180, true, tag);
                c.finalResponse = encodeTagged(msg, STATUS_200, trailer200Invite, true, tag);
                c.state = UasCall.DELAYING;
                c.retransmitAt = Long.MAX_VALUE;
                c.giveUpAt = now + delayNanos;
                wheel.schedule(c, c.giveUpAt);
                break;
            case RING:
                send(encodeTagged(msg, STATUS_180, trailer180, true, tag), sender);
                c.finalResponse = encodeTagged(msg, STATUS_200, trailer200Invite, true, tag);
                c.state = UasCall.DELAYING;
                c.retransmitAt = Long.MAX_VALUE;
                c.giveUpAt = now + ringNanos;
                wheel.schedule(c, c.giveUpAt);
                break;
            default:
                send(encodeTagged(msg, STATUS_180, trailer180, true, tag), sender);
                c.finalResponse = encodeTagged(msg, STATUS_200, trailer200Invite, true, tag);
                sendFinal(c, now);
                dialogStarted(key);
                break;
        }
    }

    private void sendFinal(UasCall c, long now) {
        if (c.provisional != null) {
            send(c.provisional, c.remote);
            c.provisional = null;
        }
        send(c.finalResponse.retainedDuplicate(), c.remote);
        c.state = UasCall.WAIT_ACK;
        c.giveUpAt = now + giveUpNanos;
        c.retransmitInterval = t1Nanos;
        c.retransmitAt = udp ? now + t1Nanos : Long.MAX_VALUE;
        wheel.schedule(c, c.nextDeadline());
    }

    void onCallTimer(UasCall c, long now) {
        if (c.state == UasCall.DELAYING) {
            sendFinal(c, now);
            dialogStarted(c.key);
            return;
        }
        if (now >= c.giveUpAt) {
            stats.ackTimeouts.increment();
            dialogEnded(c.key); // a 2xx never ACKed: its caller never got it, no BYE will come
            end(c);
            return;
        }
        if (now >= c.retransmitAt) {
            send(c.finalResponse.retainedDuplicate(), c.remote);
            stats.retransmissionsSent.increment();
            c.retransmitInterval = Math.min(2 * c.retransmitInterval, t2Nanos);
            c.retransmitAt = now + c.retransmitInterval;
        }
        wheel.schedule(c, c.nextDeadline());
    }

    private void dialogStarted(long key) {
        if (dialogs.put(key, Boolean.TRUE) == null) {
            stats.openDialogs.increment();
        }
    }

    private void dialogEnded(long key) {
        if (dialogs.remove(key) != null) {
            stats.openDialogs.decrement();
        }
    }

    private void end(UasCall c) {
        calls.remove(c.key);
        wheel.cancel(c);
        c.releaseBuffers();
        c.remote = null;
        free.push(c);
    }

    /** Sends {@code response} now, or after the mode's delay. */
    private void answer(ByteBuf response, InetSocketAddress to, long now) {
        if (delayNanos > 0) {
            wheel.schedule(new DelayedResponse(response, to), now + delayNanos);
        } else {
            send(response, to);
        }
    }

    private ByteBuf encodeTagged(SipMessage req, byte[] status, byte[] trailer, boolean recordRoute, long tag) {
        return encode(req, status, trailer, recordRoute, false, tag);
    }

    private ByteBuf encode(SipMessage req, byte[] status, byte[] trailer, boolean recordRoute, boolean contacts) {
        return encode(req, status, trailer, recordRoute, contacts, ++tags);
    }

    /**
     * Encodes a response to {@code req}: {@code status}, the request's Via, From, To, Call-ID and CSeq lines as
     * received (a To without tag gets {@code ;tag=} and {@code tag}), its Record-Route lines when
     * {@code recordRoute}, its Contact lines when {@code contacts} (REGISTER), then {@code trailer}.
     */
    private ByteBuf encode(SipMessage req, byte[] status, byte[] trailer, boolean recordRoute, boolean contacts,
                           long tag) {
        final ByteBuf in = req.content();
        final ByteBuf out = channel.alloc().ioBuffer(req.headersEnd() + trailer.length + 64);
        out.writeBytes(status);
        for (int i = 0, n = req.headerCount(); i < n; i++) {
            final SipHeader type = req.headerType(i);
            final int start = req.headerLineStart(i);
            switch (type) {
                case VIA:
                case FROM:
                case CALL_ID:
                case CSEQ:
                    out.writeBytes(in, start, req.headerLineEnd(i) - start);
                    break;
                case RECORD_ROUTE:
                    if (recordRoute) {
                        out.writeBytes(in, start, req.headerLineEnd(i) - start);
                    }
                    break;
                case CONTACT:
                    if (contacts) {
                        out.writeBytes(in, start, req.headerLineEnd(i) - start);
                    }
                    break;
                case TO:
                    if (hasTag(in, req.headerValueStart(i), req.headerValueEnd(i))) {
                        out.writeBytes(in, start, req.headerLineEnd(i) - start);
                    } else {
                        out.writeBytes(in, start, req.headerValueEnd(i) - start);
                        out.writeBytes(TAG_PARAM);
                        out.writeBytes(tagPrefix);
                        SipBytes.writeDecimal(out, tag);
                        out.writeBytes(CRLF);
                    }
                    break;
                default:
                    break;
            }
        }
        out.writeBytes(trailer);
        return out;
    }

    /** Returns whether {@code req} is within a dialog: its To has a tag. */
    private static boolean inDialog(SipMessage req) {
        final int to = req.firstHeader(SipHeader.TO);
        return to >= 0 && hasTag(req.content(), req.headerValueStart(to), req.headerValueEnd(to));
    }

    /** Returns whether the To value has a {@code tag} parameter (after the URI's closing bracket, if any). */
    private static boolean hasTag(ByteBuf buf, int start, int end) {
        final int gt = SipBytes.indexOf(buf, start, end, (byte) '>');
        for (int p = gt < 0 ? start : gt; p + 4 < end; p++) {
            if (buf.getByte(p) == ';') {
                int q = p + 1;
                while (q < end && (buf.getByte(q) == ' ' || buf.getByte(q) == '\t')) {
                    q++;
                }
                if (q + 3 < end && (buf.getByte(q) | 0x20) == 't' && (buf.getByte(q + 1) | 0x20) == 'a' &&
                    (buf.getByte(q + 2) | 0x20) == 'g' && (buf.getByte(q + 3) == '=' || buf.getByte(q + 3) == ' ')) {
                    return true;
                }
            }
        }
        return false;
    }

    private void send(ByteBuf response, InetSocketAddress to) {
        stats.responsesSent.increment();
        if (udp) {
            channel.write(new DatagramPacket(response, to), channel.voidPromise());
        } else {
            channel.write(response, channel.voidPromise());
        }
        if (!flushScheduled) {
            flushScheduled = true;
            channel.eventLoop().execute(flusher);
        }
    }

    private void flushNow() {
        flushScheduled = false;
        channel.flush();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        final List<UasCall> all = new ArrayList<>(calls.values());
        for (UasCall c : all) {
            end(c);
        }
        for (int i = dialogs.size(); i > 0; i--) {
            stats.openDialogs.decrement();
        }
        dialogs.clear();
        ctx.fireChannelInactive();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (!udp) {
            ctx.close();
        }
    }

    static String defaultName(InetSocketAddress bound) {
        return "uas-" + bound.getPort();
    }
}
