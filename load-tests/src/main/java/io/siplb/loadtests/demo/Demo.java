package io.siplb.loadtests.demo;

import static java.util.Objects.requireNonNull;

import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import org.HdrHistogram.Histogram;

import io.netty.util.internal.logging.InternalLoggerFactory;
import io.netty.util.internal.logging.JdkLoggerFactory;
import io.siplb.dispatch.Destination;
import io.siplb.dispatch.Transport;
import io.siplb.dispatch.state.DestinationState;
import io.siplb.dispatch.state.HealthState;
import io.siplb.dispatch.state.HealthTransition;
import io.siplb.loadtests.gen.Durations;
import io.siplb.loadtests.gen.FailureReason;
import io.siplb.loadtests.gen.Metric;
import io.siplb.loadtests.gen.Schedule;
import io.siplb.loadtests.gen.Uac;
import io.siplb.loadtests.gen.UacConfig;
import io.siplb.loadtests.gen.UacProgress;
import io.siplb.loadtests.gen.UacResult;
import io.siplb.loadtests.gen.Uas;
import io.siplb.loadtests.gen.UasConfig;
import io.siplb.proxy.config.SiplbConfig;
import io.siplb.proxy.lifecycle.SiplbServer;

/**
 * {@code bin/siplb demo}: siplb at work in one command, in one JVM, on loopback. It writes a demo configuration to a
 * temporary directory (a UDP listener on a free port, one round-robin set of two destinations, failover after 3 s
 * without answer, keepalive probes every second), starts siplb on it ({@link SiplbServer}), two load-generator
 * backends {@code a} and {@code b} ({@link Uas}) and a caller ({@link Uac}) placing calls at a modest rate, and
 * prints one line a second: calls/s, completed and failed calls, calls in flight, the p99 of INVITE → 200 in that
 * second, each backend's share of the calls of that second and its health as siplb sees it. Halfway through,
 * backend {@code b} stops as a backend being shut down does ({@link Uas#stop}: no answer to new calls, then its
 * port closed): siplb fails the calls sent to it over to {@code a} (after the ICMP port unreachable of a
 * retransmission, or fr-timeout) and its health changes, each transition printed as it happens. The summary counts
 * calls and failed calls ({@code failed: 0}), each backend's calls before and after the stop, and the latencies.
 *
 * <p>Exit status: 0 when every call completed, 1 when a call failed or was left unfinished (or siplb could not
 * start), 2 on a usage error. Everything it started (siplb, the backends, the caller, their threads and sockets,
 * the temporary directory) is stopped or removed before it returns, also after Ctrl-C. Every wait is bounded.
 *
 * <p>Static methods only; a run is confined to the calling thread, except for the printing from siplb's health
 * writer and the caller's collector thread, which only read thread-safe state. Immutable.
 */
public final class Demo {

    static final int EXIT_OK = 0;
    static final int EXIT_FAILED = 1;
    static final int EXIT_USAGE = 2;

    static final String USAGE =
            "Usage: siplb demo [--duration DURATION] [--rate N]\n" +
            "\n" +
            "Shows siplb at work, on loopback, in one process: siplb (stateful, round-robin) in front of two\n" +
            "backends a and b, and a caller placing calls through it. One line a second: calls/s, completed and\n" +
            "failed calls, calls in flight, p99 of INVITE -> 200, each backend's share and health as siplb sees it.\n" +
            "Halfway through backend b stops: siplb fails its calls over to a and takes b out of rotation, with\n" +
            "no failed call. Then a summary. Stops everything it started.\n" +
            "\n" +
            "  --duration DURATION     how long calls are placed (default 20s, at least 2s); b stops halfway\n" +
            "  --rate N                calls per second (default 50, 1..1000)\n" +
            "  --help                  print this help\n" +
            "\n" +
            "DURATION: 500ms, 1.5s, 10s, 2m (a bare number is seconds).\n" +
            "Exit status: 0 no call failed, 1 a call failed (or was unfinished), 2 usage error.\n";

    /** The prefix of the load-generator backends' {@code Server} header, left out of the names printed. */
    private static final String SERVER_PREFIX = "siplb-load-uas ";
    /** How long a stopping backend lets the calls it answered end, at most, before its port closes. */
    private static final Duration STOP_GRACE = Duration.ofSeconds(5);
    /** The caller's wait for a final response: far beyond siplb's failover time (fr-timeout x 2 destinations). */
    private static final Duration CALL_TIMEOUT = Duration.ofSeconds(12);
    private static final String LINE_FORMAT = "%6s %8s %10s %7s %10s %10s %6s %6s   %-9s %s%n";

    private Demo() {}

    /** What the command line asks for. Immutable. */
    static final class Options {
        final Duration duration;
        final double rate;

        Options(Duration duration, double rate) {
            this.duration = requireNonNull(duration, "duration");
            if (duration.compareTo(Duration.ofSeconds(2)) < 0) {
                throw new IllegalArgumentException("--duration " + Durations.format(duration) +
                                                   " (expected: at least 2s)");
            }
            if (duration.compareTo(Duration.ofHours(1)) > 0) {
                throw new IllegalArgumentException("--duration " + Durations.format(duration) +
                                                   " (expected: at most 1h)");
            }
            if (!(rate >= 1 && rate <= 1000)) {
                throw new IllegalArgumentException("--rate " + rate + " (expected: 1..1000)");
            }
            this.rate = rate;
        }

        /** When backend b stops: halfway. */
        Duration stopAt() {
            return duration.dividedBy(2);
        }
    }

    /**
     * What a run did, for the exit status and for tests: the caller's result, each backend's 2xx before and after
     * b stopped (by name, {@code a} and {@code b}; b's after the stop are 200s of the calls b had up when it
     * stopped, {@code bUpAtStop}, that reached the caller later), the health transitions siplb reported and the
     * temporary directory the configuration was in (removed by then). Immutable.
     */
    static final class Result {
        final UacResult calls;
        final Map<String, Long> before;
        final Map<String, Long> after;
        final long bUpAtStop;
        final List<String> transitions;
        final boolean stopped;
        final Path dir;

        Result(UacResult calls, Map<String, Long> before, Map<String, Long> after, long bUpAtStop,
               List<String> transitions, boolean stopped, Path dir) {
            this.bUpAtStop = bUpAtStop;
            this.dir = dir;
            this.calls = calls;
            this.before = Collections.unmodifiableMap(new LinkedHashMap<>(before));
            this.after = Collections.unmodifiableMap(new LinkedHashMap<>(after));
            this.transitions = List.copyOf(transitions);
            this.stopped = stopped;
        }

        /** Returns whether every call completed. */
        boolean clean() {
            return calls.failed() == 0 && calls.unfinished() == 0;
        }
    }

    public static void main(String[] args) {
        // The jar carries slf4j-api without a provider: siplb's own log stays silent (the demo prints what matters)
        // and Netty logs through java.util.logging.
        if (System.getProperty("slf4j.provider") == null) {
            System.setProperty("slf4j.provider", "org.slf4j.helpers.NOP_FallbackServiceProvider");
            System.setProperty("slf4j.internal.verbosity", "WARN");
        }
        InternalLoggerFactory.setDefaultFactory(JdkLoggerFactory.INSTANCE);
        System.exit(execute(args, System.out, System.err));
    }

    /** Runs one command line; returns the exit status. */
    static int execute(String[] args, PrintStream out, PrintStream err) {
        final Options options;
        try {
            options = parse(args);
        } catch (IllegalArgumentException e) {
            err.println("siplb demo: " + e.getMessage());
            err.print(USAGE);
            return EXIT_USAGE;
        }
        if (options == null) {
            out.print(USAGE);
            return EXIT_OK;
        }
        final CountDownLatch interrupted = new CountDownLatch(1);
        final CountDownLatch done = new CountDownLatch(1);
        final Thread hook = new Thread(() -> {
            interrupted.countDown();
            try {
                done.await(20, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "siplb-demo-stop");
        Runtime.getRuntime().addShutdownHook(hook);
        try {
            final Result r = run(options, out, interrupted);
            out.flush();
            return exitStatus(r);
        } catch (IOException | RuntimeException e) {
            err.println("siplb demo: " + e);
            return EXIT_FAILED;
        } finally {
            done.countDown();
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException e) {
                // Already shutting down (Ctrl-C): the hook is running.
            }
        }
    }

    /** Returns the exit status of a run: 0 when every call completed, 1 when one failed or was unfinished. */
    static int exitStatus(Result r) {
        return r.clean() ? EXIT_OK : EXIT_FAILED;
    }

    /** Parses the options; returns {@code null} for {@code --help}. */
    static Options parse(String[] args) {
        Duration duration = Duration.ofSeconds(20);
        double rate = 50;
        for (int i = 0; i < args.length; i++) {
            final String a = args[i];
            switch (a) {
                case "--help":
                case "-h":
                    return null;
                case "--duration":
                case "--rate":
                    if (i + 1 >= args.length) {
                        throw new IllegalArgumentException(a + " needs a value");
                    }
                    final String v = args[++i];
                    if (a.equals("--duration")) {
                        duration = Durations.parse(v, "--duration");
                    } else {
                        try {
                            rate = Double.parseDouble(v);
                        } catch (NumberFormatException e) {
                            throw new IllegalArgumentException("--rate " + v + " (expected: a number, 1..1000)");
                        }
                    }
                    break;
                default:
                    throw new IllegalArgumentException("unknown option '" + a +
                                                       "' (expected: --duration, --rate or --help)");
            }
        }
        return new Options(duration, rate);
    }

    /**
     * Runs the demo, printing to {@code out}; {@code interrupted} released (Ctrl-C) ends it early. Everything it
     * started is stopped before it returns or throws.
     */
    static Result run(Options options, PrintStream out, CountDownLatch interrupted) throws IOException {
        final InetAddress loopback = InetAddress.getLoopbackAddress();
        final Path dir = Files.createTempDirectory("siplb-demo");
        Uas a = null;
        Uas b = null;
        SiplbServer siplb = null;
        try {
            a = Uas.start(UasConfig.builder(new InetSocketAddress(loopback, 0)).name("a").build());
            b = Uas.start(UasConfig.builder(new InetSocketAddress(loopback, 0)).name("b").build());
            final Map<Integer, String> names = Map.of(a.localAddress().getPort(), "a", b.localAddress().getPort(),
                                                      "b");
            final Path file = dir.resolve("siplb.conf");
            Files.writeString(file, config(a.localAddress(), b.localAddress()), StandardCharsets.UTF_8);
            siplb = SiplbServer.start(SiplbConfig.load(file));
            final InetSocketAddress at = siplb.localAddress(Transport.UDP);
            // Halfway, between two calls' due times, so that no call starts at the very moment b stops.
            final long stopAtNanos = options.stopAt().toNanos() + (long) (0.5e9 / options.rate);

            out.printf(Locale.ROOT, "siplb demo: siplb listening on udp %s, in front of backend a (udp %s) and " +
                                    "backend b (udp %s)%n", hostPort(at), hostPort(a.localAddress()),
                       hostPort(b.localAddress()));
            out.printf(Locale.ROOT, "  stateful, round-robin; a call without an answer in 3 s, answered 503 or " +
                                    "refused by ICMP goes to the next backend; keepalive probe every 1 s%n");
            out.printf(Locale.ROOT, "  its configuration, %s:%n", file);
            for (String l : Files.readAllLines(file, StandardCharsets.UTF_8)) {
                out.println("    " + l);
            }
            out.printf(Locale.ROOT, "caller: %s calls/s for %s (INVITE, 180, 200, ACK, BYE, 200); backend b " +
                                    "stops at %s%n", number(options.rate), Durations.format(options.duration),
                       Durations.format(options.stopAt()));
            out.printf(Locale.ROOT, "Each second: calls completed per second, calls completed and failed so far, " +
                                    "calls in flight,%n  p99 of INVITE -> 200 (call setup) of the second, each " +
                                    "backend's share of the calls of the second, its health in siplb.%n%n");
            out.printf(Locale.ROOT, LINE_FORMAT, "time", "calls/s", "completed", "failed", "in flight",
                       "p99 setup", "a", "b", "health a", "health b");

            final SiplbServer server = siplb;
            final UacConfig callerConfig = UacConfig.builder(at)
                    .schedule(Schedule.constant(options.rate, options.duration))
                    .timeout(CALL_TIMEOUT)
                    .build();
            final Uac caller = Uac.observed(callerConfig, p -> {
                // Not the end's last sliver of a second (its per-second rates would mislead); the summary follows.
                if (p.intervalNanos() >= 500_000_000L &&
                    p.intervalAttempted() + p.intervalCompleted() + p.intervalFailed() + p.inFlight() > 0) {
                    out.print(line(p, server, names));
                }
            });
            caller.start();
            final List<String> transitions = Collections.synchronizedList(new ArrayList<>());
            server.proxy().dispatcher().stateRegistry().addListener((state, t) -> {
                final String line = transition(names, state, t);
                transitions.add(line);
                out.printf(Locale.ROOT, "%6s   siplb: %s%n", seconds(caller.elapsedNanos()), line);
            });

            boolean stopped = false;
            long bUp = 0;
            Map<String, Long> before = Map.of();
            UacResult r = null;
            final Thread watcher = new Thread(() -> {
                try {
                    interrupted.await();
                    caller.requestStop();
                } catch (InterruptedException e) {
                    // The run ended first.
                }
            }, "siplb-demo-interrupt");
            watcher.setDaemon(true);
            watcher.start();
            try {
                if (!interrupted.await(stopAtNanos - caller.elapsedNanos(), TimeUnit.NANOSECONDS)) {
                    out.printf(Locale.ROOT, "%6s   >>> backend b stops: no answer to new calls; its port closes " +
                                            "once the calls it answered have ended%n",
                               seconds(caller.elapsedNanos()));
                    final long stopNanos = System.nanoTime();
                    // b takes no new call from here; a 200 of b the caller counts from now on is one of these.
                    bUp = b.stopTakingCalls();
                    before = byName(caller.backends());
                    b.stop(STOP_GRACE);
                    stopped = true;
                    final long tookMillis = (System.nanoTime() - stopNanos) / 1_000_000;
                    out.printf(Locale.ROOT, "%6s   >>> backend b stopped: udp %s is closed%s%n",
                               seconds(caller.elapsedNanos()), hostPort(b.localAddress()),
                               bUp == 0 ? " (no call of b was up)" :
                               String.format(Locale.ROOT, " after %d ms, once the %d call(s) b had up ended",
                                             tookMillis, bUp));
                }
                r = caller.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted", e);
            } finally {
                watcher.interrupt();
                if (r == null) {
                    // Something went wrong before the run's end: stop the caller too (bounded: a few seconds).
                    caller.requestStop();
                    caller.await();
                }
            }
            final Map<String, Long> total = byName(r.backends());
            final Map<String, Long> after = new LinkedHashMap<>();
            for (String n : List.of("a", "b")) {
                after.put(n, total.getOrDefault(n, 0L) - before.getOrDefault(n, 0L));
            }
            final Result result = new Result(r, withBoth(stopped ? before : total),
                                             stopped ? after : withBoth(Map.of()), bUp, transitions,
                                             stopped, dir);
            out.println();
            summary(result, options, out);
            if (!result.clean()) {
                out.println("siplb's counters (local-responses: the responses siplb made itself): " +
                            server.stats().snapshot());
            }
            return result;
        } finally {
            // Each one closed even when another one's close fails.
            final List<AutoCloseable> started = new ArrayList<>();
            started.add(siplb);
            started.add(a);
            started.add(b);
            for (AutoCloseable c : started) {
                if (c != null) {
                    try {
                        c.close();
                    } catch (Exception e) {
                        out.println("siplb demo: closing " + c.getClass().getSimpleName() + ": " + e);
                    }
                }
            }
            delete(dir);
        }
    }

    /** Returns the demo configuration: siplb on a free loopback UDP port, set 1 = the two backends. */
    static String config(InetSocketAddress a, InetSocketAddress b) {
        return "# siplb demo configuration (bin/siplb demo); every key is described in conf/siplb.conf.\n" +
               "siplb {\n" +
               "  listen = [\"udp:" + hostPort(new InetSocketAddress(a.getAddress(), 0)) + "\"]\n" +
               "  io.threads = 1\n" +
               "  proxy {\n" +
               "    mode = stateful\n" +
               "    fr-timeout = 3s\n" +
               "  }\n" +
               "  shutdown { quiet-period = 0ms, timeout = 2s }\n" +
               "  dispatcher {\n" +
               "    sets = [ { id = 1, algorithm = round-robin, destinations = [\n" +
               "      \"sip:" + hostPort(a) + "\", \"sip:" + hostPort(b) + "\" ] } ]\n" +
               "    probing { interval = 1s, timeout = 2s, failure-threshold = 3, success-threshold = 1 }\n" +
               "  }\n" +
               "}\n";
    }

    private static String line(UacProgress p, SiplbServer server, Map<Integer, String> names) {
        final Map<String, Long> second = byName(p.intervalBackends());
        long sum = 0;
        for (long n : second.values()) {
            sum += n;
        }
        final Histogram h = p.intervalLatency();
        return String.format(Locale.ROOT, LINE_FORMAT, seconds(p.elapsedNanos()),
                             String.format(Locale.ROOT, "%.1f", p.perSecond(p.intervalCompleted())),
                             p.completed(), p.failed(), p.inFlight(),
                             h.getTotalCount() == 0 ? "-" : millis(h.getValueAtPercentile(99)),
                             share(second.getOrDefault("a", 0L), sum), share(second.getOrDefault("b", 0L), sum),
                             health(server, names, "a"), health(server, names, "b"));
    }

    private static String share(long n, long sum) {
        return sum == 0 ? "-" : Math.round(100.0 * n / sum) + "%";
    }

    /** Returns the health siplb has for the backend called {@code name}. */
    private static String health(SiplbServer server, Map<Integer, String> names, String name) {
        for (Destination d : server.proxy().dispatcher().snapshot().set(1).destinations()) {
            if (name.equals(names.get(d.address().getPort()))) {
                return name(server.proxy().dispatcher().state(d).health());
            }
        }
        return "?";
    }

    private static String transition(Map<Integer, String> names, DestinationState state, HealthTransition t) {
        String who = state.key().id();
        for (Map.Entry<Integer, String> e : names.entrySet()) {
            if (who.endsWith(":" + e.getKey())) {
                who = "backend " + e.getValue() + " (" + who + ")";
                break;
            }
        }
        return who + " " + name(t.from()) + " -> " + name(t.to()) + " (" +
               t.cause().name().toLowerCase(Locale.ROOT).replace('_', ' ') +
               (t.reason().isEmpty() ? "" : ": " + t.reason()) + ')' +
               (t.to().acceptsNewCalls() ? "" : ", out of rotation");
    }

    private static String name(HealthState s) {
        return s.name().toLowerCase(Locale.ROOT);
    }

    private static void summary(Result r, Options options, PrintStream out) {
        final UacResult c = r.calls;
        out.printf(Locale.ROOT, "summary: %d calls in %.1f s through siplb (%s calls/s offered)%n", c.attempted(),
                   c.elapsedNanos() / 1e9, number(options.rate));
        out.printf(Locale.ROOT, "  calls: %d, completed: %d, failed: %d, unfinished: %d%n", c.attempted(),
                   c.completed(), c.failed(), c.unfinished());
        if (c.failed() > 0) {
            final StringBuilder b = new StringBuilder("  failed by reason:");
            for (Map.Entry<FailureReason, Long> e : c.failures().entrySet()) {
                if (e.getValue() > 0) {
                    b.append(' ').append(e.getKey().key()).append(' ').append(e.getValue());
                    if (e.getKey() == FailureReason.STATUS) {
                        b.append(" (by code: ").append(c.failedByStatus()).append(')');
                    }
                }
            }
            out.println(b);
        }
        if (r.stopped) {
            out.printf(Locale.ROOT, "  answered before b stopped: %s%n", shares(r.before));
            out.printf(Locale.ROOT, "  answered after b stopped:  %s%s%n", shares(r.after),
                       r.after.getOrDefault("b", 0L) > 0 ? " (b: the 200s of calls it had answered before, on " +
                                                           "their way when it stopped)" : "");
        } else {
            out.printf(Locale.ROOT, "  answered: %s (the run ended before b stopped)%n", shares(r.before));
        }
        final Histogram setup = c.latency(Metric.INVITE_OK);
        if (setup.getTotalCount() > 0) {
            out.printf(Locale.ROOT, "  INVITE -> 200: p50 %s, p99 %s, max %s%n",
                       millis(setup.getValueAtPercentile(50)), millis(setup.getValueAtPercentile(99)),
                       millis(setup.getMaxValue()));
        }
        out.printf(Locale.ROOT, "  health changes seen by siplb: %d%n", r.transitions.size());
        out.println(r.clean() ? "result: OK, no call failed" :
                    "result: FAILED, " + (c.failed() + c.unfinished()) + " call(s) failed or unfinished");
    }

    private static String shares(Map<String, Long> counts) {
        long sum = 0;
        for (long n : counts.values()) {
            sum += n;
        }
        final StringBuilder b = new StringBuilder();
        for (Map.Entry<String, Long> e : counts.entrySet()) {
            if (b.length() > 0) {
                b.append(", ");
            }
            b.append(e.getKey()).append(' ').append(e.getValue());
            if (sum > 0) {
                b.append(" (").append(Math.round(100.0 * e.getValue() / sum)).append("%)");
            }
        }
        return b.toString();
    }

    /** Returns the 2xx counts keyed by the backends' names ({@code a}, {@code b}), without the Server prefix. */
    private static Map<String, Long> byName(Map<String, Long> byServer) {
        final Map<String, Long> m = new LinkedHashMap<>();
        for (Map.Entry<String, Long> e : byServer.entrySet()) {
            final String k = e.getKey().startsWith(SERVER_PREFIX) ? e.getKey().substring(SERVER_PREFIX.length())
                                                                  : e.getKey();
            m.merge(k, e.getValue(), Long::sum);
        }
        return m;
    }

    private static Map<String, Long> withBoth(Map<String, Long> counts) {
        final Map<String, Long> m = new LinkedHashMap<>();
        m.put("a", counts.getOrDefault("a", 0L));
        m.put("b", counts.getOrDefault("b", 0L));
        counts.forEach(m::putIfAbsent);
        return m;
    }

    private static String seconds(long nanos) {
        return String.format(Locale.ROOT, "%.1fs", nanos / 1e9);
    }

    private static String millis(long micros) {
        return micros >= 100_000 ? String.format(Locale.ROOT, "%d ms", Math.round(micros / 1000.0))
                                 : String.format(Locale.ROOT, "%.2f ms", micros / 1000.0);
    }

    private static String number(double v) {
        return v == Math.rint(v) ? Long.toString((long) v) : Double.toString(v);
    }

    private static String hostPort(InetSocketAddress a) {
        final String host = a.getAddress().getHostAddress();
        return (host.indexOf(':') >= 0 ? '[' + host + ']' : host) + ':' + a.getPort();
    }

    private static void delete(Path dir) {
        try (Stream<Path> paths = Files.walk(dir)) {
            paths.sorted(Comparator.reverseOrder()).forEach(p -> {
                try {
                    Files.deleteIfExists(p);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
        } catch (IOException | UncheckedIOException e) {
            // Left in the temporary directory: nothing runs from it any more.
        }
    }
}
