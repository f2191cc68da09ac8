package io.siplb.loadtests.interop;

import static io.siplb.loadtests.interop.WebRtcKamailioIT.awaitTcp;
import static io.siplb.loadtests.interop.WebRtcKamailioIT.deleteTree;
import static io.siplb.loadtests.interop.WebRtcKamailioIT.freeTcpPort;
import static io.siplb.loadtests.interop.WebRtcKamailioIT.freeUdpPortPair;
import static io.siplb.loadtests.interop.WebRtcKamailioIT.freeUdpPorts;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A real WebRTC SIP stack (JsSIP in Debian's headless Chromium, through {@link WebRtcClient}) registers and calls
 * through siplb's {@code ws:} listener (RFC 7118) to a sipp UAS over UDP, all on 127.0.0.1:
 * <pre>
 *   JsSIP/Chromium --ws--> siplb (stateful, round-robin, record-route) --udp--> sipp uas_webrtc.xml
 * </pre>
 * siplb runs as a separate JVM from its shaded jar ({@code proxy/target/siplb.jar} or {@code -Dsiplb.jar}). The
 * browser must see every step succeed: REGISTER 200, 180, 200, ACK, the answer accepted by setRemoteDescription, an
 * INFO from the UAS (an in-dialog request towards the browser, whose Contact is an unresolvable {@code .invalid}
 * host: siplb finds the WebSocket again by the flow token of its Record-Route), BYE 200, un-REGISTER 200. sipp must
 * end both of its calls (the registration, the dialog) successfully. Logs in
 * {@code load-tests/target/interop/webrtc-siplb/}. A missing node, npm, Chromium or sipp fails the test, saying what
 * to install. Every child process is stopped by its pid when the test ends.
 */
class WebRtcSiplbIT {

    private static final Duration HOLD = Duration.ofSeconds(2);
    private static final Duration CLIENT_TIMEOUT = Duration.ofSeconds(90);
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
    void browserRegistersCallsAndHangsUpThroughSiplbsWebSocketListener() throws Exception {
        final WebRtcClient client = WebRtcClient.locate();
        final Path sipp = SippExecutable.locate(System.getProperty("sipp.executable", SippExecutable.DEFAULT),
                                                System.getenv("PATH"));
        final Path jar = Paths.get(System.getProperty("siplb.jar", "../proxy/target/siplb.jar")).toAbsolutePath()
                              .normalize();
        if (!Files.isRegularFile(jar)) {
            fail("siplb's runnable jar " + jar + " is missing: build it with 'mvn -pl proxy -am package -DskipTests'");
        }
        final Path dir = Paths.get(System.getProperty("interop.dir", "target/interop"), "webrtc-siplb")
                              .toAbsolutePath();
        deleteTree(dir);
        Files.createDirectories(dir);
        client.ensureInstalled(dir);

        final int wsPort = freeTcpPort();
        final int[] udp = freeUdpPorts(2);
        final int siplbUdpPort = udp[0];
        final int uasPort = udp[1];
        final int mediaPort = freeUdpPortPair();

        final ChildProcess uas = start("uas", List.of(
                sipp.toString(),
                "-sf", client.dir().resolve("sipp/uas_webrtc.xml").toString(),
                "-i", "127.0.0.1", "-p", Integer.toString(uasPort), "-mp", Integer.toString(mediaPort), "-t", "u1",
                "-m", "2", "-nostdin",
                "-timeout", CLIENT_TIMEOUT.plus(SIPP_EXIT_TIMEOUT).toSeconds() + "s", "-timeout_error",
                "-trace_stat", "-stf", dir.resolve("uas_stats.csv").toString(), "-fd", "1",
                "-trace_msg", "-message_file", dir.resolve("uas_messages.log").toString(),
                "-trace_err", "-error_file", dir.resolve("uas_errors.log").toString()), dir);

        final Path config = dir.resolve("siplb.conf");
        Files.writeString(config, "siplb {\n"
                                  + "  listen = [\"udp:127.0.0.1:" + siplbUdpPort + "\", \"ws:127.0.0.1:" + wsPort
                                  + "\"]\n"
                                  + "  io.threads = 2\n"
                                  + "  admin.listen = \"127.0.0.1:0\"\n"
                                  + "  dispatcher.sets = [ { id = 1, algorithm = round-robin, destinations = "
                                  + "[\"sip:127.0.0.1:" + uasPort + "\"] } ]\n"
                                  // the sipp UAS would take an OPTIONS probe for an unexpected call
                                  + "  dispatcher.probing.mode = inactive\n"
                                  + "}\n");
        final ChildProcess siplb = start("siplb", List.of(
                Paths.get(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx256m", "-jar",
                jar.toString(), "run", "-c", config.toString()), dir);
        awaitTcp(siplb, wsPort);

        final WebRtcClient.Result result = client.call(
                new WebRtcClient.Call("ws://127.0.0.1:" + wsPort, "sip:alice@127.0.0.1", "sip:127.0.0.1",
                                      "sip:bob@127.0.0.1", HOLD, CLIENT_TIMEOUT, List.of("INFO")),
                dir.resolve("client"));
        final Integer uasExit = uas.waitFor(SIPP_EXIT_TIMEOUT);
        final String where = "\nclient: " + result + "\nlogs in " + dir + " (siplb: " + siplb.log() + ", sipp: "
                             + dir.resolve("uas_messages.log") + ", browser: " + dir.resolve("client") + ')';

        assertThat(result.errors()).as("client errors" + where).isEmpty();
        assertThat(result.exitCode()).as("client exit code" + where).isZero();
        assertThat(result.ok()).as("client ok" + where).isTrue();
        assertThat(result.subprotocol()).as("negotiated WebSocket subprotocol" + where).isEqualTo("sip");
        assertThat(result.registerStatus()).as("REGISTER" + where).isEqualTo(200);
        assertThat(result.progress()).as("INVITE provisional responses" + where).contains(180);
        assertThat(result.finalStatus()).as("INVITE final response" + where).isEqualTo(200);
        assertThat(result.confirmed()).as("call confirmed" + where).isTrue();
        assertThat(result.ackSent()).as("ACK sent" + where).isTrue();
        assertThat(result.remoteSdpAccepted()).as("SDP answer accepted by Chromium" + where).isTrue();
        assertThat(result.incomingRequests()).as("requests from the UAS" + where).containsExactly("INFO");
        assertThat(result.incomingAnswered("INFO")).as("the browser's answer to the INFO" + where).isEqualTo(200);
        assertThat(result.incomingRequestUri("INFO")).as("INFO Request-URI at the browser" + where)
                                                   .contains(".invalid").contains("transport=ws");
        assertThat(result.byeStatus()).as("BYE" + where).isEqualTo(200);
        assertThat(result.unregisterStatus()).as("un-REGISTER" + where).isEqualTo(200);
        assertThat(result.viaTransportsSent()).as("Via transport of the browser's messages" + where)
                                              .containsExactly("WS");
        // Double Record-Route: the UDP side, and the WebSocket side with the flow token of the browser's connection.
        assertThat(result.recordRoute()).as("Record-Route in the 200 OK" + where)
                                        .anySatisfy(rr -> assertThat(rr).matches("<sip:sf[0-9a-f]{16}@127\\.0\\.0\\.1:"
                                                                                 + wsPort + ";transport=ws;lr>"))
                                        .anySatisfy(rr -> assertThat(rr).contains(":" + siplbUdpPort));

        assertThat(uasExit).as("sipp UAS exit code (0: both calls successful)" + where).isEqualTo(0);
        final SippStatistics stats = SippStatistics.read(dir.resolve("uas_stats.csv"));
        assertThat(stats.successfulCalls()).as("sipp successful calls: %s%s", stats, where).isEqualTo(2);
        assertThat(stats.failedCalls()).as("sipp failed calls" + where).isZero();
        final String wire = Files.readString(dir.resolve("uas_messages.log"), StandardCharsets.ISO_8859_1);
        assertThat(wire).as("sipp's message log" + where)
                        .contains("Via: SIP/2.0/UDP 127.0.0.1:" + siplbUdpPort)
                        .contains("Via: SIP/2.0/WS ");
    }

    private ChildProcess start(String name, List<String> command, Path dir) throws IOException {
        Files.writeString(dir.resolve(name + ".cmd"), String.join(" ", command) + System.lineSeparator());
        final ChildProcess process = ChildProcess.start(name, command, dir, dir.resolve(name + ".out"));
        started.add(process);
        return process;
    }
}
