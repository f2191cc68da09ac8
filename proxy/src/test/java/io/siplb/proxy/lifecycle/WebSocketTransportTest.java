package io.siplb.proxy.lifecycle;

import static io.siplb.proxy.lifecycle.StreamForwardingTest.calleeBye;
import static io.siplb.proxy.lifecycle.StreamForwardingTest.invite;
import static io.siplb.proxy.lifecycle.StreamForwardingTest.recordRoutes;
import static io.siplb.proxy.lifecycle.StreamForwardingTest.response;
import static io.siplb.proxy.testing.SipText.headers;
import static io.siplb.proxy.testing.SipText.startLine;
import static io.siplb.proxy.testing.SipText.status;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.siplb.dispatch.Transport;
import io.siplb.proxy.testing.SipPeer;
import io.siplb.proxy.testing.TestServers;

/**
 * siplb's WebSocket transport (RFC 7118) with the JDK's WebSocket client as the browser: subprotocol {@code sip},
 * one message per frame, Via {@code WS}, Record-Route with {@code transport=ws} and the flow token on the client's
 * side, responses and the callee's in-dialog requests back over the client's WebSocket, the configured path and
 * Origin checks, and siplb as a WebSocket client towards a {@code transport=ws} destination. Not thread-safe;
 * confined to the test thread.
 */
class WebSocketTransportTest {

    private static final int WAIT = 3000;

    @TempDir
    Path dir;

    private SiplbServer server;
    private SiplbServer front;
    private SipPeer backend;
    private WebSocket ws;

    @AfterEach
    void stop() {
        if (ws != null) {
            ws.abort();
        }
        if (front != null) {
            front.close();
        }
        if (server != null) {
            server.close();
        }
        if (backend != null) {
            backend.close();
        }
    }

    private SiplbServer start(Path d, String destinations, String extra) {
        return TestServers.start(d, "siplb {\n"
                                    + "  listen = [\"udp:127.0.0.1:0\", \"ws:127.0.0.1:0\"]\n"
                                    + "  io.threads = 2\n"
                                    + "  admin.listen = \"127.0.0.1:0\"\n"
                                    + "  shutdown { quiet-period = 0ms, timeout = 2s }\n"
                                    + "  dispatcher.probing.interval = 0s\n"
                                    + "}\n"
                                    + "siplb.dispatcher.sets = [ { id = 1, algorithm = round-robin, destinations = ["
                                    + destinations + "] } ]\n" + extra + '\n');
    }

    /** A WebSocket client collecting every text message. */
    private static final class Client implements WebSocket.Listener {
        final BlockingQueue<String> messages = new LinkedBlockingQueue<>();
        private final StringBuilder partial = new StringBuilder();

        @Override
        public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
            partial.append(data);
            if (last) {
                messages.add(partial.toString());
                partial.setLength(0);
            }
            webSocket.request(1);
            return null;
        }

        String receive() throws InterruptedException {
            return messages.poll(WAIT, TimeUnit.MILLISECONDS);
        }
    }

    private static WebSocket connect(InetSocketAddress at, String path, String origin, Client client)
            throws Exception {
        WebSocket.Builder b = HttpClient.newHttpClient().newWebSocketBuilder().subprotocols("sip")
                                        .connectTimeout(Duration.ofSeconds(3));
        if (origin != null) {
            b = b.header("Origin", origin);
        }
        return b.buildAsync(URI.create("ws://127.0.0.1:" + at.getPort() + path), client).get(5, TimeUnit.SECONDS);
    }

    @Test
    void aWebSocketClientCallsAUdpBackendAndTheCalleesByeComesBackOverTheWebSocket() throws Exception {
        backend = SipPeer.bind();
        server = start(dir, "\"sip:127.0.0.1:" + backend.port() + "\"", "");
        final InetSocketAddress wsAt = server.localAddress(Transport.WS);
        final InetSocketAddress udp = server.localAddress(Transport.UDP);
        final Client client = new Client();
        ws = connect(wsAt, "/any/path", null, client);
        assertThat(ws.getSubprotocol()).isEqualTo("sip");

        // A browser's INVITE: Via WS with an .invalid host, as JsSIP writes it.
        final String invite = invite("UDP", 1, "w1@uac", "z9hG4bK-w1", "")
                .replace("SIP/2.0/UDP 127.0.0.1:1", "SIP/2.0/WS df7jal23ls0d.invalid")
                .replace("<sip:alice@127.0.0.1:1;transport=udp>", "<sip:alice@df7jal23ls0d.invalid;transport=ws>");
        ws.sendText(invite, true).get(3, TimeUnit.SECONDS);
        assertThat(status(client.receive())).isEqualTo(100);
        final String fwd = backend.receive(WAIT);
        assertThat(startLine(fwd)).isEqualTo("INVITE sip:bob@example.com SIP/2.0");
        assertThat(headers(fwd, "Via").get(0)).startsWith("SIP/2.0/UDP ");
        assertThat(headers(fwd, "Via").get(1)).startsWith("SIP/2.0/WS df7jal23ls0d.invalid")
                                              .contains("received=127.0.0.1");
        assertThat(recordRoutes(fwd).get(1)).matches("<sip:sf[0-9a-f]{16}@127\\.0\\.0\\.1:" + wsAt.getPort()
                                                     + ";transport=ws;lr>");
        backend.send(response(fwd, 200, "OK", "b1", "<sip:bob@127.0.0.1:" + backend.port() + ">"), udp);
        final String ok = client.receive();
        assertThat(status(ok)).isEqualTo(200);
        assertThat(headers(ok, "Via")).hasSize(1);

        // The BYE's Request-URI (the browser's Contact) cannot be resolved: the flow token takes it to the client.
        final String bye = calleeBye(fwd, "UDP", backend.port(), "z9hG4bK-wbye")
                .replace("BYE sip:alice@127.0.0.1 SIP/2.0", "BYE sip:alice@df7jal23ls0d.invalid;transport=ws SIP/2.0");
        backend.send(bye, udp);
        final String atClient = client.receive();
        assertThat(startLine(atClient)).isEqualTo("BYE sip:alice@df7jal23ls0d.invalid;transport=ws SIP/2.0");
        assertThat(headers(atClient, "Via").get(0)).startsWith("SIP/2.0/WS 127.0.0.1:" + wsAt.getPort());
        ws.sendText(response(atClient, 200, "OK", null, null), true).get(3, TimeUnit.SECONDS);
        assertThat(status(backend.receive(WAIT))).isEqualTo(200);

        // Once the WebSocket has closed, the callee's requests get 430 Flow Failed.
        ws.abort();
        ws = null;
        Thread.sleep(200);
        backend.send(bye.replace("z9hG4bK-wbye", "z9hG4bK-wbye2").replace("1 BYE", "2 BYE"), udp);
        assertThat(status(backend.receive(WAIT))).isEqualTo(430);
    }

    @Test
    void theConfiguredPathAndOriginAreEnforced() throws Exception {
        backend = SipPeer.bind();
        server = start(dir, "\"sip:127.0.0.1:" + backend.port() + "\"",
                       "siplb.websocket { path = \"/sip\", origins = [\"https://app.example.com\"] }");
        final InetSocketAddress wsAt = server.localAddress(Transport.WS);
        assertThatThrownBy(() -> connect(wsAt, "/other", "https://app.example.com", new Client()))
                .isInstanceOf(ExecutionException.class);
        assertThatThrownBy(() -> connect(wsAt, "/sip", "https://evil.example.com", new Client()))
                .isInstanceOf(ExecutionException.class);
        ws = connect(wsAt, "/sip", "https://app.example.com", new Client());
        assertThat(ws.getSubprotocol()).isEqualTo("sip");
        assertThat(server.streams().stats().get(io.siplb.proxy.stream.ConnectionStats.Cause.WEBSOCKET_UPGRADE_FAILED))
                .isEqualTo(2);
    }

    @Test
    void siplbOpensAWebSocketToAWsDestination() throws Exception {
        backend = SipPeer.bind();
        // The WebSocket server is a second siplb, forwarding to the UDP backend.
        final Path second = dir.resolve("second");
        java.nio.file.Files.createDirectories(second);
        server = start(second, "\"sip:127.0.0.1:" + backend.port() + "\"", "");
        final InetSocketAddress wsAt = server.localAddress(Transport.WS);
        front = start(dir, "\"sip:127.0.0.1:" + wsAt.getPort() + ";transport=ws\"", "");
        final SipPeer caller = SipPeer.bind();
        try {
            caller.send(invite("UDP", caller.port(), "w3@uac", "z9hG4bK-w3", ""), front.localAddress(Transport.UDP));
            assertThat(status(caller.receive(WAIT))).isEqualTo(100);
            final String fwd = backend.receive(WAIT);
            assertThat(headers(fwd, "Via")).hasSize(3);
            assertThat(headers(fwd, "Via").get(1)).startsWith("SIP/2.0/WS 127.0.0.1:"
                                                              + front.localAddress(Transport.WS).getPort());
            backend.send(response(fwd, 200, "OK", "b1", "<sip:bob@127.0.0.1:" + backend.port() + ">"),
                         server.localAddress(Transport.UDP));
            assertThat(status(caller.receive(WAIT))).isEqualTo(200);
        } finally {
            caller.close();
        }
    }
}
