package io.siplb.loadtests.gen;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link BenchChart}: two PNG charts per transport of a sweeps file; a malformed line named by its number. */
class BenchChartTest {

    @TempDir
    Path dir;

    @Test
    void writesTwoChartsPerTransport() throws Exception {
        final Path tsv = dir.resolve("sweeps.tsv");
        Files.writeString(tsv, "transport\ttarget\toffered\tthroughput\tp99_ms\tfailed\n"
                               + "udp\tsiplb\t500\t500\t1.5\t0\n"
                               + "udp\tsiplb\t1000\t900\t\t100\n"
                               + "udp\tkamailio\t500\t500\t2.5\t0\n"
                               + "tls\tsiplb\t500\t500\tNaN\t0\n");
        final List<Path> written = BenchChart.write(tsv, dir.resolve("charts"));
        assertEquals(4, written.size());
        for (Path p : written) {
            final byte[] png = Files.readAllBytes(p);
            assertTrue(png.length > 1000, p + " is too small for a chart");
            assertEquals((byte) 0x89, png[0]);
            assertEquals('P', png[1]);
        }
        assertTrue(Files.exists(dir.resolve("charts/sweep-throughput-udp.png")));
        assertTrue(Files.exists(dir.resolve("charts/sweep-p99-tls.png")));
    }

    @Test
    void malformedLineIsNamed() throws Exception {
        final Path tsv = dir.resolve("bad.tsv");
        Files.writeString(tsv, "header\nudp\tsiplb\tfast\t500\t1\t0\n");
        final IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                                                        () -> BenchChart.write(tsv, dir.resolve("c")));
        assertTrue(e.getMessage().contains("line 2"), e.getMessage());
    }
}
