package io.siplb.loadtests.interop;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SippStatisticsTest {

    @TempDir
    Path tmp;

    /** uas_stats.csv: header and the last two rows of a sipp 3.6.1 UAS -trace_stat file (50 calls answered). */
    @Test
    void readsCumulativeCountersOfTheLastRow() throws Exception {
        final SippStatistics stats = SippStatistics.read(resource("uas_stats.csv"));

        assertThat(stats.incomingCalls()).isEqualTo(50);
        assertThat(stats.outgoingCalls()).isZero();
        assertThat(stats.successfulCalls()).isEqualTo(50);
        assertThat(stats.failedCalls()).isZero();
        assertThat(stats.counter("SuccessfulCall(P)")).isZero();
    }

    @Test
    void readsDurationsWrittenAsHoursMinutesSecondsMicroseconds() throws Exception {
        final Path file = tmp.resolve("stats.csv");
        Files.writeString(file, "StartTime;ResponseTime1(C);CallLength(C);Bad\n" +
                                "t0;00:00:00:029000;01:02:03:000004;12ms\n");

        final SippStatistics stats = SippStatistics.read(file);

        assertThat(stats.duration(SippStatistics.RESPONSE_TIME)).isEqualTo(Duration.ofMillis(29));
        assertThat(stats.duration("CallLength(C)")).isEqualTo(Duration.ofSeconds(3723).plusNanos(4000));
        assertThatThrownBy(() -> stats.duration("Bad")).isInstanceOf(IllegalArgumentException.class)
                                                       .hasMessageContaining("Bad: 12ms (expected: HH:MM:SS:uuuuuu)");
    }

    @Test
    void takesTheLastRowNotTheFirst() throws Exception {
        final Path file = tmp.resolve("stats.csv");
        Files.writeString(file, "StartTime;SuccessfulCall(C);FailedCall(C);\n" +
                                "t0;10;0;\n" +
                                "t1;1990;10;\n\n");

        final SippStatistics stats = SippStatistics.read(file);

        assertThat(stats.successfulCalls()).isEqualTo(1990);
        assertThat(stats.failedCalls()).isEqualTo(10);
    }

    @Test
    void namesTheFileAndColumnWhenAColumnIsMissing() throws Exception {
        final Path file = tmp.resolve("stats.csv");
        Files.writeString(file, "StartTime;SuccessfulCall(C);\nt0;10;\n");

        final SippStatistics stats = SippStatistics.read(file);

        assertThatThrownBy(stats::failedCalls).isInstanceOf(IllegalArgumentException.class)
                                              .hasMessageContaining(file.toString())
                                              .hasMessageContaining("no column FailedCall(C)");
    }

    @Test
    void rejectsAFileWithoutARow() throws Exception {
        final Path file = tmp.resolve("stats.csv");
        Files.writeString(file, "StartTime;SuccessfulCall(C);\n");

        assertThatThrownBy(() -> SippStatistics.read(file)).isInstanceOf(IOException.class)
                                                           .hasMessageContaining("1 non-empty line(s)");
    }

    static Path resource(String name) throws URISyntaxException {
        return Paths.get(SippStatisticsTest.class.getResource(name).toURI());
    }
}
