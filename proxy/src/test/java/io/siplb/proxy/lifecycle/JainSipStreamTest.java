package io.siplb.proxy.lifecycle;

import static io.siplb.proxy.testing.JainSipAgent.WAIT;
import static io.siplb.proxy.testing.SipText.startLine;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.ListIterator;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.regex.Pattern;

import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;
import javax.sip.DialogState;
import javax.sip.header.RecordRouteHeader;
import javax.sip.header.ViaHeader;
import javax.sip.message.Request;
import javax.sip.message.Response;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.slf4j.LoggerFactory;

import io.siplb.dispatch.Transport;
import io.siplb.proxy.core.DropReason;
import io.siplb.proxy.stream.ConnectionStats.Cause;
import io.siplb.proxy.stream.ListenerTexts;
import io.siplb.proxy.stream.StreamTransports;
import io.siplb.proxy.testing.JainSipAgent;
import io.siplb.proxy.testing.JainSipAgent.Call;
import io.siplb.proxy.testing.JainSipAgent.Listen;
import io.siplb.proxy.testing.JainSipAgent.Mode;
import io.siplb.proxy.testing.JainSipAgent.ReceivedRequest;
import io.siplb.proxy.testing.JainSipAgent.TlsStores;
import io.siplb.proxy.testing.StreamPeer;
import io.siplb.proxy.testing.TestCertificates;
import io.siplb.proxy.testing.TestServers;

/**
 * siplb started in-process between JAIN-SIP RI user agents over TCP, TLS and UDP, IPv4 and IPv6, and hand-written
 * peers on raw sockets where a fault is needed:
 * <ul>
 * <li>for each pair of inbound (the caller's) and outbound (the destination URI's) transports, statefully: a
 * failover from a destination that refuses the connection (over UDP: ICMP port unreachable), a whole call (INVITE,
 * 100 from siplb, 180, 200, ACK, BYE) with the Via and Record-Route a real third-party stack sees, a CANCEL of a
 * ringing call, a call the callee hangs up; statelessly the same without failover;</li>
 * <li>a backend that resets its connection after the answer or while the INVITE is pending, or is gone;</li>
 * <li>a caller whose idle connection siplb closed in the middle of a call;</li>
 * <li>a backend (TCP or TLS) that stops reading, cut off at the write buffer limit;</li>
 * <li>mutual TLS accepted and refused, expired and wrong-host backend certificates, a TLS backend that never
 * answers the ClientHello.</li>
 * </ul>
 * Not thread-safe; confined to the test thread (the agents are thread-safe).
 */
class JainSipStreamTest {

    /** The password of the PKCS#12 stores of the JAIN-SIP TLS agents. */
    static final String PASSWORD = "siplb-test";

    @TempDir
    Path dir;

    private TestCertificates pki;
    private SiplbServer server;
    private final List<JainSipAgent> agents = new ArrayList<>();
    private final List<AutoCloseable> closeables = new ArrayList<>();

    /** A bound for one exchange with a raw peer, in milliseconds. */
    private static final int RAW_WAIT = 3000;

    @BeforeEach
    void certificates() throws Exception {
        pki = TestCertificates.create(dir.resolve("pki"));
    }

    @AfterEach
    void stop() {
        try {
            for (JainSipAgent agent : agents) {
                assertThat(agent.listenerErrors()).as("failures inside %s", agent).isEmpty();
                assertThat(agent.strayResponses()).as("responses %s could not match", agent).isEmpty();
            }
        } finally {
            if (server != null) {
                server.close();
            }
            JainSipAgent.closeAll(agents.toArray(new JainSipAgent[0]));
            for (AutoCloseable c : closeables) {
                try {
                    c.close();
                } catch (Exception e) {
                    // closing
                }
            }
        }
    }

    private <T extends AutoCloseable> T keep(T c) {
        closeables.add(c);
        return c;
    }

    /** One side of siplb: a transport and an address family. */
    enum Leg {
        UDP(Transport.UDP, "127.0.0.1"), TCP(Transport.TCP, "127.0.0.1"), TLS(Transport.TLS, "127.0.0.1"),
        TCP6(Transport.TCP, "::1");

        final Transport transport;
        final String host;

        Leg(Transport transport, String host) {
            this.transport = transport;
            this.host = host;
        }

        boolean isStream() {
            return transport != Transport.UDP;
        }

        /** {@code 127.0.0.1} or {@code [::1]}. */
        String uriHost() {
            return host.indexOf(':') >= 0 ? '[' + host + ']' : host;
        }

        /** The URI parameter naming the transport, {@code ""} for UDP. */
        String uriParameter() {
            return isStream() ? ";transport=" + transport.uriName() : "";
        }
    }

    // ------------------------------------------------------------------ set-up

    /** The {@code siplb.tls} section: siplb's certificate of the test CA, the CA trusted, and {@code extra}. */
    String tlsSection(String extra) {
        return "siplb.tls {\n"
               + "  certificate = \"" + pki.server().certificate() + "\"\n"
               + "  private-key = \"" + pki.server().privateKey() + "\"\n"
               + "  ca-bundle = \"" + pki.ca() + "\"\n"
               + "  " + extra + "\n"
               + "}\n";
    }

    /**
     * Starts stateful siplb listening on UDP, TCP and TLS on 127.0.0.1 and TCP on ::1, without keepalive probing
     * (the peers see only the test's traffic), with the TLS section of {@link #tlsSection}, set 1 of
     * {@code destinations} (priority algorithm) and {@code extra}.
     */
    SiplbServer start(String destinations, String extra) {
        final String text = "siplb {\n"
                            + "  listen = [\"udp:127.0.0.1:0\", \"tcp:127.0.0.1:0\", \"tls:127.0.0.1:0\", "
                            + "\"tcp:[::1]:0\"]\n"
                            + "  io.threads = 2\n"
                            + "  shutdown { quiet-period = 0ms, timeout = 2s }\n"
                            + "  dispatcher.probing.interval = 0s\n"
                            + "}\n"
                            + "siplb.dispatcher.sets = [ { id = 1, algorithm = priority, destinations = ["
                            + destinations + "] } ]\n"
                            + extra + '\n';
        return startText(text);
    }

    /** Starts siplb from the configuration {@code text}. */
    SiplbServer startText(String text) {
        server = TestServers.start(dir, text);
        return server;
    }

    /** Returns siplb's listener of {@code leg}. */
    ListenerTexts listener(Leg leg) {
        for (ListenerTexts l : server.streams().listeners()) {
            if (l.transport() == leg.transport && l.isIpv6() == leg.host.contains(":")) {
                return l;
            }
        }
        throw new AssertionError("siplb has no listener for " + leg);
    }

    /** Returns the address of siplb's listener of {@code leg}. */
    InetSocketAddress siplb(Leg leg) {
        return leg == Leg.UDP ? server.localAddress(Transport.UDP) : listener(leg).localAddress();
    }

    /** Returns {@code HOST:PORT} of siplb's listener of {@code leg}. */
    String siplbHostPort(Leg leg) {
        return leg.uriHost() + ':' + siplb(leg).getPort();
    }

    /** The key material of a JAIN-SIP TLS agent showing {@code issued}, trusting the test CA. */
    TlsStores stores(TestCertificates.Issued issued, String clientAuth) {
        try {
            return new TlsStores(pki.keyStore(issued, PASSWORD.toCharArray()),
                                 pki.trustStore("trust.p12", PASSWORD.toCharArray(), false), PASSWORD, clientAuth);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** Starts a JAIN-SIP agent on {@code leg}; a TLS one shows {@code issued} (the server certificate if null). */
    JainSipAgent agent(String name, Leg leg, TestCertificates.Issued issued) {
        final Listen listen = switch (leg) {
            case UDP -> Listen.UDP;
            case TCP -> Listen.TCP;
            case TCP6 -> Listen.tcp("::1");
            case TLS -> Listen.tls(stores(issued != null ? issued : pki.server(), "Disabled"));
        };
        final JainSipAgent a = JainSipAgent.start(name, listen);
        agents.add(a);
        return a;
    }

    JainSipAgent agent(String name, Leg leg) {
        return agent(name, leg, null);
    }

    /** Returns a destination URI of a port of {@code leg} where nothing listens any more. */
    static String refusingUri(Leg leg) {
        try {
            final InetAddress ip = InetAddress.getByName(leg.host);
            final int port;
            if (leg.isStream()) {
                try (ServerSocket s = new ServerSocket(0, 1, ip)) {
                    port = s.getLocalPort();
                }
            } else {
                try (DatagramSocket s = new DatagramSocket(new InetSocketAddress(ip, 0))) {
                    port = s.getLocalPort();
                }
            }
            return "sip:" + leg.uriHost() + ':' + port + leg.uriParameter();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Waits up to {@link JainSipAgent#WAIT} for {@code condition}; returns whether it held. */
    static boolean eventually(BooleanSupplier condition) {
        final long deadline = System.nanoTime() + WAIT.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                return false;
            }
            try {
                Thread.sleep(5);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        }
        return true;
    }

    // ------------------------------------------------------------------ what siplb writes

    /** The Record-Route value siplb writes for its side {@code leg} (a flow token for a caller's connection). */
    String recordRoutePattern(Leg leg, boolean callerSide) {
        final String hostPort = Pattern.quote(siplbHostPort(leg));
        if (!leg.isStream()) {
            return "<sip:" + hostPort + ";lr>";
        }
        return "<sip:" + (callerSide ? "sf[0-9a-f]{16}@" : "") + hostPort + ";transport=" + leg.transport.uriName()
               + ";lr>";
    }

    /**
     * Checks the Record-Route set siplb added (RFC 3261 §16.6 step 4): one entry when both sides are UDP; else two
     * (RFC 5658 double record-routing), the destination's side on top and the caller's side below, which on a stream
     * names the caller's connection by its flow token so that the callee's requests come back over it.
     */
    void assertRecordRoutes(List<String> recordRoutes, Leg in, Leg out, String what) {
        if (in == Leg.UDP && out == Leg.UDP) {
            assertThat(recordRoutes).as("Record-Route of %s", what).hasSize(1);
            assertThat(recordRoutes.get(0)).matches(recordRoutePattern(in, true));
            return;
        }
        assertThat(recordRoutes).as("Record-Route of %s (double)", what).hasSize(2);
        assertThat(recordRoutes.get(0)).as("top Record-Route of %s", what).matches(recordRoutePattern(out, false));
        assertThat(recordRoutes.get(1)).as("caller-side Record-Route of %s", what)
                                       .matches(recordRoutePattern(in, true));
    }

    /** Checks a request siplb forwarded to the callee: siplb's Via over {@code out} on the caller's over {@code in}. */
    void assertForwarded(ReceivedRequest r, Leg in, Leg out, JainSipAgent caller) {
        assertThat(r.viaCount()).as("Vias of %s", r.method()).isEqualTo(2);
        assertThat(r.vias().get(0)).as("siplb's Via of %s", r.method())
                                   .startsWith("SIP/2.0/" + out.transport.viaName() + ' ' + siplbHostPort(out)
                                               + ";branch=z9hG4bK");
        // JAIN-SIP writes ::1 as 0:0:0:0:0:0:0:1 in the Vias its dialogs build: either form is the caller's.
        final String callerHost = in.host.equals("::1") ? "\\[(::1|0:0:0:0:0:0:0:1)\\]"
                                                        : Pattern.quote(in.host);
        assertThat(r.vias().get(1)).as("the caller's Via of %s", r.method())
                                   .matches("SIP/2\\.0/" + in.transport.viaName() + ' ' + callerHost + ':'
                                            + caller.port() + ";.*");
        assertThat(r.maxForwards()).as("Max-Forwards of %s", r.method()).isEqualTo(69);
        assertThat(r.routes()).as("Route of %s (siplb removes its own)", r.method()).isEmpty();
        if (!out.isStream()) {
            assertThat(r.source()).as("sender of %s", r.method()).isEqualTo("127.0.0.1:" + siplb(out).getPort());
        }
    }

    static List<String> recordRoutes(Response response) {
        final List<String> out = new ArrayList<>();
        for (ListIterator<?> it = response.getHeaders(RecordRouteHeader.NAME); it.hasNext(); ) {
            final String h = it.next().toString().trim();
            out.add(h.substring(h.indexOf(':') + 1).trim());
        }
        return out;
    }

    // ------------------------------------------------------------------ 1

    /**
     * For each pair of transports: the first destination refuses (failover at once, long before the 10 s
     * fr-timeout), the call lands on the second, which rings and answers; ACK and BYE reach it through siplb's
     * Record-Route; a second call, ringing, is CANCELed (200 for the CANCEL, 487 for the INVITE, the callee got the
     * CANCEL).
     */
    @ParameterizedTest(name = "{0} to {1}")
    @CsvSource({ "TCP, TCP", "TLS, TLS", "UDP, TCP", "TCP, UDP", "TLS, UDP", "TCP6, TCP6" })
    void callCancelAndFailover(Leg in, Leg out) {
        final JainSipAgent caller = agent("alice", in);
        final JainSipAgent callee = agent("bob", out);
        start("{ uri = \"" + refusingUri(out) + "\", priority = 2 }, "
              + "{ uri = \"" + callee.destinationUri() + "\", priority = 1 }",
              tlsSection("verify-destinations = true") + "siplb.proxy { fr-timeout = 10s, fr-inv-timeout = 10s }\n"
              // Down after its first failure, so that only the first call fails over.
              + "siplb.dispatcher.probing.failure-threshold = 1");
        final InetSocketAddress to = siplb(in);

        // 1. A call, failed over from the refusing destination.
        final long t0 = System.nanoTime();
        final Call invite = caller.invite(to, o -> o.body("application/sdp", "v=0\r\n"));
        invite.awaitStatus(Response.TRYING, WAIT);
        final ReceivedRequest fwdInvite = callee.awaitRequest(Request.INVITE, WAIT);
        assertThat((System.nanoTime() - t0) / 1_000_000).as("ms to the failover").isLessThan(2000);
        assertThat(server.stateful().failovers()).isEqualTo(1);
        if (out.isStream()) {
            assertThat(server.streams().stats().get(Cause.CONNECT_FAILED)).isEqualTo(1);
        }
        assertForwarded(fwdInvite, in, out, caller);
        assertRecordRoutes(fwdInvite.recordRoutes(), in, out, "the INVITE");
        assertThat(fwdInvite.requestUri()).isEqualTo("sip:bob@example.com");
        assertThat(new String(fwdInvite.request().getRawContent())).isEqualTo("v=0\r\n");

        final Response ok = invite.awaitFinal(WAIT);
        assertThat(ok.getStatusCode()).isEqualTo(Response.OK);
        assertThat(invite.statuses()).containsExactly(Response.TRYING, Response.RINGING, Response.OK);
        assertThat(ok.getHeaders(ViaHeader.NAME)).toIterable().hasSize(1);
        assertThat(recordRoutes(ok)).as("Record-Route of the 200 (the callee's copy)")
                                    .isEqualTo(fwdInvite.recordRoutes());
        assertThat(invite.dialog().getState()).isEqualTo(DialogState.CONFIRMED);

        invite.ack();
        final ReceivedRequest ack = callee.awaitRequest(Request.ACK, WAIT);
        assertForwarded(ack, in, out, caller);
        assertThat(ack.requestUri()).isEqualTo(callee.contactUri());
        assertThat(ack.callId()).isEqualTo(invite.callId());

        final Call bye = invite.bye();
        assertThat(bye.awaitFinal(WAIT).getStatusCode()).isEqualTo(Response.OK);
        final ReceivedRequest fwdBye = callee.awaitRequest(Request.BYE, WAIT);
        assertForwarded(fwdBye, in, out, caller);
        assertThat(fwdBye.requestUri()).isEqualTo(callee.contactUri());

        // 2. A ringing call, CANCELed.
        callee.mode(Mode.answerAfter(Duration.ofSeconds(30)));
        final Call ringing = caller.invite(to);
        ringing.awaitStatus(Response.RINGING, WAIT);
        final ReceivedRequest fwdRinging = callee.awaitRequest(Request.INVITE, WAIT);
        final Call cancel = ringing.cancel();
        assertThat(cancel.awaitFinal(WAIT).getStatusCode()).isEqualTo(Response.OK);
        assertThat(ringing.awaitFinal(WAIT).getStatusCode()).isEqualTo(Response.REQUEST_TERMINATED);
        final ReceivedRequest fwdCancel = callee.awaitRequest(Request.CANCEL, WAIT);
        // RFC 3261 §16.10: siplb's own CANCEL, with the one Via of the INVITE it forwarded.
        assertThat(fwdCancel.vias()).containsExactly(fwdRinging.vias().get(0));
        assertThat(fwdCancel.callId()).isEqualTo(ringing.callId());

        // 3. A call the callee hangs up: its BYE follows the Record-Route set back to the caller (over a stream:
        // the caller's own connection, by the flow token).
        callee.mode(Mode.RING_AND_ANSWER);
        final Call third = caller.invite(to);
        assertThat(third.awaitFinal(WAIT).getStatusCode()).isEqualTo(Response.OK);
        third.ack();
        callee.awaitRequest(Request.INVITE, WAIT);
        callee.awaitRequest(Request.ACK, WAIT);
        final Call calleeBye = callee.hangUp(third.callId());
        final ReceivedRequest atCaller = caller.awaitRequest(Request.BYE, WAIT);
        assertThat(atCaller.callId()).isEqualTo(third.callId());
        assertThat(atCaller.requestUri()).isEqualTo(caller.contactUri());
        assertThat(atCaller.viaCount()).isEqualTo(2);
        assertThat(atCaller.vias().get(0)).as("siplb's Via of the callee's BYE")
                                          .startsWith("SIP/2.0/" + in.transport.viaName() + ' ' + siplbHostPort(in)
                                                      + ";branch=z9hG4bK");
        assertThat(atCaller.routes()).isEmpty();
        assertThat(calleeBye.awaitFinal(WAIT).getStatusCode()).isEqualTo(Response.OK);

        assertThat(callee.received()).extracting(ReceivedRequest::method)
                                     .containsExactly(Request.INVITE, Request.ACK, Request.BYE, Request.INVITE,
                                                      Request.CANCEL, Request.INVITE, Request.ACK);
        assertThat(server.stateful().failovers()).as("the refusing destination is down: no second failover")
                                                 .isEqualTo(1);
        if (out.isStream()) {
            assertThat(server.streams().stats().outboundOpened(out.transport)).as("one pooled connection per try")
                                                                               .isEqualTo(2);
        }
        if (in.isStream()) {
            assertThat(server.streams().stats().inboundOpened(in.transport))
                    .as("the caller's one connection (and the callee's own for its BYE when it is a stream)")
                    .isEqualTo(out.transport == in.transport ? 2 : 1);
        }
    }

    /**
     * Stateless mode (RFC 3261 §16.11) over each pair of transports: the callee's responses find the caller's
     * connection again from the Via siplb left, ACK and BYE follow the Record-Route set both ways, and a ringing call
     * is CANCELed (the CANCEL goes where the INVITE went).
     */
    @ParameterizedTest(name = "stateless {0} to {1}")
    @CsvSource({ "TCP, TCP", "TLS, TLS", "UDP, TCP", "TCP, UDP", "TLS, UDP", "TCP6, TCP6" })
    void statelessCallsAndCancel(Leg in, Leg out) {
        final JainSipAgent caller = agent("alice", in);
        final JainSipAgent callee = agent("bob", out);
        start("\"" + callee.destinationUri() + "\"",
              tlsSection("verify-destinations = true") + "siplb.proxy.mode = stateless");
        final InetSocketAddress to = siplb(in);

        final Call invite = caller.invite(to);
        assertThat(invite.awaitFinal(WAIT).getStatusCode()).isEqualTo(Response.OK);
        assertThat(invite.statuses()).as("no 100 of siplb's own when stateless").doesNotContain(Response.TRYING);
        final ReceivedRequest fwdInvite = callee.awaitRequest(Request.INVITE, WAIT);
        assertThat(fwdInvite.viaCount()).isEqualTo(2);
        assertThat(fwdInvite.vias().get(0)).startsWith("SIP/2.0/" + out.transport.viaName() + ' '
                                                       + siplbHostPort(out) + ";branch=z9hG4bK");
        assertRecordRoutes(fwdInvite.recordRoutes(), in, out, "the INVITE");
        invite.ack();
        assertThat(callee.awaitRequest(Request.ACK, WAIT).callId()).isEqualTo(invite.callId());
        assertThat(invite.bye().awaitFinal(WAIT).getStatusCode()).isEqualTo(Response.OK);
        assertThat(callee.awaitRequest(Request.BYE, WAIT).callId()).isEqualTo(invite.callId());

        callee.mode(Mode.answerAfter(Duration.ofSeconds(30)));
        final Call ringing = caller.invite(to);
        ringing.awaitStatus(Response.RINGING, WAIT);
        callee.awaitRequest(Request.INVITE, WAIT);
        final Call cancel = ringing.cancel();
        assertThat(cancel.awaitFinal(WAIT).getStatusCode()).isEqualTo(Response.OK);
        assertThat(ringing.awaitFinal(WAIT).getStatusCode()).isEqualTo(Response.REQUEST_TERMINATED);
        assertThat(callee.awaitRequest(Request.CANCEL, WAIT).callId()).isEqualTo(ringing.callId());

        callee.mode(Mode.RING_AND_ANSWER);
        final Call third = caller.invite(to);
        assertThat(third.awaitFinal(WAIT).getStatusCode()).isEqualTo(Response.OK);
        third.ack();
        callee.awaitRequest(Request.INVITE, WAIT);
        callee.awaitRequest(Request.ACK, WAIT);
        final Call calleeBye = callee.hangUp(third.callId());
        assertThat(caller.awaitRequest(Request.BYE, WAIT).callId()).isEqualTo(third.callId());
        assertThat(calleeBye.awaitFinal(WAIT).getStatusCode()).isEqualTo(Response.OK);
    }

    // ------------------------------------------------------------------ 2

    /**
     * A backend (a hand-written UAS on a raw socket) answers, gets the ACK, then resets its connection (RST): siplb
     * counts the reset and stays up; the caller's BYE goes over a new connection siplb opens to the callee's
     * Contact, and the callee's 200 reaches the caller.
     */
    @Test
    void aBackendResetAfterTheAnswerGetsTheByeOverANewConnection() {
        final StreamPeer.Server backend = keep(StreamPeer.Server.listen());
        final JainSipAgent caller = agent("alice", Leg.TCP);
        start("\"sip:127.0.0.1:" + backend.port() + ";transport=tcp\"", tlsSection(""));
        final String contact = "<sip:bob@127.0.0.1:" + backend.port() + ";transport=tcp>";
        final Call invite = caller.invite(siplb(Leg.TCP));
        final StreamPeer conn = keep(backend.accept(RAW_WAIT));
        assertThat(conn).as("siplb's connection to the backend").isNotNull();
        final String fwd = conn.receive(RAW_WAIT);
        assertThat(startLine(fwd)).isEqualTo("INVITE sip:bob@example.com SIP/2.0");
        conn.send(StreamForwardingTest.response(fwd, 180, "Ringing", "b1", contact));
        conn.send(StreamForwardingTest.response(fwd, 200, "OK", "b1", contact));
        assertThat(invite.awaitFinal(WAIT).getStatusCode()).isEqualTo(Response.OK);
        invite.ack();
        assertThat(startLine(conn.receive(RAW_WAIT))).isEqualTo("ACK " + contact.substring(1, contact.length() - 1)
                                                                + " SIP/2.0");

        conn.reset();
        assertThat(eventually(() -> server.streams().stats().get(Cause.RESET) == 1)).as("the reset counted").isTrue();
        assertThat(eventually(() -> server.streams().table().open(Transport.TCP) == 1))
                .as("only the caller's connection left open").isTrue();

        final Call bye = invite.bye();
        final StreamPeer again = keep(backend.accept(RAW_WAIT));
        assertThat(again).as("siplb's new connection for the BYE").isNotNull();
        final String fwdBye = again.receive(RAW_WAIT);
        assertThat(startLine(fwdBye)).isEqualTo("BYE " + contact.substring(1, contact.length() - 1) + " SIP/2.0");
        again.send(StreamForwardingTest.response(fwdBye, 200, "OK", null, null));
        assertThat(bye.awaitFinal(WAIT).getStatusCode()).isEqualTo(Response.OK);
        assertThat(server.streams().stats().outboundOpened(Transport.TCP)).isEqualTo(2);

        // A reset between transactions is no health failure: the next call goes to the backend, over the new
        // connection.
        final Call next = caller.invite(siplb(Leg.TCP));
        final String nextInvite = again.receive(RAW_WAIT);
        assertThat(startLine(nextInvite)).startsWith("INVITE ");
        again.send(StreamForwardingTest.response(nextInvite, 486, "Busy Here", "b2", null));
        assertThat(next.awaitFinal(WAIT).getStatusCode()).isEqualTo(Response.BUSY_HERE);
        assertThat(server.stateful().failovers()).isZero();
    }

    /**
     * A backend that resets its connection after the answer and is then gone (nothing listens): the caller's BYE
     * cannot be delivered, siplb's connection attempt is refused, and the caller gets 503 at once rather than after
     * Timer F; siplb goes on.
     */
    @Test
    void aByeToABackendThatIsGoneGets503AtOnce() {
        final StreamPeer.Server backend = StreamPeer.Server.listen();
        final JainSipAgent caller = agent("alice", Leg.TCP);
        start("\"sip:127.0.0.1:" + backend.port() + ";transport=tcp\"",
              tlsSection("") + "siplb.proxy { fr-timeout = 10s, fr-inv-timeout = 10s }");
        final String contact = "<sip:bob@127.0.0.1:" + backend.port() + ";transport=tcp>";
        final Call invite = caller.invite(siplb(Leg.TCP));
        final StreamPeer conn = keep(backend.accept(RAW_WAIT));
        assertThat(conn).isNotNull();
        final String fwd = conn.receive(RAW_WAIT);
        conn.send(StreamForwardingTest.response(fwd, 200, "OK", "b1", contact));
        assertThat(invite.awaitFinal(WAIT).getStatusCode()).isEqualTo(Response.OK);
        invite.ack();
        assertThat(startLine(conn.receive(RAW_WAIT))).startsWith("ACK ");
        backend.close();
        conn.reset();
        assertThat(eventually(() -> server.streams().stats().get(Cause.RESET) == 1)).isTrue();

        final long t0 = System.nanoTime();
        final Call bye = invite.bye();
        assertThat(bye.awaitFinal(WAIT).getStatusCode()).isEqualTo(Response.SERVICE_UNAVAILABLE);
        assertThat((System.nanoTime() - t0) / 1_000_000).as("ms to the 503").isLessThan(2000);
        assertThat(server.streams().stats().get(Cause.CONNECT_FAILED)).isEqualTo(1);
        assertThat(server.streams().table().inbound()).as("the caller's connection stays").isEqualTo(1);
    }

    /**
     * A backend resets its connection while the INVITE is pending (after a 100 Trying): a transport error for the
     * client transaction, so the call fails over at once (long before the 10 s fr-inv-timeout) to the next
     * destination, a JAIN-SIP UAS, where it completes.
     */
    @Test
    void aBackendResetDuringAPendingInviteFailsOverAtOnce() {
        final StreamPeer.Server resetting = keep(StreamPeer.Server.listen());
        final JainSipAgent caller = agent("alice", Leg.TCP);
        final JainSipAgent callee = agent("bob", Leg.TCP);
        start("{ uri = \"sip:127.0.0.1:" + resetting.port() + ";transport=tcp\", priority = 2 }, "
              + "{ uri = \"" + callee.destinationUri() + "\", priority = 1 }",
              tlsSection("") + "siplb.proxy { fr-timeout = 10s, fr-inv-timeout = 10s }");
        final Call invite = caller.invite(siplb(Leg.TCP));
        final StreamPeer conn = keep(resetting.accept(RAW_WAIT));
        assertThat(conn).isNotNull();
        final String fwd = conn.receive(RAW_WAIT);
        assertThat(startLine(fwd)).startsWith("INVITE ");
        conn.send(StreamForwardingTest.response(fwd, 100, "Trying", null, null));
        conn.reset();
        final long t0 = System.nanoTime();
        final ReceivedRequest atCallee = callee.awaitRequest(Request.INVITE, WAIT);
        assertThat((System.nanoTime() - t0) / 1_000_000).as("ms from the reset to the failover").isLessThan(2000);
        assertThat(atCallee.callId()).isEqualTo(invite.callId());
        assertThat(invite.awaitFinal(WAIT).getStatusCode()).isEqualTo(Response.OK);
        assertThat(invite.statuses()).containsExactly(Response.TRYING, Response.RINGING, Response.OK);
        invite.ack();
        callee.awaitRequest(Request.ACK, WAIT);
        assertThat(invite.bye().awaitFinal(WAIT).getStatusCode()).isEqualTo(Response.OK);
        assertThat(server.stateful().failovers()).isEqualTo(1);
        assertThat(server.streams().stats().get(Cause.RESET)).isEqualTo(1);
    }

    /**
     * siplb closes a TCP caller's connection that carried nothing for idle-timeout, in the middle of a call (no
     * keep-alives: JAIN-SIP sends none, like many trunks). The callee's BYE names that connection's flow token; the
     * caller does not use outbound (no {@code ;ob} in its Contact), so siplb reaches it as without flow token, by
     * its Contact (the BYE's Request-URI) over a new connection, and the call ends on both sides.
     */
    @Test
    void theCalleesByeReachesACallerWhoseIdleConnectionSiplbClosed() {
        final JainSipAgent caller = agent("alice", Leg.TCP);
        final JainSipAgent callee = agent("bob", Leg.UDP);
        start("\"" + callee.destinationUri() + "\"", tlsSection("") + "siplb.connections.idle-timeout = 1s");
        final Call invite = caller.invite(siplb(Leg.TCP));
        assertThat(invite.awaitFinal(WAIT).getStatusCode()).isEqualTo(Response.OK);
        invite.ack();
        callee.awaitRequest(Request.INVITE, WAIT);
        callee.awaitRequest(Request.ACK, WAIT);
        assertThat(eventually(() -> server.streams().stats().get(Cause.IDLE) >= 1
                                    && server.streams().table().inbound() == 0))
                .as("the caller's idle connection closed").isTrue();

        final Call bye = callee.hangUp(invite.callId());
        final ReceivedRequest atCaller = caller.awaitRequest(Request.BYE, WAIT);
        assertThat(atCaller.requestUri()).isEqualTo(caller.contactUri());
        assertThat(atCaller.vias().get(0)).startsWith("SIP/2.0/TCP " + siplbHostPort(Leg.TCP) + ";branch=z9hG4bK");
        assertThat(bye.awaitFinal(WAIT).getStatusCode()).isEqualTo(Response.OK);
        assertThat(server.streams().stats().outboundOpened(Transport.TCP)).as("the new connection to the caller")
                                                                          .isEqualTo(1);
    }

    // ------------------------------------------------------------------ 3

    /**
     * A backend that accepts siplb's connection (over TLS: and completes the handshake) and then never reads: large
     * MESSAGEs routed to it fill the kernel's buffers, then siplb's write queue past its (small) high water mark;
     * after write-timeout siplb closes the connection (counted as WRITE_STALLED), drops what it could not write, and
     * goes on serving calls to another destination.
     */
    @ParameterizedTest(name = "over {0}")
    @CsvSource({ "TCP", "TLS" })
    void aBackendThatStopsReadingIsCutOffAndOtherCallsGoOn(Leg leg) throws Exception {
        final ServerSocket stalled = leg == Leg.TLS ? serverContext().getServerSocketFactory().createServerSocket()
                                                    : new ServerSocket();
        stalled.setReceiveBufferSize(4096); // inherited by the connection siplb opens
        stalled.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        closeables.add(stalled);
        final JainSipAgent caller = agent("alice", Leg.TCP);
        final JainSipAgent callee = agent("bob", Leg.TCP);
        startText("siplb {\n"
                  + "  listen = [\"udp:127.0.0.1:0\", \"tcp:127.0.0.1:0\", \"tls:127.0.0.1:0\"]\n"
                  + "  io.threads = 2\n"
                  + "  shutdown { quiet-period = 0ms, timeout = 2s }\n"
                  + "  dispatcher.probing.interval = 0s\n"
                  + "  connections { write-buffer-low = 16k, write-buffer-high = 32k, write-timeout = 300ms }\n"
                  // Unanswered MESSAGEs must not time out (and mark the stalled backend down) before its buffers fill.
                  + "  proxy.fr-timeout = 30s\n"
                  + "  routing = [ { match { method = [MESSAGE] }, dispatch { set = 2 } },\n"
                  + "              { dispatch { set = 1 } } ]\n"
                  + "}\n"
                  + tlsSection("verify-destinations = true")
                  + "siplb.dispatcher.sets = [\n"
                  + "  { id = 1, algorithm = priority, destinations = [\"" + callee.destinationUri() + "\"] }\n"
                  + "  { id = 2, algorithm = priority, destinations = [\"sip:127.0.0.1:" + stalled.getLocalPort()
                  + leg.uriParameter() + "\"] }\n"
                  + "]\n");
        final CompletableFuture<Socket> accepted =
                new CompletableFuture<>();
        final Thread acceptor = new Thread(() -> {
            try {
                stalled.setSoTimeout(30_000);
                final Socket s = stalled.accept();
                if (s instanceof SSLSocket ssl) {
                    ssl.startHandshake(); // then nothing is read any more
                }
                accepted.complete(s);
            } catch (IOException e) {
                accepted.completeExceptionally(e);
            }
        }, "stalled-backend");
        acceptor.setDaemon(true);
        acceptor.start();
        final StreamPeer sender = keep(StreamPeer.connect(siplb(Leg.TCP)));
        // Until the connection is cut off: more than the kernel takes (siplb's send buffer grows to tcp_wmem's
        // maximum, 4 MB on Linux, plus the backend's receive buffer), then siplb's queue stays above its high water
        // mark. A MESSAGE that finds the queue full is dropped; the sender then waits a little for the kernel's
        // send buffer to grow, so that enough bytes are really written.
        final String body = "x".repeat(30_000);
        final long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        int sent = 0;
        long dropped = 0;
        while (server.streams().stats().get(Cause.WRITE_STALLED) == 0 && sent < 3000
               && System.nanoTime() < deadline) {
            sender.send("MESSAGE sip:bob@example.com SIP/2.0\r\n"
                        + "Via: SIP/2.0/TCP 127.0.0.1:" + sender.port() + ";branch=z9hG4bK-m" + sent + "\r\n"
                        + "Max-Forwards: 70\r\nFrom: <sip:alice@example.com>;tag=m\r\nTo: <sip:bob@example.com>\r\n"
                        + "Call-ID: stall-" + sent + "@test\r\nCSeq: 1 MESSAGE\r\nContent-Type: text/plain\r\n"
                        + "Content-Length: " + body.length() + "\r\n\r\n" + body);
            sent++;
            final long nowDropped = server.stats().drops(DropReason.SEND_QUEUE_FULL);
            if (nowDropped > dropped) {
                dropped = nowDropped;
                Thread.sleep(10);
            }
        }
        assertThat(eventually(() -> server.streams().stats().get(Cause.WRITE_STALLED) == 1))
                .as("the stalled connection closed for WRITE_STALLED after %d MESSAGEs of 30 kB; %s; %s", sent,
                    server.stats(), server.streams().stats().snapshot()).isTrue();
        assertThat(server.stats().drops(DropReason.SEND_QUEUE_FULL))
                .as("MESSAGEs dropped while its queue was full").isPositive();
        // The connection ends: what reached the backend's buffers can be read, then the end (or, over TLS, an
        // abrupt end without close_notify).
        try (Socket first = accepted.get(30, TimeUnit.SECONDS)) {
            first.setSoTimeout(2 * RAW_WAIT);
            final byte[] sink = new byte[65536];
            long drained = 0;
            int n = 0;
            try {
                while ((n = first.getInputStream().read(sink)) >= 0 && drained < 64L * 1024 * 1024) {
                    drained += n;
                }
            } catch (SSLException | SocketException e) {
                n = -1; // TLS: the connection closed under the record layer
            }
            assertThat(n).as("end of the stalled connection after %d bytes", drained).isEqualTo(-1);
        }

        final Call invite = caller.invite(siplb(Leg.TCP));
        assertThat(invite.awaitFinal(WAIT).getStatusCode()).as("the final response after the stall")
                                                           .isEqualTo(Response.OK);
        invite.ack();
        callee.awaitRequest(Request.ACK, WAIT);
        assertThat(invite.bye().awaitFinal(WAIT).getStatusCode()).isEqualTo(Response.OK);
        assertThat(server.streams().stats().get(Cause.WRITE_STALLED)).isEqualTo(1);
    }

    /** A JDK TLS server context showing the server certificate. */
    private SSLContext serverContext() throws Exception {
        final KeyStore ks = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(
                pki.keyStore(pki.server(), PASSWORD.toCharArray()))) {
            ks.load(in, PASSWORD.toCharArray());
        }
        final KeyManagerFactory kmf =
                KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(ks, PASSWORD.toCharArray());
        final SSLContext ssl = SSLContext.getInstance("TLS");
        ssl.init(kmf.getKeyManagers(), null, null);
        return ssl;
    }

    /**
     * A TLS backend that accepts the TCP connection and never answers the ClientHello: siplb gives the handshake up
     * after siplb.tls.handshake-timeout (counted) and fails the call over at once to a good backend.
     */
    @Test
    void aTlsBackendThatNeverFinishesTheHandshakeIsFailedOverAfterTheHandshakeTimeout() throws Exception {
        final ServerSocket silent = new ServerSocket(0, 5, InetAddress.getLoopbackAddress()); // never accepts
        closeables.add(silent);
        final JainSipAgent caller = agent("alice", Leg.UDP);
        final JainSipAgent good = agent("good", Leg.TLS);
        start("{ uri = \"sip:127.0.0.1:" + silent.getLocalPort() + ";transport=tls\", priority = 2 }, "
              + "{ uri = \"" + good.destinationUri() + "\", priority = 1 }",
              tlsSection("handshake-timeout = 500ms") + "siplb.proxy { fr-timeout = 10s, fr-inv-timeout = 10s }");
        final long t0 = System.nanoTime();
        wholeCall(caller, siplb(Leg.UDP), good);
        assertThat((System.nanoTime() - t0) / 1_000_000).as("ms for the call").isBetween(400L, 3000L);
        assertThat(server.streams().stats().get(Cause.TLS_HANDSHAKE_FAILED)).isEqualTo(1);
        assertThat(server.stateful().failovers()).isEqualTo(1);
    }

    // ------------------------------------------------------------------ 4

    /**
     * siplb.tls.client-auth = required: a JAIN-SIP caller showing a certificate of the configured CA is served; a
     * TLS client without a certificate and one with a certificate of another CA are refused in the handshake,
     * counted, and reach no backend; siplb serves the next call as before.
     */
    @Test
    void mutualTlsAcceptsACertificateOfTheCaAndRefusesNoneAndAnotherCas() throws Exception {
        final JainSipAgent caller = agent("alice", Leg.TLS, pki.client());
        final JainSipAgent callee = agent("bob", Leg.UDP);
        start("\"" + callee.destinationUri() + "\"", tlsSection("client-auth = required"));
        wholeCall(caller, siplb(Leg.TLS), callee);

        assertThat(refused(null)).as("a client without a certificate refused").isTrue();
        assertThat(refused(pki.otherCaClient())).as("a client with another CA's certificate refused").isTrue();
        assertThat(eventually(() -> server.streams().stats().get(Cause.TLS_HANDSHAKE_FAILED) == 2))
                .as("both handshake failures counted").isTrue();
        assertThat(callee.received(Request.OPTIONS)).isEmpty();

        wholeCall(caller, siplb(Leg.TLS), callee);
        assertThat(server.streams().stats().get(Cause.TLS_HANDSHAKE_FAILED)).isEqualTo(2);
    }

    /** siplb shows its certificate to a JAIN-SIP backend that requires one (JAIN-SIP's client auth Enabled). */
    @Test
    void siplbShowsItsCertificateToABackendThatRequiresOne() {
        final JainSipAgent caller = agent("alice", Leg.UDP);
        final JainSipAgent callee = JainSipAgent.start("bob", Listen.tls(stores(pki.server(), "Enabled")));
        agents.add(callee);
        start("\"" + callee.destinationUri() + "\"", tlsSection("verify-destinations = true"));
        wholeCall(caller, siplb(Leg.UDP), callee);
        assertThat(server.streams().stats().get(Cause.TLS_HANDSHAKE_FAILED)).isZero();
    }

    /**
     * Opens a TLS connection to siplb's TLS listener from a JDK client trusting the test CA, showing {@code issued}
     * (none if null), and sends an OPTIONS; returns whether siplb refused it: the handshake or the first read failed,
     * or the connection was closed without an answer.
     */
    private boolean refused(TestCertificates.Issued issued) throws Exception {
        final KeyManagerFactory kmf =
                KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        final KeyStore ks = KeyStore.getInstance("PKCS12");
        final Path file = issued != null ? pki.keyStore(issued, PASSWORD.toCharArray())
                                         : pki.emptyKeyStore("empty.p12", PASSWORD.toCharArray());
        try (InputStream in = Files.newInputStream(file)) {
            ks.load(in, PASSWORD.toCharArray());
        }
        kmf.init(ks, PASSWORD.toCharArray());
        final TrustManagerFactory tmf =
                TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        final KeyStore ts = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(
                pki.trustStore("trust.p12", PASSWORD.toCharArray(), false))) {
            ts.load(in, PASSWORD.toCharArray());
        }
        tmf.init(ts);
        final SSLContext ssl = SSLContext.getInstance("TLS");
        ssl.init(kmf.getKeyManagers(), tmf.getTrustManagers(), null);
        final InetSocketAddress to = siplb(Leg.TLS);
        try (SSLSocket s = (SSLSocket) ssl.getSocketFactory()
                                                                       .createSocket(to.getAddress(), to.getPort())) {
            s.setSoTimeout(RAW_WAIT);
            s.startHandshake();
            final String options = "OPTIONS sip:bob@example.com SIP/2.0\r\n"
                                   + "Via: SIP/2.0/TLS 127.0.0.1:" + s.getLocalPort() + ";branch=z9hG4bK-o\r\n"
                                   + "Max-Forwards: 70\r\nFrom: <sip:x@example.com>;tag=o\r\n"
                                   + "To: <sip:bob@example.com>\r\nCall-ID: mtls@test\r\nCSeq: 1 OPTIONS\r\n"
                                   + "Content-Length: 0\r\n\r\n";
            s.getOutputStream().write(options.getBytes(StandardCharsets.US_ASCII));
            s.getOutputStream().flush();
            return s.getInputStream().read() < 0;
        } catch (SSLException | SocketException e) {
            return true;
        }
    }

    // ------------------------------------------------------------------ 5

    /**
     * siplb.tls.verify-destinations = true: a backend showing an expired certificate and one showing a certificate of
     * another host name are refused in the handshake (counted), the call fails over at once and lands on a backend
     * with a good certificate; with verification off, siplb takes each of the two.
     */
    @Test
    void expiredAndWrongHostBackendCertificatesAreRefusedWithVerificationOnly() {
        final JainSipAgent caller = agent("alice", Leg.UDP);
        final JainSipAgent expired = agent("expired", Leg.TLS, pki.expired());
        final JainSipAgent wrongHost = agent("wrong", Leg.TLS, pki.wrongHost());
        final JainSipAgent good = agent("good", Leg.TLS);
        start("{ uri = \"" + expired.destinationUri() + "\", priority = 3 }, "
              + "{ uri = \"" + wrongHost.destinationUri() + "\", priority = 2 }, "
              + "{ uri = \"" + good.destinationUri() + "\", priority = 1 }",
              tlsSection("verify-destinations = true") + "siplb.proxy { fr-timeout = 10s, fr-inv-timeout = 10s }");
        final Logger log = (Logger) LoggerFactory.getLogger(StreamTransports.class);
        final ListAppender<ILoggingEvent> logged = new ListAppender<>();
        logged.start();
        log.addAppender(logged);
        final long t0 = System.nanoTime();
        try {
            wholeCall(caller, siplb(Leg.UDP), good);
        } finally {
            log.detachAppender(logged);
        }
        // Logged once per peer address (both bad backends are on 127.0.0.1): the first, the expired one, with the
        // certificate check's reason (the JDK's "NotAfter: <date>") rather than only the engine's general failure.
        assertThat(logged.list).extracting(ILoggingEvent::getFormattedMessage)
                               .filteredOn(m -> m.startsWith("TLS handshake"))
                               .singleElement().asString()
                               .startsWith("TLS handshake with /127.0.0.1:" + expired.port() + " failed: ")
                               .contains("NotAfter");
        assertThat((System.nanoTime() - t0) / 1_000_000).as("ms for the call, failed over twice").isLessThan(4000);
        assertThat(server.stateful().failovers()).isEqualTo(2);
        assertThat(server.streams().stats().get(Cause.TLS_HANDSHAKE_FAILED)).isEqualTo(2);
        assertThat(expired.received()).isEmpty();
        assertThat(wrongHost.received()).isEmpty();
        server.close();
        server = null;

        for (JainSipAgent bad : List.of(expired, wrongHost)) {
            start("\"" + bad.destinationUri() + "\"", tlsSection("verify-destinations = false"));
            wholeCall(caller, siplb(Leg.UDP), bad);
            assertThat(server.streams().stats().get(Cause.TLS_HANDSHAKE_FAILED)).isZero();
            assertThat(server.stateful().failovers()).isZero();
            server.close();
            server = null;
        }
    }

    /** A call from {@code caller} through siplb at {@code to} answered by {@code callee}, ACKed, and hung up. */
    private static void wholeCall(JainSipAgent caller, InetSocketAddress to, JainSipAgent callee) {
        final Call invite = caller.invite(to);
        assertThat(invite.awaitFinal(WAIT).getStatusCode()).as("final response to %s", invite.callId())
                                                           .isEqualTo(Response.OK);
        assertThat(callee.awaitRequest(Request.INVITE, WAIT).callId()).isEqualTo(invite.callId());
        invite.ack();
        assertThat(callee.awaitRequest(Request.ACK, WAIT).callId()).isEqualTo(invite.callId());
        assertThat(invite.bye().awaitFinal(WAIT).getStatusCode()).isEqualTo(Response.OK);
        assertThat(callee.awaitRequest(Request.BYE, WAIT).callId()).isEqualTo(invite.callId());
    }
}
