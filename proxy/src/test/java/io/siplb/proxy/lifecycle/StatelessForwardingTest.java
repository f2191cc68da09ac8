package io.siplb.proxy.lifecycle;

import static io.siplb.proxy.testing.SipText.header;
import static io.siplb.proxy.testing.SipText.headers;
import static io.siplb.proxy.testing.SipText.startLine;
import static io.siplb.proxy.testing.SipText.status;
import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.netty.channel.epoll.EpollDatagramChannel;
import io.siplb.proxy.core.DropReason;
import io.siplb.proxy.core.RejectReason;
import io.siplb.proxy.testing.SipPeer;
import io.siplb.proxy.testing.TestServers;

/**
 * siplb started in-process on a free loopback port, between a plain UDP "UAC" and two "UAS" sockets. Not thread-safe;
 * confined to the test thread.
 */
class StatelessForwardingTest {

    private static final int WAIT = 3000;
    private static final int QUIET = 300;
    private static final Pattern VIA_BRANCH = Pattern.compile(";branch=([^;,\\s]+)");

    @TempDir
    Path dir;

    private SipPeer uac;
    private SipPeer uas1;
    private SipPeer uas2;
    private SiplbServer server;
    private InetSocketAddress siplb;
    private String siplbHostPort;

    @BeforeEach
    void start() {
        uac = SipPeer.bind();
        uas1 = SipPeer.bind();
        uas2 = SipPeer.bind();
        server = TestServers.start(dir, TestServers.config(TestServers.set1(uas1, uas2)));
        siplb = TestServers.address(server);
        siplbHostPort = "127.0.0.1:" + siplb.getPort();
    }

    @AfterEach
    void stop() {
        if (server != null) {
            server.close();
        }
        uac.close();
        uas1.close();
        uas2.close();
    }

    @Test
    void listensWithOneEpollSocketPerEventLoopOnTheSameAddress() {
        // siplb's CI and production platform is Linux, where the native epoll transport must be in use.
        assertThat(server.channels()).hasSize(2).allMatch(ch -> ch instanceof EpollDatagramChannel);
        assertThat(server.channels().get(0).eventLoop()).isNotSameAs(server.channels().get(1).eventLoop());
        assertThat(server.channels().get(0).localAddress()).isEqualTo(server.channels().get(1).localAddress())
                                                           .isEqualTo(siplb);
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
               "Content-Type: application/sdp\r\n" +
               "Content-Length: 4\r\n" +
               "\r\n" +
               "v=0\n";
    }

    private String request(String method, String requestUri, String callId, String branch, int cseq, String toTag,
                           String extraHeaders) {
        return method + ' ' + requestUri + " SIP/2.0\r\n" +
               "Via: SIP/2.0/UDP 127.0.0.1:" + uac.port() + ";branch=" + branch + "\r\n" +
               "Max-Forwards: 70\r\n" +
               "From: <sip:alice@example.com>;tag=a1\r\n" +
               "To: <sip:bob@example.com>" + (toTag != null ? ";tag=" + toTag : "") + "\r\n" +
               "Call-ID: " + callId + "\r\n" +
               "CSeq: " + cseq + ' ' + method + "\r\n" +
               extraHeaders +
               "Content-Length: 0\r\n" +
               "\r\n";
    }

    /** Waits for the first datagram on either UAS; returns [index (0 or 1), text]. */
    private Object[] receiveAtEitherUas(int timeoutMillis) {
        final long deadline = System.nanoTime() + timeoutMillis * 1_000_000L;
        while (System.nanoTime() < deadline) {
            String m = uas1.receive(10);
            if (m != null) {
                return new Object[] { 0, m };
            }
            m = uas2.receive(10);
            if (m != null) {
                return new Object[] { 1, m };
            }
        }
        return null;
    }

    private SipPeer uas(int index) {
        return index == 0 ? uas1 : uas2;
    }

    @Test
    void initialInviteReachesOneBackendWithSiplbViaOnTopAndIdenticalRetransmission() {
        final String invite = invite("call-1@uac", "z9hG4bK-uac-1");
        uac.send(invite, siplb);
        final Object[] got = receiveAtEitherUas(WAIT);
        assertThat(got).as("INVITE forwarded to a UAS").isNotNull();
        final String fwd = (String) got[1];

        assertThat(startLine(fwd)).isEqualTo("INVITE sip:bob@example.com SIP/2.0");
        final List<String> vias = headers(fwd, "Via");
        assertThat(vias).hasSize(2);
        assertThat(vias.get(0)).startsWith("SIP/2.0/UDP " + siplbHostPort + ";branch=z9hG4bK");
        assertThat(vias.get(0)).doesNotContain("z9hG4bK-uac-1");
        assertThat(vias.get(1)).isEqualTo("SIP/2.0/UDP 127.0.0.1:" + uac.port() +
                                          ";branch=z9hG4bK-uac-1;rport=" + uac.port() + ";received=127.0.0.1");
        assertThat(header(fwd, "Max-Forwards")).isEqualTo("69");
        assertThat(headers(fwd, "Record-Route")).containsExactly("<sip:" + siplbHostPort + ";lr>");
        assertThat(fwd).endsWith("\r\n\r\nv=0\n");
        assertThat(uas((int) got[0]).lastSender()).isEqualTo(siplb);

        // A retransmission produces the identical forwarded bytes at the same destination.
        uac.send(invite, siplb);
        final String again = uas((int) got[0]).receive(WAIT);
        assertThat(again).isEqualTo(fwd);
        assertThat(uas(1 - (int) got[0]).receive(QUIET)).isNull();
        assertThat(server.stats().requestsForwarded()).isEqualTo(2);
    }

    @Test
    void ackCancelAndRetransmissionOfACallReachTheSameBackend() {
        for (int call = 0; call < 8; call++) {
            final String callId = "same-dest-" + call + "@uac";
            final String branch = "z9hG4bK-inv-" + call;
            uac.send(invite(callId, branch), siplb);
            final Object[] first = receiveAtEitherUas(WAIT);
            assertThat(first).isNotNull();
            final int index = (int) first[0];
            final String forwardedInvite = (String) first[1];

            uac.send(request("CANCEL", "sip:bob@example.com", callId, branch, 1, null, ""), siplb);
            final String cancel = uas(index).receive(WAIT);
            assertThat(cancel).startsWith("CANCEL ");
            // §16.11: the CANCEL gets the same branch as the INVITE it cancels.
            assertThat(branch(headers(cancel, "Via").get(0))).isEqualTo(branch(headers(forwardedInvite, "Via").get(0)));

            uac.send(request("ACK", "sip:bob@example.com", callId, branch, 1, "b" + call, ""), siplb);
            final String ack = uas(index).receive(WAIT);
            assertThat(ack).startsWith("ACK ");
            assertThat(uas(1 - index).receive(50)).isNull();
        }
    }

    private static String branch(String via) {
        final Matcher m = VIA_BRANCH.matcher(via);
        assertThat(m.find()).isTrue();
        return m.group(1);
    }

    @Test
    void manyCallIdsReachBothBackends() {
        final int[] counts = new int[2];
        for (int i = 0; i < 60; i++) {
            uac.send(invite("spread-" + i + "@uac", "z9hG4bK-spread-" + i), siplb);
            final Object[] got = receiveAtEitherUas(WAIT);
            assertThat(got).isNotNull();
            counts[(int) got[0]]++;
        }
        assertThat(counts[0]).isPositive();
        assertThat(counts[1]).isPositive();
        assertThat(counts[0] + counts[1]).isEqualTo(60);
    }

    @Test
    void backendResponseComesBackToTheUacWithoutSiplbVia() {
        uac.send(invite("resp-1@uac", "z9hG4bK-resp-1"), siplb);
        final Object[] got = receiveAtEitherUas(WAIT);
        assertThat(got).isNotNull();
        final String fwd = (String) got[1];
        final SipPeer uas = uas((int) got[0]);

        final StringBuilder ok = new StringBuilder("SIP/2.0 200 OK\r\n");
        for (String via : headers(fwd, "Via")) {
            ok.append("Via: ").append(via).append("\r\n");
        }
        for (String rr : headers(fwd, "Record-Route")) {
            ok.append("Record-Route: ").append(rr).append("\r\n");
        }
        ok.append("From: ").append(header(fwd, "From")).append("\r\n")
          .append("To: ").append(header(fwd, "To")).append(";tag=b1\r\n")
          .append("Call-ID: ").append(header(fwd, "Call-ID")).append("\r\n")
          .append("CSeq: ").append(header(fwd, "CSeq")).append("\r\n")
          .append("Contact: <sip:bob@127.0.0.1:").append(uas.port()).append(">\r\n")
          .append("Content-Length: 0\r\n\r\n");
        uas.send(ok.toString(), siplb);

        final String response = uac.receive(WAIT);
        assertThat(response).isNotNull();
        assertThat(startLine(response)).isEqualTo("SIP/2.0 200 OK");
        assertThat(headers(response, "Via")).containsExactly(
                "SIP/2.0/UDP 127.0.0.1:" + uac.port() + ";branch=z9hG4bK-resp-1;rport=" + uac.port() +
                ";received=127.0.0.1");
        assertThat(headers(response, "Record-Route")).containsExactly("<sip:" + siplbHostPort + ";lr>");
        assertThat(uac.lastSender()).isEqualTo(siplb);
        assertThat(server.stats().responsesForwarded()).isEqualTo(1);
    }

    @Test
    void aResponseWithSiplbsViaTwiceOnTopPassesSiplbTwiceAndReachesTheUac() {
        // A request that went through siplb twice in a row (through an address siplb does not know as its own, such
        // as a NAT's) comes back with two of siplb's Vias on top: each pass removes one.
        uac.send(invite("two-vias@uac", "z9hG4bK-two-vias"), siplb);
        final Object[] got = receiveAtEitherUas(WAIT);
        assertThat(got).isNotNull();
        final String fwd = (String) got[1];
        final List<String> vias = headers(fwd, "Via");
        final StringBuilder ok = new StringBuilder("SIP/2.0 180 Ringing\r\n")
                .append("Via: ").append(vias.get(0).replaceFirst(";branch=z9hG4bK", ";branch=z9hG4bKouter"))
                .append("\r\n");
        for (String via : vias) {
            ok.append("Via: ").append(via).append("\r\n");
        }
        ok.append("From: ").append(header(fwd, "From")).append("\r\n")
          .append("To: ").append(header(fwd, "To")).append(";tag=b2\r\n")
          .append("Call-ID: two-vias@uac\r\nCSeq: 1 INVITE\r\nContent-Length: 0\r\n\r\n");
        uas((int) got[0]).send(ok.toString(), siplb);
        final String response = uac.receive(WAIT);
        assertThat(response).isNotNull().startsWith("SIP/2.0 180 Ringing\r\n");
        assertThat(headers(response, "Via")).containsExactly(vias.get(1));
        assertThat(server.stats().responsesForwarded()).isEqualTo(2);
    }

    @Test
    void inDialogByeWithSiplbRouteIsLooseRoutedToTheRequestUri() {
        final String bye = request("BYE", "sip:bob@127.0.0.1:" + uas2.port(), "dialog-1@uac", "z9hG4bK-bye-1", 2,
                                   "b1", "Route: <sip:" + siplbHostPort + ";lr>\r\n");
        uac.send(bye, siplb);
        final String fwd = uas2.receive(WAIT);
        assertThat(fwd).isNotNull();
        assertThat(startLine(fwd)).isEqualTo("BYE sip:bob@127.0.0.1:" + uas2.port() + " SIP/2.0");
        assertThat(headers(fwd, "Route")).isEmpty();
        assertThat(headers(fwd, "Record-Route")).isEmpty();
        assertThat(headers(fwd, "Via")).hasSize(2);
        assertThat(headers(fwd, "Via").get(0)).startsWith("SIP/2.0/UDP " + siplbHostPort + ";branch=z9hG4bK");
        assertThat(header(fwd, "Max-Forwards")).isEqualTo("69");
        assertThat(uas1.receive(QUIET)).isNull();
    }

    @Test
    void moreOwnRouteValuesThanDoubleRecordRoutingLeavesAreALoop() {
        // Double record-routing leaves two of siplb's values on top of a route set; three or more are a loop
        // (RFC 3261 §16.3 step 4), answered 482 rather than removed one parse at a time.
        final String own = "<sip:" + siplbHostPort + ";lr>";
        final String bye = request("BYE", "sip:bob@127.0.0.1:" + uas2.port(), "loop-1@uac", "z9hG4bK-loop-1", 2,
                                   "b1", "Route: " + own + ", " + own + ", " + own + "\r\n")
                .replace(";branch=z9hG4bK-loop-1", ";branch=z9hG4bK-loop-1;rport");
        uac.send(bye, siplb);
        final String response = uac.receive(WAIT);
        assertThat(response).isNotNull().startsWith("SIP/2.0 482 Loop Detected\r\n");
        assertThat(headers(response, "Via").get(0)).endsWith(";rport=" + uac.port() + ";received=127.0.0.1");
        assertThat(receiveAtEitherUas(QUIET)).isNull();
        assertThat(server.stats().localResponses(482)).isEqualTo(1);

        // Two are removed and the request is forwarded.
        uac.send(bye.replace(own + ", " + own + ", " + own, own + ", " + own), siplb);
        final String fwd = uas2.receive(WAIT);
        assertThat(fwd).isNotNull().startsWith("BYE ");
        assertThat(headers(fwd, "Route")).isEmpty();
    }

    @Test
    void inDialogRequestFromAStrictRouterIsRoutedByItsLastRoute() {
        // RFC 3261 §16.4: the Request-URI is siplb's Record-Route; the real target is the last Route value.
        final String target = "sip:bob@127.0.0.1:" + uas1.port();
        final String info = request("INFO", "sip:" + siplbHostPort + ";lr", "dialog-2@uac", "z9hG4bK-info-1", 3,
                                    "b2", "Route: <" + target + ">\r\n");
        uac.send(info, siplb);
        final String fwd = uas1.receive(WAIT);
        assertThat(fwd).isNotNull();
        assertThat(startLine(fwd)).isEqualTo("INFO " + target + " SIP/2.0");
        assertThat(headers(fwd, "Route")).isEmpty();
        assertThat(uas2.receive(QUIET)).isNull();
    }

    @Test
    void strictRouterWithSeveralRoutesLeavesTheOthersInPlace() {
        final String target = "sip:bob@127.0.0.1:" + uas2.port();
        final String nextProxy = "<sip:127.0.0.1:" + uas1.port() + ";lr>";
        final String info = request("INFO", "sip:" + siplbHostPort + ";lr", "dialog-3@uac", "z9hG4bK-info-3", 4,
                                    "b3", "Route: " + nextProxy + ", <" + target + ">\r\n");
        uac.send(info, siplb);
        // The Request-URI becomes the last Route; the request goes on to the next (loose) Route.
        final String fwd = uas1.receive(WAIT);
        assertThat(fwd).isNotNull();
        assertThat(startLine(fwd)).isEqualTo("INFO " + target + " SIP/2.0");
        assertThat(headers(fwd, "Route")).containsExactly(nextProxy);
        assertThat(uas2.receive(QUIET)).isNull();
    }

    @Test
    void strictRouterWithSiplbAndTheTargetInOneRouteLineIsForwarded() {
        final String target = "sip:bob@127.0.0.1:" + uas2.port();
        final String info = request("INFO", "sip:" + siplbHostPort + ";lr", "dialog-4@uac", "z9hG4bK-info-4", 5,
                                    "b4", "Route: <sip:" + siplbHostPort + ";lr>, <" + target + ">\r\n");
        uac.send(info, siplb);
        final String fwd = uas2.receive(WAIT);
        assertThat(fwd).isNotNull();
        assertThat(startLine(fwd)).isEqualTo("INFO " + target + " SIP/2.0");
        // RFC 3261 §16.4: siplb's value is removed and so is the last value, now the Request-URI.
        assertThat(headers(fwd, "Route")).isEmpty();
        assertThat(fwd).doesNotContain("\r\n\r\n\r\n");
        assertThat(server.stats().drops(DropReason.INTERNAL_ERROR)).isZero();
    }

    @Test
    void ackOfANon2xxResponseFollowsItsInviteEvenWhenTheRequestUriIsAnIpAddress() {
        // The ACK of a non-2xx final response belongs to the INVITE transaction (RFC 3261 §17.1.1.3): it has the
        // INVITE's Request-URI and Route set plus the response's To tag, and must take the INVITE's path, not go
        // straight to the Request-URI.
        try (SipPeer elsewhere = SipPeer.bind()) {
            final String requestUri = "sip:bob@127.0.0.1:" + elsewhere.port();
            for (int call = 0; call < 6; call++) {
                final String callId = "non2xx-ack-" + call + "@uac";
                final String branch = "z9hG4bK-n2xx-" + call;
                uac.send(request("INVITE", requestUri, callId, branch, 1, null, ""), siplb);
                final Object[] first = receiveAtEitherUas(WAIT);
                assertThat(first).as("INVITE of call %d", call).isNotNull();
                final int index = (int) first[0];
                final String forwardedInvite = (String) first[1];

                uac.send(request("ACK", requestUri, callId, branch, 1, "busy-" + call, ""), siplb);
                final String ack = uas(index).receive(WAIT);
                assertThat(ack).as("ACK of call %d at the INVITE's destination", call).isNotNull()
                               .startsWith("ACK " + requestUri + " SIP/2.0\r\n");
                // §16.11: the ACK of a non-2xx response gets the INVITE's branch.
                assertThat(branch(headers(ack, "Via").get(0))).isEqualTo(branch(headers(forwardedInvite, "Via").get(0)));
                assertThat(elsewhere.receive(50)).isNull();
            }
        }
    }

    @Test
    void maxForwardsZeroIsAnswered483AndNeverForwarded() {
        final String options = request("OPTIONS", "sip:bob@example.com", "mf0@uac", "z9hG4bK-mf0", 1, null, "")
                .replace("Max-Forwards: 70", "Max-Forwards: 0");
        uac.send(options, siplb);
        final String response = uac.receive(WAIT);
        assertThat(response).isNotNull();
        assertThat(startLine(response)).isEqualTo("SIP/2.0 483 Too Many Hops");
        assertThat(header(response, "Call-ID")).isEqualTo("mf0@uac");
        assertThat(receiveAtEitherUas(QUIET)).isNull();
        assertThat(server.stats().localResponses(483)).isEqualTo(1);
    }

    @Test
    void localResponsesCarryReceivedAndTheFilledRportInTheirTopVia() {
        // RFC 3581 §4: siplb, a server of the request, fills rport with the source port and adds received; the
        // response's copy of the Via says so (the UAC learns its public address and port behind a NAT).
        final String expectedVia = "SIP/2.0/UDP 127.0.0.1:" + uac.port() + ";branch=z9hG4bK-rp-%s;rport=" +
                                   uac.port() + ";received=127.0.0.1";
        uac.send(invite("rport-483@uac", "z9hG4bK-rp-483").replace("Max-Forwards: 70", "Max-Forwards: 0"), siplb);
        final String r483 = uac.receive(WAIT);
        assertThat(r483).isNotNull().startsWith("SIP/2.0 483 ");
        assertThat(headers(r483, "Via")).containsExactly(String.format(expectedVia, "483"));

        uac.send(invite("rport-416@uac", "z9hG4bK-rp-416").replace("INVITE sip:bob@example.com SIP/2.0",
                                                                     "INVITE im:bob@example.com SIP/2.0"), siplb);
        final String r416 = uac.receive(WAIT);
        assertThat(r416).isNotNull().startsWith("SIP/2.0 416 ");
        assertThat(headers(r416, "Via")).containsExactly(String.format(expectedVia, "416"));

        uac.send(invite("rport-400@uac", "z9hG4bK-rp-400").replace("CSeq: 1 INVITE", "CSeq: 1 OPTIONS"), siplb);
        final String r400 = uac.receive(WAIT);
        assertThat(r400).isNotNull().startsWith("SIP/2.0 400 ");
        assertThat(headers(r400, "Via")).containsExactly(String.format(expectedVia, "400"));
        assertThat(header(r400, "Warning")).containsIgnoringCase("CSeq");

        uac.send(invite("rport-420@uac", "z9hG4bK-rp-420").replace("Max-Forwards: 70",
                                                                     "Max-Forwards: 70\r\nProxy-Require: foo"), siplb);
        final String r420 = uac.receive(WAIT);
        assertThat(r420).isNotNull().startsWith("SIP/2.0 420 ");
        assertThat(headers(r420, "Via")).containsExactly(String.format(expectedVia, "420"));
        assertThat(header(r420, "Unsupported")).isEqualTo("foo");
    }

    @Test
    void ackWithMaxForwardsZeroIsDroppedSilently() {
        final String ack = request("ACK", "sip:bob@example.com", "mf0-ack@uac", "z9hG4bK-mf0a", 1, "x", "")
                .replace("Max-Forwards: 70", "Max-Forwards: 0");
        uac.send(ack, siplb);
        assertThat(uac.receive(QUIET)).isNull();
        assertThat(receiveAtEitherUas(QUIET)).isNull();
        assertThat(server.stats().drops(DropReason.ACK_NOT_ROUTABLE)).isEqualTo(1);
    }

    /** Header lines a real phone may send that RFC 3261's grammar rejects but the proxy never reads. */
    private static final String[] PHONE_LINES = {
            "From: J\u00fcrgen M\u00fcller <sip:juergen@example.com>;tag=abc\"def",
            "Contact: <sip:juergen@192.0.2.7;transport=udp>;+sip.instance=\"<urn:uuid:0c8b8a3e-3f1a-4c9e-9a7b-" +
            "1f2e3d4c5b6a>\";expires=soon",
            "Contact: <sip:broken@192.0.2.7;transport=udp",
            "X-Vendor-Odd: ;;,,\"<unterminated",
            "Expires: in an hour",
            "Record-Route: sip:not-bracketed.example.com;lr",
    };

    @Test
    void aPhonesOddHeadersThatTheProxyDoesNotReadAreForwardedAsReceived() {
        final StringBuilder invite = new StringBuilder(
                "INVITE sip:bob@example.com SIP/2.0\r\n" +
                "Via: SIP/2.0/UDP 127.0.0.1:" + uac.port() + ";branch=z9hG4bK-phone-1;rport\r\n" +
                "Max-Forwards: 70\r\n" +
                "To: <sip:bob@example.com>\r\n" +
                "Call-ID: phone-1@uac\r\n" +
                "CSeq: 1 INVITE\r\n");
        for (String line : PHONE_LINES) {
            invite.append(line).append("\r\n");
        }
        invite.append("Content-Length: 0\r\n\r\n");
        uac.send(invite.toString(), siplb);
        final Object[] got = receiveAtEitherUas(WAIT);
        assertThat(got).as("INVITE with odd headers forwarded").isNotNull();
        final String fwd = (String) got[1];
        // Each odd line reaches the backend byte for byte (the text is the UTF-8 decoding of the datagram).
        for (String line : PHONE_LINES) {
            assertThat(fwd).contains("\r\n" + line + "\r\n");
        }
        assertThat(server.stats().requestsForwarded()).isEqualTo(1);

        // The backend's answer carries a To tag with a non-token octet; it reaches the phone unchanged.
        final SipPeer uas = uas((int) got[0]);
        final String toLine = "To: <sip:bob@example.com>;tag=ab\u00e9";
        final StringBuilder ok = new StringBuilder("SIP/2.0 200 OK\r\n");
        for (String via : headers(fwd, "Via")) {
            ok.append("Via: ").append(via).append("\r\n");
        }
        ok.append(PHONE_LINES[0]).append("\r\n").append(toLine).append("\r\n")
          .append("Call-ID: phone-1@uac\r\nCSeq: 1 INVITE\r\n")
          .append("Contact: <sip:bob@127.0.0.1:").append(uas.port()).append(">\r\n")
          .append("Content-Length: 0\r\n\r\n");
        uas.send(ok.toString(), siplb);
        final String response = uac.receive(WAIT);
        assertThat(response).isNotNull();
        assertThat(status(response)).isEqualTo(200);
        assertThat(response).contains("\r\n" + PHONE_LINES[0] + "\r\n", "\r\n" + toLine + "\r\n");
    }

    @Test
    void whatTheProxyReadsIsStillCheckedAndAnswered400() {
        final String[][] cases = {
                {"From: <sip:alice@example.com;tag=a1", "From"},
                {"Route: sip:not-bracketed.example.com;lr", "Route"},
                {"Proxy-Require: foo bar", "Proxy-Require"},
                {"Max-Forwards: many", "Max-Forwards"},
        };
        int n = 0;
        for (String[] c : cases) {
            final String header = c[1];
            String bad = request("OPTIONS", "sip:bob@example.com", "checked-" + n + "@uac", "z9hG4bK-chk-" + n, 1,
                                 null, header.equals("From") || header.equals("Max-Forwards") ? "" : c[0] + "\r\n");
            if (header.equals("From")) {
                bad = bad.replace("From: <sip:alice@example.com>;tag=a1", c[0]);
            } else if (header.equals("Max-Forwards")) {
                bad = bad.replace("Max-Forwards: 70", c[0]);
            }
            uac.send(bad, siplb);
            final String response = uac.receive(WAIT);
            assertThat(response).as(header).isNotNull();
            assertThat(status(response)).as(header).isEqualTo(400);
            assertThat(header(response, "Warning")).as(header).contains(header);
            n++;
        }
        assertThat(receiveAtEitherUas(QUIET)).isNull();
    }

    @Test
    void malformedRequestIsAnswered400NamingTheProblemAndBadVersion505() {
        final String bad = request("INVITE", "sip:bob@example.com", "bad-cseq@uac", "z9hG4bK-bad", 1, null, "")
                .replace("CSeq: 1 INVITE", "CSeq: 1 OPTIONS");
        uac.send(bad, siplb);
        final String response = uac.receive(WAIT);
        assertThat(response).isNotNull();
        assertThat(status(response)).isEqualTo(400);
        assertThat(header(response, "Warning")).startsWith("399 siplb \"").containsIgnoringCase("CSeq");

        final String badVersion = request("OPTIONS", "sip:bob@example.com", "bad-version@uac", "z9hG4bK-v", 1,
                                          null, "").replace(" SIP/2.0\r\nVia", " SIP/7.0\r\nVia");
        uac.send(badVersion, siplb);
        final String r505 = uac.receive(WAIT);
        assertThat(r505).isNotNull();
        assertThat(status(r505)).isEqualTo(505);
        assertThat(receiveAtEitherUas(QUIET)).isNull();
    }

    @Test
    void responsesThatAreNotForSiplbAreDroppedAndCounted() {
        final String foreign = "SIP/2.0 200 OK\r\n" +
                               "Via: SIP/2.0/UDP 127.0.0.1:" + uac.port() + ";branch=z9hG4bK-foreign\r\n" +
                               "From: <sip:alice@example.com>;tag=a1\r\n" +
                               "To: <sip:bob@example.com>;tag=b1\r\n" +
                               "Call-ID: foreign@uac\r\n" +
                               "CSeq: 1 INVITE\r\n" +
                               "Content-Length: 0\r\n\r\n";
        uas1.send(foreign, siplb);
        final String onlyOurs = foreign.replace("Via: SIP/2.0/UDP 127.0.0.1:" + uac.port(),
                                                "Via: SIP/2.0/UDP " + siplbHostPort);
        uas1.send(onlyOurs, siplb);
        assertThat(uac.receive(QUIET)).isNull();
        final long deadline = System.nanoTime() + WAIT * 1_000_000L;
        while (server.stats().totalDrops() < 2 && System.nanoTime() < deadline) {
            Thread.onSpinWait();
        }
        assertThat(server.stats().drops(DropReason.RESPONSE_VIA_NOT_OURS)).isEqualTo(1);
        assertThat(server.stats().drops(DropReason.RESPONSE_NO_NEXT_VIA)).isEqualTo(1);
    }

    @Test
    void garbageDatagramsAreDroppedAndCountedAndSiplbKeepsForwarding() {
        uac.send(new byte[] { 0, 1, 2, 3, (byte) 0xff }, siplb);
        uac.send("\r\n\r\n", siplb);
        uac.send("NOT SIP AT ALL", siplb);
        assertThat(uac.receive(QUIET)).isNull();
        uac.send(invite("after-garbage@uac", "z9hG4bK-after"), siplb);
        assertThat(receiveAtEitherUas(WAIT)).isNotNull();
        assertThat(server.stats().totalDrops()).isEqualTo(3);
    }

    @Test
    void aDestinationWhereNothingListensNeverTakesSiplbDown(@TempDir Path other) {
        final SipPeer closed = SipPeer.bind();
        final int port = closed.port();
        closed.close(); // its port is now unused: datagrams to it get ICMP port unreachable
        final String set = "siplb.dispatcher.sets = [ { id = 1, algorithm = hash-call-id, " +
                           "destinations = [\"sip:127.0.0.1:" + port + "\"] } ]";
        try (SiplbServer lonely = TestServers.start(other, TestServers.config(set))) {
            final InetSocketAddress address = TestServers.address(lonely);
            for (int i = 0; i < 20; i++) {
                uac.send(invite("nobody-" + i + "@uac", "z9hG4bK-nobody-" + i), address);
            }
            final long deadline = System.nanoTime() + WAIT * 1_000_000L;
            while (lonely.stats().requestsForwarded() < 20 && System.nanoTime() < deadline) {
                Thread.onSpinWait();
            }
            assertThat(lonely.stats().requestsForwarded()).isEqualTo(20);
            // Still answering: Max-Forwards 0 gets its 483.
            uac.send(request("OPTIONS", "sip:bob@example.com", "alive@uac", "z9hG4bK-alive", 1, null, "")
                             .replace("Max-Forwards: 70", "Max-Forwards: 0"), address);
            final String response = uac.receive(WAIT);
            assertThat(response).isNotNull().startsWith("SIP/2.0 483 ");
            assertThat(lonely.stats().drops(DropReason.INTERNAL_ERROR)).isZero();
        }
    }

    @Test
    void aBurstIsForwardedOrCountedAndSiplbKeepsForwarding() {
        final int burst = 5000;
        for (int i = 0; i < burst; i++) {
            uac.send(invite("burst-" + i + "@uac", "z9hG4bK-burst-" + i), siplb);
        }
        // Every datagram siplb read (the kernel may drop some before) was forwarded or dropped and counted; nothing
        // failed inside. Wait until siplb has read everything: no new datagram for QUIET milliseconds.
        final long deadline = System.nanoTime() + 10L * WAIT * 1_000_000L;
        long seen = -1;
        while (System.nanoTime() < deadline && seen != server.stats().requestsReceived()) {
            seen = server.stats().requestsReceived();
            uas1.drain();
            uas2.drain();
            try {
                Thread.sleep(QUIET);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError(e);
            }
        }
        uas1.drain();
        uas2.drain();
        // The last request read may still be on its way through the forwarder: wait (bounded) for the counts to meet.
        final long settled = System.nanoTime() + WAIT * 1_000_000L;
        while (System.nanoTime() < settled && server.stats().requestsForwarded()
               + server.stats().drops(DropReason.SEND_QUEUE_FULL) != server.stats().requestsReceived()) {
            uas1.drain();
            uas2.drain();
        }
        assertThat(server.stats().requestsReceived()).isPositive();
        assertThat(server.stats().requestsForwarded() + server.stats().drops(DropReason.SEND_QUEUE_FULL))
                .as("forwarded + send-queue-full; counters %s", server.stats().snapshot())
                .isEqualTo(server.stats().requestsReceived());
        assertThat(server.stats().drops(DropReason.INTERNAL_ERROR)).isZero();
        assertThat(server.stats().drops(DropReason.SEND_FAILED)).isZero();

        uac.send(invite("after-burst@uac", "z9hG4bK-after-burst"), siplb);
        // Late datagrams of the burst may still be in the backends' socket buffers: skip them (bounded).
        Object[] got = receiveAtEitherUas(WAIT);
        for (int skipped = 0; got != null && skipped < burst
                              && header((String) got[1], "Call-ID").startsWith("burst-"); skipped++) {
            got = receiveAtEitherUas(WAIT);
        }
        assertThat(got).isNotNull();
        assertThat(header((String) got[1], "Call-ID")).isEqualTo("after-burst@uac");
    }

    @Test
    void aDestinationThatIsSiplbItselfIsAnswered503InsteadOfLooping(@TempDir Path other) {
        final SipPeer probe = SipPeer.bind();
        final int port = probe.port();
        probe.close(); // a port that was free a moment ago, for siplb and for its own (misconfigured) destination
        final String text = TestServers.config("siplb.dispatcher.sets = [ { id = 1, algorithm = hash-call-id, " +
                                               "destinations = [\"sip:127.0.0.1:" + port + "\"] } ]")
                                       .replace("udp:127.0.0.1:0", "udp:127.0.0.1:" + port);
        try (SiplbServer self = TestServers.start(other, text)) {
            uac.send(invite("to-self@uac", "z9hG4bK-to-self"), TestServers.address(self));
            final String response = uac.receive(WAIT);
            assertThat(response).isNotNull().startsWith("SIP/2.0 503 Service Unavailable\r\n");
            assertThat(self.stats().rejects(RejectReason.DESTINATION_IS_SIPLB)).isEqualTo(1);
            assertThat(self.stats().requestsReceived()).isEqualTo(1);
        }
    }

    @Test
    void noDestinationSetAnswers503WithRetryAfter(@TempDir Path other) {
        try (SiplbServer empty = TestServers.start(other, TestServers.config("siplb.proxy.default-set = 7\n" +
                                                                              "siplb.proxy.retry-after = 9s"))) {
            uac.send(invite("no-set@uac", "z9hG4bK-noset"), TestServers.address(empty));
            final String response = uac.receive(WAIT);
            assertThat(response).isNotNull();
            assertThat(startLine(response)).isEqualTo("SIP/2.0 503 Service Unavailable");
            assertThat(header(response, "Retry-After")).isEqualTo("9");
            // RFC 3581 §4: the copied top Via says where the request came from.
            assertThat(headers(response, "Via")).containsExactly(
                    "SIP/2.0/UDP 127.0.0.1:" + uac.port() + ";branch=z9hG4bK-noset;rport=" + uac.port() +
                    ";received=127.0.0.1");
            assertThat(empty.stats().rejects(RejectReason.NO_SUCH_SET)).isEqualTo(1);
        }
    }
}
