package io.siplb.proxy.core;

import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.LongAdder;

import io.siplb.codec.SipDecodeError;
import io.siplb.codec.SipMessage;
import io.siplb.codec.SipMethod;
import io.siplb.dispatch.Transport;
import io.siplb.dispatch.state.DurationHistogram;

/**
 * The counters of the forwarders: messages received and forwarded, messages received and sent by transport, kind
 * (request or response) and method, local responses by status, drops by {@link DropReason}, decode failures by
 * {@link SipDecodeError} and the time from a request to its first final response. The hot path only increments
 * {@link LongAdder}s found by array index (transport, kind and method ordinals; no lookup by name);
 * {@link #snapshot()} reads them for tests and the shutdown summary, and {@code io.siplb.proxy.metrics} at scrape
 * time.
 * Thread-safe (lock-free).
 */
public final class ProxyStats {

    private static final DropReason[] DROP_REASONS = DropReason.values();
    private static final SipDecodeError[] DECODE_ERRORS = SipDecodeError.values();
    private static final RejectReason[] REJECT_REASONS = RejectReason.values();

    private static final Transport[] TRANSPORTS = Transport.values();
    private static final SipMethod[] METHODS = SipMethod.values();

    private final LongAdder requestsReceived = new LongAdder();
    private final LongAdder responsesReceived = new LongAdder();
    private final LongAdder requestsForwarded = new LongAdder();
    private final LongAdder responsesForwarded = new LongAdder();
    private final LongAdder retransmissionsAbsorbed = new LongAdder();
    private final LongAdder[] localResponses = newAdders(700);
    private final LongAdder[] drops = newAdders(DROP_REASONS.length);
    private final LongAdder[] decodeErrors = newAdders(DECODE_ERRORS.length);
    private final LongAdder[] rejects = newAdders(REJECT_REASONS.length);
    /** Indexed by {@link #messageIndex}. */
    private final LongAdder[] received = newAdders(TRANSPORTS.length * 2 * METHODS.length);
    private final LongAdder[] sent = newAdders(TRANSPORTS.length * 2 * METHODS.length);
    private final DurationHistogram requestDuration = new DurationHistogram(
            0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60);

    private static int messageIndex(Transport transport, boolean request, SipMethod method) {
        return (transport.ordinal() * 2 + (request ? 0 : 1)) * METHODS.length + method.ordinal();
    }

    /**
     * Returns the method a message is counted under: a request's method, a response's CSeq method
     * ({@link SipMethod#EXTENSION} for an extension method or when it has none).
     */
    public static SipMethod countedMethod(SipMessage msg) {
        if (msg.isRequest()) {
            final SipMethod m = msg.method();
            return m != null ? m : SipMethod.EXTENSION;
        }
        final io.siplb.codec.CSeq cseq = msg.decoderResult().isSuccess() ? msg.cseq() : null;
        return cseq != null ? cseq.methodType() : SipMethod.EXTENSION;
    }

    /**
     * Counts a message received over {@code transport} (requests and responses; input that is neither is counted
     * only as a drop).
     */
    public void received(Transport transport, SipMessage msg) {
        if (msg.isRequest() || msg.isResponse()) {
            received[messageIndex(transport, msg.isRequest(), countedMethod(msg))].increment();
        }
    }

    /** Counts a message siplb queued for sending over {@code transport}. */
    public void sent(Transport transport, boolean request, SipMethod method) {
        sent[messageIndex(transport, request, method)].increment();
    }

    /** Returns the messages received over {@code transport} of a kind and method. */
    public long receivedCount(Transport transport, boolean request, SipMethod method) {
        return received[messageIndex(transport, request, method)].sum();
    }

    /** Returns the messages sent over {@code transport} of a kind and method. */
    public long sentCount(Transport transport, boolean request, SipMethod method) {
        return sent[messageIndex(transport, request, method)].sum();
    }

    /**
     * Returns the time from a request's arrival to the first final response siplb sent for it (forwarded or local),
     * for the requests of server transactions (stateful mode).
     */
    public DurationHistogram requestDuration() {
        return requestDuration;
    }

    private static LongAdder[] newAdders(int n) {
        final LongAdder[] a = new LongAdder[n];
        for (int i = 0; i < n; i++) {
            a[i] = new LongAdder();
        }
        return a;
    }

    public void requestReceived() {
        requestsReceived.increment();
    }

    public void responseReceived() {
        responsesReceived.increment();
    }

    public void requestForwarded() {
        requestsForwarded.increment();
    }

    public void responseForwarded() {
        responsesForwarded.increment();
    }

    /** Counts a retransmitted request a server transaction absorbed (answered with its last response, or not). */
    public void retransmissionAbsorbed() {
        retransmissionsAbsorbed.increment();
    }

    /** Returns the number of retransmitted requests absorbed by server transactions. */
    public long retransmissionsAbsorbed() {
        return retransmissionsAbsorbed.sum();
    }

    public void localResponse(int status) {
        if (status >= 100 && status < 700) {
            localResponses[status].increment();
        }
    }

    /** Counts a drop; public so the transport can count send failures. */
    public void drop(DropReason reason) {
        drops[reason.ordinal()].increment();
    }

    public void reject(RejectReason reason) {
        rejects[reason.ordinal()].increment();
    }

    /** Returns the number of requests that could not be routed for {@code reason} (answered 503, or ACK dropped). */
    public long rejects(RejectReason reason) {
        return rejects[reason.ordinal()].sum();
    }

    public void decodeError(SipDecodeError reason) {
        decodeErrors[reason.ordinal()].increment();
    }

    /** Returns the number of drops for {@code reason}. */
    public long drops(DropReason reason) {
        return drops[reason.ordinal()].sum();
    }

    /** Returns the number of drops of every reason. */
    public long totalDrops() {
        long sum = 0;
        for (LongAdder a : drops) {
            sum += a.sum();
        }
        return sum;
    }

    /** Returns the number of local responses with {@code status}. */
    public long localResponses(int status) {
        return status >= 100 && status < 700 ? localResponses[status].sum() : 0;
    }

    /** Returns the number of messages that failed to decode for {@code reason} (answered or dropped). */
    public long decodeErrors(SipDecodeError reason) {
        return decodeErrors[reason.ordinal()].sum();
    }

    /** Returns the number of requests received (well-formed or not). */
    public long requestsReceived() {
        return requestsReceived.sum();
    }

    /** Returns the number of responses received (well-formed or not). */
    public long responsesReceived() {
        return responsesReceived.sum();
    }

    /** Returns the number of requests forwarded. */
    public long requestsForwarded() {
        return requestsForwarded.sum();
    }

    /** Returns the number of responses forwarded. */
    public long responsesForwarded() {
        return responsesForwarded.sum();
    }

    /**
     * Returns every non-zero counter by name ({@code requests.received}, {@code requests.forwarded},
     * {@code responses.received}, {@code responses.forwarded}, {@code requests.absorbed}, {@code local-responses.483}, {@code dropped.<reason>},
     * {@code unroutable.<reason>}, {@code malformed.<decode reason>}), sorted by name. The counters are read one by
     * one, not atomically.
     */
    public Map<String, Long> snapshot() {
        final Map<String, Long> m = new TreeMap<>();
        put(m, "requests.received", requestsReceived.sum());
        put(m, "requests.forwarded", requestsForwarded.sum());
        put(m, "responses.received", responsesReceived.sum());
        put(m, "responses.forwarded", responsesForwarded.sum());
        put(m, "requests.absorbed", retransmissionsAbsorbed.sum());
        for (int s = 100; s < 700; s++) {
            put(m, "local-responses." + s, localResponses[s].sum());
        }
        for (DropReason r : DROP_REASONS) {
            put(m, "dropped." + r.metricName(), drops[r.ordinal()].sum());
        }
        for (RejectReason r : REJECT_REASONS) {
            put(m, "unroutable." + r.metricName(), rejects[r.ordinal()].sum());
        }
        for (SipDecodeError e : DECODE_ERRORS) {
            put(m, "malformed." + e.name().toLowerCase(java.util.Locale.ROOT).replace('_', '-'),
                decodeErrors[e.ordinal()].sum());
        }
        return m;
    }

    private static void put(Map<String, Long> m, String name, long value) {
        if (value != 0) {
            m.put(name, value);
        }
    }

    @Override
    public String toString() {
        return snapshot().toString();
    }
}
