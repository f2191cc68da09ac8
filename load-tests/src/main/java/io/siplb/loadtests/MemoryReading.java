package io.siplb.loadtests;

import java.io.IOException;
import java.lang.management.BufferPoolMXBean;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import javax.management.ObjectName;

import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufAllocatorMetricProvider;
import io.netty.util.internal.PlatformDependent;

/**
 * One reading of this JVM's memory, for the footprint programs ({@link TransactionFootprint},
 * {@link ConnectionFootprint}): a live class histogram ({@code GC.class_histogram} through the DiagnosticCommand
 * MBean, so a full GC first), Netty's and the JDK's direct-memory counters, the used direct memory of Netty's default
 * allocator, and the process's resident set ({@code VmRSS} of {@code /proc/self/status}; -1 where there is none).
 * Immutable; {@link #take()} may be called from any thread.
 *
 * @param classes         class name → {instances, bytes} of the live heap
 * @param heapTotal       live heap bytes (sum of the histogram)
 * @param nettyDirect     {@code PlatformDependent.usedDirectMemory()}
 * @param jdkDirect       bytes of the JDK's "direct" buffer pool
 * @param jdkDirectCount  buffers of the JDK's "direct" buffer pool
 * @param allocatorDirect used direct memory of {@code ByteBufAllocator.DEFAULT}, or -1
 * @param rss             resident set size in bytes, or -1
 */
public record MemoryReading(Map<String, long[]> classes, long heapTotal, long nettyDirect, long jdkDirect,
                            long jdkDirectCount, long allocatorDirect, long rss) {

    private static final Pattern HISTO_LINE = Pattern.compile("^\\s*\\d+:\\s+(\\d+)\\s+(\\d+)\\s+(\\S+).*$");
    private static final Pattern RSS_LINE = Pattern.compile("(?m)^VmRSS:\\s+(\\d+)\\s+kB");

    /** Takes a live class histogram (a full GC first) and reads the direct-memory counters and the RSS. */
    public static MemoryReading take() throws Exception {
        final String histo = (String) ManagementFactory.getPlatformMBeanServer().invoke(
                new ObjectName("com.sun.management:type=DiagnosticCommand"), "gcClassHistogram",
                new Object[] {new String[0]}, new String[] {String[].class.getName()});
        final Map<String, long[]> classes = new HashMap<>();
        long total = 0;
        for (String line : histo.split("\n")) {
            final Matcher m = HISTO_LINE.matcher(line);
            if (m.matches()) {
                final long instances = Long.parseLong(m.group(1));
                final long bytes = Long.parseLong(m.group(2));
                classes.merge(m.group(3), new long[] {instances, bytes},
                              (a, b) -> new long[] {a[0] + b[0], a[1] + b[1]});
                total += bytes;
            }
        }
        long jdkDirect = 0;
        long jdkCount = 0;
        for (BufferPoolMXBean pool : ManagementFactory.getPlatformMXBeans(BufferPoolMXBean.class)) {
            if ("direct".equals(pool.getName())) {
                jdkDirect = pool.getMemoryUsed();
                jdkCount = pool.getCount();
            }
        }
        final ByteBufAllocator alloc = ByteBufAllocator.DEFAULT;
        final long allocatorDirect = alloc instanceof ByteBufAllocatorMetricProvider
                                     ? ((ByteBufAllocatorMetricProvider) alloc).metric().usedDirectMemory() : -1;
        return new MemoryReading(classes, total, PlatformDependent.usedDirectMemory(), jdkDirect, jdkCount,
                                 allocatorDirect, readRss());
    }

    private static long readRss() {
        try {
            final Matcher m = RSS_LINE.matcher(Files.readString(Path.of("/proc/self/status")));
            return m.find() ? Long.parseLong(m.group(1)) * 1024 : -1;
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }

    /**
     * Returns a Markdown table of the {@code top} classes whose live bytes grew most from {@code base} to this
     * reading, per {@code unit} ({@code n} of them: transactions, connections).
     */
    public String topClasses(MemoryReading base, int n, int top, String unit) {
        final List<Map.Entry<String, long[]>> diff = new ArrayList<>();
        for (Map.Entry<String, long[]> e : classes.entrySet()) {
            final long[] b = base.classes.getOrDefault(e.getKey(), new long[2]);
            diff.add(Map.entry(e.getKey(), new long[] {e.getValue()[0] - b[0], e.getValue()[1] - b[1]}));
        }
        diff.sort(Comparator.comparingLong((Map.Entry<String, long[]> e) -> e.getValue()[1]).reversed());
        final long total = heapTotal - base.heapTotal;
        final StringBuilder sb = new StringBuilder();
        sb.append(String.format(Locale.ROOT, "Top %d classes at N = %,d (live heap growth %,d B = %,.0f B/%s)%n%n",
                                top, n, total, (double) total / n, unit));
        sb.append("| class | instances/").append(unit).append(" | B/").append(unit)
          .append(" | share |\n|---|---|---|---|\n");
        for (int i = 0; i < Math.min(top, diff.size()); i++) {
            final long[] v = diff.get(i).getValue();
            sb.append(String.format(Locale.ROOT, "| `%s` | %.2f | %,.1f | %.1f %% |%n", diff.get(i).getKey(),
                                    (double) v[0] / n, (double) v[1] / n, 100.0 * v[1] / total));
        }
        return sb.append('\n').toString();
    }
}
