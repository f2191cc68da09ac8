package io.siplb.loadtests.interop;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import java.io.IOException;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Validation of the WebRTC harness against a third-party SIP WebSocket server, before siplb's own {@code ws:}
 * listener takes Kamailio's place: a real WebRTC SIP stack (JsSIP in Debian's headless Chromium, through
 * {@link WebRtcClient}) registers and calls over a WebSocket to Kamailio 5.6, which proxies over UDP to a sipp UAS.
 * All on 127.0.0.1, on free ports:
 * <pre>
 *   JsSIP/Chromium --ws--> Kamailio (websocket, xhttp, nathelper, rr, tm) --udp--> sipp uas_webrtc.xml
 * </pre>
 * The files are the harness's ({@code load-tests/src/test/webrtc/}, {@code -Dwebrtc.dir}):
 * {@code sipp/uas_webrtc.xml} (REGISTER 200 until the un-REGISTER; INVITE 180 and 200 with a WebRTC SDP answer;
 * ACK; an INFO toward the browser; BYE 200) and {@code kamailio/kamailio-ws.cfg}. The browser must see every step
 * succeed (REGISTER 200, 180, 200, ACK sent, answer accepted by setRemoteDescription, the INFO from the UAS, BYE
 * 200, un-REGISTER 200), and sipp must end both of its calls (the registration, the dialog) successfully.
 *
 * <p>{@code run-kamailio.sh} in the harness folder does the same from a shell. Logs in
 * {@code load-tests/target/interop/webrtc-kamailio/}. A missing node, npm (when node_modules must be installed),
 * Chromium, Kamailio, its websocket modules or sipp is a failure that says what to install, not a skip. Each
 * child process is stopped by its own pid when the test ends (SIGTERM, SIGKILL after 10 s).
 */
class WebRtcKamailioIT {

    private static final String KAMAILIO_HINT = "install it with: apt-get install -y kamailio kamailio-websocket-modules";
    /** How long Kamailio gets to accept connections on its WebSocket port. */
    private static final Duration STARTUP_TIMEOUT = Duration.ofSeconds(30);
    /** The browser holds the call this long before its BYE. */
    private static final Duration HOLD = Duration.ofSeconds(2);
    /** The client's overall bound (Chromium start, every SIP step, the hold, the cleanup). */
    private static final Duration CLIENT_TIMEOUT = Duration.ofSeconds(90);
    /** How long sipp gets to end after the client is done (it exits once both of its calls ended). */
    private static final Duration SIPP_EXIT_TIMEOUT = Duration.ofSeconds(20);

    private final List<ChildProcess> started = new ArrayList<>();

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

    @Test
    void browserRegistersCallsAndHangsUpThroughKamailiosWebSocket() throws Exception {
        final WebRtcClient client = WebRtcClient.locate();
        final Path sipp = SippExecutable.locate(System.getProperty("sipp.executable", SippExecutable.DEFAULT),
                                                System.getenv("PATH"));
        final Path kamailio = Paths.get(System.getProperty("kamailio.executable", "/usr/sbin/kamailio"));
        if (!Files.isExecutable(kamailio)) {
            fail("Kamailio not found at " + kamailio + " (-Dkamailio.executable=PATH); " + KAMAILIO_HINT);
        }
        final Path modules = modulesDir();

        final Path dir = Paths.get(System.getProperty("interop.dir", "target/interop"), "webrtc-kamailio")
                              .toAbsolutePath();
        deleteTree(dir);
        Files.createDirectories(dir.resolve("run"));
        client.ensureInstalled(dir);

        final int wsPort = freeTcpPort();
        final int[] udp = freeUdpPorts(2);
        final int kamailioUdpPort = udp[0];
        final int uasPort = udp[1];
        final int mediaPort = freeUdpPortPair();

        // sipp UAS: two sipp calls (the registration's Call-ID, the dialog's), bounded by its own -timeout.
        final ChildProcess uas = start("uas", List.of(
                sipp.toString(),
                "-sf", client.dir().resolve("sipp/uas_webrtc.xml").toString(),
                "-i", "127.0.0.1", "-p", Integer.toString(uasPort), "-mp", Integer.toString(mediaPort), "-t", "u1",
                "-m", "2", "-nostdin",
                "-timeout", CLIENT_TIMEOUT.plus(SIPP_EXIT_TIMEOUT).toSeconds() + "s", "-timeout_error",
                "-trace_stat", "-stf", dir.resolve("uas_stats.csv").toString(), "-fd", "1",
                "-trace_msg", "-message_file", dir.resolve("uas_messages.log").toString(),
                "-trace_err", "-error_file", dir.resolve("uas_errors.log").toString(),
                "-trace_screen", "-screen_file", dir.resolve("uas_screen.log").toString()), dir);

        final String config = Files.readString(client.dir().resolve("kamailio/kamailio-ws.cfg"))
                                   .replace("@WS_PORT@", Integer.toString(wsPort))
                                   .replace("@UDP_PORT@", Integer.toString(kamailioUdpPort))
                                   .replace("@UAS_PORT@", Integer.toString(uasPort))
                                   .replace("@MODULES_DIR@", modules.toString());
        final Path cfg = dir.resolve("kamailio.cfg");
        Files.writeString(cfg, config);
        final ChildProcess proxy = start("kamailio", List.of(
                kamailio.toString(), "-DD", "-E", "-f", cfg.toString(), "-P", dir.resolve("run/kamailio.pid").toString(),
                "-Y", dir.resolve("run").toString(), "-m", "64", "-M", "8"), dir);
        awaitTcp(proxy, wsPort);
        assertThat(uas.isAlive()).as("sipp UAS exited at start; %s:\n%s", uas.log(), WebRtcClient.tail(uas.log(), 20))
                                 .isTrue();

        final WebRtcClient.Result result = client.call(
                new WebRtcClient.Call("ws://127.0.0.1:" + wsPort, "sip:alice@127.0.0.1", "sip:127.0.0.1",
                                      "sip:bob@127.0.0.1", HOLD, CLIENT_TIMEOUT, List.of("INFO")),
                dir.resolve("client"));
        final Integer uasExit = uas.waitFor(SIPP_EXIT_TIMEOUT);
        final String where = "\nclient: " + result + "\nlogs in " + dir + " (Kamailio: " + proxy.log() + ", sipp: "
                             + dir.resolve("uas_messages.log") + ", browser: " + dir.resolve("client") + ')';
        Files.writeString(dir.resolve("summary.txt"), "client " + result + "\nsipp exit " + uasExit + '\n');

        assertThat(result.errors()).as("client errors" + where).isEmpty();
        assertThat(result.exitCode()).as("client exit code" + where).isZero();
        assertThat(result.ok()).as("client ok" + where).isTrue();
        assertThat(result.wsConnected()).as("WebSocket open" + where).isTrue();
        assertThat(result.subprotocol()).as("negotiated WebSocket subprotocol" + where).isEqualTo("sip");
        assertThat(result.registerStatus()).as("REGISTER" + where).isEqualTo(200);
        assertThat(result.progress()).as("INVITE provisional responses" + where).contains(180);
        assertThat(result.finalStatus()).as("INVITE final response" + where).isEqualTo(200);
        assertThat(result.confirmed()).as("call confirmed" + where).isTrue();
        assertThat(result.ackSent()).as("ACK sent" + where).isTrue();
        assertThat(result.remoteSdpAccepted()).as("SDP answer accepted by Chromium" + where).isTrue();
        assertThat(result.incomingRequests()).as("requests from the UAS" + where).containsExactly("INFO");
        assertThat(result.incomingAnswered("INFO")).as("the browser's answer to the INFO" + where).isEqualTo(200);
        // Kamailio's handle_ruri_alias removed the ;alias it had put on the browser's Contact.
        assertThat(result.incomingRequestUri("INFO")).as("INFO Request-URI at the browser" + where)
                                                   .contains(".invalid").contains("transport=ws")
                                                   .doesNotContain("alias=");
        assertThat(result.byeStatus()).as("BYE" + where).isEqualTo(200);
        assertThat(result.unregisterStatus()).as("un-REGISTER" + where).isEqualTo(200);
        assertThat(result.viaTransportsSent()).as("Via transport of the browser's messages" + where)
                                              .containsExactly("WS");
        assertThat(result.recordRoute()).as("Record-Route in the 200 OK" + where)
                                        .anySatisfy(rr -> assertThat(rr).contains(":" + wsPort).contains("transport=ws"))
                                        .anySatisfy(rr -> assertThat(rr).contains(":" + kamailioUdpPort));

        assertThat(uasExit).as("sipp UAS exit code (0: both calls successful)" + where).isEqualTo(0);
        final SippStatistics stats = SippStatistics.read(dir.resolve("uas_stats.csv"));
        assertThat(stats.successfulCalls()).as("sipp successful calls (registration, dialog): %s%s", stats, where)
                                           .isEqualTo(2);
        assertThat(stats.failedCalls()).as("sipp failed calls" + where).isZero();

        // On the UDP side: Kamailio's Via above the browser's WS Via, and its alias on the Contact of the INVITE,
        // which the UAS's INFO carried back in its Request-URI.
        final String wire = Files.readString(dir.resolve("uas_messages.log"), StandardCharsets.ISO_8859_1);
        assertThat(wire).as("sipp's message log" + where)
                        .contains("Via: SIP/2.0/UDP 127.0.0.1:" + kamailioUdpPort)
                        .contains("Via: SIP/2.0/WS ")
                        .containsPattern("INFO sip:[^ ]+\\.invalid;alias=127\\.0\\.0\\.1~[0-9]+~5[^ ]* SIP/2\\.0");
    }

    private ChildProcess start(String name, List<String> command, Path dir) throws IOException {
        Files.writeString(dir.resolve(name + ".cmd"), String.join(" ", command) + System.lineSeparator());
        final ChildProcess process = ChildProcess.start(name, command, dir, dir.resolve(name + ".out"));
        started.add(process);
        return process;
    }

    /** Waits until 127.0.0.1:port accepts a TCP connection, at most {@link #STARTUP_TIMEOUT}. */
    static void awaitTcp(ChildProcess server, int port) throws InterruptedException {
        final long deadline = System.nanoTime() + STARTUP_TIMEOUT.toNanos();
        while (System.nanoTime() < deadline) {
            if (!server.isAlive()) {
                fail(server.name() + " exited at start; log " + server.log() + ":\n" + WebRtcClient.tail(server.log(), 40));
            }
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 500);
                return;
            } catch (IOException notYet) {
                Thread.sleep(100);
            }
        }
        fail(server.name() + " did not accept connections on 127.0.0.1:" + port + " within " + STARTUP_TIMEOUT
             + "; log " + server.log() + ":\n" + WebRtcClient.tail(server.log(), 40));
    }

    /** Kamailio's modules directory, which must hold the websocket, xhttp and nathelper modules. */
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
                for (String module : List.of("websocket", "xhttp", "nathelper", "rr", "sl")) {
                    if (!Files.isRegularFile(candidate.resolve(module + ".so"))) {
                        fail("Kamailio module " + module + ".so is missing in " + candidate + "; " + KAMAILIO_HINT);
                    }
                }
                return candidate;
            }
        }
        throw new AssertionError("no Kamailio modules directory with tm.so (-Dkamailio.modules=DIR); " + KAMAILIO_HINT);
    }

    static int freeTcpPort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    /** {@code count} distinct free UDP ports on 127.0.0.1 (held together while allocated, so they differ). */
    static int[] freeUdpPorts(int count) throws IOException {
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

    /** A free UDP port p with p + 2 free too: sipp's {@code -mp} binds both (audio and video RTP echo). */
    static int freeUdpPortPair() throws IOException {
        for (int attempt = 0; attempt < 50; attempt++) {
            try (DatagramSocket first = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))) {
                final int port = first.getLocalPort();
                if (port + 2 > 65535) {
                    continue;
                }
                try (DatagramSocket second = new DatagramSocket(
                        new InetSocketAddress(InetAddress.getLoopbackAddress(), port + 2))) {
                    return port;
                } catch (IOException taken) {
                    // try another
                }
            }
        }
        throw new IOException("no free UDP port p with p + 2 free in 50 attempts");
    }

    static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(dir)) {
            for (Path p : paths.sorted((a, b) -> b.getNameCount() - a.getNameCount()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
