/**
 * The interop suite, with real SIP peers on loopback: sipp as caller, siplb (a separate JVM started from
 * {@code proxy/target/siplb.jar}) as a record-routing load balancer and two sipp processes as backends; and a
 * real Kamailio whose dispatcher must pick the same destinations as siplb's {@code hash-mode = kamailio}.
 *
 * <p>Starting points: {@link io.siplb.loadtests.interop.SippInteropIT} (the suite, run with
 * {@code mvn -Pinterop -pl load-tests verify}), {@link io.siplb.loadtests.interop.KamailioCompatInteropIT}
 * (Kamailio side by side), {@link io.siplb.loadtests.interop.ChildProcess} (bounded start
 * and stop of one child process by its pid), {@link io.siplb.loadtests.interop.SippStatistics} (sipp's
 * {@code -trace_stat} CSV). Scenarios are resources under {@code sipp/}.
 */
package io.siplb.loadtests.interop;
