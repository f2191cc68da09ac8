package io.siplb.loadtests;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;

import jdk.jfr.EventType;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordedFrame;
import jdk.jfr.consumer.RecordedStackTrace;
import jdk.jfr.consumer.RecordedThread;
import jdk.jfr.consumer.RecordingFile;

/**
 * Reads a JFR recording of a running siplb and says which share of its event loop threads' samples fall in the
 * codec's parsing and in the dispatcher's selection: the "share of parse + select in siplb's CPU per forwarded
 * message" of load-tests/BENCHMARKS.md. Not thread-safe; run as a program, or call {@link #read(Path, String)}
 * from one thread.
 *
 * <p>Samples: the recording's {@code jdk.ExecutionSample} events (a thread running Java code) and
 * {@code jdk.NativeMethodSample} events (a thread in a native method: with the epoll transport, Netty's
 * {@code epoll_wait}, {@code recvmmsg}, {@code sendmsg} ... through JNI) of the threads whose name starts with the
 * prefix ({@code siplb-io}: siplb's event loops, {@code siplb-io-1-1}, {@code siplb-io-1-2}, ...). A sample is in a
 * category when any frame of its stack is:
 * <ul>
 *   <li>{@code parse}: a method of {@code io.siplb.codec.SipMessageParser} (the start line, the header index and
 *       the decode-time checks of every received message);</li>
 *   <li>{@code views}: a method of the lazily built views, {@code io.siplb.codec.Via}, {@code NameAddr},
 *       {@code SipUri} or {@code CSeq}, or an accessor of {@code DefaultSipMessage} that builds or reads one
 *       ({@code topVia}, {@code vias}, {@code from}, {@code to}, {@code callId}, {@code cseq}, {@code maxForwards},
 *       {@code routes}, {@code recordRoutes}, {@code contacts}, {@code requestUri}, {@code contentLength},
 *       {@code authorizationUsername});</li>
 *   <li>{@code select}: {@code io.siplb.dispatch.DispatchSnapshot.select} (the set's algorithm choosing the
 *       destination and the failover list);</li>
 *   <li>{@code dispatch}: {@code io.siplb.proxy.routing.RequestRouter.dispatch} (routing rules, selection key and
 *       {@code select}: the whole choice of a destination for an initial request).</li>
 * </ul>
 * A sample counts once in a union ({@code parse + views + select}, ...) even when several of its frames match.
 *
 * <p>Shares: against the event loops' Java samples, and against all their samples that were on a CPU, i.e. Java
 * samples plus native samples whose top frame is not the wait for events ({@code epoll_wait} / {@code Selector}
 * select, in which a thread is idle); a native sample is weighted by the ratio of the two sampling periods read
 * from the recording's {@code jdk.ActiveSetting} events, so a 20 ms native period counts twice a 10 ms Java one.
 * JFR samples a thread in Java code whether or not the OS is running it at that moment, so on a loaded machine
 * both counts include time the thread waited for a CPU; the shares hold as long as that waiting falls alike on
 * all code.
 *
 * <p>Run it on a recording ({@code -XX:StartFlightRecording=filename=siplb.jfr,settings=profile} on siplb's JVM):
 * <pre>{@code
 * java -cp load-tests/target/benchmarks.jar io.siplb.loadtests.JfrCpuShare siplb.jfr [--threads siplb-io] [--top 25]
 * }</pre>
 * It prints the counts, the shares and the methods most often on top of the stack (self time).
 */
public final class JfrCpuShare {

    /** The categories, in report order. */
    public enum Category { PARSE, VIEWS, SELECT, DISPATCH }

    private static final Set<String> VIEW_CLASSES = Set.of("io.siplb.codec.Via", "io.siplb.codec.NameAddr",
                                                           "io.siplb.codec.SipUri", "io.siplb.codec.CSeq");
    private static final Set<String> VIEW_ACCESSORS = Set.of("topVia", "vias", "from", "to", "callId", "cseq",
                                                             "maxForwards", "routes", "recordRoutes", "contacts",
                                                             "requestUri", "contentLength",
                                                             "authorizationUsername");

    private final Map<Set<Category>, Long> byCategories = new HashMap<>();
    private final Map<String, Long> javaTop = new HashMap<>();
    private final Map<String, Long> nativeTop = new HashMap<>();
    private final Map<String, Long> threads = new LinkedHashMap<>();
    private long javaSamples;
    private long nativeSamples;
    private long nativeIdle;
    private double javaPeriodMillis = Double.NaN;
    private double nativePeriodMillis = Double.NaN;

    private JfrCpuShare() {}

    /** Reads the samples of the threads named {@code threadPrefix}... from {@code recording}. */
    public static JfrCpuShare read(Path recording, String threadPrefix) throws IOException {
        final JfrCpuShare share = new JfrCpuShare();
        final Map<Long, String> typeNames = new HashMap<>();
        try (RecordingFile file = new RecordingFile(recording)) {
            for (EventType t : file.readEventTypes()) {
                typeNames.put(t.getId(), t.getName());
            }
            while (file.hasMoreEvents()) {
                share.accept(file.readEvent(), threadPrefix, typeNames);
            }
        }
        return share;
    }

    private void accept(RecordedEvent e, String threadPrefix, Map<Long, String> typeNames) {
        final String type = e.getEventType().getName();
        switch (type) {
            case "jdk.ActiveSetting":
                if ("period".equals(e.getString("name"))) {
                    final String of = typeNames.get(e.getLong("id"));
                    if ("jdk.ExecutionSample".equals(of)) {
                        javaPeriodMillis = millis(e.getString("value"));
                    } else if ("jdk.NativeMethodSample".equals(of)) {
                        nativePeriodMillis = millis(e.getString("value"));
                    }
                }
                return;
            case "jdk.ExecutionSample":
            case "jdk.NativeMethodSample":
                break;
            default:
                return;
        }
        final RecordedThread thread = e.getThread("sampledThread");
        final String name = thread == null ? null : thread.getJavaName();
        if (name == null || !name.startsWith(threadPrefix)) {
            return;
        }
        final RecordedStackTrace stack = e.getStackTrace();
        final List<RecordedFrame> frames = stack == null ? List.of() : stack.getFrames();
        final String top = frames.isEmpty() ? "(no stack)" : method(frames.get(0));
        if (type.equals("jdk.NativeMethodSample")) {
            // No category calls native code: a native sample is idle (the wait for events) or I/O.
            nativeSamples++;
            nativeTop.merge(top, 1L, Long::sum);
            if (isIdleWait(frames)) {
                nativeIdle++;
            }
            return;
        }
        javaSamples++;
        javaTop.merge(top, 1L, Long::sum);
        threads.merge(name, 1L, Long::sum);
        final List<String> methods = new ArrayList<>(frames.size());
        for (RecordedFrame f : frames) {
            methods.add(method(f));
        }
        byCategories.merge(categories(methods), 1L, Long::sum);
    }

    /** The categories of a stack, {@code class.method} of each frame, top first. */
    static Set<Category> categories(List<String> methods) {
        final EnumSet<Category> set = EnumSet.noneOf(Category.class);
        for (String m : methods) {
            final int dot = m.lastIndexOf('.');
            final String cls = dot < 0 ? m : m.substring(0, dot);
            final String name = dot < 0 ? "" : m.substring(dot + 1);
            if (cls.equals("io.siplb.codec.SipMessageParser")) {
                set.add(Category.PARSE);
            } else if (VIEW_CLASSES.contains(cls) ||
                       cls.equals("io.siplb.codec.DefaultSipMessage") && VIEW_ACCESSORS.contains(name)) {
                set.add(Category.VIEWS);
            } else if (m.equals("io.siplb.dispatch.DispatchSnapshot.select")) {
                set.add(Category.SELECT);
            } else if (m.equals("io.siplb.proxy.routing.RequestRouter.dispatch")) {
                set.add(Category.DISPATCH);
            }
        }
        return set;
    }

    private static boolean isIdleWait(List<RecordedFrame> frames) {
        if (frames.isEmpty()) {
            return false;
        }
        final String top = method(frames.get(0));
        return top.startsWith("io.netty.channel.epoll.Native.epollWait") ||
               top.startsWith("io.netty.channel.epoll.Native.epollBusyWait") ||
               top.startsWith("sun.nio.ch.EPoll.wait") || top.startsWith("sun.nio.ch.EPollSelectorImpl.doSelect");
    }

    private static String method(RecordedFrame f) {
        return f.getMethod() == null ? "(unknown)"
                                     : f.getMethod().getType().getName() + '.' + f.getMethod().getName();
    }

    private static double millis(String value) {
        // "10 ms", "20 ms", "1 s", "everyChunk"...
        final String v = value.trim();
        try {
            if (v.endsWith(" ms")) {
                return Double.parseDouble(v.substring(0, v.length() - 3));
            }
            if (v.endsWith(" s")) {
                return 1000 * Double.parseDouble(v.substring(0, v.length() - 2));
            }
            if (v.endsWith(" us")) {
                return Double.parseDouble(v.substring(0, v.length() - 3)) / 1000;
            }
        } catch (NumberFormatException e) {
            return Double.NaN;
        }
        return Double.NaN;
    }

    /** The Java samples of each sampled thread, by thread name. */
    public Map<String, Long> threads() {
        return Map.copyOf(threads);
    }

    /** The event loops' Java samples. */
    public long javaSamples() {
        return javaSamples;
    }

    /** The event loops' native samples, idle ones included. */
    public long nativeSamples() {
        return nativeSamples;
    }

    /** Native samples in the wait for events. */
    public long nativeIdleSamples() {
        return nativeIdle;
    }

    /** Java samples whose set of categories passes {@code test}. */
    public long samples(Predicate<Set<Category>> test) {
        long n = 0;
        for (Map.Entry<Set<Category>, Long> e : byCategories.entrySet()) {
            if (test.test(e.getKey())) {
                n += e.getValue();
            }
        }
        return n;
    }

    /** Java samples with any of {@code any} on their stack. */
    public long samplesWithAny(Category... any) {
        return samples(s -> {
            for (Category c : any) {
                if (s.contains(c)) {
                    return true;
                }
            }
            return false;
        });
    }

    /** Native samples on a CPU (not the wait for events), in units of Java samples (period ratio). */
    public double busyNativeInJavaSamples() {
        final double ratio = Double.isNaN(javaPeriodMillis) || Double.isNaN(nativePeriodMillis) || javaPeriodMillis <= 0
                             ? 1 : nativePeriodMillis / javaPeriodMillis;
        return (nativeSamples - nativeIdle) * ratio;
    }

    /** Prints the report. */
    public void print(PrintStream out, int top) {
        out.printf(Locale.ROOT, "event loop threads (Java samples): %s%n", threads);
        out.printf(Locale.ROOT, "sampling periods: Java %s ms, native %s ms%n", javaPeriodMillis, nativePeriodMillis);
        out.printf(Locale.ROOT, "Java samples: %d; native samples: %d (waiting for events: %d, on a CPU: %d)%n",
                   javaSamples, nativeSamples, nativeIdle, nativeSamples - nativeIdle);
        final double busy = javaSamples + busyNativeInJavaSamples();
        line(out, "parse", samplesWithAny(Category.PARSE), busy);
        line(out, "views", samplesWithAny(Category.VIEWS), busy);
        line(out, "select", samplesWithAny(Category.SELECT), busy);
        line(out, "dispatch (rules, key, select)", samplesWithAny(Category.DISPATCH), busy);
        line(out, "parse + select", samplesWithAny(Category.PARSE, Category.SELECT), busy);
        line(out, "parse + views + select", samplesWithAny(Category.PARSE, Category.VIEWS, Category.SELECT), busy);
        line(out, "parse + views + dispatch",
             samplesWithAny(Category.PARSE, Category.VIEWS, Category.SELECT, Category.DISPATCH), busy);
        out.printf(Locale.ROOT, "top of stack, Java samples (self):%n");
        topLines(out, javaTop, javaSamples, top);
        out.printf(Locale.ROOT, "top of stack, native samples:%n");
        topLines(out, nativeTop, nativeSamples, Math.min(top, 8));
    }

    private void line(PrintStream out, String what, long n, double busy) {
        out.printf(Locale.ROOT, "%-32s %7d samples  %5.1f %% of Java samples  %5.1f %% of samples on a CPU%n",
                   what, n, javaSamples == 0 ? 0 : 100.0 * n / javaSamples, busy == 0 ? 0 : 100.0 * n / busy);
    }

    private static void topLines(PrintStream out, Map<String, Long> counts, long total, int top) {
        counts.entrySet().stream()
              .sorted((a, b) -> Long.compare(b.getValue(), a.getValue()))
              .limit(top)
              .forEach(e -> out.printf(Locale.ROOT, "  %6d  %5.1f %%  %s%n", e.getValue(),
                                       total == 0 ? 0 : 100.0 * e.getValue() / total, e.getKey()));
    }

    public static void main(String[] args) throws IOException {
        if (args.length == 0 || args[0].startsWith("--")) {
            System.err.println("usage: JfrCpuShare RECORDING.jfr [--threads PREFIX] [--top N]");
            System.exit(2);
        }
        String prefix = "siplb-io";
        int top = 25;
        for (int i = 1; i < args.length; i++) {
            switch (args[i]) {
                case "--threads" -> prefix = args[++i];
                case "--top" -> top = Integer.parseInt(args[++i]);
                default -> {
                    System.err.println("unknown option " + args[i] + " (expected: --threads PREFIX, --top N)");
                    System.exit(2);
                }
            }
        }
        final JfrCpuShare share = read(Path.of(args[0]), prefix);
        if (share.javaSamples() == 0) {
            System.err.println("no Java samples of threads named " + prefix + "... in " + args[0]);
            System.exit(1);
        }
        share.print(System.out, top);
    }
}
