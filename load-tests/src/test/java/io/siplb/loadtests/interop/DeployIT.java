package io.siplb.loadtests.interop;

import static io.siplb.loadtests.interop.WebRtcKamailioIT.awaitTcp;
import static io.siplb.loadtests.interop.WebRtcKamailioIT.deleteTree;
import static io.siplb.loadtests.interop.WebRtcKamailioIT.freeTcpPort;
import static io.siplb.loadtests.interop.WebRtcKamailioIT.freeUdpPorts;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The files of {@code deploy/} against the real tools: {@code promtool check rules} and {@code promtool check config}
 * accept the alert rules and the scrape configuration, {@code systemd-analyze verify} accepts the service unit (with
 * its {@code /opt/siplb} prefix pointed at this checkout), and a real Prometheus server (Debian's
 * {@code prometheus}), started with the scrape job and rules of {@code deploy/prometheus/}, scrapes a running siplb
 * (its jar, with traffic, a local response and a configuration reload done beforehand) and has every metric that the
 * alert rules and the Grafana dashboard name, and evaluates every rule without error. A missing tool fails the test
 * saying what to install. Everything started is stopped by its pid; files in {@code target/interop/deploy}.
 */
class DeployIT {

    private static final Duration WAIT = Duration.ofSeconds(60);
    private static final Pattern METRIC = Pattern.compile("\\b((?:siplb|jvm|process)_[a-z0-9_]+)\\b");
    private static final String INSTALL = "install it with: apt-get install -y prometheus systemd";

    private final List<ChildProcess> started = new ArrayList<>();
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    @AfterEach
    void stopEverythingStarted() throws InterruptedException {
        for (int i = started.size() - 1; i >= 0; i--) {
            started.get(i).close();
        }
        started.clear();
    }

    private static Path repo() {
        return Paths.get("..").toAbsolutePath().normalize();
    }

    private static Path tool(String name) {
        for (String dir : System.getenv().getOrDefault("PATH", "/usr/bin:/bin").split(":")) {
            final Path p = Paths.get(dir, name);
            if (Files.isExecutable(p)) {
                return p;
            }
        }
        throw new AssertionError(name + " is not on the PATH; " + INSTALL);
    }

    /** Runs a command to completion (bounded); returns exit code and output. */
    private static Object[] run(Path dir, String... command) throws IOException, InterruptedException {
        final Path out = Files.createTempFile(dir, "cmd", ".out");
        final Process p = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true)
                                                     .redirectOutput(out.toFile()).start();
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            fail(String.join(" ", command) + " did not finish in 60 s");
        }
        return new Object[] {p.exitValue(), Files.readString(out)};
    }

    private Path workDir() throws IOException {
        final Path dir = Paths.get(System.getProperty("interop.dir", "target/interop"), "deploy").toAbsolutePath();
        deleteTree(dir);
        Files.createDirectories(dir);
        return dir;
    }

    @Test
    void promtoolAndSystemdAcceptTheFiles() throws Exception {
        final Path dir = workDir();
        final Path deploy = repo().resolve("deploy");
        final Path promtool = tool("promtool");
        Object[] r = run(dir, promtool.toString(), "check", "rules",
                         deploy.resolve("prometheus/siplb-rules.yml").toString());
        assertThat(r[0]).as("promtool check rules: %s", r[1]).isEqualTo(0);
        assertThat((String) r[1]).contains("SUCCESS: 6 rules found");
        r = run(deploy.resolve("prometheus"), promtool.toString(), "check", "config", "prometheus.yml");
        assertThat(r[0]).as("promtool check config: %s", r[1]).isEqualTo(0);

        final Path unit = dir.resolve("siplb.service");
        Files.writeString(unit, Files.readString(deploy.resolve("systemd/siplb.service"))
                                     .replace("/opt/siplb", repo().toString()));
        r = run(dir, tool("systemd-analyze").toString(), "verify", unit.toString());
        assertThat(r[0]).as("systemd-analyze verify: %s", r[1]).isEqualTo(0);
        assertThat((String) r[1]).as("systemd-analyze verify output").doesNotContainIgnoringCase("error")
                                 .doesNotContain("not executable").doesNotContain("Unknown");
        final String text = Files.readString(deploy.resolve("systemd/siplb.service"));
        assertThat(text).contains("User=siplb", "AmbientCapabilities=CAP_NET_BIND_SERVICE", "Restart=on-failure",
                                  "LimitNOFILE=", "ExecReload=/opt/siplb/bin/siplb ctl");
    }

    @Test
    void prometheusScrapesSiplbAndHasEveryMetricTheRulesAndTheDashboardUse() throws Exception {
        final Path dir = workDir();
        final Path deploy = repo().resolve("deploy");
        final Path jar = Paths.get(System.getProperty("siplb.jar", "../proxy/target/siplb.jar")).toAbsolutePath()
                              .normalize();
        if (!Files.isRegularFile(jar)) {
            fail("siplb's runnable jar " + jar + " is missing: build it with 'mvn -pl proxy -am package -DskipTests'");
        }
        final Path prometheus = tool("prometheus");
        final int[] udp = freeUdpPorts(3);
        final int adminPort = freeTcpPort();
        final int promPort = freeTcpPort();

        try (DatagramSocket backend = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(),
                                                                               udp[1]));
             DatagramSocket second = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(),
                                                                              udp[2]));
             DatagramSocket uac = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))) {
            final Thread a = answering(backend);
            final Thread b = answering(second);
            final Path config = dir.resolve("siplb.conf");
            Files.writeString(config, siplbConfig(udp[0], adminPort, "\"sip:127.0.0.1:" + udp[1] + "\""));
            final ChildProcess siplb = start("siplb", List.of(
                    Paths.get(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx256m", "-jar",
                    jar.toString(), "run", "-c", config.toString()), dir);
            awaitTcp(siplb, adminPort);

            // Traffic: MESSAGEs through siplb, and one request siplb answers itself (483, Max-Forwards 0).
            final InetSocketAddress siplbAddress = new InetSocketAddress(InetAddress.getLoopbackAddress(), udp[0]);
            for (int i = 0; i < 20; i++) {
                assertThat(status(send(uac, siplbAddress, message(uac, i, 70)))).isEqualTo(200);
            }
            assertThat(status(send(uac, siplbAddress, message(uac, 99, 0)))).isEqualTo(483);
            // A reload: a second destination, seen in /metrics once applied.
            Files.writeString(config, siplbConfig(udp[0], adminPort, "\"sip:127.0.0.1:" + udp[1] +
                                                                     "\", \"sip:127.0.0.1:" + udp[2] + "\""));
            awaitBody("http://127.0.0.1:" + adminPort + "/metrics", "sip:127.0.0.1:" + udp[2]);

            // Prometheus with deploy/'s job and rules, pointed at this siplb, scraping and evaluating every second.
            final String scrape = Files.readString(deploy.resolve("prometheus/prometheus.yml"))
                    .replace("127.0.0.1:9460", "127.0.0.1:" + adminPort)
                    .replace("scrape_interval: 15s", "scrape_interval: 1s")
                    .replace("scrape_interval: 5s", "scrape_interval: 1s")
                    .replace("evaluation_interval: 15s", "evaluation_interval: 1s");
            assertThat(scrape).contains("127.0.0.1:" + adminPort);
            Files.writeString(dir.resolve("prometheus.yml"), scrape);
            Files.copy(deploy.resolve("prometheus/siplb-rules.yml"), dir.resolve("siplb-rules.yml"));
            final ChildProcess prom = start("prometheus", List.of(prometheus.toString(),
                    "--config.file=" + dir.resolve("prometheus.yml"), "--storage.tsdb.path=" + dir.resolve("tsdb"),
                    "--web.listen-address=127.0.0.1:" + promPort), dir);
            awaitTcp(prom, promPort);
            final String api = "http://127.0.0.1:" + promPort + "/api/v1/";
            awaitBody(api + "targets", "\"health\":\"up\"");
            // Two scrapes after the target is up, so that every series is in the database.
            Thread.sleep(2500);

            final Set<String> used = new TreeSet<>();
            collect(Files.readString(deploy.resolve("prometheus/siplb-rules.yml")), used);
            collect(Files.readString(deploy.resolve("grafana/siplb-dashboard.json")), used);
            assertThat(used).contains("siplb_destination_up", "siplb_transactions_active",
                                      "siplb_config_reloads_total");
            final String names = get(api + "label/__name__/values");
            final List<String> missing = new ArrayList<>();
            for (String name : used) {
                if (!names.contains('"' + name + '"')) {
                    missing.add(name);
                }
            }
            assertThat(missing).as("metrics the rules and the dashboard use that Prometheus does not have; it has "
                                   + names).isEmpty();
            // Both destinations are series of siplb_destination_up, and every rule evaluates without error.
            final String up = get(api + "query?query=siplb_destination_up");
            assertThat(up).contains("sip:127.0.0.1:" + udp[1]).contains("sip:127.0.0.1:" + udp[2]);
            final String rules = awaitBody(api + "rules", "\"lastEvaluation\"");
            assertThat(count(rules, "\"type\":\"alerting\"")).as("alerting rules loaded: " + rules).isEqualTo(6);
            assertThat(count(rules, "\"health\":\"ok\"")).as("rules evaluated without error: " + rules)
                                                        .isGreaterThanOrEqualTo(6);
            assertThat(rules).doesNotContain("\"health\":\"err\"");

            a.interrupt();
            b.interrupt();
        }
    }

    private static String siplbConfig(int sipPort, int adminPort, String destinations) {
        return "siplb {\n" +
               "  listen = [\"udp:127.0.0.1:" + sipPort + "\"]\n" +
               "  admin.listen = \"127.0.0.1:" + adminPort + "\"\n" +
               "  dispatcher.probing { interval = 1s, timeout = 500ms }\n" +
               "  dispatcher.sets = [ { id = 1, algorithm = round-robin, destinations = [" + destinations + "] } ]\n" +
               "}\n";
    }

    private static void collect(String text, Set<String> into) {
        final Matcher m = METRIC.matcher(text);
        while (m.find()) {
            into.add(m.group(1));
        }
    }

    private static int count(String s, String part) {
        int n = 0;
        for (int i = s.indexOf(part); i >= 0; i = s.indexOf(part, i + 1)) {
            n++;
        }
        return n;
    }

    private ChildProcess start(String name, List<String> command, Path dir) throws IOException {
        final ChildProcess p = ChildProcess.start(name, command, dir, dir.resolve(name + ".out"));
        started.add(p);
        return p;
    }

    private String get(String url) throws IOException, InterruptedException {
        final HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(url))
                                                            .timeout(Duration.ofSeconds(5)).build(),
                                                 HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as("GET " + url + ": " + r.body()).isEqualTo(200);
        return r.body();
    }

    /** Polls {@code url} until its body contains {@code part}, at most {@link #WAIT}; returns the body. */
    private String awaitBody(String url, String part) throws IOException, InterruptedException {
        final long deadline = System.nanoTime() + WAIT.toNanos();
        String body = "";
        while (System.nanoTime() < deadline) {
            try {
                body = get(url);
                if (body.contains(part)) {
                    return body;
                }
            } catch (IOException | AssertionError notYet) {
                body = String.valueOf(notYet);
            }
            Thread.sleep(200);
        }
        throw new AssertionError("GET " + url + " never contained " + part + " within " + WAIT + "; last: " + body);
    }

    /** A daemon thread answering every request on {@code socket} with 200 (to its source), until interrupted. */
    private static Thread answering(DatagramSocket socket) throws IOException {
        socket.setSoTimeout(100);
        final Thread t = new Thread(() -> {
            final byte[] buf = new byte[65535];
            while (!Thread.currentThread().isInterrupted() && !socket.isClosed()) {
                final DatagramPacket p = new DatagramPacket(buf, buf.length);
                try {
                    socket.receive(p);
                } catch (SocketTimeoutException e) {
                    continue;
                } catch (IOException e) {
                    return;
                }
                final String req = new String(p.getData(), 0, p.getLength(), StandardCharsets.ISO_8859_1);
                if (req.startsWith("SIP/2.0")) {
                    continue;
                }
                final byte[] resp = ok(req).getBytes(StandardCharsets.ISO_8859_1);
                try {
                    socket.send(new DatagramPacket(resp, resp.length, p.getSocketAddress()));
                } catch (IOException e) {
                    return;
                }
            }
        }, "deploy-it-backend");
        t.setDaemon(true);
        t.start();
        return t;
    }

    /** 200 OK to {@code request}: its Via, From, To (tagged), Call-ID and CSeq. */
    private static String ok(String request) {
        final StringBuilder sb = new StringBuilder("SIP/2.0 200 OK\r\n");
        for (String line : request.substring(0, request.indexOf("\r\n\r\n")).split("\r\n")) {
            final String lower = line.toLowerCase(java.util.Locale.ROOT);
            if (lower.startsWith("via:") || lower.startsWith("from:") || lower.startsWith("call-id:")
                || lower.startsWith("cseq:")) {
                sb.append(line).append("\r\n");
            } else if (lower.startsWith("to:")) {
                sb.append(line).append(";tag=be\r\n");
            }
        }
        return sb.append("Content-Length: 0\r\n\r\n").toString();
    }

    private static String message(DatagramSocket uac, int i, int maxForwards) {
        return "MESSAGE sip:bob@example.com SIP/2.0\r\n" +
               "Via: SIP/2.0/UDP 127.0.0.1:" + uac.getLocalPort() + ";branch=z9hG4bK-deploy-" + i + ";rport\r\n" +
               "Max-Forwards: " + maxForwards + "\r\n" +
               "From: <sip:alice@example.com>;tag=a" + i + "\r\n" +
               "To: <sip:bob@example.com>\r\n" +
               "Call-ID: deploy-" + i + "@127.0.0.1\r\n" +
               "CSeq: 1 MESSAGE\r\n" +
               "Content-Length: 0\r\n\r\n";
    }

    /** Sends {@code text} and returns the first final response (bounded: 5 s). */
    private static String send(DatagramSocket uac, InetSocketAddress to, String text) throws IOException {
        final byte[] b = text.getBytes(StandardCharsets.ISO_8859_1);
        uac.send(new DatagramPacket(b, b.length, to));
        uac.setSoTimeout(5000);
        final byte[] buf = new byte[65535];
        while (true) {
            final DatagramPacket p = new DatagramPacket(buf, buf.length);
            uac.receive(p);
            final String r = new String(p.getData(), 0, p.getLength(), StandardCharsets.ISO_8859_1);
            if (status(r) >= 200) {
                return r;
            }
        }
    }

    private static int status(String response) {
        return Integer.parseInt(response.substring(8, 11));
    }
}
