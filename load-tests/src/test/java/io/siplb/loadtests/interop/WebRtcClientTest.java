package io.siplb.loadtests.interop;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class WebRtcClientTest {

    /** A result line as webrtc-call.mjs printed it in a passing run through Kamailio (shortened). */
    static final String PASSING_LINE = "{\"ok\":true,\"jssipVersion\":\"3.13.8\",\"secureContext\":true,"
            + "\"ws\":{\"url\":\"ws://127.0.0.1:45527\",\"connected\":true,\"subprotocol\":\"sip\",\"closeCode\":null},"
            + "\"register\":{\"status\":200,\"reason\":\"OK\",\"ok\":true},"
            + "\"call\":{\"target\":\"sip:bob@127.0.0.1\",\"progress\":[180],\"finalStatus\":200,\"finalReason\":\"OK\","
            + "\"accepted\":true,\"confirmed\":true,\"ackSent\":true,\"remoteSdpAccepted\":true,"
            + "\"signalingState\":\"stable\",\"iceConnectionState\":\"new\",\"endedBy\":\"local\",\"failedCause\":null},"
            + "\"inDialogRequests\":[{\"method\":\"INFO\",\"ruri\":\"sip:acd9ekn4@lps7i591ques.invalid;transport=ws;ob\","
            + "\"viaTransport\":\"WS\",\"answered\":200,\"contentType\":\"application/x-siplb-harness\","
            + "\"body\":\"in-dialog request from the UAS toward the browser\\r\\n\"}],"
            + "\"bye\":{\"sent\":true,\"status\":200,\"reason\":\"OK\"},"
            + "\"unregister\":{\"status\":200,\"reason\":\"OK\",\"ok\":true},"
            + "\"viaTransports\":{\"sent\":[\"WS\"],\"received\":[\"WS\"]},"
            + "\"recordRoute\":[\"<sip:127.0.0.1:36723;r2=on;lr=on>\",\"<sip:127.0.0.1:45527;transport=ws;r2=on;lr=on>\"],"
            + "\"errors\":[],\"durationMs\":5407,\"messages\":[\"out REGISTER\",\"in 200 REGISTER\"]}";

    @TempDir
    Path tmp;

    @Test
    void readsEveryStepOfAPassingResult() {
        final WebRtcClient.Result r = new WebRtcClient.Result(0, PASSING_LINE, Json.parseObject(PASSING_LINE),
                                                              tmp.resolve("out"), tmp.resolve("err"));

        assertThat(r.ok()).isTrue();
        assertThat(r.wsConnected()).isTrue();
        assertThat(r.subprotocol()).isEqualTo("sip");
        assertThat(r.registerStatus()).isEqualTo(200);
        assertThat(r.progress()).containsExactly(180);
        assertThat(r.finalStatus()).isEqualTo(200);
        assertThat(r.confirmed()).isTrue();
        assertThat(r.ackSent()).isTrue();
        assertThat(r.remoteSdpAccepted()).isTrue();
        assertThat(r.incomingRequests()).containsExactly("INFO");
        assertThat(r.incomingAnswered("INFO")).isEqualTo(200);
        assertThat(r.incomingRequestUri("INFO")).isEqualTo("sip:acd9ekn4@lps7i591ques.invalid;transport=ws;ob");
        assertThat(r.incomingAnswered("BYE")).isNull();
        assertThat(r.byeStatus()).isEqualTo(200);
        assertThat(r.unregisterStatus()).isEqualTo(200);
        assertThat(r.viaTransportsSent()).containsExactly("WS");
        assertThat(r.viaTransportsReceived()).containsExactly("WS");
        assertThat(r.recordRoute()).hasSize(2).last().asString().contains("transport=ws");
        assertThat(r.errors()).isEmpty();
        assertThat(r.messages()).containsExactly("out REGISTER", "in 200 REGISTER");
    }

    @Test
    void aNonZeroExitIsNotOkWhateverTheLineSays() {
        assertThat(new WebRtcClient.Result(1, PASSING_LINE, Json.parseObject(PASSING_LINE), tmp, tmp).ok()).isFalse();
    }

    @Test
    void theResultIsTheLastJsonLineOnStdout() {
        assertThat(WebRtcClient.lastJsonLine("noise\n{\"ok\":false}\nmore\n  {\"ok\":true}  \n")).isEqualTo("{\"ok\":true}");
        assertThat(WebRtcClient.lastJsonLine("no json here\n")).isNull();
    }

    @Test
    void buildsTheScriptsCommandLine() throws Exception {
        final Path dir = harness();
        final WebRtcClient client = new WebRtcClient(dir, tmp.resolve("node"), null, executable(tmp.resolve("chromium")));

        final List<String> command = client.command(new WebRtcClient.Call(
                "ws://127.0.0.1:5060", "sip:alice@127.0.0.1", "sip:127.0.0.1", "sip:bob@127.0.0.1",
                Duration.ofMillis(2500), Duration.ofSeconds(60), List.of("INFO")), tmp.resolve("logs"));

        assertThat(command).containsExactly(
                tmp.resolve("node").toString(), dir.resolve("webrtc-call.mjs").toString(),
                "--ws", "ws://127.0.0.1:5060", "--aor", "sip:alice@127.0.0.1", "--target", "sip:bob@127.0.0.1",
                "--hold", "2.5", "--timeout", "60", "--chromium", tmp.resolve("chromium").toString(),
                "--log-dir", tmp.resolve("logs").toString(), "--registrar", "sip:127.0.0.1",
                "--expect-incoming", "INFO");
    }

    @Test
    void failsLoudlyWithoutChromiumOrTheScript() throws Exception {
        final Path dir = harness();
        assertThatThrownBy(() -> new WebRtcClient(dir, tmp.resolve("node"), null, tmp.resolve("no-chromium")))
                .isInstanceOf(AssertionError.class)
                .hasMessageContaining("apt-get install -y chromium");
        assertThatThrownBy(() -> new WebRtcClient(tmp.resolve("nowhere"), tmp.resolve("node"), null,
                                                  executable(tmp.resolve("chromium"))))
                .isInstanceOf(AssertionError.class)
                .hasMessageContaining("webrtc-call.mjs");
    }

    @Test
    void withoutNodeModulesAndWithoutNpmEnsureInstalledFailsLoudly() throws Exception {
        final WebRtcClient client = new WebRtcClient(harness(), tmp.resolve("node"), null,
                                                     executable(tmp.resolve("chromium")));

        assertThat(client.installed()).isFalse();
        assertThatThrownBy(() -> client.ensureInstalled(tmp.resolve("logs")))
                .isInstanceOf(AssertionError.class)
                .hasMessageContaining("npm is not installed");
    }

    @Test
    void anNpmCiThatFailsFailsLoudly() throws Exception {
        final Path npm = Files.writeString(tmp.resolve("npm"), "#!/bin/sh\necho 'npm ERR! no network' >&2\nexit 1\n");
        Files.setPosixFilePermissions(npm, PosixFilePermissions.fromString("rwxr-xr-x"));
        final WebRtcClient client = new WebRtcClient(harness(), tmp.resolve("node"), npm,
                                                     executable(tmp.resolve("chromium")));

        assertThatThrownBy(() -> client.ensureInstalled(tmp.resolve("logs")))
                .isInstanceOf(AssertionError.class)
                .hasMessageContaining("exited with 1")
                .hasMessageContaining("npm ERR! no network");
    }

    private Path harness() throws Exception {
        final Path dir = Files.createDirectories(tmp.resolve("webrtc"));
        Files.writeString(dir.resolve("webrtc-call.mjs"), "");
        return dir;
    }

    private static Path executable(Path file) throws Exception {
        Files.writeString(file, "#!/bin/sh\n");
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rwxr-xr-x"));
        return file;
    }
}
