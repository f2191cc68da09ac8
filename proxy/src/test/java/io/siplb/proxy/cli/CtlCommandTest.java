package io.siplb.proxy.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigParseOptions;
import com.typesafe.config.ConfigSyntax;

import io.siplb.dispatch.Destination;
import io.siplb.dispatch.state.HealthState;
import io.siplb.proxy.config.SiplbConfig;
import io.siplb.proxy.lifecycle.SiplbServer;
import io.siplb.proxy.testing.SipResponder;

/**
 * {@code siplb ctl} run as the command line runs it ({@link Main#execute}) against a siplb running in this JVM with
 * its admin listener on a loopback port and a bearer token, found through the configuration file ({@code -c FILE})
 * or {@code --admin URL}: every verb, its table and {@code --json} output, what it changes in the running siplb, and
 * the errors (connection refused, token missing or wrong, unknown set, bad usage) with their exit statuses. Not
 * thread-safe; confined to the test thread.
 */
class CtlCommandTest {

    private static final String TOKEN = "ctl-t0ken";

    @TempDir
    Path dir;

    private SiplbServer server;
    private SipResponder a;
    private SipResponder b;
    private Path conf;
    private String text;
    private int adminPort;

    private final ByteArrayOutputStream outBytes = new ByteArrayOutputStream();
    private final ByteArrayOutputStream errBytes = new ByteArrayOutputStream();

    @BeforeEach
    void start() throws IOException {
        a = SipResponder.start();
        b = SipResponder.start();
        adminPort = freeTcpPort();
        text = "siplb {\n" +
               "  listen = [\"udp:127.0.0.1:0\"]\n" +
               "  io.threads = 1\n" +
               "  admin { listen = \"127.0.0.1:" + adminPort + "\", token = \"" + TOKEN + "\" }\n" +
               "  shutdown { quiet-period = 0ms, timeout = 2s }\n" +
               "  dispatcher.probing.mode = inactive\n" +
               "  dispatcher.sets = [ { id = 1, algorithm = hash-call-id, destinations = [\n" +
               "    { uri = \"" + a.uri() + "\" }, { uri = \"" + b.uri() + "\", attrs = \"duid=b;weight=3\" } ] } ]\n" +
               "}\n";
        conf = dir.resolve("siplb.conf");
        Files.writeString(conf, text);
        server = SiplbServer.start(SiplbConfig.load(conf));
    }

    @AfterEach
    void stop() {
        if (server != null) {
            server.close();
        }
        a.close();
        b.close();
    }

    private static int freeTcpPort() {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private int run(String... args) {
        outBytes.reset();
        errBytes.reset();
        return Main.execute(args, new PrintStream(outBytes, true, StandardCharsets.UTF_8),
                            new PrintStream(errBytes, true, StandardCharsets.UTF_8), null);
    }

    /** Runs {@code ctl VERB ARGS... -c FILE}. */
    private int ctl(String... args) {
        final String[] all = new String[args.length + 3];
        all[0] = "ctl";
        System.arraycopy(args, 0, all, 1, args.length);
        all[args.length + 1] = "-c";
        all[args.length + 2] = conf.toString();
        return run(all);
    }

    private String out() {
        return outBytes.toString(StandardCharsets.UTF_8);
    }

    private String err() {
        return errBytes.toString(StandardCharsets.UTF_8);
    }

    private static Map<String, Object> json(String text) {
        return ConfigFactory.parseString(text, ConfigParseOptions.defaults().setSyntax(ConfigSyntax.JSON))
                            .root().unwrapped();
    }

    private HealthState state(String duidOrUri) {
        for (Destination d : server.proxy().dispatcher().snapshot().set(1).destinations()) {
            if (duidOrUri.equals(d.attributes().duid()) || duidOrUri.equals(d.uri())) {
                return server.proxy().dispatcher().state(d).health();
            }
        }
        return null;
    }

    @Test
    void listPrintsAKamcmdLikeTableFoundThroughTheConfigFile() {
        assertThat(ctl("list")).as(err()).isZero();
        final List<String> lines = out().lines().toList();
        assertThat(lines.get(0)).matches("SET +URI +FLAGS +PRIO +STATE +LATENCY avg/est/max ms +CALLS +SHARE +WEIGHT"
                                         + " +DUID");
        // Kamailio's index order: the last configured first.
        assertThat(lines.get(1)).matches("1 +" + b.uri().replace(".", "\\.") + " +AX +0 +active +- +0 +0\\.0% +3 +b");
        assertThat(lines.get(2)).matches("1 +" + a.uri().replace(".", "\\.") + " +AX +0 +active +- +0 +0\\.0% +0 +-");
        assertThat(lines).contains("set 1: hash-call-id (0), 2 destination(s), 2 active",
                                   "probing: on (mode inactive, OPTIONS every 10s)");
        assertThat(ctl("list", "--json")).isZero();
        final Map<String, Object> j = json(out());
        assertThat(j).containsKeys("version", "sets", "probing");
        assertThat(ctl("list", "--set", "7")).isEqualTo(1);
        assertThat(err()).isEqualTo("siplb: ctl: GET /api/sets?set=7: 404: unknown set 7 (expected: one of 1)\n");
    }

    @Test
    void setStateDisablesDrainsAndEnablesBySetAndUriOrByDuid() {
        assertThat(ctl("set-state", "disabled", "1", a.uri())).as(err()).isZero();
        assertThat(out()).isEqualTo("set 1 " + a.uri() + ": active -> disabled (DX)\n");
        assertThat(state(a.uri())).isEqualTo(HealthState.DISABLED);
        assertThat(server.proxy().dispatcher().snapshot().activeDestinations(1)).extracting(Destination::uri)
                                                                                .containsExactly(b.uri());
        assertThat(ctl("set-state", "draining", "--duid", "b", "--reason", "upgrade")).as(err()).isZero();
        assertThat(out()).isEqualTo("set 1 " + b.uri() + ": active -> draining (DX)\n");
        assertThat(server.proxy().dispatcher().snapshot().activeDestinations(1)).isEmpty();
        assertThat(ctl("set-state", "active", "1", a.uri(), "--json")).isZero();
        assertThat(json(out())).containsEntry("from", "disabled").containsEntry("to", "active");
        assertThat(state(a.uri())).isEqualTo(HealthState.ACTIVE);
        assertThat(ctl("set-state", "asleep", "1", a.uri())).isEqualTo(1);
        assertThat(err()).isEqualTo("siplb: ctl: POST /api/destination/state: 400: state: \"asleep\" (expected: "
                                    + "active, inactive, disabled or draining)\n");
        assertThat(ctl("set-state", "active", "1")).isEqualTo(2);
        assertThat(err()).startsWith("siplb: ctl set-state: 2 argument(s) (expected: set-state STATE SET URI, or "
                                     + "set-state STATE --duid DUID)\n");
    }

    @Test
    void addAndRemoveChangeTheRunningSets() {
        final SipResponder c = SipResponder.start();
        try {
            assertThat(ctl("add", "1", c.uri(), "0", "5", "duid=c")).as(err()).isZero();
            assertThat(out()).isEqualTo("added " + c.uri() + " to set 1 (active; 3 destination(s))\n");
            assertThat(server.proxy().dispatcher().snapshot().activeDestinations(1)).extracting(Destination::uri)
                                                                                    .contains(c.uri());
            assertThat(ctl("list")).isZero();
            // Priority 5 comes first in the index order.
            assertThat(out().lines().toList().get(1)).matches("1 +" + c.uri().replace(".", "\\.")
                                                              + " +AX +5 +active .* +c");
            assertThat(ctl("add", "1", c.uri(), "0", "5", "duid=c")).isEqualTo(1);
            assertThat(err()).contains("409: set 1 already has destination " + c.uri());
            assertThat(ctl("remove", "--duid", "c")).as(err()).isZero();
            assertThat(out()).isEqualTo("removed " + c.uri() + " from set 1 (2 destination(s) left)\n");
            assertThat(ctl("remove", "1", a.uri(), "--json")).isZero();
            assertThat(json(out())).containsEntry("destinations", 1);
            assertThat(server.proxy().dispatcher().snapshot().set(1).destinations()).extracting(Destination::uri)
                                                                                    .containsExactly(b.uri());
        } finally {
            c.close();
        }
    }

    @Test
    void pingTurnsProbingOffAndOn() {
        assertThat(ctl("ping", "off")).as(err()).isZero();
        assertThat(out()).isEqualTo("off (mode inactive, OPTIONS every 10s)\n");
        assertThat(server.proxy().probingEnabled()).isFalse();
        assertThat(ctl("ping")).isZero();
        assertThat(out()).isEqualTo("off (mode inactive, OPTIONS every 10s)\n");
        assertThat(ctl("ping", "on", "--json")).isZero();
        assertThat(json(out())).containsEntry("enabled", true).containsEntry("running", true);
        assertThat(server.proxy().probingEnabled()).isTrue();
        assertThat(ctl("ping", "maybe")).isEqualTo(2);
        assertThat(err()).startsWith("siplb: ctl ping: 'maybe' (expected: on or off)\n");
    }

    @Test
    void hashAndSelectPrintWhatSiplbHashAndSelectPrint() throws IOException {
        assertThat(run("hash", "--slots", "16", "alice", "example.com")).isZero();
        final String hash = out();
        assertThat(ctl("hash", "--slots", "16", "alice", "example.com")).as(err()).isZero();
        assertThat(out()).isEqualTo(hash);
        for (String key : List.of("k1@x", "k2@x", "k3@x", "k4@x")) {
            assertThat(run("select", "-c", conf.toString(), "--set", "1", "--key", key)).isZero();
            final String cli = out();
            assertThat(ctl("select", "--set", "1", "--key", key)).as(err()).isZero();
            assertThat(out()).isEqualTo(cli);
        }
        final Path request = dir.resolve("invite.txt");
        Files.writeString(request, "INVITE sip:bob@example.com SIP/2.0\nVia: SIP/2.0/UDP 192.0.2.1;branch=z9hG4bK-1\n"
                                   + "Max-Forwards: 70\nFrom: <sip:a@example.com>;tag=1\nTo: <sip:bob@example.com>\n"
                                   + "Call-ID: req-1@x\nCSeq: 1 INVITE\nContent-Length: 0\n\n");
        assertThat(run("select", "-c", conf.toString(), "--request", request.toString())).isZero();
        final String cli = out();
        assertThat(ctl("select", "--request", request.toString())).as(err()).isZero();
        assertThat(out()).isEqualTo(cli);
        // With every destination disabled, nothing is selected: exit status 1, as `siplb select`.
        ctl("set-state", "disabled", "1", a.uri());
        ctl("set-state", "disabled", "--duid", "b");
        assertThat(ctl("select", "--set", "1", "--key", "k1@x")).isEqualTo(1);
        assertThat(out()).contains("no destination: ");
    }

    @Test
    void reloadReadsTheFileAndReportsABadOne() throws IOException {
        final SipResponder c = SipResponder.start();
        try {
            Files.writeString(conf, text.replace("{ uri = \"" + a.uri() + "\" }",
                                                 "{ uri = \"" + a.uri() + "\" }, { uri = \"" + c.uri() + "\" }"));
            assertThat(ctl("reload")).as(err()).isZero();
            assertThat(out()).startsWith("version ").contains(conf.toString()).endsWith("\n");
            assertThat(server.proxy().dispatcher().snapshot().set(1).destinations()).hasSize(3);
            Files.writeString(conf, text.replace("id = 1,", "id = -1,"));
            assertThat(run("ctl", "reload", "--admin", "http://127.0.0.1:" + adminPort, "--token", TOKEN))
                    .isEqualTo(1);
            assertThat(err()).startsWith("siplb: ctl: POST /api/reload: 422: ").contains(conf.toString());
            assertThat(server.proxy().dispatcher().snapshot().set(1).destinations()).hasSize(3);
        } finally {
            c.close();
        }
    }

    @Test
    void errorsNameTheUrlAndTheTokenProblem() throws IOException {
        final String url = "http://127.0.0.1:" + adminPort;
        assertThat(run("ctl", "list", "--admin", url)).isEqualTo(1);
        assertThat(err()).isEqualTo("siplb: ctl: " + url + "/api/sets: 401 Unauthorized: no token was sent and this "
                                    + "siplb requires one (expected: --token, -c FILE with siplb.admin.token, or "
                                    + "$SIPLB_ADMIN_TOKEN)\n");
        assertThat(run("ctl", "list", "--admin", url, "--token", "wrong")).isEqualTo(1);
        assertThat(err()).isEqualTo("siplb: ctl: " + url + "/api/sets: 401 Unauthorized: the token is wrong "
                                    + "(expected: the running siplb's siplb.admin.token)\n");
        assertThat(run("ctl", "list", "--admin", url + "/", "--token", TOKEN)).isZero();
        final int closed = freeTcpPort();
        assertThat(run("ctl", "list", "--admin", "http://127.0.0.1:" + closed)).isEqualTo(1);
        assertThat(err()).startsWith("siplb: ctl: cannot connect to http://127.0.0.1:" + closed
                                     + " (connection refused)");
        assertThat(run("ctl", "list", "--admin", "ftp://x")).isEqualTo(2);
        assertThat(err()).startsWith("siplb: ctl: --admin 'ftp://x' (expected: an http:// URL");
        assertThat(run("ctl", "fly")).isEqualTo(2);
        assertThat(err()).startsWith("siplb: ctl: unknown verb 'fly' (expected: ctl list|reload|set-state|add|"
                                     + "remove|ping|hash|select)\n");
        assertThat(run("ctl")).isEqualTo(2);
        final Path port0 = dir.resolve("port0.conf");
        Files.writeString(port0, "siplb.admin.listen = \"127.0.0.1:0\"\n");
        assertThat(run("ctl", "list", "-c", port0.toString())).isEqualTo(2);
        assertThat(err()).startsWith("siplb: ctl: " + port0 + ": siplb.admin.listen has port 0");
        final Path broken = dir.resolve("broken.conf");
        Files.writeString(broken, "siplb.admin.listen = 12 x\n");
        assertThat(run("ctl", "list", "-c", broken.toString())).isEqualTo(2);
        assertThat(err()).startsWith("siplb: configuration error: ").contains("broken.conf");
        // The port the file names is where ctl went: the server's.
        assertThat(server.admin().localAddress()).isEqualTo(new InetSocketAddress("127.0.0.1", adminPort));
    }
}
