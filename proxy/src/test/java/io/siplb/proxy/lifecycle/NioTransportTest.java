package io.siplb.proxy.lifecycle;

import static io.siplb.proxy.testing.SipText.headers;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.netty.channel.socket.nio.NioDatagramChannel;
import io.siplb.proxy.testing.SipPeer;
import io.siplb.proxy.testing.TestServers;

/**
 * siplb on the NIO transport (what it uses where epoll is unavailable): one socket per listen address, same
 * forwarding. Not thread-safe; confined to the test thread.
 */
class NioTransportTest {

    @TempDir
    Path dir;

    @Test
    void forwardsOnNio() {
        try (SipPeer uac = SipPeer.bind(); SipPeer uas = SipPeer.bind()) {
            final String text = TestServers.config(TestServers.set1(uas) + "\nsiplb.io.transport = nio");
            try (SiplbServer server = TestServers.start(dir, text)) {
                assertThat(server.channels()).hasSize(1).allMatch(ch -> ch instanceof NioDatagramChannel);
                final int port = TestServers.address(server).getPort();
                uac.send("MESSAGE sip:bob@example.com SIP/2.0\r\n" +
                         "Via: SIP/2.0/UDP 127.0.0.1:" + uac.port() + ";branch=z9hG4bK-nio\r\n" +
                         "Max-Forwards: 70\r\nFrom: <sip:a@example.com>;tag=1\r\nTo: <sip:b@example.com>\r\n" +
                         "Call-ID: nio-1\r\nCSeq: 1 MESSAGE\r\nContent-Length: 2\r\n\r\nhi",
                         TestServers.address(server));
                final String fwd = uas.receive(3000);
                assertThat(fwd).isNotNull().endsWith("\r\n\r\nhi");
                assertThat(headers(fwd, "Via").get(0)).startsWith("SIP/2.0/UDP 127.0.0.1:" + port + ";branch=");
                assertThat(headers(fwd, "Record-Route")).isEmpty();
            }
        }
    }

    @Test
    void aDestinationWhereNothingListensNeverTakesTheNioSocketDown() {
        try (SipPeer uac = SipPeer.bind(); SipPeer uas = SipPeer.bind()) {
            final SipPeer closed = SipPeer.bind();
            final int closedPort = closed.port();
            closed.close(); // datagrams to it get ICMP port unreachable
            final String text = TestServers.config(
                    "siplb.dispatcher.sets = [ { id = 1, algorithm = hash-call-id, destinations = [\"sip:127.0.0.1:" +
                    closedPort + "\"] } ]\nsiplb.io.transport = nio");
            try (SiplbServer server = TestServers.start(dir, text)) {
                for (int i = 0; i < 20; i++) {
                    uac.send(message("nio-unreachable-" + i, uac.port()), TestServers.address(server));
                }
                final long deadline = System.nanoTime() + 3_000_000_000L;
                while (server.stats().requestsForwarded() < 20 && System.nanoTime() < deadline) {
                    Thread.onSpinWait();
                }
                assertThat(server.stats().requestsForwarded()).isEqualTo(20);
                // Still reading and forwarding: an in-dialog request goes to its Request-URI, the live peer.
                uac.send(message("nio-alive", uac.port()).replace("To: <sip:b@example.com>",
                                                                  "To: <sip:b@example.com>;tag=t")
                                                         .replace("MESSAGE sip:bob@example.com",
                                                                  "MESSAGE sip:bob@127.0.0.1:" + uas.port()),
                         TestServers.address(server));
                assertThat(uas.receive(3000)).isNotNull().contains("Call-ID: nio-alive\r\n");
                assertThat(server.channels()).allMatch(ch -> ch.isActive());
            }
        }
    }

    private static String message(String callId, int uacPort) {
        return "MESSAGE sip:bob@example.com SIP/2.0\r\n" +
               "Via: SIP/2.0/UDP 127.0.0.1:" + uacPort + ";branch=z9hG4bK-" + callId + "\r\n" +
               "Max-Forwards: 70\r\nFrom: <sip:a@example.com>;tag=1\r\nTo: <sip:b@example.com>\r\n" +
               "Call-ID: " + callId + "\r\nCSeq: 1 MESSAGE\r\nContent-Length: 2\r\n\r\nhi";
    }
}
