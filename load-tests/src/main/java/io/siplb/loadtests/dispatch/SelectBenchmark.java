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
import io.siplb.dispatch.Selection;
import io.siplb.dispatch.SelectionKey;

/**
 * Destination selection with every {@link Algorithm}, from one thread and from 2 and 8 threads sharing one
 * {@link Dispatcher} (the round-robin counters and the snapshot are shared, as between event loops). Keys are
 * Call-IDs hashed beforehand, as the proxy passes them. Target: hash, round-robin and weighted at most 50 ns/op
 * and 0 B/op.
 *
 * <p>Run: {@code java -jar load-tests/target/benchmarks.jar SelectBenchmark -prof gc}
 * <br>Quick: {@code java -jar load-tests/target/benchmarks.jar SelectBenchmark -f1 -wi 2 -i 3 -w 1s -r 1s -prof gc}
 * <br>One algorithm: {@code ... SelectBenchmark -p algorithm=WEIGHTED}
 *
 * <p>Thread-safety: benchmark state is per trial ({@link Scope#Benchmark}) or per thread ({@link Scope#Thread}),
 * as JMH prescribes.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class SelectBenchmark {

    /** The dispatcher and keys shared by all threads. */
    @State(Scope.Benchmark)
    public static class Shared {
        @Param
        public Algorithm algorithm;

        @Param("8")
        public int destinations;

        Dispatcher dispatcher;
        SelectionKey[] keys;

        @Setup(Level.Trial)
        public void setUp() {
            dispatcher = Dispatcher.create(BenchmarkSets.settings(destinations, 1));
            keys = BenchmarkSets.callIdKeys();
            final Selection s = dispatcher.select(BenchmarkSets.SET_ID, algorithm, keys[0]);
            if (!s.isSelected()) {
                throw new IllegalStateException(algorithm + ": " + s);
            }
        }
    }

    /** Each thread walks the keys on its own. */
    @State(Scope.Thread)
    public static class Cursor {
        int next;
    }

    private static Selection select(Shared shared, Cursor cursor) {
        final SelectionKey key = shared.keys[cursor.next++ & (BenchmarkSets.KEYS - 1)];
        return shared.dispatcher.select(BenchmarkSets.SET_ID, shared.algorithm, key);
    }

    /** One thread. */
    @Benchmark
    @Threads(1)
    public Selection t1(Shared shared, Cursor cursor) {
        return select(shared, cursor);
    }

    /** Two threads. */
    @Benchmark
    @Threads(2)
    public Selection t2(Shared shared, Cursor cursor) {
        return select(shared, cursor);
    }

    /** Eight threads (on a 2-core machine: oversubscribed, measures contention on shared counters). */
    @Benchmark
    @Threads(8)
    public Selection t8(Shared shared, Cursor cursor) {
        return select(shared, cursor);
    }
}
