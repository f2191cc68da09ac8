package io.siplb.proxy.lifecycle;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.io.TempDir;

import io.siplb.proxy.core.DropReason;
import io.siplb.proxy.core.ProxyStats;
import io.siplb.proxy.testing.SipPeer;
import io.siplb.proxy.testing.TestServers;

/**
 * Sends every RFC 4475 torture message (the {@code torture/} resources of the sip-codec test-jar) to siplb as one
 * datagram each and asserts what siplb did with it: forwarded it to a destination, answered it locally with the status
 * RFC 4475 expects of a proxy, or dropped and counted it. Where RFC 4475 lets an element be liberal (accept) or strict
 * (reject), both outcomes are allowed. siplb must never fail internally and must keep forwarding afterwards. Not
 * thread-safe; confined to the test thread.
 */
class TortureCorpusTest {

    private static final String FORWARD = "forward";
    private static final int WAIT_MILLIS = 3000;

    /** RFC 4475's expected outcome for a proxy, per file; several entries mean any of them is correct. */
    private static final Map<String, Set<String>> EXPECTED = new TreeMap<>();

    static {
        // §3.1.1: valid messages are forwarded; responses not for siplb are dropped.
        // Its Route names services.example.com, which has no address here; it has a To tag: an in-dialog request
        // siplb cannot route, answered 481.
        expect("wsinv.dat", "481");
        expect("intmeth.dat", FORWARD);
        expect("esc01.dat", FORWARD);
        expect("escnull.dat", FORWARD);
        expect("esc02.dat", FORWARD);
        expect("lwsdisp.dat", FORWARD);
        expect("longreq.dat", FORWARD);
        expect("dblreq.dat", FORWARD);
        expect("semiuri.dat", FORWARD);
        expect("transports.dat", FORWARD);
        expect("mpart01.dat", FORWARD); // loose-routed by its Route (rewritten to a test destination, see below)
        expect("unreason.dat", drop(DropReason.RESPONSE_VIA_NOT_OURS));
        expect("noreason.dat", drop(DropReason.RESPONSE_VIA_NOT_OURS));
        // §3.1.2: invalid messages.
        expect("badinv01.dat", "400");
        expect("clerr.dat", "400");
        expect("ncl.dat", "400");
        expect("scalar02.dat", "400");
        expect("scalarlg.dat", drop(DropReason.MALFORMED_RESPONSE));
        expect("quotbal.dat", "400");
        expect("ltgtruri.dat", "400");
        expect("lwsruri.dat", "400");
        expect("lwsstart.dat", "400", FORWARD);
        expect("trws.dat", "400", FORWARD);
        expect("escruri.dat", "400");
        expect("baddate.dat", FORWARD, "400");
        expect("regbadct.dat", "400", FORWARD);
        expect("badaspec.dat", "400", FORWARD);
        expect("baddn.dat", "400");
        expect("badvers.dat", "505");
        expect("mismatch01.dat", "400");
        expect("mismatch02.dat", "501", "400");
        expect("bigcode.dat", drop(DropReason.MALFORMED_RESPONSE));
        // §3.2, §3.3: semantic tests.
        expect("badbranch.dat", FORWARD, "400");
        expect("insuf.dat", "400", drop(DropReason.MALFORMED_REQUEST));
        expect("unkscm.dat", "416");
        expect("novelsc.dat", "416");
        expect("unksm2.dat", FORWARD);
        expect("bext01.dat", "420");
        expect("invut.dat", FORWARD);
        expect("regaut01.dat", FORWARD);
        expect("multi01.dat", "400");
        expect("mcl01.dat", "400", drop(DropReason.MALFORMED_REQUEST));
        expect("bcast.dat", drop(DropReason.RESPONSE_VIA_NOT_OURS));
        expect("zeromf.dat", "483");
        expect("cparam01.dat", FORWARD);
        expect("cparam02.dat", FORWARD);
        expect("regescrt.dat", FORWARD);
        expect("sdp01.dat", FORWARD);
        // §3.4: RFC 2543 syntax is accepted.
        expect("inv2543.dat", FORWARD);
        // Not described by RFC 4475; malformed (no Via, no CSeq): must not crash.
        expect("test.dat", "400", drop(DropReason.MALFORMED_REQUEST));
    }

    private static void expect(String file, String... outcomes) {
        EXPECTED.put(file, new TreeSet<>(List.of(outcomes)));
    }

    private static String drop(DropReason reason) {
        return "drop:" + reason.metricName();
    }

    @TempDir
    static Path dir;

    private static SipPeer uac;
    private static SipPeer uas1;
    private static SipPeer uas2;
    private static SiplbServer server;
    private static InetSocketAddress siplb;

    @BeforeAll
    static void start() {
        uac = SipPeer.bind();
        uas1 = SipPeer.bind();
        uas2 = SipPeer.bind();
    }

    @AfterAll
    static void stop() {
        uac.close();
        uas1.close();
        uas2.close();
    }

    private static List<String> corpus() throws IOException {
        final List<String> files = new ArrayList<>();
        try (InputStream in = resource("torture/SHA256SUMS");
             BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.US_ASCII))) {
            String line;
            while ((line = r.readLine()) != null) {
                final String[] parts = line.trim().split("\\s+");
                if (parts.length == 2 && parts[1].endsWith(".dat")) {
                    files.add(parts[1]);
                }
            }
        }
        return files;
    }

    private static InputStream resource(String name) {
        final InputStream in = TortureCorpusTest.class.getClassLoader().getResourceAsStream(name);
        assertThat(in).as("test resource %s (sip-codec test-jar)", name).isNotNull();
        return in;
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"stateless", "stateful"})
    void everyTortureMessageGetsTheExpectedOutcomeAndSiplbKeepsWorking(String mode) throws IOException {
        // The destinations never answer: long timers keep the stateful transactions from timing out (and their
        // 408s from being taken for a later file's outcome) while the corpus runs.
        server = TestServers.start(dir, TestServers.statefulConfig(
                "siplb.proxy { mode = " + mode + ", fr-timeout = 5m, timers { t1 = 10s, t2 = 40s } }\n"
                + TestServers.set1(uas1, uas2)));
        siplb = TestServers.address(server);
        try {
            runCorpus("stateful".equals(mode));
        } finally {
            server.close();
            uac.drain();
            uas1.drain();
            uas2.drain();
        }
    }

    private void runCorpus(boolean stateful) throws IOException {
        final List<String> files = corpus();
        assertThat(files).as("RFC 4475 corpus").hasSize(50);
        assertThat(EXPECTED.keySet()).containsExactlyInAnyOrderElementsOf(files);

        final Map<String, String> actual = new TreeMap<>();
        for (String file : files) {
            final byte[] bytes;
            try (InputStream in = resource("torture/" + file)) {
                final byte[] raw = routeToTestDestination(in.readAllBytes());
                // Several files reuse one branch (z9hG4bKkdjuw) with the same sent-by and method: a stateful siplb
                // rightly takes the later ones for retransmissions of the first, so each file gets its own branch.
                bytes = stateful ? uniqueBranch(raw, actual.size()) : raw;
            }
            actual.put(file, outcome(bytes));
        }
        final Map<String, String> unexpected = new TreeMap<>();
        for (Map.Entry<String, String> e : actual.entrySet()) {
            if (!EXPECTED.get(e.getKey()).contains(e.getValue())) {
                unexpected.put(e.getKey(), e.getValue() + " (expected: " + EXPECTED.get(e.getKey()) + ')');
            }
        }
        assertThat(unexpected).as("files with an unexpected outcome").isEmpty();
        assertThat(server.stats().drops(DropReason.INTERNAL_ERROR)).isZero();

        // Still forwarding after the whole corpus.
        final String invite = "INVITE sip:bob@example.com SIP/2.0\r\n" +
                              "Via: SIP/2.0/UDP 127.0.0.1:" + uac.port() + ";branch=z9hG4bK-after-torture\r\n" +
                              "Max-Forwards: 70\r\nFrom: <sip:a@example.com>;tag=1\r\nTo: <sip:b@example.com>\r\n" +
                              "Call-ID: after-torture\r\nCSeq: 1 INVITE\r\nContent-Length: 0\r\n\r\n";
        final long before = server.stats().requestsForwarded();
        uac.send(invite, siplb);
        assertThat(await(() -> server.stats().requestsForwarded() > before)).isTrue();
    }

    /** Returns {@code bytes} with {@code -N} appended to the first branch parameter's value (headers only). */
    private static byte[] uniqueBranch(byte[] bytes, int n) {
        final String text = new String(bytes, StandardCharsets.ISO_8859_1);
        final java.util.regex.Matcher m =
                java.util.regex.Pattern.compile("(?i)(branch\\s*=\\s*[^;,\\s]+)").matcher(text);
        return m.find() ? (text.substring(0, m.end()) + '-' + n + text.substring(m.end()))
                                  .getBytes(StandardCharsets.ISO_8859_1)
                        : bytes;
    }

    /**
     * mpart01.dat carries {@code Route: <sip:127.0.0.1:5080>}; it is pointed at a destination of this test (the
     * header is outside the body, so Content-Length stays right) so that the loose-routed request can be checked.
     */
    private static byte[] routeToTestDestination(byte[] bytes) {
        final String text = new String(bytes, StandardCharsets.ISO_8859_1);
        final String fixedRoute = "Route: <sip:127.0.0.1:5080>";
        if (!text.contains(fixedRoute)) {
            return bytes;
        }
        return text.replace(fixedRoute, "Route: <sip:127.0.0.1:" + uas1.port() + '>')
                   .getBytes(StandardCharsets.ISO_8859_1);
    }

    /** Sends one datagram and returns what siplb did: "forward", a local response status, or "drop:reason". */
    private static String outcome(byte[] datagram) {
        final ProxyStats s = server.stats();
        final long forwarded = s.requestsForwarded() + s.responsesForwarded();
        final long[] responses = new long[700];
        for (int i = 100; i < 700; i++) {
            responses[i] = s.localResponses(i);
        }
        final long[] drops = new long[DropReason.values().length];
        for (DropReason r : DropReason.values()) {
            drops[r.ordinal()] = s.drops(r);
        }
        final long handledBefore = handled(s);
        final long absorbed = s.retransmissionsAbsorbed();
        uac.send(datagram, siplb);
        assertThat(await(() -> handled(s) > handledBefore)).as("siplb handled the datagram").isTrue();
        if (s.requestsForwarded() + s.responsesForwarded() > forwarded) {
            boolean atUas = false;
            final long deadline = System.nanoTime() + WAIT_MILLIS * 1_000_000L;
            while (!atUas && System.nanoTime() < deadline) {
                atUas = uas1.receiveBytes(5) != null || uas2.receiveBytes(5) != null;
            }
            uas1.drain();
            uas2.drain();
            return atUas ? FORWARD : "forwarded but not to a destination";
        }
        for (int i = 100; i < 700; i++) {
            if (s.localResponses(i) > responses[i]) {
                uac.drain();
                return Integer.toString(i);
            }
        }
        for (DropReason r : DropReason.values()) {
            if (s.drops(r) > drops[r.ordinal()]) {
                return drop(r);
            }
        }
        if (s.retransmissionsAbsorbed() > absorbed) {
            uac.drain();
            return "absorbed";
        }
        return "unknown";
    }

    private static long handled(ProxyStats s) {
        long n = s.requestsForwarded() + s.responsesForwarded() + s.totalDrops() + s.retransmissionsAbsorbed();
        for (int i = 100; i < 700; i++) {
            n += s.localResponses(i);
        }
        return n;
    }

    private static boolean await(java.util.function.BooleanSupplier condition) {
        final long deadline = System.nanoTime() + WAIT_MILLIS * 1_000_000L;
        while (System.nanoTime() < deadline) {
            if (condition.getAsBoolean()) {
                return true;
            }
            try {
                Thread.sleep(2);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        }
        return condition.getAsBoolean();
    }
}
