package io.siplb.loadtests.dispatch;

import java.util.concurrent.TimeUnit;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Group;
import org.openjdk.jmh.annotations.GroupThreads;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

import io.siplb.dispatch.Algorithm;
import io.siplb.dispatch.Dispatcher;
import io.siplb.dispatch.DispatcherSettings;
import io.siplb.dispatch.Selection;
import io.siplb.dispatch.SelectionKey;

/**
 * Readers selecting while a writer swaps snapshots. Group {@code swap}: one reader thread selects (weighted and
 * hash) while one writer thread reloads the {@link Dispatcher} back to back, alternating two prebuilt settings
 * (each reload builds and publishes a whole new snapshot). Group {@code baseline}: the same reader next to a
 * thread that only reads the snapshot version, so both groups run two threads ({@code swapHash} and
 * {@code baselineHash} likewise for the hash algorithm). A snapshot swap does not stall
 * readers when {@code swap:read*} stays close to {@code baseline:read*}; {@code swap:reload} is the cost of one
 * reload.
 *
 * <p>Run: {@code java -jar load-tests/target/benchmarks.jar SnapshotSwapBenchmark -prof gc}
 * <br>Quick: {@code java -jar load-tests/target/benchmarks.jar SnapshotSwapBenchmark -f1 -wi 2 -i 3 -w 1s -r 1s -prof gc}
 * <br>Reader latency percentiles (stalls show up as a long tail):
 * {@code java -jar load-tests/target/benchmarks.jar SnapshotSwapBenchmark -bm sample -tu us -f1 -wi 2 -i 3}
 *
 * <p>Thread-safety: the dispatcher is shared by the group ({@link Scope#Group}); cursors are per thread.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class SnapshotSwapBenchmark {

    /** One dispatcher per group, two settings to alternate between. */
    @State(Scope.Group)
    public static class Shared {
        @Param("8")
        public int destinations;

        Dispatcher dispatcher;
        DispatcherSettings a;
        DispatcherSettings b;
        SelectionKey[] keys;

        @Setup(Level.Trial)
        public void setUp() {
            a = BenchmarkSets.settings(destinations, 1);
            b = BenchmarkSets.settings(destinations, 2);
            dispatcher = Dispatcher.create(a);
            keys = BenchmarkSets.callIdKeys();
        }
    }

    /** Per-thread position in the keys and in the a/b alternation. */
    @State(Scope.Thread)
    public static class Cursor {
        int next;
    }

    private static Selection read(Shared s, Cursor c, Algorithm algorithm) {
        return s.dispatcher.select(BenchmarkSets.SET_ID, algorithm, s.keys[c.next++ & (BenchmarkSets.KEYS - 1)]);
    }

    /** Reader (weighted) while snapshots are swapped. */
    @Benchmark
    @Group("swap")
    @GroupThreads(1)
    public Selection readWeighted(Shared s, Cursor c) {
        return read(s, c, Algorithm.WEIGHTED);
    }

    /** Writer: one full reload per operation. */
    @Benchmark
    @Group("swap")
    @GroupThreads(1)
    public long reload(Shared s, Cursor c) {
        s.dispatcher.reload((c.next++ & 1) == 0 ? s.b : s.a);
        return s.dispatcher.snapshot().version();
    }

    /** Reader (hash over Call-ID) while snapshots are swapped. */
    @Benchmark
    @Group("swapHash")
    @GroupThreads(1)
    public Selection readHash(Shared s, Cursor c) {
        return read(s, c, Algorithm.HASH_CALL_ID);
    }

    /** Writer of {@code swapHash}. */
    @Benchmark
    @Group("swapHash")
    @GroupThreads(1)
    public long reloadForHash(Shared s, Cursor c) {
        return reload(s, c);
    }

    /** Reader (weighted) with no swaps. */
    @Benchmark
    @Group("baseline")
    @GroupThreads(1)
    public Selection readWeightedNoSwap(Shared s, Cursor c) {
        return read(s, c, Algorithm.WEIGHTED);
    }

    /** The second thread of {@code baseline}: reads the snapshot version, never writes. */
    @Benchmark
    @Group("baseline")
    @GroupThreads(1)
    public long version(Shared s) {
        return s.dispatcher.snapshot().version();
    }

    /** Reader (hash over Call-ID) with no swaps. */
    @Benchmark
    @Group("baselineHash")
    @GroupThreads(1)
    public Selection readHashNoSwap(Shared s, Cursor c) {
        return read(s, c, Algorithm.HASH_CALL_ID);
    }

    /** The second thread of {@code baselineHash}: reads the snapshot version, never writes. */
    @Benchmark
    @Group("baselineHash")
    @GroupThreads(1)
    public long versionForHash(Shared s) {
        return s.dispatcher.snapshot().version();
    }
}
