package io.siplb.proxy.admin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.siplb.proxy.config.SiplbConfig;
import io.siplb.proxy.config.SiplbConfigException;
import io.siplb.proxy.lifecycle.SiplbServer;
import io.siplb.proxy.testing.HttpGet;
import io.siplb.proxy.testing.SipPeer;
import io.siplb.proxy.testing.TestServers;
import io.siplb.proxy.udp.UdpListeners;

/**
 * The admin listener over real loopback connections: health endpoints, bearer-token enforcement, JSON 404 and
 * 405, a port held by another socket, and the refusal of a non-loopback address without a token. Not thread-safe;
 * confined to the test thread.
 */
class AdminListenerTest {

    @TempDir
    Path dir;

    private SiplbServer server;
    private SipPeer backend;

    @AfterEach
    void stop() {
        if (server != null) {
            server.close();
        }
        if (backend != null) {
            backend.close();
        }
    }

    private InetSocketAddress start(String extra) {
        backend = SipPeer.bind();
        server = TestServers.start(dir, TestServers.statefulConfig(extra + "\n" + TestServers.set1(backend)));
        assertThat(server.admin()).isNotNull();
        return server.admin().localAddress();
    }

    @Test
    void liveAndReadyWhenTheSetHasAnActiveDestination() {
        final InetSocketAddress admin = start("");
        final HttpResponse<String> live = HttpGet.get(admin, "/health/live", null);
        assertThat(live.statusCode()).isEqualTo(200);
        assertThat(live.headers().firstValue("content-type")).hasValue(AdminResponse.JSON);
        assertThat(live.body()).isEqualTo("{\"status\": \"live\"}");
        final HttpResponse<String> ready = HttpGet.get(admin, "/health/ready", null);
        assertThat(ready.statusCode()).isEqualTo(200);
        assertThat(ready.body()).isEqualTo("{\"status\": \"ready\"}");
    }

    @Test
    void notReadyWhenEverySetDestinationIsDisabledNamingTheSet() {
        backend = SipPeer.bind();
        // flags = 4: disabled in the configuration.
        server = TestServers.start(dir, TestServers.statefulConfig(
                "siplb.dispatcher.sets = [ { id = 1, destinations = [ { uri = \"sip:127.0.0.1:" + backend.port() +
                "\", flags = 4 } ] } ]"));
        final HttpResponse<String> ready = HttpGet.get(server.admin().localAddress(), "/health/ready", null);
        assertThat(ready.statusCode()).isEqualTo(503);
        assertThat(ready.body()).isEqualTo("{\"status\": \"not ready\", \"reasons\": [\"set 1 has no active "
                                           + "destination\"], \"sets\": [1]}");
        // Liveness does not depend on destinations.
        assertThat(HttpGet.get(server.admin().localAddress(), "/health/live", null).statusCode()).isEqualTo(200);
    }

    @Test
    void notReadyWhenARuleUsesASetThatIsNotConfigured() {
        backend = SipPeer.bind();
        server = TestServers.start(dir, TestServers.statefulConfig(
                "siplb.routing = [ { match { method = OPTIONS }, dispatch { set = 7 } }, { dispatch { set = 1 } } ]\n"
                + TestServers.set1(backend)));
        final HttpResponse<String> ready = HttpGet.get(server.admin().localAddress(), "/health/ready", null);
        assertThat(ready.statusCode()).isEqualTo(503);
        assertThat(ready.body()).contains("set 7 is used by a routing rule but not configured")
                                .contains("\"sets\": [7]");
    }

    @Test
    void notReadyOnceTheSipListenersAreClosed() {
        final InetSocketAddress admin = start("");
        assertThat(HttpGet.get(admin, "/health/ready", null).statusCode()).isEqualTo(200);
        // The same check over the server's real sockets, after siplb stopped (the admin listener stops with it).
        final Readiness readiness = new Readiness(
                () -> server.channels().stream().allMatch(io.netty.channel.Channel::isActive),
                server.proxy().dispatcher(), server.proxy()::rules);
        assertThat(readiness.check().isReady()).isTrue();
        server.close();
        final Readiness.Result stopped = readiness.check();
        assertThat(stopped.isReady()).isFalse();
        assertThat(stopped.reasons()).containsExactly("the SIP listeners are not bound (starting or stopping)");
        assertThat(stopped.toJson()).isEqualTo("{\"status\": \"not ready\", \"reasons\": [\"the SIP listeners are "
                                               + "not bound (starting or stopping)\"], \"sets\": []}");
        assertThat(server.admin().isOpen()).isFalse();
    }

    @Test
    void tokenIsRequiredEverywhereButTheHealthChecks() {
        final InetSocketAddress admin = start("siplb.admin.token = \"s3cret-token\"");
        final HttpResponse<String> none = HttpGet.get(admin, "/metrics", null);
        assertThat(none.statusCode()).isEqualTo(401);
        assertThat(none.headers().firstValue("www-authenticate")).hasValue("Bearer realm=\"siplb\"");
        assertThat(none.body()).isEqualTo("{\"error\": \"missing Authorization header (expected: Authorization: "
                                          + "Bearer <siplb.admin.token>)\"}");
        final HttpResponse<String> wrong = HttpGet.get(admin, "/metrics", "Bearer s3cret-tokeN");
        assertThat(wrong.statusCode()).isEqualTo(401);
        assertThat(wrong.body()).isEqualTo("{\"error\": \"wrong bearer token (expected: the value of "
                                           + "siplb.admin.token)\"}");
        final HttpResponse<String> prefix = HttpGet.get(admin, "/metrics", "Bearer s3cret");
        assertThat(prefix.statusCode()).isEqualTo(401);
        final HttpResponse<String> basic = HttpGet.get(admin, "/metrics", "Basic czNjcmV0LXRva2Vu");
        assertThat(basic.statusCode()).isEqualTo(401);
        assertThat(basic.body()).contains("not a bearer token");
        // An unknown path without the token is 401 too: routes are not revealed to the unauthenticated.
        assertThat(HttpGet.get(admin, "/nope", null).statusCode()).isEqualTo(401);

        final HttpResponse<String> ok = HttpGet.get(admin, "/metrics", "Bearer s3cret-token");
        assertThat(ok.statusCode()).isEqualTo(200);
        assertThat(ok.body()).contains("siplb_messages_dropped_total");
        assertThat(HttpGet.get(admin, "/health/live", null).statusCode()).isEqualTo(200);
        assertThat(HttpGet.get(admin, "/health/ready", null).statusCode()).isEqualTo(200);
    }

    @Test
    void unknownPathIs404AndWrongMethodIs405AsJson() {
        final InetSocketAddress admin = start("");
        final HttpResponse<String> missing = HttpGet.get(admin, "/nope", null);
        assertThat(missing.statusCode()).isEqualTo(404);
        assertThat(missing.headers().firstValue("content-type")).hasValue(AdminResponse.JSON);
        assertThat(missing.body()).isEqualTo("{\"error\": \"no such path: /nope (expected: one of /health/live, "
                                             + "/health/ready, /metrics, /, /api/sets, /api/destination/state, "
                                             + "/api/destination/add, /api/destination/remove, /api/probing, "
                                             + "/api/hash, /api/select, /api/reload)\"}");
        final HttpResponse<String> post = HttpGet.send(admin, "POST", "/metrics", null);
        assertThat(post.statusCode()).isEqualTo(405);
        assertThat(post.headers().firstValue("allow")).hasValue("GET, HEAD");
        assertThat(post.body()).isEqualTo("{\"error\": \"POST is not allowed on /metrics (expected: GET, HEAD)\"}");
        final HttpResponse<String> head = HttpGet.send(admin, "HEAD", "/health/live", null);
        assertThat(head.statusCode()).isEqualTo(200);
        assertThat(head.body()).isEmpty();
    }

    @Test
    void aTooLargeRequestIs413AsJson() throws IOException {
        final InetSocketAddress admin = start("");
        try (java.net.Socket s = new java.net.Socket()) {
            s.connect(admin, 3000);
            s.setSoTimeout(3000);
            s.getOutputStream().write(("POST /metrics HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\n")
                                              .getBytes(StandardCharsets.US_ASCII));
            s.getOutputStream().flush();
            final String answer = new String(s.getInputStream().readAllBytes(), StandardCharsets.US_ASCII);
            assertThat(answer).startsWith("HTTP/1.1 413 ")
                              .contains("content-type: application/json; charset=utf-8")
                              .endsWith("{\"error\": \"request body larger than 65536 bytes (expected: at most "
                                        + "65536)\"}");
        }
        // The listener serves the next connection.
        assertThat(HttpGet.get(admin, "/health/live", null).statusCode()).isEqualTo(200);
    }

    @Test
    void aPortHeldByAnotherSocketFailsStartUpClearly() throws IOException {
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            backend = SipPeer.bind();
            final String text = TestServers.statefulConfig(
                    "siplb.admin.listen = \"127.0.0.1:" + taken.getLocalPort() + "\"\n" + TestServers.set1(backend));
            assertThatThrownBy(() -> TestServers.start(dir, text))
                    .isInstanceOf(UdpListeners.BindFailedException.class)
                    .hasMessageStartingWith("cannot listen on siplb.admin.listen 127.0.0.1:" + taken.getLocalPort()
                                            + ": ")
                    .hasMessageEndingWith("(expected: a free local address and port)");
        }
        // Nothing of the failed start is left: siplb starts again with a free admin port.
        server = TestServers.start(dir, TestServers.statefulConfig(TestServers.set1(backend)));
        assertThat(HttpGet.get(server.admin().localAddress(), "/health/live", null).statusCode()).isEqualTo(200);
    }

    @Test
    void aNonLoopbackAddressWithoutATokenIsRefusedNamingTheKey() {
        final Path file = write("siplb {\n  admin.listen = \"0.0.0.0:9460\"\n}\n");
        assertThatThrownBy(() -> SiplbConfig.load(file))
                .isInstanceOf(SiplbConfigException.class)
                .hasMessage(file + ":2: siplb.admin.token: missing for the non-loopback siplb.admin.listen "
                            + "\"0.0.0.0:9460\" (expected: a bearer token, or a loopback listen address)");
        assertThatThrownBy(() -> AdminSettings.of(new InetSocketAddress("0.0.0.0", 9460), ""))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("expected: a bearer token off loopback");
        // With a token the settings are accepted (nothing is bound here: traffic stays on loopback).
        final Path withToken = write("siplb {\n  admin { listen = \"0.0.0.0:9460\", token = \"t0ken\" }\n}\n");
        assertThat(SiplbConfig.load(withToken).admin().hasToken()).isTrue();
    }

    @Test
    void badListenValuesNameTheFileLineAndKey() {
        final Path file = write("siplb {\n  admin.listen = \"localhost\"\n}\n");
        assertThatThrownBy(() -> SiplbConfig.load(file))
                .isInstanceOf(SiplbConfigException.class)
                .hasMessage(file + ":2: siplb.admin.listen: \"localhost\" (expected: HOST:PORT, e.g. "
                            + "127.0.0.1:9460 or [::1]:9460; \"\" turns the admin listener off)");
        final Path off = write("siplb.admin.listen = \"\"\n");
        assertThat(SiplbConfig.load(off).admin().isEnabled()).isFalse();
        final Path defaults = write("siplb.io.threads = 1\n");
        assertThat(SiplbConfig.load(defaults).admin().listen())
                .isEqualTo(new InetSocketAddress("127.0.0.1", 9460));
    }

    @Test
    void adminOffStartsNoListener() {
        backend = SipPeer.bind();
        server = TestServers.start(dir, TestServers.statefulConfig("siplb.admin.listen = \"\"\n"
                                                                   + TestServers.set1(backend)));
        assertThat(server.admin()).isNull();
        assertThat(server.metrics()).isNull();
    }

    private Path write(String text) {
        try {
            final Path f = Files.createTempFile(dir, "admin", ".conf");
            Files.write(f, text.getBytes(StandardCharsets.UTF_8));
            return f;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
