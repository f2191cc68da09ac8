package io.siplb.loadtests.gen;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;

import io.netty.buffer.ByteBuf;
import io.netty.channel.AddressedEnvelope;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.socket.DatagramPacket;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.collection.LongObjectHashMap;
import io.netty.util.concurrent.ScheduledFuture;
import io.siplb.codec.SipHeader;
import io.siplb.codec.SipMessage;

/**
 * The UAC side of one socket (a UDP socket or a TCP/TLS connection): starts its share of the run's calls on
 * schedule (call numbers {@code index, index + sockets, ...}), runs each call's transactions (RFC 3261 §17.1 client
 * transactions, Timers A, B, E and F over UDP; §12.1.2 dialog from the 2xx: route set, remote target) and records
 * latencies and outcomes in the run's {@link UacStats}.
 *
 * <p>Calls start when due whatever became of earlier ones (open model): the starter is a timer of the event loop set
 * to the next call's due time, not a reaction to completions. A due call is only refused, and counted as failed, when
 * {@code maxConcurrent} calls are in flight.
 *
 * <p>Ownership: the last handler of the pipeline; it releases every inbound message ({@link SipMessage}, or the
 * {@link AddressedEnvelope} holding it over UDP) in {@code finally}. Outbound messages are allocated here and handed
 * to the channel, which releases them once written.
 *
 * <p>Not thread-safe; confined to the channel's event loop (every method but the constructor runs there).
 */
final class UacHandler extends ChannelInboundHandlerAdapter {

    /** Calls started in one run of the starter before it yields to I/O. */
    private static final int START_BATCH = 256;
    /** Distinct backends (Server or Contact values) counted by name; more go to {@link #OTHER_BACKEND}. */
    private static final int MAX_BACKENDS = 64;
    private static final String OTHER_BACKEND = "(other)";
    /** Next hops (route or target host:port) cached by URI bytes. */
    private static final int MAX_HOPS = 16;
    private static final byte[] SERVER = SipBytes.ascii("server");
    private static final byte[] ROUTE_PREFIX = SipBytes.ascii("Route: ");
    private static final byte[] CRLF = { '\r', '\n' };

    /** What every message of this socket has in common, fixed once the socket has its local address. Immutable. */
    static final class Constants {
        final byte[] runId;
        final byte[] callIdPrefix;
        final byte[] callIdSuffix;
        final byte[] requestUri;
        final SipTemplate initial;
        final SipTemplate ack;
        final SipTemplate bye;

        Constants(byte[] runId, byte[] callIdSuffix, byte[] requestUri, SipTemplate initial, SipTemplate ack,
                  SipTemplate bye) {
            this.runId = runId;
            callIdPrefix = new byte[runId.length + 1];
            System.arraycopy(runId, 0, callIdPrefix, 0, runId.length);
            callIdPrefix[runId.length] = '-';
            this.callIdSuffix = callIdSuffix;
            this.requestUri = requestUri;
            this.initial = initial;
            this.ack = ack;
            this.bye = bye;
        }
    }

    private final Uac run;
    private final UacConfig config;
    private final UacStats stats;
    private final int index;
    private final TimerWheel wheel;
    private final boolean udp;
    private final long t1Nanos;
    private final long t2Nanos;
    private final long timeoutNanos;
    private final long holdNanos;
    private final LongObjectHashMap<UacCall> calls = new LongObjectHashMap<>();
    private final ArrayDeque<UacCall> free = new ArrayDeque<>();
    private final Runnable starter = this::startDue;
    private final Runnable flusher = this::flushNow;

    private Channel channel;
    private Constants constants;
    private long startNanos;
    private long nextSeq;
    private ScheduledFuture<?> starterFuture;
    private boolean starting;
    private boolean stopped;
    private boolean flushScheduled;

    /** Record-Route values of the 2xx being handled, as (start, end) pairs. */
    private int[] routeRanges = new int[16];

    private final List<byte[]> backendKeys = new ArrayList<>();
    private final List<LongAdder> backendCounters = new ArrayList<>();
    private LongAdder otherBackend;
    private final byte[][] hopKeys = new byte[MAX_HOPS][];
    private final InetSocketAddress[] hopAddresses = new InetSocketAddress[MAX_HOPS];
    private int hopCount;
    private int hopVictim;
    private byte[] scratch = new byte[128];

    UacHandler(Uac run, int index, TimerWheel wheel) {
        this.run = run;
        config = run.config();
        stats = run.stats();
        this.index = index;
        this.wheel = wheel;
        udp = config.transport() == LoadTransport.UDP;
        t1Nanos = config.t1().toNanos();
        t2Nanos = Math.max(t1Nanos, UacConfig.T2.toNanos());
        timeoutNanos = config.timeout().toNanos();
        holdNanos = config.hold().toNanos();
        nextSeq = index;
    }

    Constants constants() {
        return constants;
    }

    /** Returns the number of calls in flight on this socket. */
    int inFlight() {
        return calls.size();
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        channel = ctx.channel();
    }

    /** Compiles this socket's templates; called on the event loop once the socket has its local address. */
    void prepare(InetSocketAddress local) {
        constants = UacMessages.constants(config, run.runId(), local);
    }

    /** Starts this socket's share of the schedule, whose time 0 is {@code startNanos}; on the event loop. */
    void start(long startNanos) {
        assert channel.eventLoop().inEventLoop();
        this.startNanos = startNanos;
        starting = true;
        if (nextSeq >= config.schedule().totalCalls()) {
            starting = false;
            run.starterDone();
            return;
        }
        scheduleStarter(System.nanoTime());
    }

    private void scheduleStarter(long now) {
        final long due = startNanos + config.schedule().offsetNanos(nextSeq);
        starterFuture = channel.eventLoop().schedule(starter, Math.max(0, due - now), TimeUnit.NANOSECONDS);
    }

    private void startDue() {
        if (stopped || !starting) {
            return;
        }
        final Schedule schedule = config.schedule();
        final long total = schedule.totalCalls();
        final int stride = config.sockets();
        long now = System.nanoTime();
        int started = 0;
        while (nextSeq < total) {
            final long due = startNanos + schedule.offsetNanos(nextSeq);
            if (due > now) {
                scheduleStarter(now);
                break;
            }
            startCall(nextSeq, schedule.stepOf(nextSeq), due, now);
            nextSeq += stride;
            if (++started == START_BATCH) {
                now = System.nanoTime();
                started = 0;
                if (nextSeq < total) {
                    channel.eventLoop().execute(starter);
                    break;
                }
            }
        }
        if (nextSeq >= total && starting) {
            starting = false;
            run.starterDone();
        }
    }

    private void startCall(long seq, int step, long due, long now) {
        stats.attempted(step);
        if (!channel.isActive()) {
            stats.failed(step, FailureReason.TRANSPORT_ERROR, 0);
            return;
        }
        if (!stats.tryStart(config.maxConcurrent())) {
            stats.failed(step, FailureReason.MAX_CONCURRENT, 0);
            return;
        }
        final UacCall c = free.isEmpty() ? new UacCall(this) : free.poll();
        c.begin(seq, step, due);
        calls.put(seq, c);
        stats.record(Metric.SCHEDULE_LAG, now - due);
        if (config.mode() == CallMode.INVITE) {
            c.state = UacCall.INVITING;
            c.sending = UacCall.MSG_INVITE;
        } else {
            c.state = UacCall.REQUEST_SENT;
            c.sending = UacCall.MSG_REQUEST;
        }
        send(c, constants.initial, config.target());
        c.timeoutAt = now + timeoutNanos;
        if (udp) {
            c.retransmitInterval = t1Nanos;
            c.retransmitAt = now + t1Nanos;
        }
        wheel.schedule(c, c.nextDeadline());
    }

    /** A call's timer: the hold time ended, a retransmission is due, or the transaction timed out. */
    void onCallTimer(UacCall c, long deadline, long now) {
        if (c.state == UacCall.CONFIRMED) {
            sendBye(c, deadline, now);
            return;
        }
        if (now >= c.timeoutAt) {
            fail(c, FailureReason.TIMEOUT, 0);
            return;
        }
        if (now >= c.retransmitAt) {
            switch (c.state) {
                case UacCall.INVITING:
                    c.sending = UacCall.MSG_INVITE;
                    send(c, constants.initial, config.target());
                    c.retransmitInterval *= 2; // Timer A doubles (RFC 3261 §17.1.1.2)
                    break;
                case UacCall.BYE_SENT:
                case UacCall.BYE_PROCEEDING:
                    c.sending = UacCall.MSG_BYE;
                    send(c, constants.bye, c.nextHop);
                    c.retransmitInterval = nextNonInviteInterval(c);
                    break;
                default:
                    c.sending = UacCall.MSG_REQUEST;
                    send(c, constants.initial, config.target());
                    c.retransmitInterval = nextNonInviteInterval(c);
                    break;
            }
            stats.retransmissionsSent.increment();
            c.retransmitAt = now + c.retransmitInterval;
        }
        wheel.schedule(c, c.nextDeadline());
    }

    /** Timer E: doubles up to T2, or T2 once a provisional response came (RFC 3261 §17.1.2.2). */
    private long nextNonInviteInterval(UacCall c) {
        if (c.state == UacCall.BYE_PROCEEDING || c.state == UacCall.REQUEST_PROCEEDING) {
            return t2Nanos;
        }
        return Math.min(c.retransmitInterval * 2, t2Nanos);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        try {
            final SipMessage m = msg instanceof AddressedEnvelope ?
                                 (SipMessage) ((AddressedEnvelope<?, ?>) msg).content() : (SipMessage) msg;
            onMessage(m, System.nanoTime());
        } finally {
            ReferenceCountUtil.release(msg);
        }
    }

    private void onMessage(SipMessage msg, long now) {
        if (!msg.decoderResult().isSuccess()) {
            stats.malformed.increment();
            return;
        }
        if (msg.isRequest()) {
            stats.unexpectedMessages.increment();
            return;
        }
        final long seq = SipBytes.callIdSequence(msg, constants.callIdPrefix);
        final UacCall c = seq < 0 || stopped ? null : calls.get(seq);
        if (c == null) {
            stats.strayResponses.increment();
            return;
        }
        final int method = SipBytes.cseqMethod(msg);
        final int code = msg.statusCode();
        if (method == SipBytes.INVITE) {
            onInviteResponse(c, msg, code, now);
        } else if (method == SipBytes.BYE &&
                   (c.state == UacCall.BYE_SENT || c.state == UacCall.BYE_PROCEEDING)) {
            onByeResponse(c, code, now);
        } else if (method == requestMethod() &&
                   (c.state == UacCall.REQUEST_SENT || c.state == UacCall.REQUEST_PROCEEDING)) {
            onRequestResponse(c, msg, code, now);
        } else {
            stats.unexpectedMessages.increment();
        }
    }

    private int requestMethod() {
        switch (config.mode()) {
            case OPTIONS:
                return SipBytes.OPTIONS;
            case MESSAGE:
                return SipBytes.MESSAGE;
            case REGISTER:
                return SipBytes.REGISTER;
            default:
                return SipBytes.INVITE;
        }
    }

    private void onInviteResponse(UacCall c, SipMessage msg, int code, long now) {
        if (c.state != UacCall.INVITING && c.state != UacCall.INVITE_PROCEEDING) {
            if (code >= 200 && code < 300) {
                // A retransmitted 2xx: its ACK was lost or is in flight; ACK again (RFC 3261 §13.2.2.4).
                stats.retransmissionsSeen.increment();
                c.sending = UacCall.MSG_ACK_2XX;
                send(c, constants.ack, c.nextHop);
            } else {
                stats.unexpectedMessages.increment();
            }
            return;
        }
        if (!c.firstResponseSeen) {
            c.firstResponseSeen = true;
            stats.record(Metric.INVITE_FIRST_RESPONSE, now - c.dueNanos);
        }
        if (code < 200) {
            c.state = UacCall.INVITE_PROCEEDING;
            c.retransmitAt = Long.MAX_VALUE;
            wheel.schedule(c, c.nextDeadline());
            return;
        }
        copyTo(c, msg);
        if (code >= 300) {
            // The INVITE transaction ACKs a non-2xx final itself, to the INVITE's destination (RFC 3261 §17.1.1.3).
            c.sending = UacCall.MSG_ACK_ERROR;
            send(c, constants.ack, config.target());
            fail(c, FailureReason.STATUS, code);
            return;
        }
        stats.record(Metric.INVITE_OK, now - c.dueNanos);
        stats.recordStep(c.step, now - c.dueNanos);
        if (!readDialog(c, msg)) {
            fail(c, FailureReason.UNEXPECTED_MESSAGE, 0);
            return;
        }
        countBackend(msg);
        c.state = UacCall.CONFIRMED;
        c.sending = UacCall.MSG_ACK_2XX;
        send(c, constants.ack, c.nextHop);
        c.retransmitAt = Long.MAX_VALUE;
        c.timeoutAt = Long.MAX_VALUE;
        if (holdNanos == 0) {
            sendBye(c, now, now);
        } else {
            c.holdUntil = now + holdNanos;
            wheel.schedule(c, c.holdUntil);
        }
    }

    private void sendBye(UacCall c, long due, long now) {
        c.state = UacCall.BYE_SENT;
        c.byeDueNanos = due;
        c.sending = UacCall.MSG_BYE;
        send(c, constants.bye, c.nextHop);
        c.timeoutAt = now + timeoutNanos;
        if (udp) {
            c.retransmitInterval = t1Nanos;
            c.retransmitAt = now + t1Nanos;
        }
        wheel.schedule(c, c.nextDeadline());
    }

    private void onByeResponse(UacCall c, int code, long now) {
        if (code < 200) {
            c.state = UacCall.BYE_PROCEEDING;
            if (udp) {
                c.retransmitAt = now + t2Nanos;
            }
            wheel.schedule(c, c.nextDeadline());
        } else if (code < 300) {
            stats.record(Metric.BYE_OK, now - c.byeDueNanos);
            complete(c);
        } else {
            fail(c, FailureReason.STATUS, code);
        }
    }

    private void onRequestResponse(UacCall c, SipMessage msg, int code, long now) {
        if (code < 200) {
            c.state = UacCall.REQUEST_PROCEEDING;
            if (udp) {
                c.retransmitAt = now + t2Nanos;
            }
            wheel.schedule(c, c.nextDeadline());
        } else if (code < 300) {
            stats.record(Metric.REQUEST_FINAL, now - c.dueNanos);
            stats.recordStep(c.step, now - c.dueNanos);
            countBackend(msg);
            complete(c);
        } else {
            stats.record(Metric.REQUEST_FINAL, now - c.dueNanos);
            fail(c, FailureReason.STATUS, code);
        }
    }

    private void copyTo(UacCall c, SipMessage msg) {
        final int h = msg.firstHeader(SipHeader.TO);
        final int start = msg.headerValueStart(h);
        final int len = msg.headerValueEnd(h) - start;
        c.to = SipBytes.ensureCapacity(c.to, len, 0);
        msg.content().getBytes(start, c.to, 0, len);
        c.toLength = len;
    }

    /**
     * Takes the dialog's remote target (the Contact's URI) and route set (the Record-Route values, reversed: RFC
     * 3261 §12.1.2) from a 2xx, and the next hop of in-dialog requests: the first route, else the target (loose
     * routing, §12.2.1.1; a first route without {@code ;lr} is still sent to as a loose router). Returns
     * {@code false} when the 2xx has no usable Contact or its next hop cannot be resolved.
     */
    private boolean readDialog(UacCall c, SipMessage msg) {
        final ByteBuf buf = msg.content();
        final int contact = msg.firstHeader(SipHeader.CONTACT);
        if (contact < 0) {
            return false;
        }
        final int cStart = msg.headerValueStart(contact);
        final long uri = SipBytes.uriRange(buf, cStart, SipBytes.valueEnd(buf, cStart, msg.headerValueEnd(contact)));
        if (uri < 0) {
            return false;
        }
        final int uStart = (int) (uri >>> 32);
        final int uLen = (int) uri - uStart;
        c.target = SipBytes.ensureCapacity(c.target, uLen, 0);
        buf.getBytes(uStart, c.target, 0, uLen);
        c.targetLength = uLen;

        int n = 0;
        for (int h = msg.firstHeader(SipHeader.RECORD_ROUTE); h >= 0; h = msg.nextHeader(SipHeader.RECORD_ROUTE, h)) {
            final int end = msg.headerValueEnd(h);
            int p = msg.headerValueStart(h);
            while (p < end) {
                p = SipBytes.skipSeparator(buf, p, end);
                if (p >= end) {
                    break;
                }
                final int vEnd = SipBytes.valueEnd(buf, p, end);
                if (2 * n + 2 > routeRanges.length) {
                    routeRanges = java.util.Arrays.copyOf(routeRanges, routeRanges.length * 2);
                }
                routeRanges[2 * n] = p;
                routeRanges[2 * n + 1] = SipBytes.trimEnd(buf, p, vEnd);
                n++;
                p = vEnd;
            }
        }
        int len = 0;
        for (int i = n - 1; i >= 0; i--) {
            final int start = routeRanges[2 * i];
            final int vLen = routeRanges[2 * i + 1] - start;
            c.routes = SipBytes.ensureCapacity(c.routes, len + ROUTE_PREFIX.length + vLen + 2, len);
            System.arraycopy(ROUTE_PREFIX, 0, c.routes, len, ROUTE_PREFIX.length);
            len += ROUTE_PREFIX.length;
            buf.getBytes(start, c.routes, len, vLen);
            len += vLen;
            System.arraycopy(CRLF, 0, c.routes, len, 2);
            len += 2;
        }
        c.routesLength = len;
        if (!udp) {
            return true; // in-dialog requests go on the connection the call runs on
        }
        final byte[] hopUri;
        final int hopLen;
        if (n > 0) {
            final int first = routeRanges[2 * (n - 1)];
            final long r = SipBytes.uriRange(buf, first, routeRanges[2 * (n - 1) + 1]);
            if (r < 0) {
                return false;
            }
            hopLen = (int) r - (int) (r >>> 32);
            scratch = SipBytes.ensureCapacity(scratch, hopLen, 0);
            buf.getBytes((int) (r >>> 32), scratch, 0, hopLen);
            hopUri = scratch;
        } else {
            hopUri = c.target;
            hopLen = c.targetLength;
        }
        c.nextHop = resolveHop(hopUri, hopLen);
        return c.nextHop != null;
    }

    private InetSocketAddress resolveHop(byte[] uri, int len) {
        for (int i = 0; i < hopCount; i++) {
            final byte[] k = hopKeys[i];
            if (k.length == len && java.util.Arrays.equals(k, 0, len, uri, 0, len)) {
                return hopAddresses[i];
            }
        }
        final String hostPort = SipBytes.hostPort(uri, 0, len, config.transport().defaultPort());
        if (hostPort == null) {
            return null;
        }
        final int colon = hostPort.lastIndexOf(':');
        String host = hostPort.substring(0, colon);
        if (host.startsWith("[")) {
            host = host.substring(1, host.length() - 1);
        }
        final InetSocketAddress address;
        try {
            // A name is resolved here, on the event loop (once per distinct URI); IP literals do not block.
            address = new InetSocketAddress(InetAddress.getByName(host),
                                            Integer.parseInt(hostPort.substring(colon + 1)));
        } catch (UnknownHostException | NumberFormatException e) {
            return null;
        }
        final int slot = hopCount < MAX_HOPS ? hopCount++ : hopVictim++ % MAX_HOPS;
        hopKeys[slot] = java.util.Arrays.copyOf(uri, len);
        hopAddresses[slot] = address;
        return address;
    }

    /**
     * Counts a 2xx for the backend that sent it: the value of its {@code Server} header, else its Contact URI.
     */
    private void countBackend(SipMessage msg) {
        final ByteBuf buf = msg.content();
        int start = -1;
        int end = -1;
        for (int h = msg.firstHeader(SipHeader.OTHER); h >= 0; h = msg.nextHeader(SipHeader.OTHER, h)) {
            if (SipBytes.headerNamed(msg, h, SERVER)) {
                start = msg.headerValueStart(h);
                end = msg.headerValueEnd(h);
                break;
            }
        }
        if (start < 0) {
            final int contact = msg.firstHeader(SipHeader.CONTACT);
            if (contact < 0) {
                return;
            }
            final int cStart = msg.headerValueStart(contact);
            final long uri = SipBytes.uriRange(buf, cStart,
                                               SipBytes.valueEnd(buf, cStart, msg.headerValueEnd(contact)));
            if (uri < 0) {
                return;
            }
            start = (int) (uri >>> 32);
            end = (int) uri;
        }
        for (int i = 0; i < backendKeys.size(); i++) {
            final byte[] k = backendKeys.get(i);
            if (SipBytes.equalsRange(buf, start, end, k, k.length)) {
                backendCounters.get(i).increment();
                return;
            }
        }
        if (backendKeys.size() >= MAX_BACKENDS) {
            if (otherBackend == null) {
                otherBackend = stats.backend(OTHER_BACKEND);
            }
            otherBackend.increment();
            return;
        }
        final byte[] key = new byte[end - start];
        buf.getBytes(start, key);
        final LongAdder counter = stats.backend(new String(key, StandardCharsets.UTF_8));
        backendKeys.add(key);
        backendCounters.add(counter);
        counter.increment();
    }

    private void complete(UacCall c) {
        stats.completed(c.step);
        end(c);
    }

    private void fail(UacCall c, FailureReason reason, int status) {
        stats.failed(c.step, reason, status);
        end(c);
    }

    private void end(UacCall c) {
        calls.remove(c.seq);
        wheel.cancel(c);
        stats.ended();
        free.push(c);
    }

    private void send(UacCall c, SipTemplate template, InetSocketAddress udpDestination) {
        final ByteBuf buf = channel.alloc().ioBuffer(template.literalLength() + 256);
        template.write(buf, c);
        if (udp) {
            channel.write(new DatagramPacket(buf, udpDestination), channel.voidPromise());
        } else {
            channel.write(buf, channel.voidPromise());
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
        // A TCP/TLS connection that closes takes its calls with it.
        if (!stopped) {
            failAll(FailureReason.TRANSPORT_ERROR);
        }
        ctx.fireChannelInactive();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        stats.socketErrors.increment();
        run.socketError(index, cause);
        if (!udp) {
            ctx.close();
        }
    }

    /** Starts no more calls; those in flight go on. On the event loop. */
    void stopStarting() {
        if (starterFuture != null) {
            starterFuture.cancel(false);
        }
        if (starting) {
            starting = false;
            run.starterDone();
        }
    }

    /** Stops starting calls and forgets those in flight, counting them as unfinished; on the event loop. */
    void stop() {
        if (stopped) {
            return;
        }
        stopStarting();
        stopped = true;
        for (UacCall c : calls.values()) {
            wheel.cancel(c);
            stats.unfinished.increment();
            stats.ended();
        }
        calls.clear();
    }

    private void failAll(FailureReason reason) {
        final List<UacCall> all = new ArrayList<>(calls.values());
        for (UacCall c : all) {
            fail(c, reason, 0);
        }
    }
}
