/**
 * JMH benchmarks of dispatch-engine: selection with every algorithm from 1, 2 and 8 threads
 * ({@link io.siplb.loadtests.dispatch.SelectBenchmark}), hash modes and set sizes
 * ({@link io.siplb.loadtests.dispatch.HashSelectBenchmark}), readers against a writer swapping snapshots
 * ({@link io.siplb.loadtests.dispatch.SnapshotSwapBenchmark}) and the runtime-state hot paths: call-load
 * bookkeeping, health reads and signals, latency samples ({@link io.siplb.loadtests.dispatch.StateBenchmark}).
 * Each class javadoc gives its run command; results are in {@code load-tests/BENCHMARKS.md}.
 */
package io.siplb.loadtests.dispatch;
