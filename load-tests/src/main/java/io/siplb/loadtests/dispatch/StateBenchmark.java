package io.siplb.loadtests.dispatch;

import java.util.concurrent.TimeUnit;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

import io.siplb.dispatch.state.CallLoadTable;
import io.siplb.dispatch.state.DestinationKey;
import io.siplb.dispatch.state.DestinationState;
import io.siplb.dispatch.state.HealthState;
import io.siplb.dispatch.state.StateRegistry;

/**
 * The per-request operations of the runtime state: one call's whole call-load lifecycle (add, confirm, release),
 * a health read, a passive success on a healthy destination, a latency sample and an overload-control check,
 * from one and two threads.
 *
 * <p>Run: {@code java -jar load-tests/target/benchmarks.jar StateBenchmark -prof gc}
 * <br>Quick: {@code java -jar load-tests/target/benchmarks.jar StateBenchmark -f1 -wi 2 -i 3 -w 1s -r 1s -prof gc}
 *
 * <p>Thread-safety: the registry and table are shared ({@link Scope#Benchmark}); Call-IDs are per thread.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class StateBenchmark {

    /** Shared state: 8 destinations, one call-load table. */
    @State(Scope.Benchmark)
    public static class Shared {
        StateRegistry registry;
        DestinationState[] states;
        CallLoadTable table;

        @Setup(Level.Trial)
        public void setUp() {
            registry = StateRegistry.create();
            states = new DestinationState[8];
            for (int i = 0; i < states.length; i++) {
                states[i] = registry.getOrCreate(DestinationKey.ofDuid(1, "d" + i), HealthState.ACTIVE);
            }
            table = CallLoadTable.builder().maxCalls(1_000_000).build();
        }
    }

    /** Per-thread Call-IDs (distinct across threads), made before the measurement. */
    @State(Scope.Thread)
    public static class Calls {
        private static final java.util.concurrent.atomic.AtomicInteger THREADS =
                new java.util.concurrent.atomic.AtomicInteger();
        String[] callIds;
        int next;

        @Setup(Level.Trial)
        public void setUp() {
            final int t = THREADS.getAndIncrement();
            callIds = new String[4096];
            for (int i = 0; i < callIds.length; i++) {
                callIds[i] = "t" + t + '-' + i + "@pc33.atlanta.example.com";
            }
        }
    }

    /** add + confirm + release of one call. */
    @Benchmark
    @Threads(1)
    public boolean callLifecycle(Shared s, Calls c) {
        return lifecycle(s, c);
    }

    /** The same from two threads. */
    @Benchmark
    @Threads(2)
    public boolean callLifecycle2(Shared s, Calls c) {
        return lifecycle(s, c);
    }

    private static boolean lifecycle(Shared s, Calls c) {
        final int i = c.next++;
        final String callId = c.callIds[i & 4095];
        final DestinationState d = s.states[i & 7];
        s.table.add(callId, d);
        s.table.confirm(callId);
        return s.table.release(callId);
    }

    /** What selection reads per destination. */
    @Benchmark
    @Threads(1)
    public boolean healthRead(Shared s, Calls c) {
        return s.states[c.next++ & 7].isActive();
    }

    /** A 2xx from a healthy destination (no write). */
    @Benchmark
    @Threads(1)
    public HealthState passiveSuccess(Shared s, Calls c) {
        return s.states[c.next++ & 7].passiveSuccess("200");
    }

    /** One latency sample (CAS of a new immutable snapshot). */
    @Benchmark
    @Threads(1)
    public double latencySample(Shared s, Calls c) {
        final DestinationState d = s.states[c.next++ & 7];
        d.latency().recordNanos(1_500_000 + (c.next & 1023));
        return d.latency().estimateMillis();
    }

    /** An overload-control check with no reduction in force. */
    @Benchmark
    @Threads(1)
    public boolean overloadCheck(Shared s, Calls c) {
        return s.states[c.next++ & 7].overload().shouldSkip();
    }
}
