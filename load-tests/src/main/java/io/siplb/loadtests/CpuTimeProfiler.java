package io.siplb.loadtests;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.lang.management.ThreadMXBean;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.openjdk.jmh.infra.BenchmarkParams;
import org.openjdk.jmh.infra.IterationParams;
import org.openjdk.jmh.profile.InternalProfiler;
import org.openjdk.jmh.results.AggregationPolicy;
import org.openjdk.jmh.results.IterationResult;
import org.openjdk.jmh.results.Result;
import org.openjdk.jmh.results.ScalarResult;

/**
 * A JMH profiler that reports the CPU time the benchmark's worker threads ({@code *-jmh-worker-*}) spent per
 * operation ({@code cpu.time.norm}, ns/op) and the share of the iteration's wall time they were on a CPU
 * ({@code cpu.share}, CPU time / (wall time × worker threads)). On a shared, loaded machine the wall-clock ns/op of
 * JMH grows with every moment the benchmark thread waits for a CPU; its CPU time does not, so
 * {@code cpu.time.norm} is the steadier figure there, while a {@code cpu.share} well below 1 says how disturbed the
 * run was. Not thread-safe; JMH calls a profiler from its control thread only.
 *
 * <p>Use it with {@code -prof io.siplb.loadtests.CpuTimeProfiler}, for example:
 * <pre>{@code
 * java -jar load-tests/target/benchmarks.jar ParseBenchmark -prof gc -prof io.siplb.loadtests.CpuTimeProfiler
 * }</pre>
 */
public final class CpuTimeProfiler implements InternalProfiler {

    /** Part of the name JMH gives its benchmark worker threads. */
    private static final String WORKER_THREAD_NAME = "-jmh-worker-";

    private final ThreadMXBean threads = ManagementFactory.getThreadMXBean();
    private Map<Long, Long> cpuAtStart = Map.of();
    private long wallAtStart;

    public CpuTimeProfiler() {
        if (!threads.isThreadCpuTimeSupported()) {
            throw new IllegalStateException("this JVM does not measure thread CPU time");
        }
        if (!threads.isThreadCpuTimeEnabled()) {
            threads.setThreadCpuTimeEnabled(true);
        }
    }

    @Override
    public String getDescription() {
        return "CPU time of the benchmark threads per operation (ns/op), and their share of the wall time";
    }

    @Override
    public void beforeIteration(BenchmarkParams benchmarkParams, IterationParams iterationParams) {
        cpuAtStart = workerCpuTimes();
        wallAtStart = System.nanoTime();
    }

    @Override
    public List<Result> afterIteration(BenchmarkParams benchmarkParams, IterationParams iterationParams,
                                       IterationResult result) {
        final long wall = System.nanoTime() - wallAtStart;
        final Map<Long, Long> cpuAtEnd = workerCpuTimes();
        long cpu = 0;
        int workers = 0;
        for (Map.Entry<Long, Long> e : cpuAtEnd.entrySet()) {
            final Long start = cpuAtStart.get(e.getKey());
            // A worker created during the iteration started from zero CPU time.
            cpu += e.getValue() - (start != null ? start : 0L);
            workers++;
        }
        final long ops = result.getMetadata().getAllOps();
        if (ops <= 0 || workers == 0 || wall <= 0) {
            return List.of();
        }
        return List.of(new ScalarResult("cpu.time.norm", (double) cpu / ops, "ns/op", AggregationPolicy.AVG),
                       new ScalarResult("cpu.share", (double) cpu / ((double) wall * workers), "ratio",
                                        AggregationPolicy.AVG));
    }

    private Map<Long, Long> workerCpuTimes() {
        final Map<Long, Long> times = new HashMap<>();
        for (ThreadInfo info : threads.getThreadInfo(threads.getAllThreadIds())) {
            if (info == null || !info.getThreadName().contains(WORKER_THREAD_NAME)) {
                continue;
            }
            final long cpu = threads.getThreadCpuTime(info.getThreadId());
            if (cpu >= 0) {
                times.put(info.getThreadId(), cpu);
            }
        }
        return times;
    }
}
