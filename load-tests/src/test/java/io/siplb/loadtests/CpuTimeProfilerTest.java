package io.siplb.loadtests;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Function;
import java.util.stream.Collectors;

import org.junit.jupiter.api.Test;
import org.openjdk.jmh.results.IterationResult;
import org.openjdk.jmh.results.IterationResultMetaData;
import org.openjdk.jmh.results.Result;

class CpuTimeProfilerTest {

    @Test
    void reportsTheCpuTimeOfWorkerThreadsPerOperation() throws Exception {
        final CpuTimeProfiler profiler = new CpuTimeProfiler();
        final AtomicBoolean stop = new AtomicBoolean();
        final CountDownLatch started = new CountDownLatch(1);
        final Thread worker = new Thread(() -> {
            started.countDown();
            long x = 0;
            while (!stop.get()) {
                x += System.nanoTime() & 1;
            }
            assertThat(x).isGreaterThanOrEqualTo(0);
        }, "CpuTimeProfilerTest-jmh-worker-1");
        worker.start();
        try {
            assertThat(started.await(10, TimeUnit.SECONDS)).isTrue();
            profiler.beforeIteration(null, null);
            Thread.sleep(300);
            final List<Result> results = profiler.afterIteration(
                    null, null, new IterationResult(null, null, new IterationResultMetaData(1000, 1000)));

            final Map<String, Result> byLabel =
                    results.stream().collect(Collectors.toMap(Result::getLabel, Function.identity()));
            assertThat(byLabel).containsOnlyKeys("cpu.time.norm", "cpu.share");
            // The spinning worker was on a CPU for part of the 300 ms (the whole of it on an idle machine).
            assertThat(byLabel.get("cpu.time.norm").getScore()).isGreaterThan(0).isLessThan(1e6);
            assertThat(byLabel.get("cpu.time.norm").getScoreUnit()).isEqualTo("ns/op");
            assertThat(byLabel.get("cpu.share").getScore()).isGreaterThan(0).isLessThanOrEqualTo(1.05);
        } finally {
            stop.set(true);
            worker.join(10_000);
        }
    }

    @Test
    void reportsNothingWithoutWorkerThreads() {
        final CpuTimeProfiler profiler = new CpuTimeProfiler();
        profiler.beforeIteration(null, null);

        assertThat(profiler.afterIteration(
                null, null, new IterationResult(null, null, new IterationResultMetaData(10, 10)))).isEmpty();
    }
}
