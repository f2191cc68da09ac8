/**
 * The interop suite, with real SIP peers on loopback: sipp as caller, siplb (a separate JVM started from
 * {@code proxy/target/siplb.jar}) as a record-routing load balancer and two sipp processes as backends, over UDP
 * and TCP; a real Kamailio whose dispatcher must pick the same destinations as siplb's {@code hash-mode = kamailio};
 * and Kamailio with its {@code tls} module as siplb's TLS peer on either side.
 *
 * <p>Starting points: {@link io.siplb.loadtests.interop.SippInteropIT} (the suite, run with
 * {@code mvn -Pinterop -pl load-tests verify}), {@link io.siplb.loadtests.interop.KamailioCompatInteropIT}
 * (Kamailio side by side), {@link io.siplb.loadtests.interop.KamailioTlsInteropIT} (TLS with Kamailio, both ways,
 * certificates from {@link io.siplb.loadtests.interop.TlsPeerCertificates}; refused certificates),
 * {@link io.siplb.loadtests.interop.SiplbCounters} (the counters siplb logs when it stops),
 * {@link io.siplb.loadtests.interop.ChildProcess} (bounded start
 * and stop of one child process by its pid), {@link io.siplb.loadtests.interop.SippStatistics} (sipp's
 * {@code -trace_stat} CSV). Scenarios are resources under {@code sipp/}.
 *
 * <p>WebRTC: {@link io.siplb.loadtests.interop.WebRtcClient} runs the Node harness in
 * {@code load-tests/src/test/webrtc/} (JsSIP in Debian's headless Chromium: REGISTER, a call over a SIP WebSocket,
 * BYE, un-REGISTER) and parses its JSON result ({@link io.siplb.loadtests.interop.Json});
 * {@link io.siplb.loadtests.interop.WebRtcKamailioIT} proves it through Kamailio's WebSocket to a sipp UAS.
 */
package io.siplb.loadtests.interop;
