package io.siplb.loadtests.interop;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ChildProcessTest {

    @TempDir
    Path tmp;

    @Test
    void writesOutputToItsLogAndReportsTheExitCode() throws Exception {
        try (ChildProcess process = ChildProcess.start("echo", List.of("sh", "-c", "echo out; echo err >&2; exit 7"),
                                                       tmp, tmp.resolve("echo.out"))) {
            assertThat(process.waitFor(Duration.ofSeconds(10))).isEqualTo(7);
            assertThat(Files.readAllLines(tmp.resolve("echo.out"))).containsExactlyInAnyOrder("out", "err");
        }
    }

    @Test
    void waitForReturnsNullWhileRunningAndCloseStopsTheProcess() throws Exception {
        final ChildProcess process = ChildProcess.start("loop", loop(""), tmp, tmp.resolve("loop.out"));
        try {
            assertThat(process.waitFor(Duration.ofMillis(200))).isNull();
            assertThat(process.isAlive()).isTrue();
        } finally {
            process.close();
        }
        assertThat(process.isAlive()).isFalse();
    }

    @Test
    void closeKillsAProcessThatSurvivesSigterm() throws Exception {
        final Path log = tmp.resolve("stubborn.out");
        final ChildProcess process = ChildProcess.start("stubborn", loop("trap 'echo got TERM' TERM; "), tmp, log);
        awaitReady(log);

        process.close();

        assertThat(process.isAlive()).isFalse();
        assertThat(Files.readAllLines(log)).contains("got TERM");
    }

    @Test
    void signalReachesTheProcess() throws Exception {
        final Path log = tmp.resolve("usr1.out");
        try (ChildProcess process = ChildProcess.start("usr1", loop("trap 'exit 3' USR1; "), tmp, log)) {
            awaitReady(log);
            process.signal("USR1");

            assertThat(process.waitFor(Duration.ofSeconds(10))).isEqualTo(3);
        }
    }

    /** A shell that runs {@code prefix}, prints {@code ready}, then loops for at most 60 s. */
    private static List<String> loop(String prefix) {
        return List.of("sh", "-c",
                       prefix + "echo ready; i=0; while [ $i -lt 600 ]; do sleep 0.1; i=$((i+1)); done");
    }

    /** Waits (at most 10 s) until the shell has installed its traps and printed {@code ready}. */
    private static void awaitReady(Path log) throws Exception {
        final long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (!Files.readString(log).contains("ready")) {
            assertThat(System.nanoTime()).as("shell ready within 10 s").isLessThan(deadline);
            Thread.sleep(20);
        }
    }
}
