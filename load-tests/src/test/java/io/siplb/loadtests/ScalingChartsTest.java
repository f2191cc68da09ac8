package io.siplb.loadtests;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ScalingChartsTest {

    private static final String HEADER = "curve\tthreads\tdestinations\tconcurrency\tring_ms\trep\tcpu_us_per_call\t" +
            "p99_first_ms\tp99_invite_200_ms\tp99_bye_200_ms\tcompleted\tfailed\tunfinished\trss_mib\tload1\tstart_utc\t" +
            "jit_us_per_call\n";

    @Test
    void mediansPerPointGoToTheSummaryAndTheChartsAreWritten(@TempDir Path dir) throws Exception {
        final Path tsv = dir.resolve("results.tsv");
        Files.writeString(tsv, HEADER +
                "destinations\t1\t2\t0\t0\t1\t40.0\t0.5\t1.5\t0.9\t15000\t0\t0\t300\t3.1\t08:50:00\n" +
                "destinations\t1\t2\t0\t0\t2\t44.0\t0.6\t1.7\t1.0\t15000\t0\t0\t301\t3.2\t08:51:00\n" +
                "destinations\t1\t2\t0\t0\t3\t90.0\t0.7\t9.9\t1.1\t15000\t0\t0\t302\t9.0\t08:52:00\n" +
                "destinations\t1\t10000\t0\t0\t1\t50.0\t0.5\t2.0\t1.0\t15000\t0\t0\t320\t3.0\t08:53:00\t4.5\n" +
                "concurrency\t2\t2\t10000\t10000\t1\t60.0\t0.8\t10002.0\t1.2\t5000\t0\t10000\t700\t4.0\t08:54:00\n");

        final List<ScalingCharts.Run> runs = ScalingCharts.read(tsv);
        final List<Path> written = ScalingCharts.write(runs, dir);

        assertThat(runs).hasSize(5);
        assertThat(written).extracting(p -> p.getFileName().toString())
                           .containsExactly("destinations-cpu.png", "destinations-p99.png", "concurrency-cpu.png",
                                            "concurrency-p99.png", "summary.md");
        for (Path p : written) {
            assertThat(Files.size(p)).isPositive();
        }
        final String summary = Files.readString(dir.resolve("summary.md"));
        // Median of 40, 44, 90 is 44; of p99 INVITE -> 200 1.5, 1.7, 9.9 is 1.7.
        assertThat(summary).contains("| 1 | 2 | 3 | 40.00 / 44.00 / 90.00 | **44.00** | 44.00 | 0.60 | 1.70 | 1.00 | 0 |");
        // Without the JIT threads: 50 - 4.5.
        assertThat(summary).contains("| 1 | 10,000 | 1 | 45.50 | **45.50** | 50.00 |");
        assertThat(summary).contains("| 2 | 10,000 | 1 | 60.00 | **60.00** |");
    }

    @Test
    void medianTakesTheLowerMiddleOfAnEvenCountAndIgnoresMissingValues() {
        assertThat(ScalingCharts.median(List.of(3.0, 1.0, 2.0))).isEqualTo(2.0);
        assertThat(ScalingCharts.median(List.of(4.0, 1.0, 3.0, 2.0))).isEqualTo(2.0);
        assertThat(ScalingCharts.median(List.of(Double.NaN, 5.0))).isEqualTo(5.0);
        assertThat(ScalingCharts.median(List.of())).isNaN();
    }

    @Test
    void aShortLineIsAnErrorNamingTheFileAndLine(@TempDir Path dir) throws Exception {
        final Path tsv = dir.resolve("results.tsv");
        Files.writeString(tsv, HEADER + "destinations\t1\t2\n");
        assertThatThrownBy(() -> ScalingCharts.read(tsv)).hasMessageContaining("results.tsv:2")
                                                          .hasMessageContaining("expected: 16");
    }
}
