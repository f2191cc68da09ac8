package io.siplb.proxy.lifecycle;

import static io.siplb.proxy.testing.SipText.header;
import static io.siplb.proxy.testing.SipText.response;
import static io.siplb.proxy.testing.SipText.headers;
import static io.siplb.proxy.testing.SipText.startLine;
import static io.siplb.proxy.testing.SipText.status;
import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.siplb.dispatch.Destination;
import io.siplb.proxy.testing.SipPeer;
import io.siplb.proxy.testing.TestServers;

/**
 * The stateful proxy (the default mode) between a plain UDP "UAC" and "UAS" sockets whose every answer the test
 * writes by hand, so that each RFC 3261 §16/§17 rule is seen on the wire: 100 Trying at once, retransmissions
 * absorbed, failover on a failover code and on fr-timeout, hop-by-hop ACK of a non-2xx, CANCEL, 6xx not failed over,
 * best response, retransmission by Timer A. Not thread-safe; confined to the test thread.
 */
class StatefulForwardingTest {

    private static final int WAIT = 3000;
    private static final int QUIET = 300;

    @TempDir
    Path dir;

    private SipPeer uac;
    private final List<SipPeer> backends = new ArrayList<>();
    private SiplbServer server;
    private InetSocketAddress siplb;

    /**
     * Starts siplb with set 1 over {@code n} backends with falling priorities, with {@code algorithm} and extra
     * config.
     */
    private void start(int n, String algorithm, String extra) {
        uac = SipPeer.bind();
        final StringBuilder dests = new StringBuilder();
        for (int i = 0; i < n; i++) {
            final SipPeer p = SipPeer.bind();
            backends.add(p);
            // Higher priority first: backend 0 is the first choice of priority (and its failover order).
            dests.append(i > 0 ? ", " : "").append("{ uri = \"sip:127.0.0.1:").append(p.port())
                 .append("\", priority = ").append(n - i).append(" }");
        }
        server = TestServers.start(dir, TestServers.statefulConfig(
                "siplb.proxy.fr-timeout = 500ms\n" + extra + "\n" +
                "siplb.dispatcher.sets = [ { id = 1, algorithm = " + algorithm + ", destinations = [" + dests +
                "] } ]"));
        siplb = TestServers.address(server);
    }

    @AfterEach
    void stop() {
        if (server != null) {
            server.close();
        }
        if (uac != null) {
            uac.close();
        }
        backends.forEach(SipPeer::close);
    }

    private String invite(String callId, String branch) {
        return "INVITE sip:bob@example.com SIP/2.0\r\n" +
               "Via: SIP/2.0/UDP 127.0.0.1:" + uac.port() + ";branch=" + branch + ";rport\r\n" +
               "Max-Forwards: 70\r\n" +
               "From: \"Alice\" <sip:alice@example.com>;tag=a1\r\n" +
               "To: <sip:bob@example.com>\r\n" +
               "Call-ID: " + callId + "\r\n" +
               "CSeq: 1 INVITE\r\n" +
               "Contact: <sip:alice@127.0.0.1:" + uac.port() + ">\r\n" +
               "Content-Length: 0\r\n\r\n";
    }

    private String cancel(String callId, String branch) {
        return "CANCEL sip:bob@example.com SIP/2.0\r\n" +
               "Via: SIP/2.0/UDP 127.0.0.1:" + uac.port() + ";branch=" + branch + ";rport\r\n" +
               "Max-Forwards: 70\r\n" +
               "From: \"Alice\" <sip:alice@example.com>;tag=a1\r\n" +
               "To: <sip:bob@example.com>\r\n" +
               "Call-ID: " + callId + "\r\n" +
               "CSeq: 1 CANCEL\r\n" +
               "Content-Length: 0\r\n\r\n";
    }

    /** The response a UAS sends to {@code request}: its Vias, From, To (with {@code toTag}), Call-ID, CSeq. */

    /** Receives at the UAC, skipping nothing; null on timeout. */
    private String atUac(int timeout) {
        return uac.receive(timeout);
    }

    private String at(int backend, int timeout) {
        return backends.get(backend).receive(timeout);
    }

    @Test
    void inviteGets100AtOnceAndARetransmissionIsAbsorbed() {
        // T1 = 2 s: no Timer A retransmission of siplb's own within the test's windows.
        start(1, "round-robin", "siplb.proxy.timers { t1 = 2s, t2 = 4s }\nsiplb.proxy.fr-timeout = 10s");
        final String invite = invite("c1@uac", "z9hG4bK-c1");
        uac.send(invite, siplb);
        assertThat(status(atUac(WAIT))).isEqualTo(100);
        final String fwd = at(0, WAIT);
        assertThat(startLine(fwd)).isEqualTo("INVITE sip:bob@example.com SIP/2.0");
        assertThat(headers(fwd, "Via").get(0)).contains(";branch=z9hG4bK-s");

        // The retransmission is answered with the last response (100) and not forwarded again.
        uac.send(invite, siplb);
        assertThat(status(atUac(WAIT))).isEqualTo(100);
        final String again = at(0, QUIET);
        assertThat(again).isNull();

        backends.get(0).send(response(fwd, 180, "Ringing", "b1"), siplb);
        assertThat(status(atUac(WAIT))).isEqualTo(180);
        backends.get(0).send(response(fwd, 200, "OK", "b1"), siplb);
        final String ok = atUac(WAIT);
        assertThat(status(ok)).isEqualTo(200);
        assertThat(headers(ok, "Via")).hasSize(1);
        // A 2xx retransmission from the UAS is forwarded too (RFC 6026).
        backends.get(0).send(response(fwd, 200, "OK", "b1"), siplb);
        assertThat(status(atUac(WAIT))).isEqualTo(200);
    }

    @Test
    void a503FailsOverToTheNextDestinationAndIsAckedHopByHop() {
        start(2, "priority", "");
        final String invite = invite("c2@uac", "z9hG4bK-c2");
        uac.send(invite, siplb);
        assertThat(status(atUac(WAIT))).isEqualTo(100);
        final String first = at(0, WAIT);
        assertThat(first).isNotNull();
        backends.get(0).send(response(first, 503, "Service Unavailable", "b1"), siplb);
        // siplb ACKs the 503 itself (§17.1.1.3) ...
        final String ack = at(0, WAIT);
        assertThat(startLine(ack)).startsWith("ACK sip:bob@example.com");
        assertThat(header(ack, "CSeq")).isEqualTo("1 ACK");
        assertThat(headers(ack, "Via")).containsExactly(headers(first, "Via").get(0));
        assertThat(header(ack, "To")).endsWith(";tag=b1");
        // ... and tries the next destination with a new branch; the caller never sees the 503.
        final String second = at(1, WAIT);
        assertThat(startLine(second)).startsWith("INVITE");
        assertThat(headers(second, "Via").get(0)).isNotEqualTo(headers(first, "Via").get(0));
        backends.get(1).send(response(second, 200, "OK", "b2"), siplb);
        assertThat(status(atUac(WAIT))).isEqualTo(200);
        assertThat(server.stateful().failovers()).isEqualTo(1);
    }

    @Test
    void aClosedPortFailsOverAtOnceByIcmp() {
        start(2, "priority", "siplb.proxy.fr-timeout = 10s");
        // Nothing listens on backend 0's port any more: the kernel answers ICMP port unreachable.
        backends.get(0).close();
        final long t0 = System.nanoTime();
        uac.send(invite("c9@uac", "z9hG4bK-c9"), siplb);
        assertThat(status(atUac(WAIT))).isEqualTo(100);
        final String second = at(1, WAIT);
        assertThat(second).startsWith("INVITE");
        // Long before the 10 s fr-timeout (and T1): the transport error failed the branch over.
        assertThat((System.nanoTime() - t0) / 1_000_000).isLessThan(400);
        backends.get(1).send(response(second, 200, "OK", "b2"), siplb);
        assertThat(status(atUac(WAIT))).isEqualTo(200);
        assertThat(server.stateful().failovers()).isEqualTo(1);
    }

    @Test
    void aSilentDestinationFailsOverAfterFrTimeout() {
        start(2, "priority", "");
        uac.send(invite("c3@uac", "z9hG4bK-c3"), siplb);
        assertThat(status(atUac(WAIT))).isEqualTo(100);
        assertThat(at(0, WAIT)).startsWith("INVITE");
        // No answer from the first: after fr-timeout (500 ms) the second gets the INVITE.
        final long t0 = System.nanoTime();
        String second;
        do {
            second = at(1, WAIT);
        } while (second != null && !second.startsWith("INVITE"));
        assertThat(second).isNotNull();
        assertThat((System.nanoTime() - t0) / 1_000_000).isGreaterThanOrEqualTo(300);
        backends.get(1).send(response(second, 486, "Busy Here", "b2"), siplb);
        assertThat(status(atUac(WAIT))).isEqualTo(486);
        // The caller's ACK of the 486 is absorbed: siplb ACKed downstream itself.
        uac.send(invite("c3@uac", "z9hG4bK-c3").replace("INVITE sip", "ACK sip").replace("1 INVITE", "1 ACK"),
                 siplb);
        String m;
        int acks = 0;
        while ((m = at(1, QUIET)) != null) {
            if (m.startsWith("ACK")) {
                acks++;
            }
        }
        assertThat(acks).as("only siplb's own ACK reaches the backend").isEqualTo(1);
    }

    @Test
    void nothingAnsweringGivesTheCallerA408AndTakesTheDestinationsOutOfRotation() {
        start(2, "priority", "siplb.dispatcher.probing.failure-threshold = 1");
        uac.send(invite("c4@uac", "z9hG4bK-c4"), siplb);
        assertThat(status(atUac(WAIT))).isEqualTo(100);
        assertThat(status(atUac(WAIT))).as("both destinations silent").isEqualTo(408);
        // Each timeout was a passive failure (failure-threshold 1): no destination is left for the next call. The
        // failures are applied by the health writer thread: wait for them, bounded.
        final long marked = System.nanoTime() + 3_000_000_000L;
        while (System.nanoTime() < marked && server.proxy().dispatcher().snapshot().set(1).destinations().stream()
                .anyMatch(d -> server.proxy().dispatcher().state(d).isActive())) {
            Thread.onSpinWait();
        }
        uac.send(invite("c4b@uac", "z9hG4bK-c4b"), siplb);
        // Routing answers at once, so the 503 is the first response: no 100 Trying before it.
        final String m = atUac(WAIT);
        assertThat(status(m)).isEqualTo(503);
        assertThat(header(m, "Retry-After")).isEqualTo("5");
    }

    @Test
    void a6xxIsNeverFailedOver() {
        start(2, "priority", "");
        uac.send(invite("c5@uac", "z9hG4bK-c5"), siplb);
        assertThat(status(atUac(WAIT))).isEqualTo(100);
        String first;
        do {
            first = at(0, WAIT);
        } while (first != null && !first.contains("c5@uac"));
        assertThat(first).isNotNull();
        backends.get(0).send(response(first, 603, "Decline", "b1"), siplb);
        assertThat(status(atUac(WAIT))).isEqualTo(603);
        String other;
        while ((other = at(1, QUIET)) != null) {
            assertThat(other).doesNotContain("c5@uac");
        }
    }

    @Test
    void retransmissionsAndCancelsFromOtherSourcePortsReachTheTransactionWhicheverLoopReadsThem() {
        start(1, "round-robin", "siplb.proxy.timers { t1 = 2s, t2 = 4s }\nsiplb.proxy.fr-timeout = 10s");
        final String invite = invite("c12@uac", "z9hG4bK-c12");
        uac.send(invite, siplb);
        assertThat(status(atUac(WAIT))).isEqualTo(100);
        final String fwd = at(0, WAIT);
        backends.get(0).send(response(fwd, 180, "Ringing", "b1"), siplb);
        assertThat(status(atUac(WAIT))).isEqualTo(180);

        // Eight more source ports: the kernel spreads their datagrams over siplb's two sockets (one per event loop),
        // so some are read by the loop that does not hold the transaction.
        final List<SipPeer> others = new ArrayList<>();
        try {
            for (int i = 0; i < 8; i++) {
                others.add(SipPeer.bind());
            }
            for (SipPeer p : others) {
                p.send(invite, siplb);
                // Absorbed: the last response goes again to where the transaction answers, nothing downstream.
                assertThat(status(atUac(WAIT))).isEqualTo(180);
            }
            assertThat(at(0, QUIET)).as("no INVITE forwarded again").isNull();

            for (SipPeer p : others) {
                p.send(cancel("c12@uac", "z9hG4bK-c12"), siplb);
                final String ok = p.receive(WAIT);
                assertThat(status(ok)).isEqualTo(200);
                assertThat(header(ok, "CSeq")).isEqualTo("1 CANCEL");
            }
            final String down = at(0, WAIT);
            assertThat(startLine(down)).startsWith("CANCEL sip:bob@example.com");
            assertThat(headers(down, "Via")).containsExactly(headers(fwd, "Via").get(0));
            assertThat(at(0, QUIET)).as("one CANCEL downstream, on the INVITE's branch").isNull();
            backends.get(0).send(response(down, 200, "OK", null), siplb);
            backends.get(0).send(response(fwd, 487, "Request Terminated", "b1"), siplb);
            assertThat(status(atUac(WAIT))).isEqualTo(487);
        } finally {
            others.forEach(SipPeer::close);
        }
    }

    @Test
    void cancelIsAnswered200AndSentDownstreamAfterTheFirstProvisional() {
        start(1, "round-robin", "");
        uac.send(invite("c6@uac", "z9hG4bK-c6"), siplb);
        assertThat(status(atUac(WAIT))).isEqualTo(100);
        final String fwd = at(0, WAIT);
        backends.get(0).send(response(fwd, 180, "Ringing", "b1"), siplb);
        assertThat(status(atUac(WAIT))).isEqualTo(180);

        uac.send(cancel("c6@uac", "z9hG4bK-c6"), siplb);
        final String cancelOk = atUac(WAIT);
        assertThat(status(cancelOk)).isEqualTo(200);
        assertThat(header(cancelOk, "CSeq")).isEqualTo("1 CANCEL");
        final String down = at(0, WAIT);
        assertThat(startLine(down)).startsWith("CANCEL sip:bob@example.com");
        assertThat(headers(down, "Via")).containsExactly(headers(fwd, "Via").get(0));
        backends.get(0).send(response(down, 200, "OK", null), siplb);
        backends.get(0).send(response(fwd, 487, "Request Terminated", "b1"), siplb);
        assertThat(status(atUac(WAIT))).isEqualTo(487);
        assertThat(startLine(at(0, WAIT))).as("siplb ACKs the 487").startsWith("ACK");
    }

    @Test
    void everyDestinationAnswering503GivesTheCaller500AndEachIsTriedOnce() {
        start(2, "round-robin", "");
        uac.send(invite("c7@uac", "z9hG4bK-c7"), siplb);
        assertThat(status(atUac(WAIT))).isEqualTo(100);
        for (int i = 0; i < 2; i++) {
            final Object[] got = receiveInvite();
            assertThat(got).isNotNull();
            backends.get((int) got[0]).send(response((String) got[1], 503, "Service Unavailable", "b"), siplb);
        }
        // RFC 3261 §16.7 step 6: the best response is a 503, sent upstream as 500.
        assertThat(status(atUac(WAIT))).isEqualTo(500);
    }

    @Test
    void inviteIsRetransmittedByTimerAUntilAProvisional() {
        start(1, "round-robin", "siplb.proxy.timers.t1 = 100ms\nsiplb.proxy.fr-timeout = 2s");
        uac.send(invite("c8@uac", "z9hG4bK-c8"), siplb);
        assertThat(status(atUac(WAIT))).isEqualTo(100);
        int copies = 0;
        String fwd = null;
        final long end = System.nanoTime() + 1_000_000_000L;
        while (System.nanoTime() < end) {
            final String m = at(0, 100);
            if (m != null) {
                copies++;
                fwd = m;
            }
        }
        // T1 = 100 ms: copies at 0, 100, 300, 700 ms within the first second.
        assertThat(copies).isBetween(3, 5);
        backends.get(0).send(response(fwd, 180, "Ringing", "b1"), siplb);
        assertThat(status(atUac(WAIT))).isEqualTo(180);
        backends.get(0).drain();
        assertThat(at(0, 500)).as("no retransmission after a provisional").isNull();
    }

    @Test
    void callLoadCountsRiseWithAnsweredCallsAndFallWithBye() throws InterruptedException {
        // T1 = 20 ms: the INVITE transactions end (64*T1 after their 2xx) long before the test does.
        start(2, "call-load", "siplb.proxy.timers.t1 = 20ms");
        final List<Destination> dests = server.proxy().dispatcher().snapshot().set(1).destinations();
        for (int c = 0; c < 2; c++) {
            uac.send(invite("cl" + c + "@uac", "z9hG4bK-cl" + c), siplb);
            assertThat(status(atUac(WAIT))).isEqualTo(100);
            final Object[] got = receiveInvite();
            backends.get((int) got[0]).send(response((String) got[1], 200, "OK", "b" + c), siplb);
            assertThat(status(atUac(WAIT))).isEqualTo(200);
        }
        // Least-loaded: one call on each; the calls outlive their INVITE transactions.
        Thread.sleep(64 * 20 + 500);
        assertThat(server.stateful().activeTransactions()).isZero();
        assertThat(server.proxy().dispatcher().state(dests.get(0)).activeCalls()).isEqualTo(1);
        assertThat(server.proxy().dispatcher().state(dests.get(1)).activeCalls()).isEqualTo(1);
        assertThat(server.stateful().callLoad().isConfirmed("cl0@uac")).isTrue();

        final String bye = "BYE sip:bob@127.0.0.1:" + backends.get(0).port() + " SIP/2.0\r\n" +
                           "Via: SIP/2.0/UDP 127.0.0.1:" + uac.port() + ";branch=z9hG4bK-bye0\r\n" +
                           "Max-Forwards: 70\r\n" +
                           "From: <sip:alice@example.com>;tag=a1\r\n" +
                           "To: <sip:bob@example.com>;tag=b0\r\n" +
                           "Call-ID: cl0@uac\r\n" +
                           "CSeq: 2 BYE\r\n" +
                           "Content-Length: 0\r\n\r\n";
        uac.send(bye, siplb);
        final String fwdBye = at(0, WAIT);
        assertThat(startLine(fwdBye)).startsWith("BYE");
        assertThat(server.stateful().callLoad().isConfirmed("cl0@uac")).isFalse();
        assertThat(server.stateful().callLoad().size()).isEqualTo(1);
    }

    @Test
    void responsesArrivingOnTheOtherEventLoopAreHandedToTheTransactionsLoop() {
        start(1, "round-robin", "");
        assertThat(server.channels()).hasSize(2);
        // Answers from several source sockets: SO_REUSEPORT spreads them over both listener sockets, so some reach
        // the event loop that does not hold the transaction.
        final List<SipPeer> senders = new ArrayList<>();
        try {
            for (int i = 0; i < 8; i++) {
                senders.add(SipPeer.bind());
            }
            for (int c = 0; c < 16; c++) {
                uac.send(invite("h" + c + "@uac", "z9hG4bK-h" + c), siplb);
                assertThat(status(atUac(WAIT))).isEqualTo(100);
                final String fwd = at(0, WAIT);
                senders.get(c % senders.size()).send(response(fwd, 200, "OK", "b" + c), siplb);
                final String ok = atUac(WAIT);
                assertThat(status(ok)).as("call " + c).isEqualTo(200);
                assertThat(header(ok, "Call-ID")).isEqualTo("h" + c + "@uac");
            }
            assertThat(server.stateful().handovers()).isGreaterThan(0);
        } finally {
            senders.forEach(SipPeer::close);
        }
    }

    @Test
    void aProvisionalWithoutFinalFailsOverAfterFrInvTimeoutWithACancel() {
        start(2, "priority", "siplb.proxy.fr-inv-timeout = 500ms");
        uac.send(invite("c10@uac", "z9hG4bK-c10"), siplb);
        assertThat(status(atUac(WAIT))).isEqualTo(100);
        final String first = at(0, WAIT);
        backends.get(0).send(response(first, 180, "Ringing", "b1"), siplb);
        assertThat(status(atUac(WAIT))).isEqualTo(180);
        // No final within fr-inv-timeout: siplb cancels the branch and tries the next destination.
        final String cancel = at(0, WAIT);
        assertThat(startLine(cancel)).startsWith("CANCEL");
        final String second = at(1, WAIT);
        assertThat(startLine(second)).startsWith("INVITE");
        backends.get(1).send(response(second, 200, "OK", "b2"), siplb);
        assertThat(status(atUac(WAIT))).isEqualTo(200);
    }

    @Test
    void parallelForksToEveryDestinationAndCancelsTheOthersOnA2xx() {
        start(2, "parallel", "");
        uac.send(invite("c11@uac", "z9hG4bK-c11"), siplb);
        assertThat(status(atUac(WAIT))).isEqualTo(100);
        final String a = at(0, WAIT);
        final String b = at(1, WAIT);
        assertThat(startLine(a)).startsWith("INVITE");
        assertThat(startLine(b)).startsWith("INVITE");
        backends.get(1).send(response(b, 180, "Ringing", "b2"), siplb);
        assertThat(status(atUac(WAIT))).isEqualTo(180);
        backends.get(0).send(response(a, 180, "Ringing", "b1"), siplb);
        assertThat(status(atUac(WAIT))).isEqualTo(180);
        backends.get(0).send(response(a, 200, "OK", "b1"), siplb);
        assertThat(status(atUac(WAIT))).isEqualTo(200);
        assertThat(startLine(at(1, WAIT))).as("the other branch is cancelled").startsWith("CANCEL");
    }

    @Test
    void challengesOfEveryBranchAreAggregated() {
        start(2, "parallel", "");
        uac.send(invite("c12@uac", "z9hG4bK-c12"), siplb);
        assertThat(status(atUac(WAIT))).isEqualTo(100);
        final String a = at(0, WAIT);
        final String b = at(1, WAIT);
        backends.get(0).send(response(a, 407, "Proxy Authentication Required", "b1")
                .replace("Content-Length: 0", "Proxy-Authenticate: Digest realm=\"a\", nonce=\"1\"\r\n"
                                               + "Content-Length: 0"), siplb);
        backends.get(1).send(response(b, 401, "Unauthorized", "b2")
                .replace("Content-Length: 0", "WWW-Authenticate: Digest realm=\"b\", nonce=\"2\"\r\n"
                                               + "Content-Length: 0"), siplb);
        final String challenge = atUac(WAIT);
        assertThat(status(challenge)).isIn(401, 407);
        assertThat(headers(challenge, "Proxy-Authenticate")).containsExactly("Digest realm=\"a\", nonce=\"1\"");
        assertThat(headers(challenge, "WWW-Authenticate")).containsExactly("Digest realm=\"b\", nonce=\"2\"");
    }

    @Test
    void pastMaxTransactionsNewRequestsGet503WithRetryAfter() {
        start(1, "round-robin", "siplb.proxy.max-transactions = 2\nsiplb.io.threads = 1");
        for (int c = 0; c < 2; c++) {
            uac.send(invite("m" + c + "@uac", "z9hG4bK-m" + c), siplb);
            assertThat(status(atUac(WAIT))).isEqualTo(100);
        }
        uac.send(invite("m2@uac", "z9hG4bK-m2"), siplb);
        final String full = atUac(WAIT);
        assertThat(status(full)).isEqualTo(503);
        assertThat(header(full, "Retry-After")).isEqualTo("5");
        assertThat(server.stats().rejects(io.siplb.proxy.core.RejectReason.TOO_MANY_TRANSACTIONS)).isEqualTo(1);
        // A transaction that got its final response lingers (64*T1) to absorb retransmissions, but is no longer in
        // progress: it does not count against max-transactions, so the next INVITE is taken.
        final String forwarded = at(0, WAIT);
        backends.get(0).send(response(forwarded, 200, "OK", "b1"), siplb);
        assertThat(status(atUac(WAIT))).isEqualTo(200);
        uac.send(invite("m3@uac", "z9hG4bK-m3"), siplb);
        assertThat(status(atUac(WAIT))).isEqualTo(100);
        assertThat(server.stats().rejects(io.siplb.proxy.core.RejectReason.TOO_MANY_TRANSACTIONS)).isEqualTo(1);
    }

    @Test
    void aDestinationTakenOutByAFailureComesBackWhenItAnswersProbes() throws InterruptedException {
        start(2, "priority", "siplb.dispatcher.probing { interval = 300ms, timeout = 200ms, mode = inactive, " +
                             "failure-threshold = 1 }");
        final Destination first = server.proxy().dispatcher().snapshot().set(1).destinations().stream()
                .filter(d -> d.address().getPort() == backends.get(0).port()).findFirst().orElseThrow();
        uac.send(invite("p1@uac", "z9hG4bK-p1"), siplb);
        assertThat(status(atUac(WAIT))).isEqualTo(100);
        final String fwd = at(0, WAIT);
        backends.get(0).send(response(fwd, 503, "Service Unavailable", "b1"), siplb);
        final String second = receiveInvite()[1].toString();
        backends.get(1).send(response(second, 200, "OK", "b2"), siplb);
        assertThat(status(atUac(WAIT))).isEqualTo(200);
        // The failure is applied by the health writer thread, off the event loop: wait for it, bounded.
        final long marked = System.nanoTime() + 3_000_000_000L;
        while (System.nanoTime() < marked && server.proxy().dispatcher().state(first).isActive()) {
            Thread.sleep(5);
        }
        assertThat(server.proxy().dispatcher().state(first).isActive()).isFalse();
        // Out of rotation, the destination is probed; its 200 to the OPTIONS brings it back.
        String options = null;
        final long end = System.nanoTime() + 3_000_000_000L;
        while (System.nanoTime() < end && !server.proxy().dispatcher().state(first).isActive()) {
            final String m = at(0, 100);
            if (m != null && m.startsWith("OPTIONS ")) {
                options = m;
                assertThat(header(m, "From")).startsWith("<sip:siplb@localhost>;tag=");
                backends.get(0).send(response(m, 200, "OK", "p"), siplb);
            }
        }
        assertThat(options).as("an OPTIONS probe").isNotNull();
        assertThat(server.proxy().dispatcher().state(first).isActive()).isTrue();
    }

    /** Waits for an INVITE on any backend; returns [index, text]. */
    private Object[] receiveInvite() {
        final long deadline = System.nanoTime() + WAIT * 1_000_000L;
        while (System.nanoTime() < deadline) {
            for (int i = 0; i < backends.size(); i++) {
                final String m = backends.get(i).receive(10);
                if (m != null && m.startsWith("INVITE")) {
                    return new Object[] { i, m };
                }
            }
        }
        return null;
    }
}
