package io.siplb.loadtests.demo;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;

import io.siplb.loadtests.gen.Schedule;
import io.siplb.loadtests.gen.Uac;
import io.siplb.loadtests.gen.UacConfig;
import io.siplb.loadtests.gen.UacResult;
import io.siplb.loadtests.gen.Uas;
import io.siplb.loadtests.gen.UasConfig;
import io.siplb.loadtests.gen.UasMode;

/**
 * {@code bin/siplb demo}, shortened to 6 s at 20 calls/s (b stops at 3 s; the paranoid leak detector makes every
 * buffer dear): no call fails, the stop, the failover and siplb's health change show in the output, both backends
 * take calls before the stop and only a after it, and nothing it started is left running; the exit status follows
 * the failed calls; the command line's help and usage errors.
 */
class DemoTest {

    /** One per-second line: time, calls/s, completed, failed, in flight, p99, share a, share b, health a, b. */
    private static final Pattern LINE = Pattern.compile(
            "^ *(\\d+\\.\\d)s +[\\d.]+ +(\\d+) +(\\d+) +\\d+ +(?:[\\d.]+ ms|-) +(\\d+%|-) +(\\d+%|-) +(\\w+) +(\\w+)$");

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    private PrintStream print(ByteArrayOutputStream to) {
        return new PrintStream(to, true, StandardCharsets.UTF_8);
    }

    @Test
    void backendBStopsHalfwayAndSiplbFailsItsCallsOverWithNoFailedCall() throws Exception {
        final Demo.Result r = Demo.run(Demo.parse(new String[] { "--duration", "6s", "--rate", "20" }), print(out),
                                       new CountDownLatch(1));
        final String text = out.toString(StandardCharsets.UTF_8);

        assertThat(Demo.exitStatus(r)).as(text).isEqualTo(Demo.EXIT_OK);
        assertThat(r.calls.attempted()).isEqualTo(120);
        assertThat(r.calls.completed()).isEqualTo(120);
        assertThat(text).contains("failed: 0").contains("result: OK, no call failed");

        // The stop and the health change siplb made, as they happened.
        assertThat(text).contains(">>> backend b stops")
                        .containsPattern(">>> backend b stopped: udp 127\\.0\\.0\\.1:\\d+ is closed");
        assertThat(r.stopped).isTrue();
        assertThat(r.transitions).isNotEmpty();
        assertThat(r.transitions).allMatch(t -> t.startsWith("backend b (sip:127.0.0.1:"));
        assertThat(r.transitions).anyMatch(t -> t.endsWith("out of rotation"));
        assertThat(text).containsPattern("siplb: backend b \\(sip:127\\.0\\.0\\.1:\\d+\\) active -> \\w+ \\(");
        final int stopAt = text.indexOf(">>> backend b stops");
        final int firstChange = text.indexOf("siplb: backend b");
        assertThat(firstChange).as("health change after the stop").isGreaterThan(stopAt);

        // Both backends took calls before the stop, only a after it (b: only 200s of the calls it had up, on their
        // way to the caller when it stopped).
        assertThat(r.before.get("a")).isGreaterThanOrEqualTo(5L);
        assertThat(r.before.get("b")).isGreaterThanOrEqualTo(5L);
        assertThat(r.after.get("a")).isGreaterThanOrEqualTo(40L);
        assertThat(r.after.get("b")).isLessThanOrEqualTo(r.bUpAtStop);
        assertThat(r.before.get("a") + r.before.get("b") + r.after.get("a") + r.after.get("b")).isEqualTo(120);

        // One line a second: shares and health as siplb saw them, before and after the stop.
        final List<Matcher> lines = new ArrayList<>();
        for (String l : text.split("\n")) {
            final Matcher m = LINE.matcher(l);
            if (m.matches()) {
                lines.add(m);
            }
        }
        assertThat(lines.size()).as(text).isBetween(4, 10);
        // Before the stop: both backends share the calls, both active.
        Matcher first = null;
        for (Matcher m : lines) {
            if (first == null && Double.parseDouble(m.group(1)) < 2.95 && !m.group(4).equals("-")) {
                first = m;
            }
        }
        assertThat(first).as(text).isNotNull();
        assertThat(first.group(4)).isNotEqualTo("0%").isNotEqualTo("-");
        assertThat(first.group(5)).isNotEqualTo("0%").isNotEqualTo("-");
        assertThat(first.group(6)).isEqualTo("active");
        assertThat(first.group(7)).isEqualTo("active");
        Matcher last = lines.get(lines.size() - 1); // the end: a takes every call, b out of rotation
        for (Matcher m : lines) {
            if (!m.group(4).equals("-")) {
                last = m;
            }
        }
        assertThat(last.group(4)).isEqualTo("100%");
        assertThat(last.group(5)).isEqualTo("0%");
        assertThat(last.group(6)).isEqualTo("active");
        assertThat(last.group(7)).isIn("inactive", "probing");
        for (Matcher m : lines) {
            assertThat(m.group(3)).as("failed so far").isEqualTo("0");
        }

        // Everything it started is stopped: no thread of siplb, of the backends or of the caller is left, and the
        // temporary configuration is gone.
        assertThat(Files.exists(r.dir)).isFalse();
        final long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        while (!demoThreads().isEmpty() && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertThat(demoThreads()).isEmpty();
    }

    private static List<String> demoThreads() {
        final List<String> names = new ArrayList<>();
        for (Thread t : Thread.getAllStackTraces().keySet()) {
            final String n = t.getName();
            if (t.isAlive() && (n.startsWith("siplb-io") || n.startsWith("siplb-uas") || n.startsWith("siplb-uac") ||
                                n.startsWith("siplb-demo"))) {
                names.add(n);
            }
        }
        return names;
    }

    @Test
    void aFailedCallMakesTheExitStatusOne() {
        // A backend that never answers, calls that give up after 200 ms: both fail.
        try (Uas silent = Uas.start(UasConfig.builder(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))
                                             .mode(UasMode.SILENT).build())) {
            final UacResult failed = Uac.run(UacConfig.builder(silent.localAddress())
                                                      .schedule(Schedule.constant(20, 2))
                                                      .timeout(Duration.ofMillis(200)).build(), null);
            assertThat(failed.failed()).isEqualTo(2);
            final Demo.Result r = new Demo.Result(failed, Map.of("a", 0L, "b", 0L), Map.of("a", 0L, "b", 0L), 0,
                                                  List.of(), false, null);
            assertThat(Demo.exitStatus(r)).isEqualTo(Demo.EXIT_FAILED);
        }
    }

    @Test
    void helpAndUsageErrors() {
        assertThat(Demo.execute(new String[] { "--help" }, print(out), print(err))).isEqualTo(Demo.EXIT_OK);
        assertThat(out.toString(StandardCharsets.UTF_8)).contains("--duration", "--rate", "--help", "failed");
        for (String[] bad : new String[][] { { "--rate", "0" }, { "--rate", "fast" }, { "--duration", "1s" },
                                             { "--duration" }, { "--calls", "3" } }) {
            err.reset();
            assertThat(Demo.execute(bad, print(out), print(err))).as(String.join(" ", bad))
                                                                   .isEqualTo(Demo.EXIT_USAGE);
            assertThat(err.toString(StandardCharsets.UTF_8)).startsWith("siplb demo: ").contains(bad[0]);
        }
    }
}
