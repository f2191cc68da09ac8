/**
 * JMH benchmarks of sip-codec: parsing and indexing a typical INVITE and reading the fields a router needs
 * ({@link io.siplb.loadtests.codec.ParseBenchmark}), and the forwarding rewrites of a request and a response
 * ({@link io.siplb.loadtests.codec.RewriteBenchmark}), each over heap and direct buffers. The messages are resources
 * of this package ({@link io.siplb.loadtests.codec.BenchmarkMessages}). Results are in {@code load-tests/BENCHMARKS.md}.
 */
package io.siplb.loadtests.codec;
