package io.siplb.proxy.metrics;

import static io.siplb.proxy.testing.SipText.header;
import static io.siplb.proxy.testing.SipText.headers;
import static io.siplb.proxy.testing.SipText.startLine;
import static io.siplb.proxy.testing.SipText.status;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.siplb.codec.SipMethod;
import io.siplb.dispatch.Transport;
import io.siplb.proxy.config.SiplbConfig;
import io.siplb.proxy.lifecycle.SiplbServer;
import io.siplb.proxy.testing.HttpGet;
import io.siplb.proxy.testing.PrometheusText;
import io.siplb.proxy.testing.PrometheusText.Sample;
import io.siplb.proxy.testing.SipPeer;
import io.siplb.proxy.testing.StreamPeer;
import io.siplb.proxy.testing.TestCertificates;
import io.siplb.proxy.testing.TestServers;

/**
 * {@code GET /metrics} of a running siplb over real loopback sockets: the exposition parses strictly (and passes
 * {@code promtool check metrics}), the message, destination, failover and duration series move as UDP traffic
 * flows through siplb to test backends (and over TCP, with TLS handshake failures), probes feed the RTT histogram and timeouts, a reload adds and removes
 * destination series, and labels stay bounded whatever Call-IDs, methods and Request-URIs arrive. Not thread-safe;
 * confined to the test thread.
 */
class MetricsEndpointTest {

    private static final int WAIT = 3000;
    private static final Path PROMTOOL = Path.of("/usr/bin/promtool");

    @TempDir
    Path dir;

    private SiplbServer server;
    private InetSocketAddress siplb;
    private SipPeer uac;
    private final List<SipPeer> backends = new ArrayList<>();
    private int branches;

    @AfterEach
    void stop() {
        if (server != null) {
            server.close();
        }
        if (uac != null) {
            uac.close();
        }
        backends.forEach(SipPeer::close);
    }

    /**
     * Starts stateful siplb with set 1 (round-robin) over {@code n} backends, T1 = 2 s and fr-timeout 5 s, and
     * {@code extra} config.
     */
    private void start(int n, String extra) {
        uac = SipPeer.bind();
        for (int i = 0; i < n; i++) {
            backends.add(SipPeer.bind());
        }
        server = TestServers.start(dir, TestServers.statefulConfig(
                // T1 = 2 s: no retransmission of siplb's own reaches a backend while the test answers.
                "siplb.proxy { fr-timeout = 5s, timers { t1 = 2s, t2 = 4s } }\n" + extra + "\n" + sets(backends)));
        siplb = TestServers.address(server);
    }

    private static String sets(List<SipPeer> peers) {
        final StringBuilder sb = new StringBuilder("siplb.dispatcher.sets = [ { id = 1, algorithm = round-robin, "
                                                   + "destinations = [");
        for (int i = 0; i < peers.size(); i++) {
            sb.append(i > 0 ? ", " : "").append('"').append(uri(peers.get(i))).append('"');
        }
        return sb.append("] } ]").toString();
    }

    private static String uri(SipPeer p) {
        return "sip:127.0.0.1:" + p.port();
    }

    private PrometheusText scrape() {
        final HttpResponse<String> r = HttpGet.get(server.admin().localAddress(), "/metrics", null);
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.headers().firstValue("content-type")).hasValue("text/plain; version=0.0.4; charset=utf-8");
        return PrometheusText.parse(r.body());
    }

    private String request(SipPeer from, String method, String requestUri, String callId) {
        return method + " " + requestUri + " SIP/2.0\r\n" +
               "Via: SIP/2.0/UDP 127.0.0.1:" + from.port() + ";branch=z9hG4bK-m" + (++branches) + ";rport\r\n" +
               "Max-Forwards: 70\r\n" +
               "From: <sip:alice@example.com>;tag=a1\r\n" +
               "To: <sip:bob@example.com>\r\n" +
               "Call-ID: " + callId + "\r\n" +
               "CSeq: 1 " + method + "\r\n" +
               "Content-Length: 0\r\n\r\n";
    }

    private static String response(String request, int status, String reason) {
        final StringBuilder sb = new StringBuilder("SIP/2.0 ").append(status).append(' ').append(reason)
                                                               .append("\r\n");
        for (String v : headers(request, "Via")) {
            sb.append("Via: ").append(v).append("\r\n");
        }
        sb.append("From: ").append(header(request, "From")).append("\r\n");
        sb.append("To: ").append(header(request, "To")).append(";tag=b1\r\n");
        sb.append("Call-ID: ").append(header(request, "Call-ID")).append("\r\n");
        sb.append("CSeq: ").append(header(request, "CSeq")).append("\r\n");
        return sb.append("Content-Length: 0\r\n\r\n").toString();
    }

    /** Receives the next request at any backend within {@code WAIT}; returns its index, the text in {@code out}. */
    private int receiveAny(String[] out) {
        final long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(WAIT);
        while (System.nanoTime() < deadline) {
            for (int i = 0; i < backends.size(); i++) {
                final String m = backends.get(i).receive(20);
                if (m != null) {
                    out[0] = m;
                    return i;
                }
            }
        }
        throw new AssertionError("no backend received a request within " + WAIT + " ms");
    }

    /** Sends {@code method} from {@code from} and answers it 200 from whichever backend gets it; returns that one. */
    private int exchange(SipPeer from, String method, String requestUri, String callId) {
        from.send(request(from, method, requestUri, callId), siplb);
        final String[] got = new String[1];
        final int b = receiveAny(got);
        assertThat(startLine(got[0])).startsWith(method + " ");
        assertThat(header(got[0], "Call-ID")).isEqualTo(callId);
        backends.get(b).send(response(got[0], 200, "OK"), siplb);
        assertThat(status(from.receive(WAIT))).isEqualTo(200);
        return b;
    }

    @Test
    void destinationSeriesMoveAsUdpTrafficFlows() {
        start(2, "siplb.dispatcher.probing.failure-threshold = 3");
        final String d0 = uri(backends.get(0));
        final String d1 = uri(backends.get(1));
        final PrometheusText before = scrape();
        for (String d : List.of(d0, d1)) {
            assertThat(before.value("siplb_destination_up", "set", "1", "destination", d)).isEqualTo(1.0);
            assertThat(before.value("siplb_destination_state", "destination", d, "state", "active")).isEqualTo(1.0);
            assertThat(before.value("siplb_destination_state", "destination", d, "state", "inactive"))
                    .isEqualTo(0.0);
            assertThat(before.value("siplb_destination_selected_total", "destination", d)).isEqualTo(0.0);
            assertThat(before.value("siplb_destination_responses_total", "destination", d, "class", "2xx"))
                    .isEqualTo(0.0);
            assertThat(before.value("siplb_destination_active_calls", "destination", d)).isEqualTo(0.0);
            assertThat(before.value("siplb_destination_probe_timeouts_total", "destination", d)).isEqualTo(0.0);
            assertThat(before.value("siplb_destination_probe_rtt_seconds_count", "destination", d)).isEqualTo(0.0);
            assertThat(before.samples("siplb_destination_latency_seconds")).isEmpty();
        }
        assertThat(before.value("siplb_request_duration_seconds_count")).isEqualTo(0.0);
        assertThat(before.samples("siplb_messages_received_total")).isEmpty();

        final int[] per = new int[2];
        for (int i = 0; i < 10; i++) {
            per[exchange(uac, "MESSAGE", "sip:bob@example.com", "flow-" + i + "@uac")]++;
        }
        assertThat(per).containsExactly(5, 5);

        final PrometheusText after = scrape();
        for (String d : List.of(d0, d1)) {
            assertThat(after.value("siplb_destination_selected_total", "set", "1", "destination", d))
                    .isEqualTo(5.0);
            assertThat(after.value("siplb_destination_responses_total", "destination", d, "class", "2xx"))
                    .isEqualTo(5.0);
            assertThat(after.value("siplb_destination_responses_total", "destination", d, "class", "5xx"))
                    .isEqualTo(0.0);
            assertThat(after.value("siplb_destination_latency_seconds", "destination", d, "stat", "avg"))
                    .isGreaterThan(0.0).isLessThan(WAIT / 1000.0);
            assertThat(after.value("siplb_destination_latency_seconds", "destination", d, "stat", "max"))
                    .isGreaterThanOrEqualTo(after.value("siplb_destination_latency_seconds", "destination", d,
                                                        "stat", "avg"));
            assertThat(after.value("siplb_destination_latency_seconds", "destination", d, "stat", "est"))
                    .isGreaterThan(0.0);
            assertThat(after.value("siplb_destination_latency_seconds", "destination", d, "stat", "std"))
                    .isGreaterThanOrEqualTo(0.0);
        }
        final String[] udpRequest = { "transport", "udp", "kind", "request", "method", "MESSAGE" };
        final String[] udpResponse = { "transport", "udp", "kind", "response", "method", "MESSAGE" };
        assertThat(after.value("siplb_messages_received_total", udpRequest)).isEqualTo(10.0);
        assertThat(after.value("siplb_messages_received_total", udpResponse)).isEqualTo(10.0);
        assertThat(after.value("siplb_messages_sent_total", udpRequest)).isEqualTo(10.0);
        assertThat(after.value("siplb_messages_sent_total", udpResponse)).isEqualTo(10.0);
        assertThat(after.value("siplb_request_duration_seconds_count")).isEqualTo(10.0);
        assertThat(after.value("siplb_request_duration_seconds_sum")).isGreaterThan(0.0);
        assertThat(after.value("siplb_request_duration_seconds_bucket", "le", "+Inf")).isEqualTo(10.0);
        // Non-INVITE server transactions stay (Timer J, 64*T1 over UDP) after their final response.
        assertThat(after.value("siplb_transactions_active")).isEqualTo(10.0);
        assertThat(after.value("siplb_transactions_max")).isEqualTo(200_000.0);
        assertThat(after.value("siplb_failovers_total", "set", "1")).isEqualTo(0.0);
        assertThat(after.value("siplb_handovers_total")).isEqualTo((double) server.stateful().handovers());
        assertThat(after.sum("siplb_messages_dropped_total")).isEqualTo(0.0);

        // The next destination answers 503: siplb fails over to the other one, which answers 200.
        uac.send(request(uac, "MESSAGE", "sip:bob@example.com", "failover@uac"), siplb);
        final String[] got = new String[1];
        final int first = receiveAny(got);
        backends.get(first).send(response(got[0], 503, "Service Unavailable"), siplb);
        final String again = backends.get(1 - first).receive(WAIT);
        assertThat(startLine(again)).startsWith("MESSAGE ");
        backends.get(1 - first).send(response(again, 200, "OK"), siplb);
        assertThat(status(uac.receive(WAIT))).isEqualTo(200);

        final PrometheusText failed = scrape();
        final String failing = uri(backends.get(first));
        final String taking = uri(backends.get(1 - first));
        assertThat(failed.value("siplb_failovers_total", "set", "1")).isEqualTo(1.0);
        assertThat(failed.value("siplb_destination_responses_total", "destination", failing, "class", "5xx"))
                .isEqualTo(1.0);
        assertThat(failed.value("siplb_destination_selected_total", "destination", failing)).isEqualTo(6.0);
        assertThat(failed.value("siplb_destination_selected_total", "destination", taking)).isEqualTo(6.0);
        assertThat(failed.value("siplb_messages_sent_total", udpRequest)).isEqualTo(12.0);
        assertThat(failed.value("siplb_request_duration_seconds_count")).isEqualTo(11.0);
        // The 503 is a passive failure, applied on siplb's health writer thread: with failure-threshold 3 the
        // failing destination is trying, still up (one series per state, exactly one of them 1).
        PrometheusText down = failed;
        final long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(WAIT);
        while (down.value("siplb_destination_state", "destination", failing, "state", "trying") != 1.0
               && System.nanoTime() < deadline) {
            down = scrape();
        }
        assertThat(down.value("siplb_destination_state", "destination", failing, "state", "trying")).isEqualTo(1.0);
        assertThat(down.value("siplb_destination_up", "destination", failing)).isEqualTo(1.0);
        assertThat(down.samples("siplb_destination_state").stream()
                       .filter(x -> x.labels().get("destination").equals(failing))).hasSize(6);
        assertThat(down.sum("siplb_destination_state", "destination", failing)).isEqualTo(1.0);
        assertThat(down.value("siplb_destination_state", "destination", failing, "state", "active"))
                .isEqualTo(0.0);
        assertThat(down.value("siplb_destination_up", "destination", taking)).isEqualTo(1.0);
    }

    @Test
    void probesFeedTheRttHistogramAndTimeouts() {
        // A timeout well above the time this loop takes to answer a probe on a loaded machine (it scrapes too).
        start(2, "siplb.dispatcher.probing { interval = 300ms, timeout = 1s, mode = all, failure-threshold = 1 }");
        final String answering = uri(backends.get(0));
        final String silent = uri(backends.get(1));
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
        PrometheusText m = scrape();
        while (System.nanoTime() < deadline) {
            final String probe = backends.get(0).receive(50);
            if (probe != null) {
                assertThat(startLine(probe)).startsWith("OPTIONS " + answering + " ");
                backends.get(0).send(response(probe, 200, "OK"), siplb);
            }
            backends.get(1).drain();
            m = scrape();
            if (m.value("siplb_destination_probe_rtt_seconds_count", "destination", answering) >= 3
                && m.value("siplb_destination_probe_timeouts_total", "destination", silent) >= 2) {
                break;
            }
        }
        assertThat(m.value("siplb_destination_probe_rtt_seconds_count", "destination", answering))
                .isGreaterThanOrEqualTo(3.0);
        assertThat(m.value("siplb_destination_probe_rtt_seconds_sum", "destination", answering))
                .isGreaterThan(0.0).isLessThan(m.value("siplb_destination_probe_rtt_seconds_count", "destination", answering));
        assertThat(m.value("siplb_destination_probe_rtt_seconds_bucket", "destination", answering, "le", "+Inf"))
                .isEqualTo(m.value("siplb_destination_probe_rtt_seconds_count", "destination", answering));
        assertThat(m.value("siplb_destination_probe_timeouts_total", "destination", answering)).isEqualTo(0.0);
        assertThat(m.value("siplb_destination_probe_timeouts_total", "destination", silent))
                .isGreaterThanOrEqualTo(2.0);
        assertThat(m.value("siplb_destination_probe_rtt_seconds_count", "destination", silent)).isEqualTo(0.0);
        assertThat(m.value("siplb_destination_up", "destination", answering)).isEqualTo(1.0);
        assertThat(m.value("siplb_destination_up", "destination", silent)).isEqualTo(0.0);
        assertThat(m.value("siplb_destination_state", "destination", silent, "state", "probing")).isEqualTo(1.0);
        assertThat(m.value("siplb_messages_sent_total", "transport", "udp", "kind", "request", "method",
                           "OPTIONS")).isGreaterThanOrEqualTo(5.0);
    }

    @Test
    void labelsStayBoundedWhateverCallIdsMethodsAndUrisArrive() {
        start(1, "");
        final List<SipPeer> callers = List.of(uac, SipPeer.bind(), SipPeer.bind());
        final List<String> methods = new ArrayList<>(List.of("OPTIONS", "MESSAGE", "INFO", "REGISTER", "SUBSCRIBE",
                                                             "NOTIFY", "PUBLISH", "REFER", "UPDATE", "BYE"));
        for (int k = 0; k < 12; k++) {
            methods.add("XMETHOD" + k);
        }
        try {
            int sent = 0;
            int seriesAfterFirstRound = -1;
            for (int round = 0; round < 4; round++) {
                for (String method : methods) {
                    final SipPeer from = callers.get(sent % callers.size());
                    exchange(from, method, "sip:user" + sent + "@host" + sent + ".example.com",
                             "cardinality-" + sent + "@uac");
                    sent++;
                }
                final PrometheusText m = scrape();
                final int series = siplbSeries(m).size();
                if (round == 0) {
                    seriesAfterFirstRound = series;
                } else {
                    assertThat(series).as("siplb series after round %d", round).isEqualTo(seriesAfterFirstRound);
                }
            }
            final PrometheusText m = scrape();
            final Set<String> methodLabels = new HashSet<>();
            final Set<String> destinationLabels = new HashSet<>();
            for (Sample s : siplbSeries(m)) {
                for (String v : s.labels().values()) {
                    assertThat(v).doesNotContain("cardinality-").doesNotContain("XMETHOD").doesNotContain("user")
                                 .doesNotContain("example.com");
                    for (SipPeer c : callers) {
                        assertThat(v).doesNotContain(Integer.toString(c.port()));
                    }
                }
                if (s.labels().containsKey("method")) {
                    methodLabels.add(s.labels().get("method"));
                }
                if (s.labels().containsKey("destination")) {
                    destinationLabels.add(s.labels().get("destination"));
                }
            }
            final Set<String> known = new HashSet<>(List.of("other"));
            for (SipMethod sm : SipMethod.values()) {
                known.add(sm.name());
            }
            assertThat(known).containsAll(methodLabels);
            assertThat(methodLabels).contains("other", "OPTIONS");
            assertThat(destinationLabels).containsExactly(uri(backends.get(0)));
            // 12 extension methods, 4 rounds: one "other" series per kind, counting all 48 requests.
            assertThat(m.value("siplb_messages_received_total", "transport", "udp", "kind", "request",
                               "method", "other")).isEqualTo(48.0);
            assertThat(m.samples("siplb_messages_received_total")).hasSize(2 * 11);
        } finally {
            callers.get(1).close();
            callers.get(2).close();
        }
    }

    private static List<Sample> siplbSeries(PrometheusText m) {
        final List<Sample> l = new ArrayList<>();
        for (Sample s : m.samples()) {
            if (s.name().startsWith("siplb_")) {
                l.add(s);
            }
        }
        return l;
    }

    @Test
    void aReloadAddsAndRemovesDestinationSeries() throws IOException {
        start(2, "");
        final String d0 = uri(backends.get(0));
        final String d1 = uri(backends.get(1));
        exchange(uac, "OPTIONS", "sip:bob@example.com", "before-reload@uac");
        final PrometheusText before = scrape();
        assertThat(before.value("siplb_destination_up", "destination", d0)).isEqualTo(1.0);
        final double kept = before.value("siplb_destination_selected_total", "destination", d1)
                            + before.value("siplb_destination_selected_total", "destination", d0);
        assertThat(kept).isEqualTo(1.0);

        final SipPeer added = SipPeer.bind();
        try {
            final Path next = dir.resolve("next.conf");
            Files.write(next, TestServers.statefulConfig(sets(List.of(backends.get(1), added)))
                                         .getBytes(StandardCharsets.UTF_8));
            server.proxy().dispatcher().reload(SiplbConfig.load(next).dispatcher());
            final PrometheusText after = scrape();
            assertThat(after.samples("siplb_destination_up")).extracting(s -> s.labels().get("destination"))
                                                              .containsExactlyInAnyOrder(d1, uri(added));
            assertThat(after.value("siplb_destination_selected_total", "destination", d0)).isNull();
            assertThat(after.value("siplb_destination_state", "destination", d0, "state", "active")).isNull();
            assertThat(after.value("siplb_destination_selected_total", "destination", uri(added))).isEqualTo(0.0);
            // The destination that stayed kept its counter.
            assertThat(after.value("siplb_destination_selected_total", "destination", d1))
                    .isEqualTo(before.value("siplb_destination_selected_total", "destination", d1));
        } finally {
            added.close();
        }
    }

    @Test
    void reloadCountersStartAtZeroWithTheStartUpLoadAsLastSuccessThenFollowTheirSource() {
        final long before = System.currentTimeMillis() / 1000;
        start(1, "");
        final PrometheusText initial = scrape();
        assertThat(initial.type("siplb_config_reloads_total")).isEqualTo("counter");
        assertThat(initial.value("siplb_config_reloads_total", "result", "success")).isEqualTo(0.0);
        assertThat(initial.value("siplb_config_reloads_total", "result", "failure")).isEqualTo(0.0);
        // The configuration loaded at start-up is the last one loaded successfully.
        assertThat(initial.type("siplb_config_last_reload_success_timestamp_seconds")).isEqualTo("gauge");
        assertThat(initial.value("siplb_config_last_reload_success_timestamp_seconds"))
                .isBetween((double) before - 1, (double) System.currentTimeMillis() / 1000 + 1);

        final AtomicLong successes = new AtomicLong(3);
        server.metrics().bindReloads(new ReloadStats() {
            @Override
            public long successes() {
                return successes.get();
            }

            @Override
            public long failures() {
                return 2;
            }

            @Override
            public long lastSuccessEpochMillis() {
                return 1_780_000_000_500L;
            }
        });
        final PrometheusText bound = scrape();
        assertThat(bound.value("siplb_config_reloads_total", "result", "success")).isEqualTo(3.0);
        assertThat(bound.value("siplb_config_reloads_total", "result", "failure")).isEqualTo(2.0);
        assertThat(bound.value("siplb_config_last_reload_success_timestamp_seconds")).isEqualTo(1_780_000_000.5);
        assertThat(bound.type("siplb_config_last_reload_success_timestamp_seconds")).isEqualTo("gauge");
        successes.incrementAndGet();
        assertThat(scrape().value("siplb_config_reloads_total", "result", "success")).isEqualTo(4.0);
    }

    @Test
    void everyDocumentedFamilyAndTheJvmAndProcessMetricsAreExported() {
        start(1, "");
        exchange(uac, "OPTIONS", "sip:bob@example.com", "families@uac");
        // Max-Forwards 0: answered 483 by siplb itself, a local response.
        uac.send(request(uac, "OPTIONS", "sip:bob@example.com", "hops@uac").replace("Max-Forwards: 70",
                                                                                   "Max-Forwards: 0"), siplb);
        assertThat(status(uac.receive(WAIT))).isEqualTo(483);
        final PrometheusText m = scrape();
        assertThat(m.value("siplb_local_responses_total", "code", "483")).isEqualTo(1.0);
        for (SiplbMeter meter : SiplbMeter.values()) {
            if (meter == SiplbMeter.CONFIG_LAST_RELOAD_SUCCESS) {
                continue; // absent until a reload succeeded (see reloadCountersReadZeroUntilBound...)
            }
            assertThat(m.type(meter.exposedName())).as(meter.exposedName()).isEqualTo(meter.type());
        }
        assertThat(m.type("siplb_destination_probe_rtt_seconds")).isEqualTo("histogram");
        assertThat(m.type("siplb_request_duration_seconds")).isEqualTo("histogram");
        assertThat(m.type("siplb_messages_received_total")).isEqualTo("counter");
        assertThat(m.type("siplb_destination_up")).isEqualTo("gauge");
        assertThat(m.value("siplb_connections_open", "transport", "tcp")).isEqualTo(0.0);
        assertThat(m.value("siplb_tls_handshake_failures_total")).isEqualTo(0.0);
        for (String jvm : List.of("jvm_memory_used_bytes", "jvm_threads_live_threads", "process_cpu_usage",
                                  "process_uptime_seconds", "process_files_open_files", "jvm_classes_loaded_classes")) {
            assertThat(m.samples(jvm)).as(jvm).isNotEmpty();
        }
    }

    @Test
    void streamConnectionsMessagesAndTlsHandshakeFailuresAreCounted() throws Exception {
        final TestCertificates pki = TestCertificates.create(dir.resolve("pki"));
        start(1, "siplb.listen = [\"udp:127.0.0.1:0\", \"tcp:127.0.0.1:0\", \"tls:127.0.0.1:0\"]\n"
                 + "siplb.tls { certificate = \"" + pki.server().certificate() + "\", private-key = \""
                 + pki.server().privateKey() + "\" }");
        assertThat(scrape().value("siplb_connections_open", "transport", "tcp")).isEqualTo(0.0);
        try (StreamPeer caller = StreamPeer.connect(server.localAddress(Transport.TCP))) {
            caller.send(request(uac, "OPTIONS", "sip:bob@example.com", "tcp@uac")
                                .replace("SIP/2.0/UDP 127.0.0.1:" + uac.port(),
                                         "SIP/2.0/TCP 127.0.0.1:" + caller.port()));
            final String fwd = backends.get(0).receive(WAIT);
            assertThat(startLine(fwd)).startsWith("OPTIONS ");
            backends.get(0).send(response(fwd, 200, "OK"), siplb);
            assertThat(status(caller.receive(WAIT))).isEqualTo(200);
            final PrometheusText m = scrape();
            assertThat(m.value("siplb_connections_open", "transport", "tcp")).isEqualTo(1.0);
            assertThat(m.value("siplb_connections_open", "transport", "tls")).isEqualTo(0.0);
            assertThat(m.value("siplb_messages_received_total", "transport", "tcp", "kind", "request", "method",
                               "OPTIONS")).isEqualTo(1.0);
            assertThat(m.value("siplb_messages_sent_total", "transport", "udp", "kind", "request", "method",
                               "OPTIONS")).isEqualTo(1.0);
            assertThat(m.value("siplb_messages_received_total", "transport", "udp", "kind", "response", "method",
                               "OPTIONS")).isEqualTo(1.0);
            assertThat(m.value("siplb_messages_sent_total", "transport", "tcp", "kind", "response", "method",
                               "OPTIONS")).isEqualTo(1.0);
        }
        // Not a TLS ClientHello: the handshake fails and is counted.
        try (Socket plain = new Socket()) {
            plain.connect(server.localAddress(Transport.TLS), WAIT);
            plain.getOutputStream().write("OPTIONS sip:bob@example.com SIP/2.0\r\n\r\n"
                                                  .getBytes(StandardCharsets.US_ASCII));
            plain.getOutputStream().flush();
            final long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(WAIT);
            double failures = 0;
            while (failures < 1 && System.nanoTime() < deadline) {
                failures = scrape().value("siplb_tls_handshake_failures_total");
                if (failures < 1) {
                    Thread.sleep(50);
                }
            }
            assertThat(failures).isEqualTo(1.0);
        }
    }

    @Test
    void everySiplbMetricTheDeployRulesAndDashboardUseIsExported() throws IOException {
        // proxy/ is the working directory of the tests; deploy/ is next to it.
        final Path deploy = Path.of("..", "deploy").toAbsolutePath().normalize();
        final Set<String> exported = new HashSet<>();
        for (SiplbMeter meter : SiplbMeter.values()) {
            exported.add(meter.exposedName());
            if (meter.type().equals("histogram")) {
                for (String suffix : List.of("_bucket", "_count", "_sum")) {
                    exported.add(meter.exposedName() + suffix);
                }
            }
        }
        final Set<String> used = new HashSet<>();
        for (String file : List.of("prometheus/siplb-rules.yml", "grafana/siplb-dashboard.json")) {
            final java.util.regex.Matcher m = java.util.regex.Pattern.compile("siplb_[a-z_]+")
                                                                    .matcher(Files.readString(deploy.resolve(file)));
            while (m.find()) {
                used.add(m.group());
            }
        }
        assertThat(used).as("siplb metrics named in " + deploy).isNotEmpty();
        assertThat(exported).containsAll(used);
    }

    @Test
    void promtoolAcceptsTheExposition() throws IOException, InterruptedException {
        assertThat(PROMTOOL).as("promtool (Debian package prometheus) is needed by this test").isExecutable();
        start(2, "");
        exchange(uac, "MESSAGE", "sip:bob@example.com", "promtool@uac");
        final String body = HttpGet.get(server.admin().localAddress(), "/metrics", null).body();
        final Process p = new ProcessBuilder(PROMTOOL.toString(), "check", "metrics").redirectErrorStream(true)
                                                                                     .start();
        try (OutputStream in = p.getOutputStream()) {
            in.write(body.getBytes(StandardCharsets.UTF_8));
        }
        final boolean done = p.waitFor(20, TimeUnit.SECONDS);
        if (!done) {
            p.destroyForcibly();
        }
        final String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(done).as("promtool finished").isTrue();
        // Exit 0: clean; 3: lint remarks only (1 would be a parse error). Micrometer's JVM binders get remarks
        // (process_cpu_time_ns_total, system_cpu_count); siplb's own metrics must get none.
        assertThat(p.exitValue()).as("promtool exit status, output: %s", out).isIn(0, 3);
        for (String line : out.split("\n")) {
            if (!line.isEmpty()) {
                assertThat(line).as("promtool remark").matches("(jvm|process|system)_[a-z_]+ .*");
            }
        }
    }
}
