package io.siplb.loadtests.interop;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * sipp interop suite: a sipp UAC calls through siplb to two sipp UAS backends over UDP on loopback.
 *
 * <p>Run it (after {@code mvn -o -pl sip-codec,dispatch-engine,proxy install -DskipTests}, or with {@code -am}):
 * <pre>{@code
 * mvn -B -pl load-tests -Pinterop verify    (from the repository root)
 * }</pre>
 *
 * <p>What runs, all as child processes on free loopback ports, each stopped by its own pid when the test ends
 * (also on failure, with bounded waits):
 * <ol>
 *   <li>two sipp UAS ({@code sipp/uas.xml}): answer INVITE with a 200 OK that copies the INVITE's Record-Route,
 *       then answer the BYE;</li>
 *   <li>siplb, a separate JVM started from the shaded jar ({@code proxy/target/siplb.jar}, or
 *       {@code -Dsiplb.jar}) with a generated configuration that listens on UDP, record-routes and dispatches
 *       by Call-ID hash ({@code hash-call-id}) to the two backends (Kamailio-format list file);</li>
 *   <li>one sipp UAC ({@code sipp/uac.xml}): {@value #DEFAULT_CALLS} calls at {@value #DEFAULT_RATE} calls/s
 *       ({@code -Dinterop.calls}, {@code -Dinterop.rate}); the 200 OK is received with {@code rrs="true"} and
 *       must carry a loose-routing Record-Route; ACK and BYE go to {@code [next_url]} with {@code [routes]}.</li>
 * </ol>
 *
 * <p>It passes when sipp's UAC exits with 0 having made every call successfully and none failed, each backend
 * received at least 20% of the calls (sipp's {@code -trace_stat} counters and its message log agree), the backends
 * together completed every call (so ACK and BYE reached the backend that answered the INVITE), and siplb is still
 * running with no Netty leak report in its log. sipp's statistics, message logs and screens, siplb's log and
 * configuration are kept in {@code load-tests/target/interop/}; a failure prints where.
 *
 * <p>A missing sipp is a failure, not a skip: install Debian's {@code sip-tester} package.
 */
class SippInteropIT {

    static final int DEFAULT_CALLS = 2000;
    static final int DEFAULT_RATE = 200;

    /** Each backend must receive at least this share of the calls. */
    private static final double MIN_BACKEND_SHARE = 0.20;
    /** How long siplb gets to answer its first probe. */
    private static final Duration SIPLB_STARTUP_TIMEOUT = Duration.ofSeconds(30);
    /** How long a UAS gets to write its final statistics after SIGUSR1 (sipp's graceful quit). */
    private static final Duration UAS_QUIT_TIMEOUT = Duration.ofSeconds(15);
    /** sipp's own limit on the UAS lifetime, in case the suite cannot stop it. */
    private static final Duration UAS_MAX_LIFETIME = Duration.ofMinutes(5);
    /** Extra time the UAC gets on top of calls / rate, for its own {@code -timeout}. */
    private static final Duration UAC_SLACK = Duration.ofSeconds(50);

    private final List<ChildProcess> started = new ArrayList<>();

    @AfterEach
    void stopEverythingStarted() throws InterruptedException {
        // Reverse order: the caller first, siplb, then the backends. Each close is bounded (SIGTERM, then SIGKILL).
        for (int i = started.size() - 1; i >= 0; i--) {
            started.get(i).close();
        }
        started.clear();
    }

    @Test
    void everyCallThroughSiplbSucceedsAndBothBackendsTakeCalls() throws Exception {
        final int calls = Integer.getInteger("interop.calls", DEFAULT_CALLS);
        final int rate = Integer.getInteger("interop.rate", DEFAULT_RATE);
        final Path sipp = sippExecutable();
        final Path siplbJar = siplbJar();
        final Path dir = freshRunDirectory();
        try {
            run(sipp, siplbJar, dir, calls, rate);
        } catch (Throwable t) {
            System.err.println("sipp interop suite failed; sipp statistics, message logs and screens, siplb's log " +
                               "and configuration are in " + dir + ":");
            listFiles(dir).forEach(f -> System.err.println("  " + f));
            throw t;
        }
    }

    private void run(Path sipp, Path siplbJar, Path dir, int calls, int rate) throws Exception {
        final Path uacScenario = copyResource("sipp/uac.xml", dir);
        final Path uasScenario = copyResource("sipp/uas.xml", dir);
        final int[] ports = freeUdpPorts(4);
        final int uas1Port = ports[0];
        final int uas2Port = ports[1];
        final int siplbPort = ports[2];
        final int uacPort = ports[3];

        final ChildProcess uas1 = startUas(sipp, uasScenario, dir, "uas1", uas1Port);
        final ChildProcess uas2 = startUas(sipp, uasScenario, dir, "uas2", uas2Port);

        final Path config = writeSiplbConfig(dir, siplbPort, uas1Port, uas2Port);
        final ChildProcess siplb = start("siplb", List.of(
                javaExecutable().toString(), "-Xms256m", "-Xmx512m",
                "-Dio.netty.leakDetection.level=advanced",
                "-jar", siplbJar.toString(), "run", "-c", config.toString()), dir);
        final String probeAnswer = SipProbe.awaitResponse(new InetSocketAddress("127.0.0.1", siplbPort), siplb,
                                                          SIPLB_STARTUP_TIMEOUT);
        if (probeAnswer == null) {
            fail("siplb did not answer an OPTIONS (Max-Forwards: 0) on udp:127.0.0.1:" + siplbPort + " within " +
                 SIPLB_STARTUP_TIMEOUT.toSeconds() + " s (" + (siplb.isAlive() ? "still running" : "exited") +
                 "); its log " + siplb.log() + " ends with:\n" + tail(siplb.log(), 30));
        }
        assertThat(uas1.isAlive()).as("sipp UAS 1 running; its output: %s", uas1.log()).isTrue();
        assertThat(uas2.isAlive()).as("sipp UAS 2 running; its output: %s", uas2.log()).isTrue();

        final Duration uacTimeout = Duration.ofSeconds(calls / Math.max(1, rate)).plus(UAC_SLACK);
        final long startNanos = System.nanoTime();
        final ChildProcess uac = start("uac", List.of(
                sipp.toString(), "127.0.0.1:" + siplbPort,
                "-sf", uacScenario.toString(),
                "-i", "127.0.0.1", "-p", Integer.toString(uacPort),
                "-m", Integer.toString(calls), "-r", Integer.toString(rate), "-rp", "1000", "-l", "1000",
                "-recv_timeout", "10s",
                "-timeout", uacTimeout.toSeconds() + "s", "-timeout_error",
                "-nostdin",
                "-trace_stat", "-stf", dir.resolve("uac_stats.csv").toString(), "-fd", "1",
                "-trace_shortmsg", "-shortmessage_file", dir.resolve("uac_messages.log").toString(),
                "-trace_err", "-error_file", dir.resolve("uac_errors.log").toString(),
                "-trace_screen", "-screen_file", dir.resolve("uac_screen.log").toString()), dir);
        final Integer uacExit = uac.waitFor(uacTimeout.plusSeconds(30));
        final double seconds = (System.nanoTime() - startNanos) / 1e9;
        assertThat(uacExit).as("sipp UAC still running after %s s (its -timeout is %s s); output: %s",
                               uacTimeout.plusSeconds(30).toSeconds(), uacTimeout.toSeconds(), uac.log())
                           .isNotNull();

        // SIGUSR1 is sipp's graceful quit: it finishes and writes its final statistics row.
        uas1.signal("USR1");
        uas2.signal("USR1");
        uas1.waitFor(UAS_QUIT_TIMEOUT);
        uas2.waitFor(UAS_QUIT_TIMEOUT);

        final SippStatistics uacStats = SippStatistics.read(dir.resolve("uac_stats.csv"));
        final SippStatistics uas1Stats = SippStatistics.read(dir.resolve("uas1_stats.csv"));
        final SippStatistics uas2Stats = SippStatistics.read(dir.resolve("uas2_stats.csv"));
        final Set<String> uas1Invites = SippMessageLog.receivedRequestCallIds(dir.resolve("uas1_messages.log"),
                                                                              "INVITE");
        final Set<String> uas2Invites = SippMessageLog.receivedRequestCallIds(dir.resolve("uas2_messages.log"),
                                                                              "INVITE");
        final String summary = String.format(
                "sipp interop: %d calls at %d calls/s in %.1f s: UAC exit %d, successful %d, failed %d, " +
                "retransmissions %d, INVITE->200 mean %d ms; " +
                "backend 1 (udp:127.0.0.1:%d) INVITEs %d (%d logged), completed %d, failed %d; " +
                "backend 2 (udp:127.0.0.1:%d) INVITEs %d (%d logged), completed %d, failed %d; files in %s",
                calls, rate, seconds, uacExit, uacStats.successfulCalls(), uacStats.failedCalls(),
                uacStats.counter(SippStatistics.RETRANSMISSIONS),
                uacStats.duration(SippStatistics.RESPONSE_TIME).toMillis(),
                uas1Port, uas1Stats.incomingCalls(), uas1Invites.size(), uas1Stats.successfulCalls(),
                uas1Stats.failedCalls(),
                uas2Port, uas2Stats.incomingCalls(), uas2Invites.size(), uas2Stats.successfulCalls(),
                uas2Stats.failedCalls(), dir);
        System.out.println(summary);
        Files.writeString(dir.resolve("summary.txt"), summary + System.lineSeparator());

        assertThat(uacExit).as("sipp UAC exit code (0: every call succeeded; 1: a call failed; 97: internal " +
                               "command or global timeout; 99: no call processed; 255: fatal error); %s; " +
                               "errors: %s", summary, dir.resolve("uac_errors.log"))
                           .isZero();
        assertThat(uacStats.outgoingCalls()).as("calls the UAC made; %s", summary).isEqualTo(calls);
        assertThat(uacStats.successfulCalls()).as("successful calls at the UAC; %s", summary).isEqualTo(calls);
        assertThat(uacStats.failedCalls()).as("failed calls at the UAC; %s", summary).isZero();

        final long minPerBackend = (long) Math.ceil(calls * MIN_BACKEND_SHARE);
        assertThat(uas1Stats.incomingCalls()).as("INVITEs received by backend 1; %s", summary)
                                             .isGreaterThanOrEqualTo(minPerBackend);
        assertThat(uas2Stats.incomingCalls()).as("INVITEs received by backend 2; %s", summary)
                                             .isGreaterThanOrEqualTo(minPerBackend);
        assertThat((long) uas1Invites.size()).as("INVITE Call-IDs in backend 1's message log; %s", summary)
                                             .isEqualTo(uas1Stats.incomingCalls());
        assertThat((long) uas2Invites.size()).as("INVITE Call-IDs in backend 2's message log; %s", summary)
                                             .isEqualTo(uas2Stats.incomingCalls());
        assertThat(uas1Invites).as("calls that reached both backends; %s", summary).doesNotContainAnyElementsOf(
                uas2Invites);
        assertThat(uas1Stats.incomingCalls() + uas2Stats.incomingCalls())
                .as("INVITEs received by the backends together; %s", summary).isEqualTo(calls);
        assertThat(uas1Stats.successfulCalls() + uas2Stats.successfulCalls())
                .as("calls completed (ACK and BYE received) by the backends together; %s", summary)
                .isEqualTo(calls);
        assertThat(uas1Stats.failedCalls() + uas2Stats.failedCalls())
                .as("failed calls at the backends; %s", summary).isZero();

        assertThat(siplb.isAlive()).as("siplb still running after the calls; its log: %s", siplb.log()).isTrue();
        final String siplbLog = Files.readString(siplb.log(), StandardCharsets.ISO_8859_1);
        assertThat(siplbLog).as("Netty leak reports in siplb's log %s", siplb.log()).doesNotContain("LEAK:");
    }

    private ChildProcess startUas(Path sipp, Path scenario, Path dir, String name, int port) throws IOException {
        return start(name, List.of(
                sipp.toString(),
                "-sf", scenario.toString(),
                "-i", "127.0.0.1", "-p", Integer.toString(port),
                "-recv_timeout", "30s",
                "-timeout", UAS_MAX_LIFETIME.toSeconds() + "s",
                "-nostdin",
                "-trace_stat", "-stf", dir.resolve(name + "_stats.csv").toString(), "-fd", "1",
                "-trace_shortmsg", "-shortmessage_file", dir.resolve(name + "_messages.log").toString(),
                "-trace_err", "-error_file", dir.resolve(name + "_errors.log").toString(),
                "-trace_screen", "-screen_file", dir.resolve(name + "_screen.log").toString()), dir);
    }

    private ChildProcess start(String name, List<String> command, Path dir) throws IOException {
        final Path log = dir.resolve(name + ".out");
        Files.writeString(dir.resolve(name + ".cmd"), String.join(" ", command) + System.lineSeparator());
        final ChildProcess process = ChildProcess.start(name, command, dir, log);
        started.add(process);
        return process;
    }

    /**
     * Writes siplb's configuration and its Kamailio-format destination list (set 1: both backends) into
     * {@code dir}.
     */
    private static Path writeSiplbConfig(Path dir, int siplbPort, int uas1Port, int uas2Port) throws IOException {
        final Path list = dir.resolve("dispatcher.list");
        Files.writeString(list,
                          "# setid uri flags priority attrs\n" +
                          "1 sip:127.0.0.1:" + uas1Port + " 0 0\n" +
                          "1 sip:127.0.0.1:" + uas2Port + " 0 0\n");
        final Path config = dir.resolve("siplb.conf");
        Files.writeString(config,
                          "siplb {\n" +
                          "  listen = [\"udp:127.0.0.1:" + siplbPort + "\"]\n" +
                          "  dispatcher {\n" +
                          "    list-file = \"dispatcher.list\"\n" +
                          "    # Stateless forwarding: every request of a call must hash to the same backend.\n" +
                          "    default-algorithm = hash-call-id\n" +
                          "  }\n" +
                          "  proxy {\n" +
                          "    record-route = true\n" +
                          "  }\n" +
                          "}\n");
        return config;
    }

    private static Path sippExecutable() {
        return SippExecutable.locate(System.getProperty("sipp.executable", SippExecutable.DEFAULT),
                                     System.getenv("PATH"));
    }

    private static Path siplbJar() {
        final Path jar = Paths.get(System.getProperty("siplb.jar", "../proxy/target/siplb.jar")).toAbsolutePath()
                              .normalize();
        if (!Files.isRegularFile(jar)) {
            fail("siplb's runnable jar " + jar + " is missing: build it with 'mvn -pl proxy -am package " +
                 "-DskipTests' (or run the suite with -am), or pass -Dsiplb.jar=PATH");
        }
        return jar;
    }

    private static Path javaExecutable() {
        return Paths.get(System.getProperty("java.home"), "bin", "java");
    }

    private static Path freshRunDirectory() throws IOException {
        final Path dir = Paths.get(System.getProperty("interop.dir", "target/interop")).toAbsolutePath();
        if (Files.isDirectory(dir)) {
            try (Stream<Path> files = Files.walk(dir)) {
                files.sorted(Comparator.reverseOrder()).filter(p -> !p.equals(dir)).forEach(p -> {
                    try {
                        Files.delete(p);
                    } catch (IOException e) {
                        throw new UncheckedIOException(e);
                    }
                });
            }
        }
        Files.createDirectories(dir);
        return dir;
    }

    private static String tail(Path file, int lines) {
        try {
            final List<String> all = Files.readAllLines(file, StandardCharsets.ISO_8859_1);
            return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
        } catch (IOException e) {
            return "(unreadable: " + e + ')';
        }
    }

    private static List<Path> listFiles(Path dir) {
        try (Stream<Path> files = Files.list(dir)) {
            return files.sorted().collect(Collectors.toList());
        } catch (IOException e) {
            return List.of(dir);
        }
    }

    private static Path copyResource(String resource, Path dir) throws IOException {
        final Path target = dir.resolve(Paths.get(resource).getFileName());
        try (InputStream in = SippInteropIT.class.getClassLoader().getResourceAsStream(resource)) {
            if (in == null) {
                throw new IOException("test resource " + resource + " not found");
            }
            Files.copy(in, target, StandardCopyOption.REPLACE_EXISTING);
        }
        return target;
    }

    /** {@code count} distinct UDP ports free on 127.0.0.1 at the time of the call. */
    private static int[] freeUdpPorts(int count) throws IOException {
        final List<DatagramSocket> sockets = new ArrayList<>();
        try {
            final int[] ports = new int[count];
            for (int i = 0; i < count; i++) {
                final DatagramSocket socket =
                        new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
                sockets.add(socket);
                ports[i] = socket.getLocalPort();
            }
            return ports;
        } finally {
            sockets.forEach(DatagramSocket::close);
        }
    }
}
