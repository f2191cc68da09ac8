package io.siplb.proxy.lifecycle;

import static io.siplb.proxy.testing.SipText.headers;
import static io.siplb.proxy.testing.SipText.startLine;
import static org.assertj.core.api.Assertions.assertThat;

import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Path;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.siplb.proxy.core.DropReason;
import io.siplb.proxy.core.RejectReason;
import io.siplb.proxy.core.ForwardingSupport;
import io.siplb.proxy.testing.SipPeer;
import io.siplb.proxy.testing.TestDnsServer;
import io.siplb.proxy.testing.TestServers;

/**
 * Next hops named by host name (RFC 3263 §4.2 for UDP), resolved through a real DNS server on loopback
 * ({@link TestDnsServer}, named by {@code siplb.dns.servers}): a Route with a port by its A record, a Route without
 * a port by SRV (lowest priority first), the Request-URI of an in-dialog request without Route, and an unknown name
 * answered 503. Not thread-safe; confined to the test thread.
 */
class DnsNextHopTest {

    private static final int WAIT = 3000;

    @TempDir
    Path dir;

    private TestDnsServer dns;
    private SipPeer uac;
    private SipPeer uas;
    private SipPeer next;
    private SipPeer other;
    private SiplbServer server;
    private InetSocketAddress siplb;
    private String ownRoute;

    @BeforeEach
    void start() {
        dns = TestDnsServer.start();
        uac = SipPeer.bind();
        uas = SipPeer.bind();
        next = SipPeer.bind();
        other = SipPeer.bind();
        server = TestServers.start(dir, TestServers.config(
                TestServers.set1(uas) + "\nsiplb.dns { servers = [\"127.0.0.1:" + dns.address().getPort() +
                "\"], timeout = 500ms }"));
        siplb = TestServers.address(server);
        ownRoute = "<sip:127.0.0.1:" + siplb.getPort() + ";lr>";
    }

    @AfterEach
    void stop() {
        if (server != null) {
            server.close();
        }
        for (SipPeer p : new SipPeer[] { uac, uas, next, other }) {
            p.close();
        }
        dns.close();
    }

    private String bye(String requestUri, String callId, String routes) {
        return "BYE " + requestUri + " SIP/2.0\r\n" +
               "Via: SIP/2.0/UDP 127.0.0.1:" + uac.port() + ";branch=z9hG4bK-" + callId + "\r\n" +
               "Max-Forwards: 70\r\n" +
               "From: <sip:alice@example.com>;tag=a1\r\n" +
               "To: <sip:bob@example.com>;tag=b1\r\n" +
               "Call-ID: " + callId + "\r\n" +
               "CSeq: 2 BYE\r\n" +
               (routes != null ? "Route: " + routes + "\r\n" : "") +
               "Content-Length: 0\r\n" +
               "\r\n";
    }

    @Test
    void aRouteNamingAHostAndPortGoesToItsAddressRecord() {
        dns.address("proxy.example.test", InetAddress.getLoopbackAddress());
        final String nextRoute = "<sip:proxy.example.test:" + next.port() + ";lr>";
        uac.send(bye("sip:bob@192.0.2.10", "dns-a", ownRoute + ", " + nextRoute), siplb);
        final String fwd = next.receive(WAIT);
        assertThat(fwd).as("BYE forwarded to proxy.example.test").isNotNull();
        assertThat(startLine(fwd)).isEqualTo("BYE sip:bob@192.0.2.10 SIP/2.0");
        assertThat(headers(fwd, "Route")).containsExactly(nextRoute);
        assertThat(dns.questions()).contains("A proxy.example.test.").noneMatch(q -> q.startsWith("SRV"));
        // A retransmission is answered from the cache: no second question.
        final int asked = dns.questions().size();
        uac.send(bye("sip:bob@192.0.2.10", "dns-a", ownRoute + ", " + nextRoute), siplb);
        assertThat(next.receive(WAIT)).isEqualTo(fwd);
        assertThat(dns.questions()).hasSize(asked);
    }

    @Test
    void aRouteNamingAHostWithoutPortGoesToItsBestSrvTarget() {
        dns.srv("_sip._udp.edge.example.test", 20, 100, other.port(), "backup.example.test")
           .srv("_sip._udp.edge.example.test", 10, 5, next.port(), "primary.example.test")
           .address("primary.example.test", InetAddress.getLoopbackAddress())
           .address("backup.example.test", InetAddress.getLoopbackAddress());
        uac.send(bye("sip:bob@192.0.2.10", "dns-srv", ownRoute + ", <sip:edge.example.test;lr>"), siplb);
        final String fwd = next.receive(WAIT);
        assertThat(fwd).as("BYE forwarded to the priority-10 SRV target").isNotNull();
        assertThat(headers(fwd, "Route")).containsExactly("<sip:edge.example.test;lr>");
        assertThat(other.receive(200)).isNull();
        assertThat(dns.questions()).startsWith("SRV _sip._udp.edge.example.test.")
                                   .contains("A primary.example.test.");
        // The next request to the name: both answers come from the caches.
        final int asked = dns.questions().size();
        uac.send(bye("sip:bob@192.0.2.10", "dns-srv-2", ownRoute + ", <sip:edge.example.test;lr>"), siplb);
        assertThat(next.receive(WAIT)).as("second BYE").isNotNull();
        assertThat(dns.questions()).hasSize(asked);
    }

    @Test
    void withoutSrvRecordsTheNameItselfIsUsedOnPort5060() {
        // SRV: NXDOMAIN; A: an address whose port 5060 is not a peer of the test, so only the questions tell.
        dns.address("nosrv.example.test", InetAddress.getLoopbackAddress());
        uac.send(bye("sip:bob@192.0.2.10", "dns-nosrv", ownRoute + ", <sip:nosrv.example.test;lr>"), siplb);
        final long deadline = System.nanoTime() + WAIT * 1_000_000L;
        while (!dns.questions().contains("A nosrv.example.test.") && System.nanoTime() < deadline) {
            Thread.onSpinWait();
        }
        assertThat(dns.questions()).startsWith("SRV _sip._udp.nosrv.example.test.")
                                   .contains("A nosrv.example.test.");
    }

    @Test
    void theRequestUriOfAnInDialogRequestWithoutRouteIsResolved() {
        dns.address("callee.example.test", InetAddress.getLoopbackAddress());
        uac.send(bye("sip:bob@callee.example.test:" + next.port(), "dns-ruri", null), siplb);
        final String fwd = next.receive(WAIT);
        assertThat(fwd).as("BYE sent to the Request-URI's host").isNotNull();
        assertThat(startLine(fwd)).isEqualTo("BYE sip:bob@callee.example.test:" + next.port() + " SIP/2.0");
        assertThat(uas.receive(200)).as("not to the dispatcher's set").isNull();
    }

    @Test
    void atMost256RequestsPerSocketWaitForALookup() throws Exception {
        // A DNS server that never answers: every lookup waits for its timeout, holding its request.
        server.close();
        try (DatagramSocket silent = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))) {
            server = TestServers.start(dir, TestServers.config(
                    TestServers.set1(uas) + "\nsiplb.dns { servers = [\"127.0.0.1:" + silent.getLocalPort() +
                    "\"], timeout = 4s }"));
            siplb = TestServers.address(server);
            ownRoute = "<sip:127.0.0.1:" + siplb.getPort() + ";lr>";
            final int sent = ForwardingSupport.MAX_PENDING_LOOKUPS + 4;
            for (int i = 0; i < sent; i++) {
                uac.send(bye("sip:bob@192.0.2.10", "dns-busy-" + i, ownRoute + ", <sip:slow" + i +
                                                                    ".example.test:5070;lr>"), siplb);
            }
            // One sender, one socket and event loop: the requests beyond the bound are answered 503 at once (siplb
            // busy), the others 481 when their lookups time out (a dialog siplb cannot reach); each exactly once.
            int answered = 0;
            int busy = 0;
            final long deadline = System.nanoTime() + 20_000_000_000L;
            while (answered < sent && System.nanoTime() < deadline) {
                final String answer = uac.receive(100);
                if (answer != null) {
                    assertThat(startLine(answer)).isIn("SIP/2.0 503 Service Unavailable",
                                                       "SIP/2.0 481 Call/Transaction Does Not Exist");
                    busy += startLine(answer).contains("503") ? 1 : 0;
                    answered++;
                }
            }
            assertThat(answered).isEqualTo(sent);
            assertThat(busy).as("503s; counters %s", server.stats().snapshot()).isEqualTo(sent - ForwardingSupport.MAX_PENDING_LOOKUPS);
            assertThat(server.stats().rejects(RejectReason.TOO_MANY_LOOKUPS)).isEqualTo(4);
            assertThat(server.stats().rejects(RejectReason.UNRESOLVABLE_NEXT_HOP))
                    .isEqualTo(ForwardingSupport.MAX_PENDING_LOOKUPS);
        }
    }

    private String ok(String nextVia) {
        return "SIP/2.0 200 OK\r\n" +
               "Via: SIP/2.0/UDP 127.0.0.1:" + siplb.getPort() + ";branch=z9hG4bK-siplb\r\n" +
               "Via: " + nextVia + "\r\n" +
               "From: <sip:alice@example.com>;tag=a1\r\n" +
               "To: <sip:bob@example.com>;tag=b1\r\n" +
               "Call-ID: dns-response\r\n" +
               "CSeq: 2 BYE\r\n" +
               "Content-Length: 0\r\n" +
               "\r\n";
    }

    @Test
    void aResponseWhoseNextViaNamesAHostGoesToItsAddress() {
        // RFC 3263 §5: no received, a host name: its A record with the sent-by port.
        dns.address("client.example.test", InetAddress.getLoopbackAddress());
        uas.send(ok("SIP/2.0/UDP client.example.test:" + uac.port() + ";branch=z9hG4bK-uac"), siplb);
        final String fwd = uac.receive(WAIT);
        assertThat(fwd).as("200 sent to client.example.test").isNotNull();
        assertThat(headers(fwd, "Via")).containsExactly("SIP/2.0/UDP client.example.test:" + uac.port() +
                                                        ";branch=z9hG4bK-uac");
        assertThat(dns.questions()).contains("A client.example.test.");
        // No address: dropped and counted.
        uas.send(ok("SIP/2.0/UDP gone.example.test:" + uac.port() + ";branch=z9hG4bK-uac2"), siplb);
        final long deadline = System.nanoTime() + WAIT * 1_000_000L;
        while (server.stats().drops(DropReason.RESPONSE_BAD_NEXT_VIA) == 0 && System.nanoTime() < deadline) {
            Thread.onSpinWait();
        }
        assertThat(server.stats().drops(DropReason.RESPONSE_BAD_NEXT_VIA)).isEqualTo(1);
        assertThat(uac.receive(200)).isNull();
    }

    @Test
    void onlyTheAddressFamiliesSiplbCanSendFromAreLookedUp() {
        // siplb on IPv6 only; the name has an A and an AAAA record: the AAAA one is used.
        server.close();
        try (SipPeer v6 = SipPeer.bindIpv6(); SipPeer uac6 = SipPeer.bindIpv6()) {
            server = TestServers.start(dir, TestServers.config(
                    "siplb.listen = [\"udp:[::1]:0\"]\nsiplb.dns.servers = [\"127.0.0.1:" + dns.address().getPort() +
                    "\"]"));
            final InetSocketAddress siplb6 = TestServers.address(server);
            dns.address("dual.example.test", InetAddress.getLoopbackAddress())
               .address("dual.example.test", java.net.Inet6Address.getByAddress("localhost6", new byte[] {
                       0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1 }, null));
            final String bye = bye("sip:bob@192.0.2.10", "dns-v6", "<sip:[::1]:" + siplb6.getPort() + ";lr>, " +
                                                                  "<sip:dual.example.test:" + v6.port() + ";lr>")
                    .replace("SIP/2.0/UDP 127.0.0.1:" + uac.port(), "SIP/2.0/UDP [::1]:" + uac6.port());
            uac6.send(bye, siplb6);
            final String fwd = v6.receive(WAIT);
            assertThat(fwd).as("BYE sent to the AAAA address").isNotNull();
            assertThat(dns.questions()).contains("AAAA dual.example.test.").doesNotContain("A dual.example.test.");
        } catch (java.net.UnknownHostException e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void anSrvQueryWithoutAnswerFallsBackToTheAddressButIsNotRemembered() {
        dns.silent("_sip._udp.slowsrv.example.test").address("slowsrv.example.test", InetAddress.getLoopbackAddress());
        uac.send(bye("sip:bob@192.0.2.10", "dns-slow-1", ownRoute + ", <sip:slowsrv.example.test;lr>"), siplb);
        // The SRV query timed out (0.5 s): the name's own address record is asked for.
        awaitQuestions(q -> q.equals("A slowsrv.example.test."), 1);
        uac.send(bye("sip:bob@192.0.2.10", "dns-slow-2", ownRoute + ", <sip:slowsrv.example.test;lr>"), siplb);
        // The next request asks for the SRV records again: the timed-out query left nothing in the cache.
        awaitQuestions(q -> q.equals("SRV _sip._udp.slowsrv.example.test."), 2);
    }

    @Test
    void aNameDnsCannotCarryIsAnswered481AndHoldsNothing() {
        // A 64-octet label: not a host name (RFC 1035 §2.3.4), answered at once.
        final String longLabel = "a".repeat(64) + ".example.test";
        for (int i = 0; i < 3; i++) {
            uac.send(bye("sip:bob@192.0.2.10", "dns-long-" + i, ownRoute + ", <sip:" + longLabel + ";lr>"), siplb);
            final String answer = uac.receive(WAIT);
            assertThat(answer).isNotNull();
            // An in-dialog request siplb cannot route: its dialog is unreachable (481), not siplb busy (503).
            assertThat(startLine(answer)).isEqualTo("SIP/2.0 481 Call/Transaction Does Not Exist");
        }
        assertThat(server.stats().drops(DropReason.INTERNAL_ERROR)).isZero();
        assertThat(dns.questions()).isEmpty();
    }

    @Test
    void anInDialogRequestUriHostWithoutAddressGoesToTheSet() {
        // An internal name of a backend: no DNS record, so the request goes to the default set as without DNS.
        uac.send(bye("sip:bob@pbx01.internal.test:5090", "dns-internal", null), siplb);
        final String fwd = uas.receive(WAIT);
        assertThat(fwd).as("BYE sent to the set").isNotNull();
        assertThat(startLine(fwd)).isEqualTo("BYE sip:bob@pbx01.internal.test:5090 SIP/2.0");
        assertThat(dns.questions()).contains("A pbx01.internal.test.");
    }

    private void awaitQuestions(java.util.function.Predicate<String> which, int count) {
        final long deadline = System.nanoTime() + WAIT * 1_000_000L;
        while (dns.questions().stream().filter(which).count() < count && System.nanoTime() < deadline) {
            Thread.onSpinWait();
        }
        assertThat(dns.questions()).filteredOn(which::test).hasSize(count);
    }

    @Test
    void aNameWithoutAddressIsAnswered481InADialog() {
        uac.send(bye("sip:bob@192.0.2.10", "dns-nx", ownRoute + ", <sip:missing.example.test:5070;lr>"), siplb);
        final String answer = uac.receive(WAIT);
        assertThat(answer).isNotNull();
        assertThat(startLine(answer)).isEqualTo("SIP/2.0 481 Call/Transaction Does Not Exist");
        assertThat(headers(answer, "Retry-After")).isEmpty();
        assertThat(server.stats().rejects(RejectReason.UNRESOLVABLE_NEXT_HOP)).isEqualTo(1);
        assertThat(next.receive(200)).isNull();
    }
}
