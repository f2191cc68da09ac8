package io.siplb.proxy.lifecycle;

import static io.siplb.proxy.testing.SipText.header;
import static io.siplb.proxy.testing.SipText.headers;
import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetSocketAddress;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.siplb.proxy.testing.SipPeer;
import io.siplb.proxy.testing.TestServers;

/**
 * siplb listening on 127.0.0.1 and ::1 at once: a request from an IPv6 UAC to IPv4 destinations leaves through the IPv4
 * socket with both Record-Routes (RFC 5658), and the response returns through the IPv6 socket. Not thread-safe;
 * confined to the test thread.
 */
class DualStackForwardingTest {

    @TempDir
    Path dir;

    @Test
    void requestCrossesFromIpv6ToIpv4AndTheResponseComesBack() {
        try (SipPeer uac = SipPeer.bindIpv6(); SipPeer uas = SipPeer.bind()) {
            final String text = TestServers.config(TestServers.set1(uas))
                                           .replace("listen = [\"udp:127.0.0.1:0\"]",
                                                    "listen = [\"udp:127.0.0.1:0\", \"udp:[::1]:0\"]");
            try (SiplbServer server = TestServers.start(dir, text)) {
                final InetSocketAddress v4 = server.localAddresses().get(0);
                final InetSocketAddress v6 = server.localAddresses().get(1);
                final String invite = "INVITE sip:bob@example.com SIP/2.0\r\n" +
                                      "Via: SIP/2.0/UDP [::1]:" + uac.port() + ";branch=z9hG4bK-v6\r\n" +
                                      "Max-Forwards: 70\r\n" +
                                      "From: <sip:alice@example.com>;tag=a6\r\n" +
                                      "To: <sip:bob@example.com>\r\n" +
                                      "Call-ID: dual-stack-1\r\n" +
                                      "CSeq: 1 INVITE\r\n" +
                                      "Content-Length: 0\r\n\r\n";
                uac.send(invite, v6);
                final String fwd = uas.receive(3000);
                assertThat(fwd).isNotNull();
                assertThat(uas.lastSender()).isEqualTo(v4);
                assertThat(headers(fwd, "Via").get(0)).startsWith("SIP/2.0/UDP 127.0.0.1:" + v4.getPort() +
                                                                  ";branch=z9hG4bK");
                assertThat(headers(fwd, "Via").get(1)).isEqualTo("SIP/2.0/UDP [::1]:" + uac.port() +
                                                                 ";branch=z9hG4bK-v6");
                assertThat(headers(fwd, "Record-Route")).containsExactly(
                        "<sip:127.0.0.1:" + v4.getPort() + ";lr>", "<sip:[::1]:" + v6.getPort() + ";lr>");

                final StringBuilder ok = new StringBuilder("SIP/2.0 180 Ringing\r\n");
                for (String via : headers(fwd, "Via")) {
                    ok.append("Via: ").append(via).append("\r\n");
                }
                ok.append("From: ").append(header(fwd, "From")).append("\r\n")
                  .append("To: ").append(header(fwd, "To")).append(";tag=b6\r\n")
                  .append("Call-ID: dual-stack-1\r\nCSeq: 1 INVITE\r\nContent-Length: 0\r\n\r\n");
                uas.send(ok.toString(), v4);
                final String response = uac.receive(3000);
                assertThat(response).isNotNull().startsWith("SIP/2.0 180 Ringing\r\n");
                assertThat(uac.lastSender()).isEqualTo(v6);
                assertThat(headers(response, "Via")).containsExactly("SIP/2.0/UDP [::1]:" + uac.port() +
                                                                     ";branch=z9hG4bK-v6");
            }
        }
    }

    private static String inDialog(String method, String requestUri, String via, String routes) {
        return method + ' ' + requestUri + " SIP/2.0\r\n" +
               "Via: " + via + "\r\n" +
               "Max-Forwards: 70\r\n" +
               "From: <sip:bob@example.com>;tag=b6\r\n" +
               "To: <sip:alice@example.com>;tag=a6\r\n" +
               "Call-ID: dual-stack-dialog\r\n" +
               "CSeq: 7 " + method + "\r\n" +
               routes +
               "Content-Length: 0\r\n\r\n";
    }

    @Test
    void bothOfSiplbsRecordRoutesAreRemovedFromInDialogRequests() {
        // RFC 5658 §4: a proxy that double record-routed finds both of its values on top of the route set of every
        // in-dialog request and removes both before routing on.
        try (SipPeer uac = SipPeer.bindIpv6(); SipPeer uas = SipPeer.bind(); SipPeer nextProxy = SipPeer.bind()) {
            final String text = TestServers.config(TestServers.set1(uas))
                                           .replace("listen = [\"udp:127.0.0.1:0\"]",
                                                    "listen = [\"udp:127.0.0.1:0\", \"udp:[::1]:0\"]");
            try (SiplbServer server = TestServers.start(dir, text)) {
                final InetSocketAddress v4 = server.localAddresses().get(0);
                final InetSocketAddress v6 = server.localAddresses().get(1);
                final String rr4 = "<sip:127.0.0.1:" + v4.getPort() + ";lr>";
                final String rr6 = "<sip:[::1]:" + v6.getPort() + ";lr>";

                // Callee to caller: the route set is the Record-Route order, siplb's two values on two lines.
                final String callerUri = "sip:alice@[::1]:" + uac.port();
                uas.send(inDialog("BYE", callerUri, "SIP/2.0/UDP 127.0.0.1:" + uas.port() + ";branch=z9hG4bK-d1",
                                  "Route: " + rr4 + "\r\nRoute: " + rr6 + "\r\n"), v4);
                final String bye = uac.receive(3000);
                assertThat(bye).as("BYE at the caller").isNotNull().startsWith("BYE " + callerUri + " SIP/2.0\r\n");
                assertThat(uac.lastSender()).isEqualTo(v6);
                assertThat(headers(bye, "Route")).isEmpty();
                assertThat(uas.receive(300)).isNull();

                // Caller to callee through a further record-routing proxy: siplb's two values, then the proxy's.
                final String next = "<sip:127.0.0.1:" + nextProxy.port() + ";lr>";
                final String calleeUri = "sip:bob@127.0.0.1:" + uas.port();
                uac.send(inDialog("INFO", calleeUri, "SIP/2.0/UDP [::1]:" + uac.port() + ";branch=z9hG4bK-d2",
                                  "Route: " + rr6 + ", " + rr4 + ", " + next + "\r\n"), v6);
                final String info = nextProxy.receive(3000);
                assertThat(info).as("INFO at the next proxy").isNotNull()
                                .startsWith("INFO " + calleeUri + " SIP/2.0\r\n");
                assertThat(nextProxy.lastSender()).isEqualTo(v4);
                assertThat(headers(info, "Route")).containsExactly(next);
                assertThat(headers(info, "Via").get(0)).startsWith("SIP/2.0/UDP 127.0.0.1:" + v4.getPort() +
                                                                   ";branch=z9hG4bK");
                assertThat(header(info, "Max-Forwards")).isEqualTo("69");
                assertThat(uas.receive(300)).isNull();
                assertThat(server.stats().requestsForwarded()).isEqualTo(2);
            }
        }
    }
}
