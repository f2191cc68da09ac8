package io.siplb.loadtests.gen;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The {@code siplb load} command line: help, usage errors, and a short run with every output. */
class LoadMainTest {

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    private int run(String... args) {
        return LoadMain.execute(args, new PrintStream(out, true, StandardCharsets.UTF_8),
                                new PrintStream(err, true, StandardCharsets.UTF_8));
    }

    @Test
    void helpDescribesEveryOption() throws Exception {
        assertThat(run("uac", "--help")).isZero();
        final String uac = out.toString(StandardCharsets.UTF_8);
        for (String option : new String[] { "--target", "--transport", "--ca", "--insecure", "--local", "--service",
                                            "--mode", "--hold", "--timeout", "--t1", "--rate", "--calls",
                                            "--duration", "--sweep", "--step-duration", "--max-concurrent",
                                            "--sockets", "--threads", "--io", "--progress", "--json", "--charts",
                                            "--warm-up", "--help" }) {
            assertThat(uac).contains(option);
        }
        out.reset();
        assertThat(run("uas", "--help")).isZero();
        final String uas = out.toString(StandardCharsets.UTF_8);
        for (String option : new String[] { "--listen", "--transport", "--cert", "--key", "--mode", "--name",
                                            "--t1", "--sockets", "--threads", "--io", "--duration", "--progress",
                                            "--help" }) {
            assertThat(uas).contains(option);
        }
    }

    @Test
    void usageErrorsExitWith2AndSayWhatWasExpected() {
        assertThat(run("uac")).isEqualTo(LoadMain.EXIT_USAGE);
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("--target HOST:PORT is required");
        err.reset();
        assertThat(run("uac", "--target", "127.0.0.1:5060", "--rate", "fast")).isEqualTo(LoadMain.EXIT_USAGE);
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("--rate: 'fast' (expected: a number)");
        err.reset();
        assertThat(run("uac", "--target", "127.0.0.1", "--sweep", "1:2")).isEqualTo(LoadMain.EXIT_USAGE);
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("FROM:TO:STEP");
        err.reset();
        assertThat(run("uac", "--target", "127.0.0.1", "--calls", "5", "--duration", "1s"))
                .isEqualTo(LoadMain.EXIT_USAGE);
        err.reset();
        assertThat(run("uac", "--target", "127.0.0.1", "--warm-up", "0s")).isEqualTo(LoadMain.EXIT_USAGE);
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("--warm-up 0s (expected: a duration > 0)");
        err.reset();
        assertThat(run("uas", "--mode", "loud")).isEqualTo(LoadMain.EXIT_USAGE);
        assertThat(run("bench")).isEqualTo(LoadMain.EXIT_USAGE);
    }

    @Test
    void aShortRunPrintsProgressAndWritesJsonAndCharts(@TempDir Path dir) throws Exception {
        try (Uas uas = LoadTesting.uas(LoadTransport.UDP, UasMode.ANSWER, "cli")) {
            final int status = run("uac", "--target", "127.0.0.1:" + uas.localAddress().getPort(), "--rate", "40",
                                   "--calls", "50", "--io", "nio", "--progress",
                                   "--json", dir.resolve("r.json").toString(),
                                   "--charts", dir.resolve("charts").toString());
            final String text = out.toString(StandardCharsets.UTF_8);

            assertThat(status).as(text + err).isZero();
            assertThat(text).contains("completed 50", "backends siplb-load-uas cli 100%", "json: ", "chart: ");
            assertThat(text).containsPattern("\\s+1s  started [0-9.]+/s  completed [0-9.]+/s  failed 0.0/s");
            assertThat(MiniJson.parse(Files.readString(dir.resolve("r.json")))).isNotNull();
            assertThat(Files.size(dir.resolve("charts").resolve(UacCharts.LATENCY_PNG))).isPositive();
        }
    }

    @Test
    void aWarmUpRunsFirstAndIsNotCounted(@TempDir Path dir) throws Exception {
        try (Uas uas = LoadTesting.uas(LoadTransport.UDP, UasMode.ANSWER, "warm")) {
            final int status = run("uac", "--target", "127.0.0.1:" + uas.localAddress().getPort(), "--sweep",
                                   "20:40:20", "--step-duration", "1s", "--warm-up", "1.5s", "--io", "nio",
                                   "--json", dir.resolve("r.json").toString());
            final String text = out.toString(StandardCharsets.UTF_8);

            assertThat(status).as(text + err).isZero();
            // 1.5 s at the sweep's first rate, then the sweep's own 20 + 40 calls, counted alone.
            assertThat(text).contains("warm-up (not counted): 30 calls at 20.0 calls/s, completed 30, failed 0",
                                      "calls: attempted 60, completed 60, failed 0");
            assertThat(Files.readString(dir.resolve("r.json"))).containsPattern("\"attempted\"\\s*:\\s*60\\b");
            assertThat(uas.stats().requests("INVITE")).isEqualTo(90);
        }
    }
}
