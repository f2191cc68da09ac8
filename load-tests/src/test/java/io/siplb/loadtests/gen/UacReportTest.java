package io.siplb.loadtests.gen;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The outputs of a small sweep against a UAS: the JSON result is well-formed and has every field, the summary names
 * the figures, and the charts are non-empty PNG files.
 */
class UacReportTest {

    private static final byte[] PNG_MAGIC = { (byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n' };

    private static UacResult sweep;

    @BeforeAll
    static void runASweep() {
        try (Uas uas = LoadTesting.uas(LoadTransport.UDP, UasMode.ANSWER, "j")) {
            sweep = Uac.run(LoadTesting.uac(uas.localAddress(), LoadTransport.UDP, 1, 1)
                                       .schedule(Schedule.sweep(40, 120, 40, Duration.ofMillis(500))).build(), null);
        }
    }

    @Test
    @SuppressWarnings("unchecked")
    void theJsonIsWellFormedAndHasTheFields(@TempDir Path dir) throws IOException {
        final Path file = dir.resolve("out/result.json");
        UacReport.writeJson(sweep, file);

        final Map<String, Object> json = (Map<String, Object>) MiniJson.parse(Files.readString(file));
        assertThat(json).containsKeys("tool", "coordinated_omission", "config", "started_at", "elapsed_s", "calls",
                                      "failures", "retransmissions", "messages", "latency_ms", "backends", "steps");
        final Map<String, Object> calls = (Map<String, Object>) json.get("calls");
        assertThat(calls).containsKeys("attempted", "completed", "failed", "unfinished", "peak_in_flight",
                                       "throughput_per_s");
        assertThat(calls.get("attempted")).isEqualTo((double) sweep.attempted());
        assertThat(calls.get("completed")).isEqualTo((double) sweep.completed());
        final Map<String, Object> failures = (Map<String, Object>) json.get("failures");
        for (FailureReason reason : FailureReason.values()) {
            assertThat(failures).containsKey(reason.key());
        }
        assertThat(failures).containsKey("by_status");
        assertThat((Map<String, Object>) json.get("retransmissions")).containsKeys("sent", "seen");
        final Map<String, Object> latency = (Map<String, Object>) json.get("latency_ms");
        for (Metric m : Metric.values()) {
            assertThat((Map<String, Object>) latency.get(m.key()))
                    .containsKeys("count", "min", "mean", "p50", "p90", "p99", "p99_9", "max");
        }
        assertThat(((Map<String, Object>) latency.get("invite_200")).get("count"))
                .isEqualTo((double) sweep.completed());
        final List<Object> steps = (List<Object>) json.get("steps");
        assertThat(steps).hasSize(3);
        assertThat((Map<String, Object>) steps.get(0))
                .containsKeys("offered_rate", "duration_s", "attempted", "completed", "failed", "throughput_per_s",
                              "p50_ms", "p99_ms", "max_ms")
                .containsEntry("offered_rate", 40.0)
                .containsEntry("attempted", 20.0);
        assertThat((Map<String, Object>) json.get("backends")).containsEntry("siplb-load-uas j",
                                                                            (double) sweep.completed());
    }

    @Test
    void theSummaryNamesTheFigures() {
        final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        UacReport.printSummary(sweep, new PrintStream(bytes, true, StandardCharsets.UTF_8));
        final String text = bytes.toString(StandardCharsets.UTF_8);

        assertThat(text).contains("attempted " + sweep.attempted(), "completed " + sweep.completed(),
                                  "INVITE -> first response", "INVITE -> 200", "BYE -> 200", "p99.9",
                                  "retransmissions: sent", "coordinated omission", "sweep: offered/s",
                                  "siplb-load-uas j");
    }

    @Test
    void theChartsAreNonEmptyPngFiles(@TempDir Path dir) throws IOException {
        final List<Path> files = UacCharts.write(sweep, dir.resolve("charts"));

        assertThat(files).extracting(p -> p.getFileName().toString())
                         .containsExactly(UacCharts.LATENCY_PNG, UacCharts.SWEEP_THROUGHPUT_PNG, UacCharts.SWEEP_P99_PNG);
        for (Path p : files) {
            final byte[] b = Files.readAllBytes(p);
            assertThat(b.length).isGreaterThan(1000);
            assertThat(java.util.Arrays.copyOf(b, 8)).isEqualTo(PNG_MAGIC);
        }
    }
}
