/**
 * siplb's SIP load generator, the measuring instrument of the benchmarks: a UAC that places calls on an open-model
 * schedule and a UAS that answers them, on Netty, over UDP, TCP and TLS. Run it with {@code bin/siplb load uac ...}
 * and {@code bin/siplb load uas ...} ({@link io.siplb.loadtests.gen.LoadMain}).
 *
 * <p>Starting points:
 * <ul>
 *   <li>{@link io.siplb.loadtests.gen.Uac} runs a {@link io.siplb.loadtests.gen.UacConfig} (target, transport,
 *       {@link io.siplb.loadtests.gen.CallMode}, {@link io.siplb.loadtests.gen.Schedule}) and returns a
 *       {@link io.siplb.loadtests.gen.UacResult}, which {@link io.siplb.loadtests.gen.UacReport} prints and writes as
 *       JSON and {@link io.siplb.loadtests.gen.UacCharts} draws as PNG charts.</li>
 *   <li>{@link io.siplb.loadtests.gen.Uas} answers per {@link io.siplb.loadtests.gen.UasConfig} and
 *       {@link io.siplb.loadtests.gen.UasMode}, counting in {@link io.siplb.loadtests.gen.UasStats}.</li>
 * </ul>
 *
 * <p>How it is built: messages are parsed by siplb's codec ({@code DatagramSipDecoder}, {@code StreamSipDecoder})
 * and read through the header index without Strings ({@code SipBytes}); they are written from pre-encoded templates
 * with a few slots ({@code SipTemplate}); every call has one intrusive timer in a per-event-loop wheel
 * ({@code TimerWheel}); calls and their byte arrays are recycled per socket. Latencies go into HdrHistogram
 * recorders, measured from each call's scheduled time (see {@link io.siplb.loadtests.gen.Metric}).
 *
 * <p>Nothing in this package is {@code null} unless its documentation says so.
 */
package io.siplb.loadtests.gen;
