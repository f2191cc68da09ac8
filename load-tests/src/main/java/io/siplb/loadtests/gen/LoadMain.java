package io.siplb.loadtests.gen;

import java.io.File;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import io.netty.util.internal.logging.InternalLoggerFactory;
import io.netty.util.internal.logging.JdkLoggerFactory;
import io.siplb.loadtests.gen.CliOptions.UsageException;

/**
 * The command line behind {@code bin/siplb load uac ...} and {@code bin/siplb load uas ...}. Exit status: 0 when
 * the run ended with every call completed (UAC) or the UAS stopped cleanly; 1 when some UAC call failed or was left
 * unfinished, or a socket could not be opened; 2 on a usage error. Static methods only. Immutable.
 */
public final class LoadMain {

    static final int EXIT_OK = 0;
    static final int EXIT_FAILED = 1;
    static final int EXIT_USAGE = 2;

    static final String USAGE =
            "Usage: siplb load uac --target HOST:PORT [OPTIONS]   place calls (the load generator)\n" +
            "       siplb load uas [--listen HOST:PORT] [OPTIONS] answer them (a backend)\n" +
            "       siplb load uac --help | siplb load uas --help\n";

    static final String UAC_USAGE =
            "Usage: siplb load uac --target HOST:PORT [OPTIONS]\n" +
            "\n" +
            "Places SIP calls on an open-model schedule: each call starts when it is due, whether or not earlier\n" +
            "ones ended. A call is INVITE, 1xx, 200, ACK, hold, BYE, 200 (ACK and BYE go to the first route of the\n" +
            "200's Record-Route, reversed, with Route headers, and name its Contact as Request-URI), or one\n" +
            "OPTIONS, MESSAGE or REGISTER transaction. Over UDP requests are retransmitted (Timers A and E).\n" +
            "Latencies are measured from each call's scheduled start (corrected for coordinated omission).\n" +
            "\n" +
            "Target and transport:\n" +
            "  --target HOST:PORT      where calls go: a proxy or a UAS (required; PORT defaults to 5060/5061)\n" +
            "  --transport udp|tcp|tls default udp\n" +
            "  --ca FILE               TLS: trust the CA certificate(s) in this PEM file\n" +
            "  --insecure              TLS: trust any certificate\n" +
            "  --local IP              bind sockets to IP (default: the address the target is routed from)\n" +
            "  --service USER          Request-URI user, sip:USER@HOST:PORT (default service)\n" +
            "What a call is:\n" +
            "  --mode invite|options|message|register   default invite\n" +
            "  --hold DURATION         time between ACK and BYE (default 0)\n" +
            "  --timeout DURATION      wait for a final response, then fail the call 'timeout' (default 32s)\n" +
            "  --t1 DURATION           RFC 3261 T1, first UDP retransmission interval (default 500ms)\n" +
            "Schedule (open model):\n" +
            "  --rate N                calls per second (default 10)\n" +
            "  --calls N               place N calls at --rate, or\n" +
            "  --duration DURATION     place calls at --rate for DURATION (default 10s), or\n" +
            "  --sweep FROM:TO:STEP    step the rate from FROM to TO by STEP calls/s,\n" +
            "  --step-duration DURATION   each step lasting DURATION (default 10s)\n" +
            "  --max-concurrent N      a call due while N are in flight is not started and fails\n" +
            "                          'max_concurrent' (default 100000)\n" +
            "  --warm-up DURATION      first place calls for DURATION at the (first) rate, wait for them to end,\n" +
            "                          and count none of them: the generator's and the target's JIT and caches\n" +
            "                          are warm when the measured schedule starts (default: none)\n" +
            "Capacity:\n" +
            "  --sockets N             UDP sockets or TCP/TLS connections, calls spread evenly (default 1)\n" +
            "  --threads N             event loop threads (default 1)\n" +
            "  --io auto|epoll|nio     Netty transport (default auto: epoll on Linux)\n" +
            "Output:\n" +
            "  --progress              one line per second: started, completed and failed calls/s, in flight,\n" +
            "                          p99 of the last second, each backend's share of the 200s\n" +
            "  --json FILE             write the result as JSON\n" +
            "  --charts DIR            write PNG charts: latency-percentiles.png; for a sweep also\n" +
            "                          sweep-throughput.png and sweep-p99.png\n" +
            "  --help                  print this help\n" +
            "\n" +
            "DURATION: 500ms, 1.5s, 10s, 2m (a bare number is seconds).\n" +
            "Exit status: 0 every call completed, 1 some failed or were unfinished, 2 usage error.\n";

    static final String UAS_USAGE =
            "Usage: siplb load uas [--listen HOST:PORT] [OPTIONS]\n" +
            "\n" +
            "Answers SIP requests: INVITE with 180 and 200 (copying Record-Route, with its Contact and a Server\n" +
            "header naming it), BYE, OPTIONS, MESSAGE and REGISTER with 200. Over UDP a final response to an\n" +
            "INVITE is retransmitted until the ACK comes (T1, doubling to T2, at most 64 x T1).\n" +
            "Runs until SIGINT/SIGTERM (or --duration), then prints its counters.\n" +
            "\n" +
            "  --listen HOST:PORT      address to listen on (default 127.0.0.1:5080; port 0: any free port)\n" +
            "  --transport udp|tcp|tls default udp\n" +
            "  --cert FILE --key FILE  TLS: certificate chain and PKCS#8 private key, PEM\n" +
            "  --mode MODE             answer (default), 503 (every INVITE answered 503), delay=DURATION (every\n" +
            "                          response sent DURATION after its request), ring=DURATION (INVITE: 180 at\n" +
            "                          once, 200 DURATION later; the transaction stays open that long), silent\n" +
            "                          (nothing answered)\n" +
            "  --name NAME             its Server header is 'siplb-load-uas NAME' (default uas-PORT), so the UAC\n" +
            "                          counts the calls each UAS answered\n" +
            "  --t1 DURATION           RFC 3261 T1 (default 500ms)\n" +
            "  --sockets N             UDP sockets sharing the port (SO_REUSEPORT; epoll only; default 1)\n" +
            "  --threads N             event loop threads (default 1)\n" +
            "  --io auto|epoll|nio     Netty transport (default auto: epoll on Linux)\n" +
            "  --duration DURATION     stop after DURATION\n" +
            "  --progress              print the counters once a second\n" +
            "  --help                  print this help\n" +
            "\n" +
            "Exit status: 0 stopped cleanly, 1 cannot listen, 2 usage error.\n";

    private static final List<String> UAC_VALUED = List.of(
            "--target", "--transport", "--ca", "--local", "--service", "--mode", "--hold", "--timeout", "--t1",
            "--rate", "--calls", "--duration", "--sweep", "--step-duration", "--max-concurrent", "--sockets",
            "--threads", "--io", "--json", "--charts", "--warm-up");
    private static final List<String> UAC_FLAGS = List.of("--insecure", "--progress", "--help");
    private static final List<String> UAS_VALUED = List.of(
            "--listen", "--transport", "--cert", "--key", "--mode", "--name", "--t1", "--sockets", "--threads",
            "--io", "--duration");
    private static final List<String> UAS_FLAGS = List.of("--progress", "--help");

    static {
        System.setProperty("java.awt.headless", "true");
        // The jar carries slf4j-api without a provider (for the benchmarks): log Netty through java.util.logging.
        InternalLoggerFactory.setDefaultFactory(JdkLoggerFactory.INSTANCE);
    }

    private LoadMain() {}

    public static void main(String[] args) {
        final int status = execute(args, System.out, System.err);
        System.exit(status);
    }

    /** Runs one command line; returns the exit status. */
    static int execute(String[] args, PrintStream out, PrintStream err) {
        if (args.length == 0 || "--help".equals(args[0]) || "-h".equals(args[0]) || "help".equals(args[0])) {
            (args.length == 0 ? err : out).print(USAGE);
            return args.length == 0 ? EXIT_USAGE : EXIT_OK;
        }
        final List<String> rest = Arrays.asList(args).subList(1, args.length);
        try {
            switch (args[0]) {
                case "uac":
                    return uac(CliOptions.parse("uac", rest, UAC_VALUED, UAC_FLAGS), out, err);
                case "uas":
                    return uas(CliOptions.parse("uas", rest, UAS_VALUED, UAS_FLAGS), out, err);
                default:
                    throw new UsageException("unknown command '" + args[0] + "' (expected: uac or uas)");
            }
        } catch (UsageException | IllegalArgumentException e) {
            err.println("siplb load: " + e.getMessage());
            return EXIT_USAGE;
        } catch (IllegalStateException e) {
            err.println("siplb load: " + e.getMessage());
            return EXIT_FAILED;
        }
    }

    /** Parses the UAC options into a configuration. */
    static UacConfig uacConfig(Map<String, String> o) {
        final String target = o.get("--target");
        if (target == null) {
            throw new UsageException("uac: --target HOST:PORT is required");
        }
        final LoadTransport transport = LoadTransport.of(o.getOrDefault("--transport", "udp"));
        final UacConfig.Builder b = UacConfig.builder(address(target, transport.defaultPort(), "--target"))
                .transport(transport)
                .mode(CallMode.of(o.getOrDefault("--mode", "invite")))
                .schedule(schedule(o))
                .io(LoadIo.of(o.getOrDefault("--io", "auto")))
                .insecure(o.containsKey("--insecure"));
        if (o.containsKey("--ca")) {
            b.caPem(new File(o.get("--ca")));
        }
        if (o.containsKey("--local")) {
            try {
                b.localAddress(InetAddress.getByName(o.get("--local")));
            } catch (UnknownHostException e) {
                throw new UsageException("uac: --local " + o.get("--local") + " does not resolve");
            }
        }
        if (o.containsKey("--service")) {
            b.service(o.get("--service"));
        }
        if (o.containsKey("--hold")) {
            b.hold(Durations.parse(o.get("--hold"), "--hold"));
        }
        if (o.containsKey("--timeout")) {
            b.timeout(Durations.parse(o.get("--timeout"), "--timeout"));
        }
        if (o.containsKey("--t1")) {
            b.t1(Durations.parse(o.get("--t1"), "--t1"));
        }
        if (o.containsKey("--max-concurrent")) {
            b.maxConcurrent(integer(o.get("--max-concurrent"), "--max-concurrent"));
        }
        if (o.containsKey("--sockets")) {
            b.sockets(integer(o.get("--sockets"), "--sockets"));
        }
        if (o.containsKey("--threads")) {
            b.threads(integer(o.get("--threads"), "--threads"));
        }
        return b.build();
    }

    /**
     * Returns the configuration of the {@code --warm-up} run: the measured run's, with the schedule replaced by
     * the warm-up's duration at the measured run's (first) rate.
     */
    static UacConfig warmUpConfig(Map<String, String> o) {
        final Duration duration = Durations.parse(o.get("--warm-up"), "--warm-up");
        if (duration.isZero() || duration.isNegative()) {
            throw new UsageException("uac: --warm-up " + o.get("--warm-up") + " (expected: a duration > 0)");
        }
        final Map<String, String> w = new java.util.HashMap<>(o);
        final double rate = schedule(o).rate(0);
        for (String k : new String[] { "--sweep", "--step-duration", "--calls", "--json", "--charts" }) {
            w.remove(k);
        }
        w.put("--rate", Double.toString(rate));
        w.put("--duration", o.get("--warm-up"));
        return uacConfig(w);
    }

    private static Schedule schedule(Map<String, String> o) {
        final String sweep = o.get("--sweep");
        if (sweep != null) {
            if (o.containsKey("--rate") || o.containsKey("--calls") || o.containsKey("--duration")) {
                throw new UsageException("uac: --sweep excludes --rate, --calls and --duration");
            }
            final String[] p = sweep.split(":");
            if (p.length != 3) {
                throw new UsageException("uac: --sweep " + sweep + " (expected: FROM:TO:STEP, e.g. 100:2000:100)");
            }
            return Schedule.sweep(number(p[0], "--sweep FROM"), number(p[1], "--sweep TO"),
                                  number(p[2], "--sweep STEP"),
                                  Durations.parse(o.getOrDefault("--step-duration", "10s"), "--step-duration"));
        }
        if (o.containsKey("--step-duration")) {
            throw new UsageException("uac: --step-duration needs --sweep");
        }
        final double rate = number(o.getOrDefault("--rate", "10"), "--rate");
        if (o.containsKey("--calls")) {
            if (o.containsKey("--duration")) {
                throw new UsageException("uac: --calls and --duration exclude each other");
            }
            return Schedule.constant(rate, integer(o.get("--calls"), "--calls"));
        }
        return Schedule.constant(rate, Durations.parse(o.getOrDefault("--duration", "10s"), "--duration"));
    }

    private static int uac(Map<String, String> o, PrintStream out, PrintStream err) {
        if (o.containsKey("--help")) {
            out.print(UAC_USAGE);
            return EXIT_OK;
        }
        final UacConfig config = uacConfig(o);
        final UacConfig warmUp = o.containsKey("--warm-up") ? warmUpConfig(o) : null;
        final Uac uac = Uac.create(config, o.containsKey("--progress") ? out::println : null);
        final CountDownLatch done = new CountDownLatch(1);
        final Thread hook = new Thread(() -> {
            uac.requestStop();
            try {
                done.await(30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "siplb-uac-stop");
        Runtime.getRuntime().addShutdownHook(hook);
        try {
            if (warmUp != null) {
                final UacResult w = Uac.run(warmUp, null);
                out.println("warm-up (not counted): " + w.attempted() + " calls at " +
                            warmUp.schedule().rate(0) + " calls/s, completed " + w.completed() + ", failed " +
                            w.failed() + ", unfinished " + w.unfinished());
            }
            uac.start();
            final UacResult r = uac.await();
            UacReport.printSummary(r, out);
            if (uac.firstSocketError() != null) {
                out.println("first socket error: " + uac.firstSocketError());
            }
            if (o.containsKey("--json")) {
                final Path json = Paths.get(o.get("--json"));
                UacReport.writeJson(r, json);
                out.println("json: " + json);
            }
            if (o.containsKey("--charts")) {
                try {
                    for (Path p : UacCharts.write(r, Paths.get(o.get("--charts")))) {
                        out.println("chart: " + p);
                    }
                } catch (IOException | RuntimeException | LinkageError e) {
                    // E.g. no fonts on a minimal system: the measurement stands without its charts.
                    err.println("siplb load: charts not written (" + e + ')');
                }
            }
            out.flush();
            return r.failed() == 0 && r.unfinished() == 0 ? EXIT_OK : EXIT_FAILED;
        } catch (IOException e) {
            err.println("siplb load: " + e);
            return EXIT_FAILED;
        } finally {
            done.countDown();
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException e) {
                // Already shutting down: the hook is running.
            }
        }
    }

    /** Parses the UAS options into a configuration. */
    static UasConfig uasConfig(Map<String, String> o) {
        final LoadTransport transport = LoadTransport.of(o.getOrDefault("--transport", "udp"));
        final UasConfig.Builder b = UasConfig.builder(address(o.getOrDefault("--listen", "127.0.0.1:5080"),
                                                              transport.defaultPort(), "--listen"))
                .transport(transport)
                .mode(UasMode.of(o.getOrDefault("--mode", "answer")))
                .io(LoadIo.of(o.getOrDefault("--io", "auto")));
        if (o.containsKey("--name")) {
            b.name(o.get("--name"));
        }
        if (o.containsKey("--t1")) {
            b.t1(Durations.parse(o.get("--t1"), "--t1"));
        }
        if (o.containsKey("--sockets")) {
            b.sockets(integer(o.get("--sockets"), "--sockets"));
        }
        if (o.containsKey("--threads")) {
            b.threads(integer(o.get("--threads"), "--threads"));
        }
        if (o.containsKey("--cert") || o.containsKey("--key")) {
            b.tls(o.containsKey("--cert") ? new File(o.get("--cert")) : null,
                  o.containsKey("--key") ? new File(o.get("--key")) : null);
        }
        return b.build();
    }

    private static int uas(Map<String, String> o, PrintStream out, PrintStream err) {
        if (o.containsKey("--help")) {
            out.print(UAS_USAGE);
            return EXIT_OK;
        }
        final UasConfig config = uasConfig(o);
        final Duration duration = o.containsKey("--duration") ? Durations.parse(o.get("--duration"), "--duration")
                                                              : null;
        final Uas uas = Uas.start(config);
        out.printf(Locale.ROOT, "siplb load uas %s listening on %s/%s, mode %s%n", uas.name(),
                   UacMessages.hostPort(uas.localAddress()), config.transport().name().toLowerCase(Locale.ROOT),
                   config.mode());
        out.flush();
        final CountDownLatch stop = new CountDownLatch(1);
        final CountDownLatch stopped = new CountDownLatch(1);
        final Thread hook = new Thread(() -> {
            stop.countDown();
            try {
                stopped.await(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "siplb-uas-stop");
        Runtime.getRuntime().addShutdownHook(hook);
        final long end = duration == null ? Long.MAX_VALUE : System.nanoTime() + duration.toNanos();
        try {
            long seconds = 0;
            while (!stop.await(Math.max(0, Math.min(1_000_000_000L, end - System.nanoTime())),
                               TimeUnit.NANOSECONDS)) {
                if (System.nanoTime() - end >= 0) {
                    break;
                }
                seconds++;
                if (o.containsKey("--progress")) {
                    out.printf(Locale.ROOT, "%5ds  %s%n", seconds, uas.stats().summary());
                    out.flush();
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            uas.close();
            out.println("siplb load uas " + uas.name() + ": " + uas.stats().summary());
            out.flush();
            stopped.countDown();
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException e) {
                // Already shutting down: the hook is running.
            }
        }
        return EXIT_OK;
    }

    /** Parses {@code HOST:PORT}, {@code [IPv6]:PORT} or {@code HOST} (port {@code defaultPort}). */
    static InetSocketAddress address(String text, int defaultPort, String option) {
        String host = text;
        int port = defaultPort;
        if (text.startsWith("[")) {
            final int close = text.indexOf(']');
            if (close < 0) {
                throw new UsageException(option + " " + text + " (expected: HOST:PORT or [IPv6]:PORT)");
            }
            host = text.substring(1, close);
            if (close + 1 < text.length()) {
                if (text.charAt(close + 1) != ':') {
                    throw new UsageException(option + " " + text + " (expected: HOST:PORT or [IPv6]:PORT)");
                }
                port = integer(text.substring(close + 2), option + " port");
            }
        } else {
            final int colon = text.lastIndexOf(':');
            if (colon >= 0 && text.indexOf(':') == colon) {
                host = text.substring(0, colon);
                port = integer(text.substring(colon + 1), option + " port");
            }
        }
        if (port < 0 || port > 65535) {
            throw new UsageException(option + " port " + port + " (expected: 0..65535)");
        }
        try {
            return new InetSocketAddress(InetAddress.getByName(host), port);
        } catch (UnknownHostException e) {
            throw new UsageException(option + " " + host + " does not resolve");
        }
    }

    private static int integer(String s, String name) {
        try {
            return Integer.parseInt(s.trim());
        } catch (NumberFormatException e) {
            throw new UsageException(name + ": '" + s + "' (expected: an integer)");
        }
    }

    private static double number(String s, String name) {
        try {
            return Double.parseDouble(s.trim());
        } catch (NumberFormatException e) {
            throw new UsageException(name + ": '" + s + "' (expected: a number)");
        }
    }
}
