/**
 * The sipp interop suite: sipp as caller, siplb (a separate JVM started from {@code proxy/target/siplb.jar}) as
 * a record-routing load balancer, two sipp processes as backends, all on loopback.
 *
 * <p>Starting points: {@link io.siplb.loadtests.interop.SippInteropIT} (the suite, run with
 * {@code mvn -Pinterop -pl load-tests verify}), {@link io.siplb.loadtests.interop.ChildProcess} (bounded start
 * and stop of one child process by its pid), {@link io.siplb.loadtests.interop.SippStatistics} (sipp's
 * {@code -trace_stat} CSV). Scenarios are resources under {@code sipp/}.
 */
package io.siplb.loadtests.interop;
