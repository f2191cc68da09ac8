/**
 * siplb's load tooling: JMH benchmarks ({@code codec}: {@link io.siplb.loadtests.codec.ParseBenchmark},
 * {@link io.siplb.loadtests.codec.RewriteBenchmark}; {@code dispatch}: the dispatch engine) built into
 * {@code load-tests/target/benchmarks.jar}, and {@link io.siplb.loadtests.CpuTimeProfiler}, a JMH profiler that
 * reports the CPU time of the benchmark threads per operation, which a shared machine disturbs less than wall time;
 * {@link io.siplb.loadtests.JfrCpuShare}, the share of parse and select in a JFR recording of a running siplb, and
 * {@link io.siplb.loadtests.ScalingCharts}, the tables and charts of {@code load-tests/bench/scaling.sh}.
 * The sipp interop suite is under {@code src/test} ({@code io.siplb.loadtests.interop}).
 */
package io.siplb.loadtests;
