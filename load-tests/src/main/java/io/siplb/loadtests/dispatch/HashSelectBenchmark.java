package io.siplb.loadtests.dispatch;

import java.util.concurrent.TimeUnit;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

import io.siplb.dispatch.Algorithm;
import io.siplb.dispatch.Dispatcher;
import io.siplb.dispatch.HashMode;
import io.siplb.dispatch.Selection;
import io.siplb.dispatch.SelectionKey;

/**
 * Hash-over-Call-ID selection by hash mode (consistent rendezvous vs Kamailio's modulo), with and without
 * weight attributes, over 8 and 32 destinations: what the hash algorithms of {@link SelectBenchmark} cost as the
 * set grows.
 *
 * <p>Run: {@code java -jar load-tests/target/benchmarks.jar HashSelectBenchmark -prof gc}
 * <br>Quick: {@code java -jar load-tests/target/benchmarks.jar HashSelectBenchmark -f1 -wi 2 -i 3 -w 1s -r 1s -prof gc}
 *
 * <p>Thread-safety: benchmark state is per trial; the cursor per thread.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
@State(Scope.Thread)
public class HashSelectBenchmark {

    @Param
    public HashMode hashMode;

    @Param({"false", "true"})
    public boolean weighted;

    @Param({"8", "32"})
    public int destinations;

    private Dispatcher dispatcher;
    private SelectionKey[] keys;
    private int next;

    @Setup(Level.Trial)
    public void setUp() {
        dispatcher = Dispatcher.create(BenchmarkSets.settings(destinations, 1, hashMode, weighted));
        keys = BenchmarkSets.callIdKeys();
    }

    /** One hash selection. */
    @Benchmark
    @Threads(1)
    public Selection hashCallId() {
        return dispatcher.select(BenchmarkSets.SET_ID, Algorithm.HASH_CALL_ID,
                                 keys[next++ & (BenchmarkSets.KEYS - 1)]);
    }
}
