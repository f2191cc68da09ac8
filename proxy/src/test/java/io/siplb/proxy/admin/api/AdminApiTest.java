package io.siplb.proxy.admin.api;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigParseOptions;
import com.typesafe.config.ConfigSyntax;

import io.siplb.dispatch.cli.DispatchCommands;
import io.siplb.dispatch.state.HealthState;
import io.siplb.proxy.config.ListenAddress;
import io.siplb.proxy.config.SiplbConfig;
import io.siplb.proxy.lifecycle.SiplbServer;
import io.siplb.proxy.testing.SipPeer;
import io.siplb.proxy.testing.SipResponder;
import io.siplb.proxy.testing.SipText;
import io.siplb.proxy.testing.TestServers;

/**
 * The admin API over real loopback connections, changing what a running siplb does with real SIP traffic (a UDP
 * client sending MESSAGE requests through siplb to {@link SipResponder} backends): disable, drain, enable, add and
 * remove destinations, probing off and on, hash and select as the command line prints them, reload, and the 4xx
 * JSON errors. Not thread-safe; confined to the test thread.
 */
class AdminApiTest {

    private static final HttpClient CLIENT = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(3)).build();

    @TempDir
    Path dir;

    private SiplbServer server;
    private SipPeer uac;
    private final List<SipResponder> backends = new ArrayList<>();
    private int sequence;

    @AfterEach
    void stop() {
        if (server != null) {
            server.close();
        }
        if (uac != null) {
            uac.close();
        }
        backends.forEach(SipResponder::close);
    }

    /** Starts siplb with set 1 (round-robin) over {@code n} backends, the second with duid {@code b}. */
    private void start(int n, String extra) {
        uac = SipPeer.bind();
        final StringBuilder dests = new StringBuilder();
        for (int i = 0; i < n; i++) {
            final SipResponder b = SipResponder.start();
            backends.add(b);
            dests.append(i > 0 ? ", " : "").append("{ uri = \"").append(b.uri()).append('"')
                 .append(i == 1 ? ", attrs = \"duid=b;weight=2\"" : "").append(" }");
        }
        server = TestServers.start(dir, TestServers.statefulConfig(
                extra + "\nsiplb.dispatcher.sets = [ { id = 1, algorithm = round-robin, destinations = [" + dests
                + "] } ]"));
    }

    /** Sends {@code count} MESSAGE requests through siplb, each answered 200 before the next. */
    private void traffic(int count) {
        for (int i = 0; i < count; i++) {
            final String callId = "m" + (++sequence) + "@uac";
            uac.send("MESSAGE sip:bob@example.com SIP/2.0\r\n" +
                     "Via: SIP/2.0/UDP 127.0.0.1:" + uac.port() + ";branch=z9hG4bK-" + sequence + ";rport\r\n" +
                     "Max-Forwards: 70\r\n" +
                     "From: <sip:alice@example.com>;tag=a" + sequence + "\r\n" +
                     "To: <sip:bob@example.com>\r\n" +
                     "Call-ID: " + callId + "\r\n" +
                     "CSeq: 1 MESSAGE\r\n" +
                     "Content-Length: 0\r\n\r\n", TestServers.address(server));
            String answer = null;
            // Bounded: at most 10 datagrams (e.g. a 100 Trying) within 2 s each.
            for (int j = 0; j < 10 && answer == null; j++) {
                final String r = uac.receive(2000);
                assertThat(r).as("answer to %s", callId).isNotNull();
                if (SipText.status(r) >= 200 && callId.equals(SipText.header(r, "Call-ID"))) {
                    answer = r;
                }
            }
            assertThat(SipText.status(answer)).isEqualTo(200);
        }
    }

    private int count(int backend) {
        return backends.get(backend).callIds().size();
    }

    private HttpResponse<String> http(String method, String path, String body, String token) {
        final HttpRequest.Builder b = HttpRequest.newBuilder(
                URI.create("http://" + ListenAddress.hostPort(server.admin().localAddress()) + path))
                .timeout(Duration.ofSeconds(10))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                                             : HttpRequest.BodyPublishers.ofString(body));
        if (token != null) {
            b.header("Authorization", "Bearer " + token);
        }
        try {
            return CLIENT.send(b.build(), HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private HttpResponse<String> post(String path, String body) {
        return http("POST", path, body, null);
    }

    private HttpResponse<String> get(String path) {
        return http("GET", path, null, null);
    }

    /** Parses a JSON object. */
    static Map<String, Object> json(String text) {
        return ConfigFactory.parseString(text, ConfigParseOptions.defaults().setSyntax(ConfigSyntax.JSON))
                            .root().unwrapped();
    }

    @SuppressWarnings("unchecked")
    private List<Map<String, Object>> destinations() {
        final HttpResponse<String> r = get("/api/sets");
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        final List<Map<String, Object>> sets = (List<Map<String, Object>>) json(r.body()).get("sets");
        assertThat(sets).hasSize(1);
        return (List<Map<String, Object>>) sets.get(0).get("destinations");
    }

    private Map<String, Object> destination(String uri) {
        for (Map<String, Object> d : destinations()) {
            if (uri.equals(d.get("uri"))) {
                return d;
            }
        }
        return null;
    }

    @Test
    void kamailioFlagsAreTheStateLetterThenWhetherItIsProbed() {
        assertThat(AdminApi.kamailioFlags(HealthState.ACTIVE, true)).isEqualTo("AP");
        assertThat(AdminApi.kamailioFlags(HealthState.ACTIVE, false)).isEqualTo("AX");
        assertThat(AdminApi.kamailioFlags(HealthState.TRYING, true)).isEqualTo("TP");
        assertThat(AdminApi.kamailioFlags(HealthState.TRYING, false)).isEqualTo("TX");
        assertThat(AdminApi.kamailioFlags(HealthState.INACTIVE, false)).isEqualTo("IX");
        assertThat(AdminApi.kamailioFlags(HealthState.INACTIVE, true)).isEqualTo("IP");
        // Probing is Kamailio's IP whatever the probing switch says: it is the state of a down, probed destination.
        assertThat(AdminApi.kamailioFlags(HealthState.PROBING, false)).isEqualTo("IP");
        assertThat(AdminApi.kamailioFlags(HealthState.DISABLED, false)).isEqualTo("DX");
        assertThat(AdminApi.kamailioFlags(HealthState.DRAINING, false)).isEqualTo("DX");
        assertThat(AdminApi.kamailioFlags(HealthState.DRAINING, true)).isEqualTo("DP");
    }

    @Test
    void listShowsEachDestinationWithKamailioLettersStateWeightsLatencyCallsAndShare() {
        start(2, "");
        traffic(10);
        final HttpResponse<String> r = get("/api/sets");
        assertThat(r.statusCode()).isEqualTo(200);
        final Map<String, Object> root = json(r.body());
        assertThat(root.get("mode")).isEqualTo("stateful");
        @SuppressWarnings("unchecked")
        final Map<String, Object> set = ((List<Map<String, Object>>) root.get("sets")).get(0);
        assertThat(set.get("id")).isEqualTo(1);
        assertThat(set.get("algorithm")).isEqualTo("round-robin");
        assertThat(set.get("kamailioAlgorithm")).isEqualTo(4);
        assertThat(set.get("active")).isEqualTo(2);
        assertThat(set.get("selected")).isEqualTo(10);
        final Map<String, Object> a = destination(backends.get(0).uri());
        final Map<String, Object> b = destination(backends.get(1).uri());
        // Probing mode "inactive" (the default): an active destination is not probed, Kamailio shows AX.
        assertThat(a.get("kamailio")).isEqualTo("AX");
        assertThat(a.get("state")).isEqualTo("active");
        assertThat(a.get("duid")).isNull();
        assertThat(b.get("duid")).isEqualTo("b");
        assertThat(b.get("weight")).isEqualTo(2);
        assertThat(b.get("attrs")).isEqualTo("duid=b;weight=2");
        assertThat(a.get("address")).isEqualTo("127.0.0.1:" + backends.get(0).port());
        assertThat(a.get("transport")).isEqualTo("udp");
        assertThat(a.get("flags")).isEqualTo(0);
        assertThat(a.get("activeCalls")).isEqualTo(0);
        // Round robin over two: five each, half the traffic each, as the backends saw it.
        assertThat(a.get("selected")).isEqualTo(count(0));
        assertThat(b.get("selected")).isEqualTo(count(1));
        assertThat(count(0) + count(1)).isEqualTo(10);
        assertThat(((Number) a.get("share")).doubleValue()).isEqualTo(count(0) / 10.0);
        @SuppressWarnings("unchecked")
        final Map<String, Object> responses = (Map<String, Object>) a.get("responses");
        assertThat(responses.get("2xx")).isEqualTo(count(0));
        @SuppressWarnings("unchecked")
        final Map<String, Object> latency = (Map<String, Object>) a.get("latency");
        assertThat(latency.keySet()).contains("count", "avg", "std", "est", "max", "timeouts");
        assertThat(a.get("transitions")).isEqualTo(List.of());
        assertThat(json(get("/api/sets?set=1").body()).get("sets")).isEqualTo(root.get("sets"));
    }

    @Test
    void activeCallsCountAnsweredInvitesOfTheDestination() {
        start(2, "");
        for (int i = 1; i <= 3; i++) {
            uac.send("INVITE sip:bob@example.com SIP/2.0\r\n" +
                     "Via: SIP/2.0/UDP 127.0.0.1:" + uac.port() + ";branch=z9hG4bK-inv" + i + ";rport\r\n" +
                     "Max-Forwards: 70\r\n" +
                     "From: <sip:alice@example.com>;tag=i" + i + "\r\n" +
                     "To: <sip:bob@example.com>\r\n" +
                     "Call-ID: call" + i + "@uac\r\n" +
                     "CSeq: 1 INVITE\r\n" +
                     "Contact: <sip:alice@127.0.0.1:" + uac.port() + ">\r\n" +
                     "Content-Length: 0\r\n\r\n", TestServers.address(server));
            String ok = null;
            // Bounded: the 100 Trying and the 200, within 2 s each.
            for (int j = 0; j < 5 && ok == null; j++) {
                final String r = uac.receive(2000);
                assertThat(r).as("answer to INVITE %d", i).isNotNull();
                if (SipText.status(r) == 200) {
                    ok = r;
                }
            }
            assertThat(ok).isNotNull();
        }
        // Round robin: the first destination in index order took calls 1 and 3.
        final int first = count(0) == 2 ? 0 : 1;
        assertThat(count(first)).isEqualTo(2);
        assertThat(destination(backends.get(first).uri()).get("activeCalls")).isEqualTo(2);
        assertThat(destination(backends.get(1 - first).uri()).get("activeCalls")).isEqualTo(1);
    }

    @Test
    void disablingADestinationStopsItsTrafficAndEnablingBringsItBack() {
        start(2, "");
        traffic(4);
        assertThat(count(1)).isEqualTo(2);
        final HttpResponse<String> r = post("/api/destination/state",
                                            "{\"set\": 1, \"uri\": \"" + backends.get(1).uri() + "\", "
                                            + "\"state\": \"disabled\", \"reason\": \"maintenance\"}");
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        assertThat(json(r.body())).containsEntry("from", "active").containsEntry("to", "disabled")
                                  .containsEntry("kamailio", "DX").containsEntry("duid", "b");
        traffic(6);
        assertThat(count(0)).isEqualTo(8);
        assertThat(count(1)).isEqualTo(2);
        final Map<String, Object> b = destination(backends.get(1).uri());
        assertThat(b.get("kamailio")).isEqualTo("DX");
        assertThat(b.get("selectable")).isEqualTo(false);
        @SuppressWarnings("unchecked")
        final List<Map<String, Object>> history = (List<Map<String, Object>>) b.get("transitions");
        assertThat(history).hasSize(1);
        assertThat(history.get(0)).containsEntry("from", "active").containsEntry("to", "disabled")
                                  .containsEntry("cause", "admin")
                                  .containsEntry("reason", "admin API: maintenance");
        assertThat((String) history.get(0).get("time")).matches("\\d{4}-\\d\\d-\\d\\dT.*Z");
        // By duid, with the parameters in the query string.
        assertThat(post("/api/destination/state?duid=b&state=active", null).statusCode()).isEqualTo(200);
        traffic(4);
        assertThat(count(1)).isEqualTo(4);
        assertThat(destination(backends.get(1).uri()).get("transitionCount")).isEqualTo(2);
    }

    @Test
    void drainingTakesNoNewRequestsAndShowsDraining() {
        start(2, "");
        assertThat(post("/api/destination/state", "{\"duid\": \"b\", \"state\": \"draining\"}").statusCode())
                .isEqualTo(200);
        traffic(6);
        assertThat(count(0)).isEqualTo(6);
        assertThat(count(1)).isZero();
        final Map<String, Object> b = destination(backends.get(1).uri());
        assertThat(b.get("state")).isEqualTo("draining");
        assertThat(b.get("kamailio")).isEqualTo("DX");
        assertThat(server.proxy().dispatcher().state(server.proxy().dispatcher().snapshot().set(1)
                                                           .destinations().stream()
                                                           .filter(d -> "b".equals(d.attributes().duid()))
                                                           .findFirst().orElseThrow()).health())
                .isEqualTo(HealthState.DRAINING);
    }

    @Test
    void anAddedDestinationReceivesTrafficKeepsTheOthersStateAndARemovedOneNone() {
        start(2, "");
        assertThat(post("/api/destination/state", "{\"duid\": \"b\", \"state\": \"disabled\"}").statusCode())
                .isEqualTo(200);
        final SipResponder c = SipResponder.start();
        backends.add(c);
        final HttpResponse<String> added = post("/api/destination/add",
                                                "{\"set\": 1, \"uri\": \"" + c.uri() + "\", \"attrs\": \"duid=c\"}");
        assertThat(added.statusCode()).as(added.body()).isEqualTo(200);
        assertThat(json(added.body())).containsEntry("state", "active").containsEntry("destinations", 3)
                                      .containsEntry("algorithm", "round-robin");
        traffic(6);
        assertThat(count(2)).isEqualTo(3);
        assertThat(count(0)).isEqualTo(3);
        assertThat(count(1)).isZero();
        // The disabled destination stayed disabled through the rebuild.
        assertThat(destination(backends.get(1).uri()).get("state")).isEqualTo("disabled");
        // Kamailio's index order (equal priorities: the last configured first); the added one is the last.
        assertThat(destinations()).extracting(d -> d.get("uri"))
                                  .containsExactly(c.uri(), backends.get(1).uri(), backends.get(0).uri());

        final HttpResponse<String> removed = post("/api/destination/remove", "{\"set\": 1, \"uri\": \""
                                                                             + c.uri() + "\"}");
        assertThat(removed.statusCode()).as(removed.body()).isEqualTo(200);
        assertThat(json(removed.body())).containsEntry("destinations", 2);
        traffic(4);
        assertThat(count(2)).isEqualTo(3);
        assertThat(count(0)).isEqualTo(7);
        assertThat(destination(c.uri())).isNull();
        assertThat(destination(backends.get(1).uri()).get("state")).isEqualTo("disabled");

        // A new set: created with the algorithm given.
        final HttpResponse<String> newSet = post("/api/destination/add", "{\"set\": 9, \"uri\": \"" + c.uri()
                                                                         + "\", \"algorithm\": \"weighted\"}");
        assertThat(newSet.statusCode()).as(newSet.body()).isEqualTo(200);
        assertThat(server.proxy().dispatcher().snapshot().set(9).algorithm().configName()).isEqualTo("weighted");
    }

    @Test
    void probingOffStopsKeepalivesAndOnResumesThem() throws InterruptedException {
        start(1, "siplb.dispatcher.probing { interval = 200ms, mode = all, timeout = 1s }");
        waitFor(() -> backends.get(0).probes() >= 2, "two probes");
        assertThat(destination(backends.get(0).uri()).get("kamailio")).isEqualTo("AP");
        final HttpResponse<String> off = post("/api/probing", "{\"enabled\": false}");
        assertThat(off.statusCode()).isEqualTo(200);
        assertThat(json(off.body())).containsEntry("enabled", false).containsEntry("running", false)
                                    .containsEntry("mode", "all").containsEntry("interval", "200ms");
        assertThat(server.proxy().probingEnabled()).isFalse();
        assertThat(destination(backends.get(0).uri()).get("kamailio")).isEqualTo("AX");
        Thread.sleep(400); // a probe already planned may still go out
        final int before = backends.get(0).probes();
        Thread.sleep(1000);
        assertThat(backends.get(0).probes()).isEqualTo(before);
        assertThat(post("/api/probing?enabled=on", null).statusCode()).isEqualTo(200);
        assertThat(json(get("/api/probing").body())).containsEntry("enabled", true);
        waitFor(() -> backends.get(0).probes() >= before + 2, "probes again");
    }

    private static void waitFor(java.util.function.BooleanSupplier condition, String what)
            throws InterruptedException {
        final long deadline = System.nanoTime() + 5_000_000_000L;
        while (!condition.getAsBoolean()) {
            assertThat(System.nanoTime() < deadline).as("within 5 s: " + what).isTrue();
            Thread.sleep(20);
        }
    }

    @Test
    void hashAndSelectPrintWhatTheCommandLinePrints() {
        start(3, "");
        final HttpResponse<String> hash = get("/api/hash?slots=8&value=alice&value2=example.com");
        assertThat(hash.statusCode()).isEqualTo(200);
        assertThat(json(hash.body()).get("text")).isEqualTo(DispatchCommands.hash(8, "alice", "example.com"));
        assertThat(((Number) json(hash.body()).get("slot")).intValue())
                .isEqualTo(Integer.parseInt(DispatchCommands.hash(8, "alice", "example.com")
                                                            .replaceAll("(?s).*slot: (\\d+).*", "$1")));
        final SiplbConfig config = SiplbConfig.load(dir.resolve("siplb.conf"));
        for (String key : List.of("call-1@x", "call-2@x", "call-3@x")) {
            final HttpResponse<String> r = get("/api/select?set=1&key=" + key + "&algorithm=hash-call-id");
            assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
            final String cli = DispatchCommands.select(config.dispatcher(), 1, key,
                                                       io.siplb.dispatch.Algorithm.fromConfig("hash-call-id"));
            assertThat(json(r.body()).get("text")).isEqualTo(cli);
            assertThat(cli).contains("selected: " + json(r.body()).get("selected") + " (");
        }
        // Selection follows the live state: a disabled destination is not selected.
        post("/api/destination/state", "{\"duid\": \"b\", \"state\": \"disabled\"}");
        final Map<String, Object> s = json(post("/api/select", "{\"set\": 1, \"key\": \"k\"}").body());
        assertThat((String) s.get("text")).contains("3 destination(s), 2 active");
        assertThat(s.get("selected")).isNotEqualTo(backends.get(1).uri());
        // A whole request, as `siplb select --request`.
        final Map<String, Object> req = json(post("/api/select", "{\"request\": \"OPTIONS sip:bob@example.com SIP/2.0\\n"
                + "Via: SIP/2.0/UDP 192.0.2.1;branch=z9hG4bK-1\\nMax-Forwards: 70\\nFrom: <sip:a@example.com>;tag=1\\n"
                + "To: <sip:bob@example.com>\\nCall-ID: r1@x\\nCSeq: 1 OPTIONS\\nContent-Length: 0\\n\\n\", "
                + "\"source\": \"192.0.2.1:5060\"}").body());
        assertThat(req.get("forwarded")).isEqualTo(true);
        assertThat((String) req.get("text")).contains("request: OPTIONS sip:bob@example.com (Call-ID r1@x) "
                                                      + "from 192.0.2.1:5060")
                                            .contains("set 1, algorithm round-robin").contains("selected: ");
    }

    @Test
    void badRequestsGet4xxJsonSayingWhatWasWrong() {
        start(2, "");
        final String a = backends.get(0).uri();
        assertError(post("/api/destination/state", "{\"set\": 7, \"uri\": \"" + a + "\", \"state\": \"active\"}"),
                    404, "unknown set 7 (expected: one of 1)");
        assertError(post("/api/destination/state", "{\"set\": 1, \"uri\": \"sip:127.0.0.1:1\", \"state\": \"active\"}"),
                    404, "unknown destination: set 1 has no destination sip:127.0.0.1:1 (expected: one of "
                         + backends.get(1).uri() + ", " + backends.get(0).uri() + ")");
        assertError(post("/api/destination/state", "{\"set\": 1, \"uri\": \"" + a + "\", \"state\": \"asleep\"}"),
                    400, "state: \"asleep\" (expected: active, inactive, disabled or draining)");
        assertError(post("/api/destination/state", "{\"set\": 1, \"uri\": \"" + a + "\"}"),
                    400, "missing parameter 'state' (expected: active, inactive, disabled or draining)");
        assertError(post("/api/destination/state", "{\"state\": \"active\"}"),
                    400, "missing parameter 'set' (expected: set and uri, or duid)");
        assertError(post("/api/destination/state", "{\"duid\": \"zz\", \"state\": \"active\"}"),
                    404, "unknown destination: no destination has duid \"zz\" (expected: the duid attribute of a "
                         + "configured destination)");
        assertThat(post("/api/destination/state", "{\"set\": 1, \"state\": \"active\"").body())
                .startsWith("{\"error\": \"malformed JSON body: ");
        assertThat(post("/api/destination/state", "{\"set\": 1, \"state\": \"active\"").statusCode()).isEqualTo(400);
        assertError(post("/api/destination/state", "[1]"),
                    400, "malformed JSON body: \"[1]\" (expected: a JSON object, e.g. {\"set\": 1})");
        assertError(post("/api/destination/state", "{\"set\": \"one\", \"uri\": \"x\", \"state\": \"active\"}"),
                    400, "set: \"one\" (expected: an integer set id)");
        assertError(post("/api/destination/state", "{\"sets\": 1}"),
                    400, "unknown parameter 'sets' (expected: duid, reason, set, state, uri)");
        assertError(post("/api/destination/add", "{\"set\": 1, \"uri\": \"" + a + "\"}"),
                    409, "set 1 already has destination " + a + " (expected: a URI the set does not have, or a "
                         + "distinct duid)");
        assertError(post("/api/destination/add", "{\"set\": 1, \"uri\": \"http://x\"}"),
                    400, "uri: \"http://x\" (expected: sip: or sips: URI)");
        assertError(post("/api/destination/add", "{\"uri\": \"sip:127.0.0.1:9\"}"),
                    400, "missing parameter 'set' (expected: a set id, an integer >= 0)");
        assertError(post("/api/destination/remove", "{\"set\": 1}"),
                    400, "missing parameter 'uri' (expected: the URI of a destination of set 1, or duid)");
        assertError(get("/api/hash?slots=0&value=x"), 400, "slots: 0 (expected: an integer > 0)");
        assertError(get("/api/select?set=3&key=k"), 404, "unknown set 3 (expected: one of 1)");
        assertError(get("/api/select?set=1&key=k&algorithm=fastest"), 400,
                    "algorithm: " + algorithmError("fastest"));
        assertError(post("/api/probing", "{\"enabled\": \"maybe\"}"), 400,
                    "enabled: \"maybe\" (expected: true or false)");
        assertError(http("DELETE", "/api/sets", null, null), 405,
                    "DELETE is not allowed on /api/sets (expected: GET, HEAD)");
        // Nothing changed.
        assertThat(destinations()).extracting(d -> d.get("state")).containsExactly("active", "active");
    }

    private static String algorithmError(String name) {
        try {
            io.siplb.dispatch.Algorithm.fromConfig(name);
        } catch (IllegalArgumentException e) {
            return e.getMessage();
        }
        throw new AssertionError(name + " is an algorithm");
    }

    private static void assertError(HttpResponse<String> r, int status, String message) {
        assertThat(r.statusCode()).as(r.body()).isEqualTo(status);
        assertThat(r.headers().firstValue("content-type")).hasValue("application/json; charset=utf-8");
        assertThat(r.body()).isEqualTo("{\"error\": " + io.siplb.proxy.cli.Json.quote(message) + "}");
    }

    @Test
    void theTokenProtectsTheApiButNotThePage() {
        start(1, "siplb.admin.token = \"t0ken\"");
        final HttpResponse<String> none = get("/api/sets");
        assertThat(none.statusCode()).isEqualTo(401);
        assertThat(post("/api/destination/state", "{\"set\": 1, \"uri\": \"" + backends.get(0).uri()
                                                  + "\", \"state\": \"disabled\"}").statusCode()).isEqualTo(401);
        assertThat(server.proxy().dispatcher().snapshot().activeDestinations(1)).hasSize(1);
        assertThat(http("GET", "/api/sets", null, "t0ken").statusCode()).isEqualTo(200);
        final HttpResponse<String> page = get("/");
        assertThat(page.statusCode()).isEqualTo(200);
        assertThat(page.headers().firstValue("content-type")).hasValue("text/html; charset=utf-8");
        assertThat(page.body()).contains("<title>siplb").doesNotContain(backends.get(0).uri());
    }

    @Test
    void reloadReadsTheFileAgainReplacingRunTimeChangesAndABadFileChangesNothing() throws IOException {
        start(1, "");
        final SipResponder c = SipResponder.start();
        backends.add(c);
        assertThat(post("/api/destination/add", "{\"set\": 1, \"uri\": \"" + c.uri() + "\"}").statusCode())
                .isEqualTo(200);
        final SipResponder d = SipResponder.start();
        backends.add(d);
        final Path file = dir.resolve("siplb.conf");
        final String text = Files.readString(file);
        Files.writeString(file, text.replace("{ uri = \"" + backends.get(0).uri() + "\" }",
                                             "{ uri = \"" + backends.get(0).uri() + "\" }, { uri = \"" + d.uri()
                                             + "\" }"));
        final HttpResponse<String> ok = post("/api/reload", null);
        assertThat(ok.statusCode()).as(ok.body()).isEqualTo(200);
        assertThat(json(ok.body())).containsEntry("result", "success");
        assertThat((String) json(ok.body()).get("message")).startsWith("version ").contains(file.toString());
        assertThat(destinations()).extracting(x -> x.get("uri")).containsExactly(d.uri(), backends.get(0).uri());
        traffic(4);
        assertThat(count(2)).isEqualTo(2);
        assertThat(count(1)).isZero();

        Files.writeString(file, text + "\nsiplb.dispatcher.sets = 12\n");
        final HttpResponse<String> bad = post("/api/reload", null);
        assertThat(bad.statusCode()).isEqualTo(422);
        assertThat(json(bad.body())).containsEntry("result", "failure");
        assertThat((String) json(bad.body()).get("error")).contains("siplb.conf");
        assertThat(destinations()).extracting(x -> x.get("uri")).containsExactly(d.uri(), backends.get(0).uri());
    }
}
