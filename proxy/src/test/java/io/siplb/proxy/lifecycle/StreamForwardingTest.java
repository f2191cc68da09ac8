package io.siplb.proxy.lifecycle;

import static io.siplb.proxy.testing.SipText.header;
import static io.siplb.proxy.testing.SipText.headers;
import static io.siplb.proxy.testing.SipText.startLine;
import static io.siplb.proxy.testing.SipText.status;
import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.siplb.dispatch.Transport;
import io.siplb.proxy.stream.ConnectionStats.Cause;
import io.siplb.proxy.testing.SipPeer;
import io.siplb.proxy.testing.StreamPeer;
import io.siplb.proxy.testing.TestServers;

/**
 * siplb's TCP transport between hand-written user agents: TCP callers to UDP backends and UDP callers to TCP
 * backends, responses back over the caller's connection, in-dialog requests back over the caller's connection by the
 * flow token in siplb's Record-Route, double Record-Route on transport conversion, Via naming the outbound transport,
 * CRLF keep-alives, framing errors, slow headers, idle and stalled connections, connection limits, a refused
 * connection failed over at once, and requests too large for UDP sent over TCP. Not thread-safe; confined to the
 * test thread.
 */
class StreamForwardingTest {

    private static final int WAIT = 3000;
    private static final int QUIET = 300;

    @TempDir
    Path dir;

    private SiplbServer server;
    private final List<AutoCloseable> closeables = new ArrayList<>();

    @AfterEach
    void stop() throws Exception {
        if (server != null) {
            server.close();
        }
        for (AutoCloseable c : closeables) {
            if (c != null) {
                c.close();
            }
        }
    }

    private <T extends AutoCloseable> T keep(T c) {
        closeables.add(c);
        return c;
    }

    private void start(String mode, String destinations, String extra) {
        server = TestServers.start(dir, "siplb {\n"
                                        + "  listen = [\"udp:127.0.0.1:0\", \"tcp:127.0.0.1:0\"]\n"
                                        + "  io.threads = 2\n"
                                        + "  proxy.mode = " + mode + "\n"
                                        + "  shutdown { quiet-period = 0ms, timeout = 2s }\n"
                                        + "  dispatcher.probing.interval = 0s\n"
                                        + "}\n"
                                        + "siplb.dispatcher.sets = [ { id = 1, algorithm = priority, destinations = ["
                                        + destinations + "] } ]\n" + extra + '\n');
    }

    private InetSocketAddress udp() {
        return server.localAddress(Transport.UDP);
    }

    private InetSocketAddress tcp() {
        return server.localAddress(Transport.TCP);
    }

    static String invite(String transport, int port, String callId, String branch, String body) {
        return "INVITE sip:bob@example.com SIP/2.0\r\n"
               + "Via: SIP/2.0/" + transport + " 127.0.0.1:" + port + ";branch=" + branch + ";rport\r\n"
               + "Max-Forwards: 70\r\n"
               + "From: \"Alice\" <sip:alice@example.com>;tag=a1\r\n"
               + "To: <sip:bob@example.com>\r\n"
               + "Call-ID: " + callId + "\r\n"
               + "CSeq: 1 INVITE\r\n"
               + "Contact: <sip:alice@127.0.0.1:" + port + ";transport=" + transport.toLowerCase() + ">\r\n"
               + "Content-Length: " + body.getBytes(StandardCharsets.UTF_8).length + "\r\n\r\n" + body;
    }

    /** The response a UAS sends to {@code request}, with Record-Route copied and a Contact of {@code contact}. */
    static String response(String request, int status, String reason, String toTag, String contact) {
        final StringBuilder sb = new StringBuilder("SIP/2.0 ").append(status).append(' ').append(reason)
                                                               .append("\r\n");
        for (String v : headers(request, "Via")) {
            sb.append("Via: ").append(v).append("\r\n");
        }
        for (String rr : headers(request, "Record-Route")) {
            sb.append("Record-Route: ").append(rr).append("\r\n");
        }
        sb.append("From: ").append(header(request, "From")).append("\r\n");
        sb.append("To: ").append(header(request, "To")).append(toTag != null ? ";tag=" + toTag : "")
          .append("\r\n");
        sb.append("Call-ID: ").append(header(request, "Call-ID")).append("\r\n");
        sb.append("CSeq: ").append(header(request, "CSeq")).append("\r\n");
        if (contact != null) {
            sb.append("Contact: ").append(contact).append("\r\n");
        }
        return sb.append("Content-Length: 0\r\n\r\n").toString();
    }

    /** Record-Route values one at a time, in order (values may share a header line). */
    static List<String> recordRoutes(String msg) {
        final List<String> all = new ArrayList<>();
        for (String line : headers(msg, "Record-Route")) {
            for (String v : line.split(",")) {
                all.add(v.trim());
            }
        }
        return all;
    }

    /** The callee's in-dialog BYE: Route = the Record-Route set in order (RFC 3261 §12.1.1), to the caller. */
    static String calleeBye(String forwardedInvite, String viaTransport, int port, String branch) {
        final StringBuilder sb = new StringBuilder("BYE sip:alice@127.0.0.1 SIP/2.0\r\n");
        sb.append("Via: SIP/2.0/").append(viaTransport).append(" 127.0.0.1:").append(port).append(";branch=")
          .append(branch).append("\r\n");
        sb.append("Max-Forwards: 70\r\n");
        for (String rr : recordRoutes(forwardedInvite)) {
            sb.append("Route: ").append(rr).append("\r\n");
        }
        sb.append("From: <sip:bob@example.com>;tag=b1\r\n");
        sb.append("To: ").append(header(forwardedInvite, "From")).append("\r\n");
        sb.append("Call-ID: ").append(header(forwardedInvite, "Call-ID")).append("\r\n");
        sb.append("CSeq: 1 BYE\r\nContent-Length: 0\r\n\r\n");
        return sb.toString();
    }

    /**
     * The callee's in-dialog request for a caller whose connection has closed: over a new connection to the caller's
     * Contact (its Request-URI) when the caller listens there, 430 Flow Failed when the caller uses outbound
     * ({@code ;ob}, RFC 5626 §5.3: it opens a new flow itself).
     */
    @Test
    void aClosedFlowGoesToTheContactUnlessTheClientUsesOutbound() {
        final SipPeer backend = keep(SipPeer.bind());
        start("stateful", "\"sip:127.0.0.1:" + backend.port() + "\"", "");
        final StreamPeer.Server callerListens = keep(StreamPeer.Server.listen());
        final StreamPeer caller = keep(StreamPeer.connect(tcp()));
        caller.send(invite("TCP", callerListens.port(), "t13@uac", "z9hG4bK-t13", ""));
        assertThat(status(caller.receive(WAIT))).isEqualTo(100);
        final String fwd = backend.receive(WAIT);
        backend.send(response(fwd, 200, "OK", "b1", "<sip:bob@127.0.0.1:" + backend.port() + ">"), udp());
        assertThat(status(caller.receive(WAIT))).isEqualTo(200);
        caller.close();
        final long deadline = System.nanoTime() + WAIT * 1_000_000L;
        while (server.streams().table().inbound() > 0 && System.nanoTime() < deadline) {
            Thread.onSpinWait();
        }
        assertThat(server.streams().table().inbound()).isZero();

        final String contact = "sip:alice@127.0.0.1:" + callerListens.port() + ";transport=tcp";
        final String outboundBye = calleeBye(fwd, "UDP", backend.port(), "z9hG4bK-obye")
                .replace("BYE sip:alice@127.0.0.1 SIP/2.0", "BYE " + contact + ";ob SIP/2.0");
        backend.send(outboundBye, udp());
        assertThat(status(backend.receive(WAIT))).isEqualTo(430);
        assertThat(callerListens.accept(QUIET)).isNull();

        final String bye = calleeBye(fwd, "UDP", backend.port(), "z9hG4bK-cbye")
                .replace("BYE sip:alice@127.0.0.1 SIP/2.0", "BYE " + contact + " SIP/2.0")
                .replace("CSeq: 1 BYE", "CSeq: 2 BYE");
        backend.send(bye, udp());
        final StreamPeer back = keep(callerListens.accept(WAIT));
        assertThat(back).as("siplb's new connection to the caller's Contact").isNotNull();
        final String atCaller = back.receive(WAIT);
        assertThat(startLine(atCaller)).isEqualTo("BYE " + contact + " SIP/2.0");
        assertThat(headers(atCaller, "Route")).isEmpty();
        back.send(response(atCaller, 200, "OK", null, null));
        assertThat(status(backend.receive(WAIT))).isEqualTo(200);
    }

    @Test
    void aTcpCallerReachesAUdpBackendAndTheCalleesByeComesBackOverTheCallersConnection() {
        final SipPeer backend = keep(SipPeer.bind());
        start("stateful", "\"sip:127.0.0.1:" + backend.port() + "\"", "");
        final StreamPeer caller = keep(StreamPeer.connect(tcp()));
        caller.send(invite("TCP", caller.port(), "t1@uac", "z9hG4bK-t1", ""));
        assertThat(status(caller.receive(WAIT))).isEqualTo(100);
        final String fwd = backend.receive(WAIT);
        assertThat(startLine(fwd)).isEqualTo("INVITE sip:bob@example.com SIP/2.0");
        // Via names the outbound transport; the caller's Via keeps TCP with received/rport of its connection.
        assertThat(headers(fwd, "Via").get(0)).startsWith("SIP/2.0/UDP ");
        assertThat(headers(fwd, "Via").get(1)).startsWith("SIP/2.0/TCP 127.0.0.1:" + caller.port())
                                              .contains("rport=" + caller.port());
        // Double Record-Route: the UDP side on top, the TCP side with the flow token of the caller's connection.
        final List<String> rr = recordRoutes(fwd);
        assertThat(rr).hasSize(2);
        assertThat(rr.get(0)).isEqualTo("<sip:127.0.0.1:" + udp().getPort() + ";lr>");
        assertThat(rr.get(1)).matches("<sip:sf[0-9a-f]{16}@127\\.0\\.0\\.1:" + tcp().getPort()
                                      + ";transport=tcp;lr>");

        backend.send(response(fwd, 180, "Ringing", "b1", null), udp());
        assertThat(status(caller.receive(WAIT))).isEqualTo(180);
        backend.send(response(fwd, 200, "OK", "b1", "<sip:bob@127.0.0.1:" + backend.port() + ">"), udp());
        final String ok = caller.receive(WAIT);
        assertThat(status(ok)).isEqualTo(200);
        assertThat(headers(ok, "Via")).hasSize(1);

        // The callee hangs up: its BYE follows the Route set to siplb and then over the caller's own connection.
        backend.send(calleeBye(fwd, "UDP", backend.port(), "z9hG4bK-bye1"), udp());
        final String bye = caller.receive(WAIT);
        assertThat(startLine(bye)).isEqualTo("BYE sip:alice@127.0.0.1 SIP/2.0");
        assertThat(headers(bye, "Via").get(0)).startsWith("SIP/2.0/TCP 127.0.0.1:" + tcp().getPort());
        assertThat(headers(bye, "Route")).isEmpty();
        caller.send(response(bye, 200, "OK", null, null));
        assertThat(status(backend.receive(WAIT))).isEqualTo(200);
    }

    @Test
    void aRetransmissionACancelAndAnAckOverAnotherConnectionReachTheTransactionOnTheOtherEventLoop() {
        final SipPeer backend = keep(SipPeer.bind());
        start("stateful", "\"sip:127.0.0.1:" + backend.port() + "\"", "");
        // siplb's two event loops take accepted connections in turn: the second connection is read by the loop
        // that does not hold the INVITE's server transaction.
        final StreamPeer first = keep(StreamPeer.connect(tcp()));
        final StreamPeer second = keep(StreamPeer.connect(tcp()));
        final String invite = invite("TCP", first.port(), "x1@uac", "z9hG4bK-x1", "");
        first.send(invite);
        assertThat(status(first.receive(WAIT))).isEqualTo(100);
        final String fwd = backend.receive(WAIT);
        backend.send(response(fwd, 180, "Ringing", "b1", null), udp());
        assertThat(status(first.receive(WAIT))).isEqualTo(180);

        // The INVITE again over the other connection is the same transaction: absorbed (its last response is sent
        // again over the transaction's connection), not a second INVITE downstream.
        final long handedOver = server.stateful().handovers();
        second.send(invite);
        assertThat(status(first.receive(WAIT))).isEqualTo(180);
        assertThat(backend.receive(QUIET)).isNull();
        assertThat(server.stateful().handovers()).as("the retransmission went to the other loop")
                                                 .isEqualTo(handedOver + 1);

        // Its CANCEL over the other connection: answered 200 there, sent down the INVITE's branch.
        second.send(invite.replace("INVITE sip:", "CANCEL sip:").replace("CSeq: 1 INVITE", "CSeq: 1 CANCEL")
                          .replaceAll("Contact: [^\r]*\r\n", ""));
        final String cancelOk = second.receive(WAIT);
        assertThat(status(cancelOk)).isEqualTo(200);
        assertThat(header(cancelOk, "CSeq")).isEqualTo("1 CANCEL");
        final String down = backend.receive(WAIT);
        assertThat(startLine(down)).startsWith("CANCEL sip:bob@example.com");
        assertThat(headers(down, "Via")).containsExactly(headers(fwd, "Via").get(0));
        backend.send(response(down, 200, "OK", null, null), udp());
        backend.send(response(fwd, 487, "Request Terminated", "b1", null), udp());
        assertThat(startLine(backend.receive(WAIT))).as("siplb's own ACK of the 487").startsWith("ACK ");
        final String terminated = first.receive(WAIT);
        assertThat(status(terminated)).isEqualTo(487);

        // The caller's ACK of the 487 over the other connection is absorbed by the transaction, not forwarded.
        second.send(invite.replace("INVITE sip:", "ACK sip:").replace("CSeq: 1 INVITE", "CSeq: 1 ACK")
                          .replace("To: <sip:bob@example.com>", "To: " + header(terminated, "To"))
                          .replaceAll("Contact: [^\r]*\r\n", ""));
        assertThat(backend.receive(QUIET)).isNull();
    }

    @Test
    void aUdpCallerReachesATcpBackendOverOneConnectionThatIsReused() {
        final StreamPeer.Server backend = keep(StreamPeer.Server.listen());
        start("stateful", "\"sip:127.0.0.1:" + backend.port() + ";transport=tcp\"", "");
        final SipPeer caller = keep(SipPeer.bind());
        caller.send(invite("UDP", caller.port(), "t2@uac", "z9hG4bK-t2", ""), udp());
        assertThat(status(caller.receive(WAIT))).isEqualTo(100);
        final StreamPeer conn = keep(backend.accept(WAIT));
        assertThat(conn).isNotNull();
        final String fwd = conn.receive(WAIT);
        assertThat(headers(fwd, "Via").get(0)).startsWith("SIP/2.0/TCP 127.0.0.1:" + tcp().getPort());
        assertThat(recordRoutes(fwd)).containsExactly("<sip:127.0.0.1:" + tcp().getPort() + ";transport=tcp;lr>",
                                                      "<sip:127.0.0.1:" + udp().getPort() + ";lr>");
        conn.send(response(fwd, 200, "OK", "b1", "<sip:bob@127.0.0.1:" + backend.port() + ";transport=tcp>"));
        assertThat(status(caller.receive(WAIT))).isEqualTo(200);

        // A second call uses the same connection.
        caller.send(invite("UDP", caller.port(), "t3@uac", "z9hG4bK-t3", ""), udp());
        assertThat(status(caller.receive(WAIT))).isEqualTo(100);
        final String second = conn.receive(WAIT);
        assertThat(header(second, "Call-ID")).isEqualTo("t3@uac");
        assertThat(backend.accept(QUIET)).isNull();
        conn.send(response(second, 486, "Busy Here", "b2", null));
        // siplb ACKs the 486 over the connection itself and the caller gets it.
        assertThat(startLine(conn.receive(WAIT))).startsWith("ACK ");
        assertThat(status(caller.receive(WAIT))).isEqualTo(486);
        assertThat(server.streams().stats().outboundOpened(Transport.TCP)).isEqualTo(1);
    }

    @Test
    void statelessTcpToTcpAnswersOverTheCallersConnection() {
        final StreamPeer.Server backend = keep(StreamPeer.Server.listen());
        start("stateless", "\"sip:127.0.0.1:" + backend.port() + ";transport=tcp\"", "");
        final StreamPeer caller = keep(StreamPeer.connect(tcp()));
        caller.send(invite("TCP", caller.port(), "t4@uac", "z9hG4bK-t4", ""));
        final StreamPeer conn = keep(backend.accept(WAIT));
        final String fwd = conn.receive(WAIT);
        assertThat(startLine(fwd)).startsWith("INVITE ");
        conn.send(response(fwd, 200, "OK", "b1", "<sip:bob@127.0.0.1:" + backend.port() + ";transport=tcp>"));
        final String ok = caller.receive(WAIT);
        assertThat(status(ok)).isEqualTo(200);
        assertThat(headers(ok, "Via")).hasSize(1);
    }

    @Test
    void aRefusedConnectionFailsOverAtOnce() {
        final StreamPeer.Server closed = StreamPeer.Server.listen();
        final int closedPort = closed.port();
        closed.close();
        final SipPeer second = keep(SipPeer.bind());
        start("stateful", "{ uri = \"sip:127.0.0.1:" + closedPort + ";transport=tcp\", priority = 2 }, "
                          + "{ uri = \"sip:127.0.0.1:" + second.port() + "\", priority = 1 }",
              "siplb.proxy.fr-timeout = 10s");
        final SipPeer caller = keep(SipPeer.bind());
        final long t0 = System.nanoTime();
        caller.send(invite("UDP", caller.port(), "t5@uac", "z9hG4bK-t5", ""), udp());
        assertThat(status(caller.receive(WAIT))).isEqualTo(100);
        final String fwd = second.receive(WAIT);
        assertThat(startLine(fwd)).startsWith("INVITE ");
        assertThat((System.nanoTime() - t0) / 1_000_000).isLessThan(2000);
        assertThat(server.streams().stats().get(Cause.CONNECT_FAILED)).isEqualTo(1);
        assertThat(server.stateful().failovers()).isEqualTo(1);
    }

    @Test
    void aRequestTooLargeForUdpGoesOverTcpUnlessTheUriAsksForUdp() {
        final StreamPeer.Server backend = keep(StreamPeer.Server.listen());
        final SipPeer udpBackend = keep(SipPeer.bind());
        // The same port for both: a TCP listener and a UDP socket on backend.port() are different sockets.
        start("stateful", "\"sip:127.0.0.1:" + backend.port() + "\"", "");
        final StreamPeer caller = keep(StreamPeer.connect(tcp()));
        final String body = "v=0\r\n" + "a=x-filler:" + "x".repeat(1400) + "\r\n";
        caller.send(invite("TCP", caller.port(), "t6@uac", "z9hG4bK-t6", body));
        assertThat(status(caller.receive(WAIT))).isEqualTo(100);
        final StreamPeer conn = keep(backend.accept(WAIT));
        assertThat(conn).isNotNull();
        final String fwd = conn.receive(WAIT);
        assertThat(headers(fwd, "Via").get(0)).startsWith("SIP/2.0/TCP ");
        assertThat(fwd).endsWith(body);
        assertThat(udpBackend.receive(QUIET)).isNull();
    }

    @Test
    void crlfKeepAlivesAreAnsweredAndGarbageGets400AndACloseAndSiplbGoesOn() {
        final SipPeer backend = keep(SipPeer.bind());
        start("stateful", "\"sip:127.0.0.1:" + backend.port() + "\"", "");
        final StreamPeer a = keep(StreamPeer.connect(tcp()));
        a.sendRaw("\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
        final long deadline = System.nanoTime() + WAIT * 1_000_000L;
        while (a.pongs() == 0 && System.nanoTime() < deadline) {
            Thread.onSpinWait();
        }
        assertThat(a.pongs()).isEqualTo(1);
        // A request without Content-Length cannot be framed: 400 naming it, then the connection is closed.
        a.send("OPTIONS sip:x@example.com SIP/2.0\r\nVia: SIP/2.0/TCP 127.0.0.1:1;branch=z9hG4bK-g\r\n"
               + "From: <sip:a@example.com>;tag=1\r\nTo: <sip:x@example.com>\r\nCall-ID: g@x\r\n"
               + "CSeq: 1 OPTIONS\r\nMax-Forwards: 70\r\n\r\n");
        assertThat(status(a.receive(WAIT))).isEqualTo(400);
        assertThat(a.awaitClosed(WAIT)).isTrue();
        assertThat(server.streams().stats().get(Cause.FRAMING_ERROR)).isEqualTo(1);
        // Another connection is served as before.
        final StreamPeer b = keep(StreamPeer.connect(tcp()));
        b.send(invite("TCP", b.port(), "t7@uac", "z9hG4bK-t7", ""));
        assertThat(status(b.receive(WAIT))).isEqualTo(100);
        assertThat(startLine(backend.receive(WAIT))).startsWith("INVITE ");
    }

    @Test
    void slowHeadersIdleConnectionsAndStalledReadersAreClosed() {
        final SipPeer backend = keep(SipPeer.bind());
        start("stateful", "\"sip:127.0.0.1:" + backend.port() + "\"",
              "siplb.connections { message-timeout = 300ms, idle-timeout = 1s }");
        final StreamPeer slow = keep(StreamPeer.connect(tcp()));
        slow.send("INVITE sip:bob@example.com SIP/2.0\r\nVia: SIP/2.0/TCP 127.0.0.1:1;branch=z9hG4bK-s\r\n");
        final StreamPeer idle = keep(StreamPeer.connect(tcp()));
        assertThat(slow.awaitClosed(WAIT)).isTrue();
        assertThat(server.streams().stats().get(Cause.SLOW_MESSAGE)).isEqualTo(1);
        assertThat(idle.awaitClosed(WAIT)).isTrue();
        assertThat(server.streams().stats().get(Cause.IDLE)).isGreaterThanOrEqualTo(1);
    }

    @Test
    void connectionsBeyondThePerIpLimitAreRefused() {
        final SipPeer backend = keep(SipPeer.bind());
        start("stateful", "\"sip:127.0.0.1:" + backend.port() + "\"",
              "siplb.connections { max = 10, max-per-ip = 2 }");
        final StreamPeer a = keep(StreamPeer.connect(tcp()));
        final StreamPeer b = keep(StreamPeer.connect(tcp()));
        a.send(invite("TCP", a.port(), "t8@uac", "z9hG4bK-t8", ""));
        assertThat(status(a.receive(WAIT))).isEqualTo(100);
        b.send(invite("TCP", b.port(), "t9@uac", "z9hG4bK-t9", ""));
        assertThat(status(b.receive(WAIT))).isEqualTo(100);
        final StreamPeer c = keep(StreamPeer.connect(tcp()));
        assertThat(c.awaitClosed(WAIT)).isTrue();
        assertThat(server.streams().stats().get(Cause.REFUSED_PER_IP)).isEqualTo(1);
        // Once one closes, a new one is taken.
        a.close();
        final long deadline = System.nanoTime() + WAIT * 1_000_000L;
        while (server.streams().table().inbound() > 1 && System.nanoTime() < deadline) {
            Thread.onSpinWait();
        }
        final StreamPeer d = keep(StreamPeer.connect(tcp()));
        d.send(invite("TCP", d.port(), "t10@uac", "z9hG4bK-t10", ""));
        assertThat(status(d.receive(WAIT))).isEqualTo(100);
    }

    @Test
    void aTcpPortHeldByAnotherProcessIsRefusedAtStartUp() throws Exception {
        try (java.net.ServerSocket held = new java.net.ServerSocket(0, 5, java.net.InetAddress.getLoopbackAddress())) {
            final String text = "siplb { listen = [\"udp:127.0.0.1:0\", \"tcp:127.0.0.1:" + held.getLocalPort()
                                + "\"], io.threads = 1 }\n";
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> TestServers.start(dir, text))
                    .isInstanceOf(io.siplb.proxy.udp.UdpListeners.BindFailedException.class)
                    .hasMessageContaining("cannot listen on tcp:127.0.0.1:" + held.getLocalPort());
        }
    }

    @Test
    void aResponseForAClosedConnectionGoesOverANewOneToTheViaSentBy() {
        final SipPeer backend = keep(SipPeer.bind());
        start("stateful", "\"sip:127.0.0.1:" + backend.port() + "\"", "");
        // The caller listens on its Via sent-by port, as RFC 3261 §18.2.2 expects of a TCP client.
        final StreamPeer.Server callerListens = keep(StreamPeer.Server.listen());
        final StreamPeer caller = keep(StreamPeer.connect(tcp()));
        caller.send(invite("TCP", callerListens.port(), "t11@uac", "z9hG4bK-t11", ""));
        assertThat(status(caller.receive(WAIT))).isEqualTo(100);
        final String fwd = backend.receive(WAIT);
        caller.close();
        final long deadline = System.nanoTime() + WAIT * 1_000_000L;
        while (server.streams().table().inbound() > 0 && System.nanoTime() < deadline) {
            Thread.onSpinWait();
        }
        assertThat(server.streams().table().inbound()).isZero();
        backend.send(response(fwd, 200, "OK", "b1", "<sip:bob@127.0.0.1:" + backend.port() + ">"), udp());
        final StreamPeer back = keep(callerListens.accept(WAIT));
        assertThat(back).isNotNull();
        assertThat(status(back.receive(WAIT))).isEqualTo(200);
    }

    @Test
    void aClientsAliasLetsSiplbReuseItsConnection() {
        final SipPeer backend = keep(SipPeer.bind());
        start("stateful", "\"sip:127.0.0.1:" + backend.port() + "\"", "siplb.proxy.record-route = false");
        // Nothing listens on the sent-by port: only the alias (RFC 5923) lets siplb reach the caller.
        final StreamPeer.Server unused = StreamPeer.Server.listen();
        final int sentBy = unused.port();
        unused.close();
        final StreamPeer caller = keep(StreamPeer.connect(tcp()));
        caller.send(invite("TCP", sentBy, "t12@uac", "z9hG4bK-t12;alias", ""));
        assertThat(status(caller.receive(WAIT))).isEqualTo(100);
        final String fwd = backend.receive(WAIT);
        backend.send(response(fwd, 200, "OK", "b1", "<sip:bob@127.0.0.1:" + backend.port() + ">"), udp());
        assertThat(status(caller.receive(WAIT))).isEqualTo(200);
        // Without Record-Route the callee sends its BYE to siplb as outbound proxy, to the caller's Contact.
        final String bye = "BYE sip:alice@127.0.0.1:" + sentBy + ";transport=tcp SIP/2.0\r\n"
                           + "Via: SIP/2.0/UDP 127.0.0.1:" + backend.port() + ";branch=z9hG4bK-abye\r\n"
                           + "Max-Forwards: 70\r\nFrom: <sip:bob@example.com>;tag=b1\r\n"
                           + "To: \"Alice\" <sip:alice@example.com>;tag=a1\r\nCall-ID: t12@uac\r\n"
                           + "CSeq: 1 BYE\r\nContent-Length: 0\r\n\r\n";
        backend.send(bye, udp());
        assertThat(startLine(caller.receive(WAIT))).startsWith("BYE sip:alice@127.0.0.1:" + sentBy);
        assertThat(server.streams().stats().outboundOpened(Transport.TCP)).isZero();
    }
}
