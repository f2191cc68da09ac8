package io.siplb.proxy.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A UDP SIP backend on an ephemeral port of 127.0.0.1 that answers every request 200 OK (echoing Via, From, To,
 * Call-ID and CSeq) on a thread of its own, and records the Call-IDs of the requests it gets, keepalive probes
 * (siplb's, Call-ID ending in {@code @siplb}) counted apart. {@link #close} stops it: afterwards its port answers
 * ICMP port unreachable, like a backend that died. Thread-safe.
 */
public final class SipResponder implements AutoCloseable {

    private final DatagramSocket socket;
    private final Thread thread;
    private final List<String> callIds = new CopyOnWriteArrayList<>();
    private final AtomicInteger probes = new AtomicInteger();
    private volatile boolean closed;

    private SipResponder(DatagramSocket socket) {
        this.socket = socket;
        thread = new Thread(this::serve, "sip-responder-" + socket.getLocalPort());
        thread.setDaemon(true);
        thread.start();
    }

    /** Binds a responder to an ephemeral port of 127.0.0.1 and starts answering. */
    public static SipResponder start() {
        try {
            return new SipResponder(new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0)));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Returns the bound port. */
    public int port() {
        return socket.getLocalPort();
    }

    /** Returns {@code sip:127.0.0.1:PORT}. */
    public String uri() {
        return "sip:127.0.0.1:" + port();
    }

    /** Returns the Call-IDs of the requests received so far (probes excluded), in order. */
    public List<String> callIds() {
        return List.copyOf(callIds);
    }

    /** Returns how many keepalive probes were received. */
    public int probes() {
        return probes.get();
    }

    private void serve() {
        final byte[] buf = new byte[65536];
        // Bounded: every receive waits at most 100 ms, and the loop ends when the socket is closed.
        while (!closed) {
            final DatagramPacket p = new DatagramPacket(buf, buf.length);
            try {
                socket.setSoTimeout(100);
                socket.receive(p);
            } catch (SocketTimeoutException e) {
                continue;
            } catch (SocketException e) {
                return; // closed
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            final String msg = new String(p.getData(), 0, p.getLength(), StandardCharsets.UTF_8);
            if (msg.startsWith("SIP/2.0") || msg.startsWith("ACK ") || msg.indexOf("\r\n") < 0) {
                continue;
            }
            final String callId = SipText.header(msg, "Call-ID");
            if (callId != null && callId.endsWith("@siplb")) {
                probes.incrementAndGet();
            } else {
                callIds.add(callId);
            }
            final byte[] out = ok(msg).getBytes(StandardCharsets.UTF_8);
            try {
                socket.send(new DatagramPacket(out, out.length, p.getSocketAddress()));
            } catch (IOException e) {
                if (closed) {
                    return;
                }
                throw new UncheckedIOException(e);
            }
        }
    }

    private static String ok(String request) {
        final StringBuilder sb = new StringBuilder("SIP/2.0 200 OK\r\n");
        for (String v : SipText.headers(request, "Via")) {
            sb.append("Via: ").append(v).append("\r\n");
        }
        sb.append("From: ").append(SipText.header(request, "From")).append("\r\n");
        final String to = SipText.header(request, "To");
        sb.append("To: ").append(to).append(to != null && !to.contains(";tag=") ? ";tag=r1" : "").append("\r\n");
        sb.append("Call-ID: ").append(SipText.header(request, "Call-ID")).append("\r\n");
        sb.append("CSeq: ").append(SipText.header(request, "CSeq")).append("\r\n");
        return sb.append("Content-Length: 0\r\n\r\n").toString();
    }

    /** Stops answering and closes the socket; waits up to 2 s for the thread. Idempotent. */
    @Override
    public void close() {
        closed = true;
        socket.close();
        try {
            thread.join(2000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
