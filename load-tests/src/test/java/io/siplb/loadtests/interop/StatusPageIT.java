package io.siplb.loadtests.interop;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import io.siplb.dispatch.Destination;
import io.siplb.dispatch.state.DestinationState;
import io.siplb.dispatch.state.HealthState;
import io.siplb.proxy.config.SiplbConfig;
import io.siplb.proxy.lifecycle.SiplbServer;

/**
 * siplb's status page ({@code GET /} of the admin listener) in Debian's headless Chromium, driven by
 * playwright-core ({@code src/test/webrtc/status-page.mjs}, installed by {@code npm ci} like the WebRTC harness):
 * <ol>
 *   <li>siplb runs in this JVM with an admin token and keepalive probing every 300 ms over two UDP backends that
 *       answer everything 200 (sockets this test opened);</li>
 *   <li>the page, opened without the token, asks for it and shows nothing; with it, it shows both destinations
 *       active ({@code AP});</li>
 *   <li>the test closes one backend's socket: its port answers ICMP port unreachable, the probes fail and the page
 *       shows that destination down ({@code probing}, {@code IP}) within its refresh;</li>
 *   <li>the page's Drain button drains the other destination, through the API with the token: siplb's engine has
 *       it draining, the change recorded as made by the status page.</li>
 * </ol>
 * Logs in {@code load-tests/target/interop/status-page/}. Missing node, npm or Chromium fail the test, saying what
 * to install. The node process is stopped by its pid when the test ends. Not thread-safe; confined to the test
 * thread.
 */
class StatusPageIT {

    private static final String TOKEN = "page-t0ken";
    private static final Duration SCRIPT_TIMEOUT = Duration.ofSeconds(90);

    private final List<AutoCloseable> started = new ArrayList<>();

    @AfterEach
    void stopEverythingStarted() throws Exception {
        for (int i = started.size() - 1; i >= 0; i--) {
            started.get(i).close();
        }
        started.clear();
    }

    @Test
    void thePageShowsTheDestinationsSeesOneGoDownAndDrainsAnotherWithTheToken() throws Exception {
        final WebRtcClient client = WebRtcClient.locate();
        final Path dir = Paths.get(System.getProperty("interop.dir", "target/interop"), "status-page")
                              .toAbsolutePath();
        Files.createDirectories(dir);
        client.ensureInstalled(dir);

        final Backend a = new Backend();
        started.add(a);
        final Backend b = new Backend();
        started.add(b);
        final Path conf = dir.resolve("siplb.conf");
        Files.writeString(conf,
                "siplb {\n" +
                "  listen = [\"udp:127.0.0.1:0\"]\n" +
                "  io.threads = 1\n" +
                "  admin { listen = \"127.0.0.1:0\", token = \"" + TOKEN + "\" }\n" +
                "  shutdown { quiet-period = 0ms, timeout = 2s }\n" +
                "  dispatcher {\n" +
                "    probing { interval = 300ms, mode = all, timeout = 500ms }\n" +
                "    sets = [ { id = 1, algorithm = round-robin, destinations = [\"" + a.uri() + "\", \"" + b.uri()
                + "\"] } ]\n" +
                "  }\n" +
                "}\n");
        final SiplbServer server = SiplbServer.start(SiplbConfig.load(conf));
        started.add(server);
        final InetSocketAddress admin = server.admin().localAddress();

        final Path stdout = dir.resolve("page.out");
        final Path stderr = dir.resolve("page.err");
        final List<String> command = List.of(
                "node", client.dir().resolve("status-page.mjs").toString(),
                "--admin", "http://127.0.0.1:" + admin.getPort(), "--token", TOKEN,
                "--expect", a.uri(), "--expect", b.uri(), "--down", a.uri(), "--drain", b.uri(),
                "--timeout", Long.toString(SCRIPT_TIMEOUT.getSeconds()),
                "--chromium", client.chromium().toString(), "--log-dir", dir.toString());
        Files.writeString(dir.resolve("page.cmd"), String.join(" ", command) + System.lineSeparator());
        final ChildProcess page = ChildProcess.start("status-page", command, client.dir(), stdout, stderr);
        started.add(page);

        // Bounded: the script prints "ready" once the page shows both destinations active, or ends.
        final long deadline = System.nanoTime() + SCRIPT_TIMEOUT.toNanos();
        while (!Files.readString(stdout, StandardCharsets.UTF_8).contains("{\"step\":\"ready\"}")) {
            assertThat(page.isAlive()).as("status-page.mjs ended before the page was ready: %s %s",
                                          Files.readString(stdout), Files.readString(stderr)).isTrue();
            assertThat(System.nanoTime()).as("page ready within %s", SCRIPT_TIMEOUT).isLessThan(deadline);
            Thread.sleep(100);
        }
        a.close(); // the backend dies: its port answers ICMP port unreachable

        final Integer exit = page.waitFor(SCRIPT_TIMEOUT.plusSeconds(15));
        final String out = Files.readString(stdout, StandardCharsets.UTF_8);
        final String last = WebRtcClient.lastJsonLine(out);
        assertThat(exit).as("exit of status-page.mjs; stdout %s; stderr %s", out, Files.readString(stderr))
                        .isEqualTo(0);
        final Map<String, Object> result = Json.parseObject(last);
        assertThat(result.get("ok")).as(last).isEqualTo(true);
        assertThat(result.get("askedForToken")).isEqualTo(true);
        assertThat(((Number) result.get("rowsWithoutToken")).intValue()).isZero();
        @SuppressWarnings("unchecked")
        final List<Map<String, Object>> seen = (List<Map<String, Object>>) result.get("seen");
        assertThat(seen).extracting(r -> r.get("uri")).containsExactlyInAnyOrder(a.uri(), b.uri());
        assertThat(seen).allSatisfy(r -> {
            assertThat(r.get("state")).isEqualTo("active");
            assertThat(r.get("flags")).isEqualTo("AP");
        });
        assertThat(result.get("down")).isEqualTo(Map.of("state", "probing", "flags", "IP"));
        @SuppressWarnings("unchecked")
        final Map<String, Object> drained = (Map<String, Object>) result.get("drained");
        assertThat(drained.get("state")).isEqualTo("draining");
        assertThat(drained.get("token")).isEqualTo(true);

        // What the page showed is what siplb's engine holds.
        assertThat(state(server, a.uri()).health()).isEqualTo(HealthState.PROBING);
        final DestinationState bs = state(server, b.uri());
        assertThat(bs.health()).isEqualTo(HealthState.DRAINING);
        assertThat(bs.lastTransition().reason()).isEqualTo("admin API: status page");
        assertThat(server.proxy().dispatcher().snapshot().activeDestinations(1)).isEmpty();
    }

    private static DestinationState state(SiplbServer server, String uri) {
        for (Destination d : server.proxy().dispatcher().snapshot().set(1).destinations()) {
            if (d.uri().equals(uri)) {
                return server.proxy().dispatcher().state(d);
            }
        }
        throw new AssertionError(uri + " is not in set 1");
    }

    /**
     * A UDP SIP backend on 127.0.0.1 answering every request 200 OK on a thread of its own; {@link #close} closes
     * its socket, as a backend that died. Thread-safe.
     */
    private static final class Backend implements AutoCloseable {
        private final DatagramSocket socket;
        private final Thread thread;
        private final String uri;
        private volatile boolean closed;

        Backend() throws SocketException {
            socket = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            socket.setSoTimeout(100);
            uri = "sip:127.0.0.1:" + socket.getLocalPort();
            thread = new Thread(this::serve, "backend-" + socket.getLocalPort());
            thread.setDaemon(true);
            thread.start();
        }

        /** Returns {@code sip:127.0.0.1:PORT} (also once closed). */
        String uri() {
            return uri;
        }

        private void serve() {
            final byte[] buf = new byte[65536];
            // Bounded: each receive waits at most 100 ms; the loop ends when the socket is closed.
            while (!closed) {
                final DatagramPacket p = new DatagramPacket(buf, buf.length);
                try {
                    socket.receive(p);
                } catch (SocketTimeoutException e) {
                    continue;
                } catch (IOException e) {
                    return;
                }
                final String msg = new String(p.getData(), 0, p.getLength(), StandardCharsets.UTF_8);
                if (msg.startsWith("SIP/2.0") || msg.startsWith("ACK ")) {
                    continue;
                }
                final StringBuilder sb = new StringBuilder("SIP/2.0 200 OK\r\n");
                for (String l : msg.split("\r\n")) {
                    final String lower = l.toLowerCase(Locale.ROOT);
                    if (lower.startsWith("via:") || lower.startsWith("from:") || lower.startsWith("call-id:")
                        || lower.startsWith("cseq:")) {
                        sb.append(l).append("\r\n");
                    } else if (lower.startsWith("to:")) {
                        sb.append(l).append(l.contains(";tag=") ? "" : ";tag=b1").append("\r\n");
                    }
                }
                final byte[] out = sb.append("Content-Length: 0\r\n\r\n").toString()
                                     .getBytes(StandardCharsets.UTF_8);
                try {
                    socket.send(new DatagramPacket(out, out.length, p.getSocketAddress()));
                } catch (IOException e) {
                    if (!closed) {
                        throw new UncheckedIOException(e);
                    }
                    return;
                }
            }
        }

        @Override
        public void close() throws InterruptedException {
            closed = true;
            socket.close();
            thread.join(2000);
        }
    }
}
