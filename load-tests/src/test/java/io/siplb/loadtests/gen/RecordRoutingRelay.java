package io.siplb.loadtests.gen;

import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A tiny UDP proxy for the Record-Route test, standing for two loose-routing proxies on one socket: it forwards an
 * INVITE (no Route) to the UAS with its Via and two Record-Route values, {@code x=1} (the first proxy's) below
 * {@code x=2} (the second's), as two proxies in a row would; it takes every other request from the UAC, records its
 * Request-URI and Route values, removes the Route values naming itself and forwards it to its Request-URI; it sends
 * responses back by the next Via. Text-based, one thread. Thread-safe: the recorded requests are in a concurrent
 * queue; {@link #close()} from any thread.
 */
final class RecordRoutingRelay implements AutoCloseable {

    /** A request the relay received from the UAC, after the INVITE. Immutable. */
    static final class Seen {
        final String method;
        final String requestUri;
        final List<String> routes;

        Seen(String method, String requestUri, List<String> routes) {
            this.method = method;
            this.requestUri = requestUri;
            this.routes = List.copyOf(routes);
        }
    }

    private static final Pattern HOST_PORT = Pattern.compile("sips?:(?:[^@;>]*@)?([0-9.]+):([0-9]+)");

    private final DatagramSocket socket;
    private final InetSocketAddress uas;
    private final Thread thread;
    private final Queue<Seen> seen = new ConcurrentLinkedQueue<>();
    private volatile boolean closed;
    private int branches;

    RecordRoutingRelay(InetSocketAddress uas) throws SocketException {
        this.uas = uas;
        socket = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        socket.setSoTimeout(100);
        thread = new Thread(this::loop, "record-routing-relay");
        thread.setDaemon(true);
        thread.start();
    }

    InetSocketAddress address() {
        return (InetSocketAddress) socket.getLocalSocketAddress();
    }

    String route(int n) {
        return "<sip:127.0.0.1:" + socket.getLocalPort() + ";lr;x=" + n + '>';
    }

    List<Seen> seen() {
        return new ArrayList<>(seen);
    }

    private void loop() {
        final byte[] buf = new byte[65536];
        while (!closed) {
            final DatagramPacket p = new DatagramPacket(buf, buf.length);
            try {
                socket.receive(p);
                relay(new String(buf, 0, p.getLength(), StandardCharsets.UTF_8));
            } catch (SocketTimeoutException e) {
                // poll closed
            } catch (IOException e) {
                if (!closed) {
                    throw new IllegalStateException(e);
                }
            }
        }
    }

    private void relay(String msg) throws IOException {
        final int headersEnd = msg.indexOf("\r\n\r\n");
        final List<String> lines = new ArrayList<>(List.of(msg.substring(0, headersEnd).split("\r\n")));
        final String body = msg.substring(headersEnd);
        final String start = lines.get(0);
        if (start.startsWith("SIP/2.0 ")) {
            lines.remove(firstVia(lines)); // ours
            final Matcher m = Pattern.compile("SIP/2.0/UDP ([0-9.]+):([0-9]+)").matcher(lines.get(firstVia(lines)));
            if (!m.find()) {
                throw new IllegalStateException("no Via to send back to: " + msg);
            }
            send(lines, body, new InetSocketAddress(m.group(1), Integer.parseInt(m.group(2))));
            return;
        }
        final String[] requestLine = start.split(" ");
        final String method = requestLine[0];
        final InetSocketAddress to;
        if ("INVITE".equals(method)) {
            lines.add(1, "Record-Route: " + route(2));
            lines.add(2, "Record-Route: " + route(1));
            to = uas;
        } else {
            final List<String> routes = new ArrayList<>();
            for (int i = 1; i < lines.size(); i++) {
                if (lines.get(i).regionMatches(true, 0, "Route:", 0, 6)) {
                    routes.add(lines.get(i).substring(6).trim());
                    lines.remove(i--);
                }
            }
            seen.add(new Seen(method, requestLine[1], routes));
            final Matcher m = HOST_PORT.matcher(requestLine[1]);
            if (!m.find()) {
                throw new IllegalStateException("Request-URI without host:port: " + start);
            }
            to = new InetSocketAddress(m.group(1), Integer.parseInt(m.group(2)));
        }
        if (!"ACK".equals(method)) {
            lines.add(1, "Via: SIP/2.0/UDP 127.0.0.1:" + socket.getLocalPort() + ";branch=z9hG4bKrelay" +
                         ++branches);
        }
        send(lines, body, to);
    }

    private static int firstVia(List<String> lines) {
        for (int i = 1; i < lines.size(); i++) {
            if (lines.get(i).regionMatches(true, 0, "Via:", 0, 4)) {
                return i;
            }
        }
        throw new IllegalStateException("no Via in " + lines);
    }

    private void send(List<String> lines, String body, InetSocketAddress to) throws IOException {
        final byte[] b = (String.join("\r\n", lines) + body).getBytes(StandardCharsets.UTF_8);
        socket.send(new DatagramPacket(b, b.length, to));
    }

    @Override
    public void close() throws InterruptedException {
        closed = true;
        thread.join(5000);
        socket.close();
    }
}
