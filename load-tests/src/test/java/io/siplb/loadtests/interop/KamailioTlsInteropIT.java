package io.siplb.loadtests.interop;

import static io.siplb.loadtests.interop.WebRtcKamailioIT.deleteTree;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import java.io.IOException;
import java.io.InputStream;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * TLS against a third-party SIP stack: Kamailio 5.6 with its {@code tls} module (OpenSSL; Debian's
 * {@code kamailio-tls-modules}) as siplb's TLS peer on either side, with sipp as caller and callee, all on
 * 127.0.0.1 on free ports:
 * <pre>
 *   caller side:  sipp uac.xml --udp--> Kamailio --tls--> siplb tls: listener --udp--> sipp uas.xml
 *   callee side:  sipp uac.xml --udp--> siplb --tls--> Kamailio tls listener --udp--> sipp uas.xml
 * </pre>
 * The test makes its own PKI ({@link TlsPeerCertificates}: one CA, a certificate for siplb and one for Kamailio,
 * both for 127.0.0.1). Certificates are verified in both directions on every connection: siplb has
 * {@code verify-destinations = true} (chain and host name, RFC 5922) and {@code client-auth = required}; Kamailio's
 * tls domains ({@code kamailio/tls.cfg}) verify the peer's chain and require a certificate, as server and as client.
 * Kamailio ({@code kamailio/kamailio-tls.cfg}) record-routes twice (UDP and TLS), siplb double record-routes too,
 * so ACK and BYE take the same path as the INVITE. Every call must complete at both sipps, Kamailio must log the
 * verified certificate of siplb (CN siplb) for what came over TLS, and siplb's counters must show the TLS
 * connection kept for all calls.
 *
 * <p>The negative cases: siplb's destination set puts a Kamailio first (priority algorithm) whose certificate names
 * another host ({@value TlsPeerCertificates#WRONG_HOST}) or comes from a CA siplb does not trust, and a sipp UAS
 * over UDP second. siplb must refuse the handshake, never send a request to that Kamailio, fail over to the UAS
 * (every call completes there), count and log the failure, and keep running.
 *
 * <p>siplb runs as a separate JVM from its shaded jar ({@code proxy/target/siplb.jar}, or {@code -Dsiplb.jar}).
 * Files (configurations, PEM files, logs, sipp statistics and message logs) in
 * {@code load-tests/target/interop/kamailio-tls-<test>/}. A missing Kamailio, tls module or sipp fails the test,
 * saying what to install. Every child process is stopped by its own pid when the test ends (SIGTERM, SIGKILL after
 * 10 s).
 */
class KamailioTlsInteropIT {

    private static final String KAMAILIO_HINT = "install it with: apt-get install -y kamailio kamailio-tls-modules";
    /** Calls and rate of each successful direction ({@code -Dinterop.tls-calls}, {@code -Dinterop.tls-rate}). */
    private static final int DEFAULT_CALLS = 200;
    private static final int DEFAULT_RATE = 50;
    /** Calls and rate of the refused-certificate runs. */
    private static final int REFUSED_CALLS = 20;
    private static final int REFUSED_RATE = 10;
    private static final Duration STARTUP_TIMEOUT = Duration.ofSeconds(30);
    private static final Duration UAS_QUIT_TIMEOUT = Duration.ofSeconds(15);
    private static final Duration UAS_MAX_LIFETIME = Duration.ofMinutes(5);
    private static final Duration UAC_SLACK = Duration.ofSeconds(50);
    private static final Duration SIPLB_STOP_TIMEOUT = Duration.ofSeconds(15);
    /** A Kamailio log line of a request: method, Request-URI, transport, source. */
    private static final Pattern REQUEST_LINE = Pattern.compile("request (\\S+) \\S+ from (\\w+):127\\.0\\.0\\.1:");

    private final List<ChildProcess> started = new ArrayList<>();
    private Path dir;

    @AfterEach
    void stopEverythingStarted() throws InterruptedException {
        for (int i = started.size() - 1; i >= 0; i--) {
            started.get(i).close();
        }
        for (ChildProcess p : started) {
            assertThat(p.isAlive()).as("%s still running after SIGKILL", p).isFalse();
        }
        started.clear();
    }

    /** Kamailio is the TLS client: it relays the sipp UAC's calls over TLS to siplb's tls: listener. */
    @Test
    void kamailioCallsOverTlsThroughSiplbToSipp() throws Exception {
        final Path sipp = sipp();
        final Path kamailio = kamailio();
        final Path jar = siplbJar();
        dir = freshDirectory("kamailio-tls-caller");
        final TlsPeerCertificates pki = TlsPeerCertificates.create(dir.resolve("pki"));
        final int[] udp = freeUdpPorts(4);
        final int[] tcp = freeTcpPorts(2);
        final int kamailioUdp = udp[0];
        final int siplbUdp = udp[1];
        final int uasPort = udp[2];
        final int uacPort = udp[3];
        final int kamailioTls = tcp[0];
        final int siplbTls = tcp[1];
        final int calls = Integer.getInteger("interop.tls-calls", DEFAULT_CALLS);
        final int rate = Integer.getInteger("interop.tls-rate", DEFAULT_RATE);

        final ChildProcess uas = startUas(sipp, "uas", uasPort);
        final ChildProcess siplb = startSiplb(jar, pki, siplbUdp, siplbTls, "round-robin",
                                              List.of("1 sip:127.0.0.1:" + uasPort + " 0 0  # uas"));
        final ChildProcess proxy = startKamailio(kamailio, "kamailio", pki.kamailio(), pki, kamailioUdp, kamailioTls,
                                                 "sip:127.0.0.1:" + siplbTls + ";transport=tls");
        assertThat(uas.isAlive()).as("sipp UAS running; %s", uas.log()).isTrue();

        final Integer uacExit = runUac(sipp, kamailioUdp, uacPort, calls, rate);
        final SippStatistics uasStats = quitUas(uas);
        final SippStatistics uacStats = SippStatistics.read(dir.resolve("uac_stats.csv"));
        final SiplbCounters counters = stopSiplb(siplb);
        final String kamailioLog = Files.readString(proxy.log(), StandardCharsets.ISO_8859_1);
        final String where = summary("caller", calls, rate, uacExit, uacStats, uasStats, counters);

        assertEveryCallCompleted(calls, uacExit, uacStats, uasStats, where);
        // Kamailio received the calls over UDP and sent them on over TLS; siplb's replies came back over TLS,
        // each from a peer whose certificate Kamailio verified: siplb's.
        assertThat(requests(kamailioLog, "INVITE", "udp")).as("INVITEs Kamailio received over UDP; %s", where)
                                                         .isEqualTo(calls);
        assertThat(kamailioLog).as("Kamailio's log %s; %s", proxy.log(), where)
                               .containsPattern("reply 200 OK to INVITE from tls:127\\.0\\.0\\.1:" + siplbTls)
                               .containsPattern("tls peer of 200 to INVITE from 127\\.0\\.0\\.1:" + siplbTls
                                                + ": verified=1 cn=siplb version=TLSv1\\.[23]")
                               .doesNotContainPattern("verified=0");
        // At the UAS: siplb's Via (UDP) above Kamailio's TLS Via, and siplb's double Record-Route with the flow
        // token of Kamailio's connection on the TLS side, below which Kamailio's own two.
        assertThat(Files.readString(dir.resolve("uas_wire.log"), StandardCharsets.ISO_8859_1))
                .as("the UAS's message log; %s", where)
                .contains("Via: SIP/2.0/UDP 127.0.0.1:" + siplbUdp + ";branch=")
                .contains("Via: SIP/2.0/TLS 127.0.0.1:" + kamailioTls + ";branch=")
                .containsPattern("Record-Route: <sip:sf[0-9a-f]+@127\\.0\\.0\\.1:" + siplbTls + ";transport=tls;lr>")
                .contains("Record-Route: <sip:127.0.0.1:" + kamailioTls + ";transport=tls;r2=on;lr=on>");
        assertThat(counters.get("connections.tls.inbound"))
                .as("TLS connections siplb accepted from Kamailio (kept for every call, not one per call); %s", where)
                .isBetween(1L, 2L);
        assertThat(counters.get("connections.tls-handshake-failed")).as("failed TLS handshakes; %s", where).isZero();
        assertThat(counters.get("requests.forwarded")).as("requests siplb forwarded (INVITE, ACK, BYE); %s", where)
                                                      .isEqualTo(3L * calls);
    }

    /** siplb is the TLS client: it sends the calls over TLS to Kamailio, which relays them to the sipp UAS. */
    @Test
    void siplbCallsOverTlsThroughKamailioToSipp() throws Exception {
        final Path sipp = sipp();
        final Path kamailio = kamailio();
        final Path jar = siplbJar();
        dir = freshDirectory("kamailio-tls-destination");
        final TlsPeerCertificates pki = TlsPeerCertificates.create(dir.resolve("pki"));
        final int[] udp = freeUdpPorts(4);
        final int[] tcp = freeTcpPorts(2);
        final int kamailioUdp = udp[0];
        final int siplbUdp = udp[1];
        final int uasPort = udp[2];
        final int uacPort = udp[3];
        final int kamailioTls = tcp[0];
        final int siplbTls = tcp[1];
        final int calls = Integer.getInteger("interop.tls-calls", DEFAULT_CALLS);
        final int rate = Integer.getInteger("interop.tls-rate", DEFAULT_RATE);

        final ChildProcess uas = startUas(sipp, "uas", uasPort);
        final ChildProcess proxy = startKamailio(kamailio, "kamailio", pki.kamailio(), pki, kamailioUdp, kamailioTls,
                                                 "sip:127.0.0.1:" + uasPort + ";transport=udp");
        final ChildProcess siplb = startSiplb(jar, pki, siplbUdp, siplbTls, "round-robin",
                                              List.of("1 sip:127.0.0.1:" + kamailioTls + ";transport=tls 0 0  # kamailio"));
        assertThat(uas.isAlive()).as("sipp UAS running; %s", uas.log()).isTrue();

        final Integer uacExit = runUac(sipp, siplbUdp, uacPort, calls, rate);
        final SippStatistics uasStats = quitUas(uas);
        final SippStatistics uacStats = SippStatistics.read(dir.resolve("uac_stats.csv"));
        final SiplbCounters counters = stopSiplb(siplb);
        final String kamailioLog = Files.readString(proxy.log(), StandardCharsets.ISO_8859_1);
        final String where = summary("destination", calls, rate, uacExit, uacStats, uasStats, counters);

        assertEveryCallCompleted(calls, uacExit, uacStats, uasStats, where);
        // Every request of every call reached Kamailio over TLS, from a client whose certificate it verified.
        for (String method : List.of("INVITE", "ACK", "BYE")) {
            assertThat(requests(kamailioLog, method, "tls")).as("%ss Kamailio received over TLS; %s", method, where)
                                                            .isEqualTo(calls);
        }
        assertThat(kamailioLog).as("Kamailio's log %s; %s", proxy.log(), where)
                               .containsPattern("tls peer of INVITE from 127\\.0\\.0\\.1:[0-9]+: verified=1 "
                                                + "cn=siplb version=TLSv1\\.[23]")
                               .doesNotContainPattern("verified=0");
        // At the UAS: Kamailio's Via (UDP) above siplb's TLS Via.
        assertThat(Files.readString(dir.resolve("uas_wire.log"), StandardCharsets.ISO_8859_1))
                .as("the UAS's message log; %s", where)
                .contains("Via: SIP/2.0/UDP 127.0.0.1:" + kamailioUdp + ";branch=")
                .contains("Via: SIP/2.0/TLS 127.0.0.1:" + siplbTls + ";branch=")
                .contains("Record-Route: <sip:127.0.0.1:" + kamailioTls + ";transport=tls;r2=on;lr=on>");
        assertThat(counters.get("connections.tls.outbound"))
                .as("TLS connections siplb opened to Kamailio (pooled, not one per call); %s", where)
                .isBetween(1L, 2L);
        assertThat(counters.get("connections.tls-handshake-failed")).as("failed TLS handshakes; %s", where).isZero();
        assertThat(counters.get("requests.forwarded")).as("requests siplb forwarded (INVITE, ACK, BYE); %s", where)
                                                      .isEqualTo(3L * calls);
    }

    /** A Kamailio whose certificate (same CA) names only another host is refused; siplb fails over. */
    @Test
    void siplbRefusesAKamailioCertificateForAnotherHostAndFailsOver() throws Exception {
        assertRefusedAndFailedOver("kamailio-tls-wrong-host", TlsPeerCertificates::wrongHost,
                                   "does not name 127.0.0.1");
    }

    /** A Kamailio whose certificate (right host) comes from a CA siplb does not trust is refused; siplb fails over. */
    @Test
    void siplbRefusesAKamailioCertificateFromAnUntrustedCaAndFailsOver() throws Exception {
        assertRefusedAndFailedOver("kamailio-tls-untrusted-ca", TlsPeerCertificates::untrusted,
                                   "unable to find valid certification path");
    }

    private interface CertificateChoice {
        TlsPeerCertificates.Pem of(TlsPeerCertificates pki);
    }

    /**
     * Calls through siplb whose first destination is a Kamailio presenting the chosen certificate: siplb refuses it
     * (its log gives {@code reason}), marks that destination down and every call completes at the UAS.
     */
    private void assertRefusedAndFailedOver(String name, CertificateChoice kamailioCertificate, String reason)
            throws Exception {
        final Path sipp = sipp();
        final Path kamailio = kamailio();
        final Path jar = siplbJar();
        dir = freshDirectory(name);
        final TlsPeerCertificates pki = TlsPeerCertificates.create(dir.resolve("pki"));
        final int[] udp = freeUdpPorts(4);
        final int[] tcp = freeTcpPorts(2);
        final int kamailioUdp = udp[0];
        final int siplbUdp = udp[1];
        final int uasPort = udp[2];
        final int uacPort = udp[3];
        final int kamailioTls = tcp[0];
        final int siplbTls = tcp[1];

        final ChildProcess uas = startUas(sipp, "uas", uasPort);
        // Were siplb to accept the certificate, Kamailio would relay the calls to the UAS and log them.
        final ChildProcess proxy = startKamailio(kamailio, "kamailio", kamailioCertificate.of(pki), pki, kamailioUdp,
                                                 kamailioTls, "sip:127.0.0.1:" + uasPort + ";transport=udp");
        // priority: Kamailio (priority 10) first for every call while it is active, the UAS (priority 0) next.
        final ChildProcess siplb = startSiplb(jar, pki, siplbUdp, siplbTls, "priority",
                                              List.of("1 sip:127.0.0.1:" + kamailioTls + ";transport=tls 0 10  # kamailio",
                                                      "1 sip:127.0.0.1:" + uasPort + " 0 0  # uas"));

        final Integer uacExit = runUac(sipp, siplbUdp, uacPort, REFUSED_CALLS, REFUSED_RATE);
        assertThat(siplb.isAlive()).as("siplb running after the refused handshakes; %s", siplb.log()).isTrue();
        final SippStatistics uasStats = quitUas(uas);
        final SippStatistics uacStats = SippStatistics.read(dir.resolve("uac_stats.csv"));
        final SiplbCounters counters = stopSiplb(siplb);
        final String kamailioLog = Files.readString(proxy.log(), StandardCharsets.ISO_8859_1);
        final String siplbLog = Files.readString(siplb.log(), StandardCharsets.ISO_8859_1);
        final String where = summary(name, REFUSED_CALLS, REFUSED_RATE, uacExit, uacStats, uasStats, counters);

        assertEveryCallCompleted(REFUSED_CALLS, uacExit, uacStats, uasStats, where);
        assertThat(requests(kamailioLog, "INVITE", "tls")).as("INVITEs that reached Kamailio; %s", where).isZero();
        assertThat(counters.get("connections.tls.outbound")).as("TLS connections siplb opened; %s", where)
                                                            .isPositive();
        assertThat(counters.get("connections.tls-handshake-failed")).as("failed TLS handshakes; %s", where)
                                                                    .isPositive();
        assertThat(siplbLog).as("siplb's log %s; %s", siplb.log(), where)
                            .containsPattern("TLS handshake with /127\\.0\\.0\\.1:" + kamailioTls + " failed: .*"
                                             + Pattern.quote(reason))
                            .contains("Destination 1/sip:127.0.0.1:" + kamailioTls + ";transport=tls is now INACTIVE");
    }

    // ---------------------------------------------------------------------------------------------------------

    private ChildProcess startUas(Path sipp, String name, int port) throws IOException {
        final Path scenario = copyResource("sipp/uas.xml");
        return start(name, List.of(
                sipp.toString(), "-sf", scenario.toString(),
                "-i", "127.0.0.1", "-p", Integer.toString(port), "-t", "u1",
                "-recv_timeout", "30s", "-timeout", UAS_MAX_LIFETIME.toSeconds() + "s", "-nostdin",
                "-trace_stat", "-stf", dir.resolve(name + "_stats.csv").toString(), "-fd", "1",
                "-trace_msg", "-message_file", dir.resolve(name + "_wire.log").toString(),
                "-trace_err", "-error_file", dir.resolve(name + "_errors.log").toString()));
    }

    /** SIGUSR1 (sipp's graceful quit), then its final statistics. */
    private SippStatistics quitUas(ChildProcess uas) throws Exception {
        uas.signal("USR1");
        uas.waitFor(UAS_QUIT_TIMEOUT);
        return SippStatistics.read(dir.resolve(uas.name() + "_stats.csv"));
    }

    /** Runs the sipp UAC against 127.0.0.1:{@code target} until its calls are done; returns its exit code. */
    private Integer runUac(Path sipp, int target, int port, int calls, int rate) throws Exception {
        final Path scenario = copyResource("sipp/uac.xml");
        final Duration timeout = Duration.ofSeconds(calls / Math.max(1, rate)).plus(UAC_SLACK);
        final ChildProcess uac = start("uac", List.of(
                sipp.toString(), "127.0.0.1:" + target, "-sf", scenario.toString(),
                "-i", "127.0.0.1", "-p", Integer.toString(port), "-t", "u1",
                "-m", Integer.toString(calls), "-r", Integer.toString(rate), "-rp", "1000", "-l", "1000",
                "-recv_timeout", "10s", "-timeout", timeout.toSeconds() + "s", "-timeout_error", "-nostdin",
                "-trace_stat", "-stf", dir.resolve("uac_stats.csv").toString(), "-fd", "1",
                "-trace_shortmsg", "-shortmessage_file", dir.resolve("uac_messages.log").toString(),
                "-trace_err", "-error_file", dir.resolve("uac_errors.log").toString()));
        final Integer exit = uac.waitFor(timeout.plusSeconds(30));
        assertThat(exit).as("sipp UAC still running after %s s; %s", timeout.plusSeconds(30).toSeconds(), uac.log())
                        .isNotNull();
        return exit;
    }

    /**
     * Starts Kamailio with {@code kamailio/kamailio-tls.cfg} and {@code kamailio/tls.cfg} (certificate
     * {@code certificate}, CA list the test CA), relaying initial requests to {@code nextHop}, and waits until it
     * answers on its UDP port.
     */
    private ChildProcess startKamailio(Path executable, String name, TlsPeerCertificates.Pem certificate,
                                       TlsPeerCertificates pki, int udpPort, int tlsPort, String nextHop)
            throws Exception {
        final Path modules = modulesDir();
        final Path tlsCfg = dir.resolve(name + "-tls.cfg");
        Files.writeString(tlsCfg, resource("kamailio/tls.cfg")
                .replace("@CERTIFICATE@", certificate.certificate().toString())
                .replace("@PRIVATE_KEY@", certificate.privateKey().toString())
                .replace("@CA_LIST@", pki.ca().toString()));
        final Path cfg = dir.resolve(name + ".cfg");
        Files.writeString(cfg, resource("kamailio/kamailio-tls.cfg")
                .replace("@UDP_PORT@", Integer.toString(udpPort))
                .replace("@TLS_PORT@", Integer.toString(tlsPort))
                .replace("@NEXT_HOP@", nextHop)
                .replace("@MODULES_DIR@", modules.toString())
                .replace("@TLS_CFG@", tlsCfg.toString()));
        final Path run = dir.resolve(name + "-run");
        Files.createDirectories(run);
        // -DD: foreground (SIGTERM to this pid stops its children); -E: log to stderr; -Y: runtime files here.
        final ChildProcess process = start(name, List.of(
                executable.toString(), "-DD", "-E", "-f", cfg.toString(), "-P", run.resolve("kamailio.pid").toString(),
                "-Y", run.toString(), "-m", "64", "-M", "8"));
        awaitSipAnswer(process, udpPort);
        return process;
    }

    /**
     * Starts siplb with a UDP and a TLS listener, the test PKI (its own certificate, the CA as ca-bundle,
     * destinations verified, client certificates required) and set 1 from {@code listLines}; waits until it answers
     * on its UDP port.
     */
    private ChildProcess startSiplb(Path jar, TlsPeerCertificates pki, int udpPort, int tlsPort, String algorithm,
                                    List<String> listLines) throws Exception {
        Files.writeString(dir.resolve("dispatcher.list"),
                          "# setid uri flags priority\n" + String.join("\n", listLines) + "\n");
        final Path config = dir.resolve("siplb.conf");
        Files.writeString(config,
                          "siplb {\n" +
                          "  listen = [\"udp:127.0.0.1:" + udpPort + "\", \"tls:127.0.0.1:" + tlsPort + "\"]\n" +
                          "  admin.listen = \"127.0.0.1:0\"\n" +
                          "  io.threads = 2\n" +
                          "  dispatcher {\n" +
                          "    list-file = \"dispatcher.list\"\n" +
                          "    default-algorithm = " + algorithm + "\n" +
                          // No keepalive probes: sipp's UAS scenarios would take an OPTIONS for an unexpected
                          // call, and a probe of a refused destination, fired at a random moment of its first
                          // interval, could take it to PROBING before the passive failures take it to INACTIVE,
                          // the transition the refusal tests check.
                          "    probing.interval = 0s\n" +
                          "  }\n" +
                          "  proxy {\n" +
                          "    record-route = true\n" +
                          "    fr-timeout = 2s\n" +
                          "  }\n" +
                          "  tls {\n" +
                          "    certificate = \"" + pki.siplb().certificate() + "\"\n" +
                          "    private-key = \"" + pki.siplb().privateKey() + "\"\n" +
                          "    ca-bundle = \"" + pki.ca() + "\"\n" +
                          "    verify-destinations = true\n" +
                          "    client-auth = required\n" +
                          "  }\n" +
                          "}\n");
        final ChildProcess siplb = start("siplb", List.of(
                Paths.get(System.getProperty("java.home"), "bin", "java").toString(), "-Xms128m", "-Xmx256m",
                "-Dio.netty.leakDetection.level=advanced", "-jar", jar.toString(), "run", "-c", config.toString()));
        awaitSipAnswer(siplb, udpPort);
        return siplb;
    }

    /** SIGTERM; siplb logs its counters as it stops. Also checks its log for Netty leak reports. */
    private static SiplbCounters stopSiplb(ChildProcess siplb) throws Exception {
        assertThat(siplb.isAlive()).as("siplb still running after the calls; its log: %s", siplb.log()).isTrue();
        siplb.signal("TERM");
        assertThat(siplb.waitFor(SIPLB_STOP_TIMEOUT))
                .as("siplb's exit code after SIGTERM (143: the JVM's exit on SIGTERM); its log: %s", siplb.log())
                .isIn(0, 143);
        assertThat(Files.readString(siplb.log(), StandardCharsets.ISO_8859_1))
                .as("Netty leak reports in siplb's log %s", siplb.log()).doesNotContain("LEAK:");
        return SiplbCounters.read(siplb.log());
    }

    private static void awaitSipAnswer(ChildProcess process, int udpPort) throws IOException {
        final String answer = SipProbe.awaitResponse(new InetSocketAddress("127.0.0.1", udpPort), process,
                                                     STARTUP_TIMEOUT);
        if (answer == null) {
            fail(process.name() + " did not answer an OPTIONS (Max-Forwards: 0) on udp:127.0.0.1:" + udpPort +
                 " within " + STARTUP_TIMEOUT.toSeconds() + " s (" + (process.isAlive() ? "still running" : "exited") +
                 "); its log " + process.log() + " ends with:\n" + WebRtcClient.tail(process.log(), 40));
        }
    }

    private static void assertEveryCallCompleted(int calls, Integer uacExit, SippStatistics uac, SippStatistics uas,
                                                 String where) {
        assertThat(uacExit).as("sipp UAC exit code (0: every call succeeded); %s", where).isZero();
        assertThat(uac.outgoingCalls()).as("calls the UAC made; %s", where).isEqualTo(calls);
        assertThat(uac.successfulCalls()).as("successful calls at the UAC; %s", where).isEqualTo(calls);
        assertThat(uac.failedCalls()).as("failed calls at the UAC; %s", where).isZero();
        assertThat(uas.incomingCalls()).as("INVITEs at the UAS; %s", where).isEqualTo(calls);
        assertThat(uas.successfulCalls()).as("calls completed (ACK and BYE) at the UAS; %s", where).isEqualTo(calls);
        assertThat(uas.failedCalls()).as("failed calls at the UAS; %s", where).isZero();
    }

    /** How many {@code method} requests Kamailio logged as received over {@code transport}. */
    private static long requests(String kamailioLog, String method, String transport) {
        final Matcher m = REQUEST_LINE.matcher(kamailioLog);
        long n = 0;
        while (m.find()) {
            if (m.group(1).equals(method) && m.group(2).equals(transport)) {
                n++;
            }
        }
        return n;
    }

    private String summary(String name, int calls, int rate, Integer uacExit, SippStatistics uac, SippStatistics uas,
                           SiplbCounters counters) throws IOException {
        final String text = String.format(
                "kamailio tls interop [%s]: %d calls at %d calls/s: UAC exit %s, successful %d, failed %d; UAS " +
                "INVITEs %d, completed %d, failed %d; siplb's counters %s; files in %s",
                name, calls, rate, uacExit, uac.successfulCalls(), uac.failedCalls(), uas.incomingCalls(),
                uas.successfulCalls(), uas.failedCalls(), counters, dir);
        System.out.println(text);
        Files.writeString(dir.resolve("summary.txt"), text + System.lineSeparator());
        return text;
    }

    private ChildProcess start(String name, List<String> command) throws IOException {
        Files.writeString(dir.resolve(name + ".cmd"), String.join(" ", command) + System.lineSeparator());
        final ChildProcess process = ChildProcess.start(name, command, dir, dir.resolve(name + ".out"));
        started.add(process);
        return process;
    }

    private Path copyResource(String resource) throws IOException {
        final Path target = dir.resolve(Paths.get(resource).getFileName());
        if (!Files.exists(target)) {
            Files.writeString(target, resource(resource), StandardCharsets.ISO_8859_1);
        }
        return target;
    }

    private static String resource(String name) throws IOException {
        try (InputStream in = KamailioTlsInteropIT.class.getClassLoader().getResourceAsStream(name)) {
            if (in == null) {
                throw new IOException("test resource " + name + " not found");
            }
            return new String(in.readAllBytes(), StandardCharsets.ISO_8859_1);
        }
    }

    private static Path freshDirectory(String name) throws IOException {
        final Path d = Paths.get(System.getProperty("interop.dir", "target/interop"), name).toAbsolutePath();
        deleteTree(d);
        Files.createDirectories(d);
        return d;
    }

    private static Path sipp() {
        return SippExecutable.locate(System.getProperty("sipp.executable", SippExecutable.DEFAULT),
                                     System.getenv("PATH"));
    }

    private static Path kamailio() {
        final Path kamailio = Paths.get(System.getProperty("kamailio.executable", "/usr/sbin/kamailio"));
        if (!Files.isExecutable(kamailio)) {
            fail("Kamailio not found at " + kamailio + " (-Dkamailio.executable=PATH); " + KAMAILIO_HINT);
        }
        return kamailio;
    }

    private static Path siplbJar() {
        final Path jar = Paths.get(System.getProperty("siplb.jar", "../proxy/target/siplb.jar")).toAbsolutePath()
                              .normalize();
        if (!Files.isRegularFile(jar)) {
            fail("siplb's runnable jar " + jar + " is missing: build it with 'mvn -pl proxy -am package " +
                 "-DskipTests', or pass -Dsiplb.jar=PATH");
        }
        return jar;
    }

    /** Kamailio's modules directory, which must hold tls.so and the modules of kamailio-tls.cfg. */
    private static Path modulesDir() throws IOException {
        final String configured = System.getProperty("kamailio.modules");
        final List<Path> candidates = new ArrayList<>();
        if (configured != null) {
            candidates.add(Paths.get(configured));
        } else {
            try (Stream<Path> arch = Files.list(Paths.get("/usr/lib"))) {
                arch.limit(10_000).forEach(p -> candidates.add(p.resolve("kamailio/modules")));
            }
            candidates.add(Paths.get("/usr/lib64/kamailio/modules"));
            candidates.add(Paths.get("/usr/local/lib64/kamailio/modules"));
        }
        for (Path candidate : candidates) {
            if (Files.isRegularFile(candidate.resolve("tm.so"))) {
                for (String module : List.of("tls", "tm", "tmx", "sl", "rr", "pv", "maxfwd", "textops", "siputils",
                                             "xlog", "kex", "corex")) {
                    if (!Files.isRegularFile(candidate.resolve(module + ".so"))) {
                        fail("Kamailio module " + module + ".so is missing in " + candidate + "; " + KAMAILIO_HINT);
                    }
                }
                return candidate;
            }
        }
        throw new AssertionError("no Kamailio modules directory with tm.so (-Dkamailio.modules=DIR); " + KAMAILIO_HINT);
    }

    /** {@code count} distinct free UDP ports on 127.0.0.1 (held together while allocated, so they differ). */
    private static int[] freeUdpPorts(int count) throws IOException {
        final List<DatagramSocket> held = new ArrayList<>();
        try {
            final int[] ports = new int[count];
            for (int i = 0; i < count; i++) {
                final DatagramSocket s = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
                held.add(s);
                ports[i] = s.getLocalPort();
            }
            return ports;
        } finally {
            held.forEach(DatagramSocket::close);
        }
    }

    /** {@code count} distinct free TCP ports on 127.0.0.1 (held together while allocated, so they differ). */
    private static int[] freeTcpPorts(int count) throws IOException {
        final List<ServerSocket> held = new ArrayList<>();
        try {
            final int[] ports = new int[count];
            for (int i = 0; i < count; i++) {
                final ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
                held.add(s);
                ports[i] = s.getLocalPort();
            }
            return ports;
        } finally {
            for (ServerSocket s : held) {
                s.close();
            }
        }
    }
}
