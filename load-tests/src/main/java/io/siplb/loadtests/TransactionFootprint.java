package io.siplb.loadtests;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.DatagramChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicLong;


import io.netty.util.internal.PlatformDependent;
import io.siplb.proxy.config.SiplbConfig;
import io.siplb.proxy.lifecycle.SiplbServer;

/**
 * Measures the memory one open server transaction of the stateful proxy retains. It starts siplb in-process
 * (stateful mode, {@code udp:127.0.0.1:0}, {@code siplb.io.threads} as given) with one destination: a UDP socket on
 * loopback that reads every datagram and never answers, so every INVITE's transaction (and its one client branch)
 * stays open; the timers are long ({@code t1 = 10s}, {@code t2 = 40s}, {@code fr-timeout = fr-inv-timeout = 5m},
 * {@code timer-c = 10m}) so the transactions neither end nor retransmit much during the run. A UAC (four UDP
 * sockets on loopback, so that SO_REUSEPORT spreads them over the event loops with epoll) sends ~900-byte INVITEs
 * with SDP, each with its own Call-ID and branch, in batches of 200, waiting for each batch's 100 Trying (read and
 * discarded) before the next one, so nothing is dropped. At each target count it checks that
 * {@code server.stateful().activeTransactions()} equals the count and that siplb counted no drop, then takes a class
 * histogram of the live heap ({@code GC.class_histogram} through the DiagnosticCommand MBean, i.e. after a full GC)
 * and reads the direct memory (Netty's {@code PlatformDependent.usedDirectMemory()}, the JDK's "direct"
 * BufferPoolMXBean, and the used direct memory of Netty's default allocator). Each figure is the difference against
 * the same reading taken after start-up, before the first INVITE, divided by the number of open transactions; the
 * marginal line divides the difference between two steps by the transactions added between them. The UAC keeps no
 * per-request state, so the heap it adds is negligible. Only loopback traffic; everything it started is closed at the
 * end. Not thread-safe; run as a program.
 *
 * <p>Run it (from the repository root; build first with
 * {@code mvn -q -o -pl load-tests -am package -Dmaven.test.skip=true}); results are in load-tests/BENCHMARKS.md,
 * "Memory per transaction":
 * <pre>{@code
 * java -cp load-tests/target/benchmarks.jar io.siplb.loadtests.TransactionFootprint --threads 1 --counts 10000,100000
 * java -Xmx1g -cp load-tests/target/benchmarks.jar io.siplb.loadtests.TransactionFootprint --threads 1 --counts 100000
 * }</pre>
 * The shaded jar has no native transport (NIO: one listener socket, so one event loop gets every transaction
 * whatever {@code --threads} says). For two SO_REUSEPORT listener sockets, one per event loop, add the epoll jars:
 * <pre>{@code
 * E=~/.m2/repository/io/netty; V=4.2.18.Final
 * java -cp load-tests/target/benchmarks.jar:$E/netty-transport-classes-epoll/$V/netty-transport-classes-epoll-$V.jar:$E/netty-transport-native-epoll/$V/netty-transport-native-epoll-$V-linux-x86_64.jar:$E/netty-transport-native-unix-common/$V/netty-transport-native-unix-common-$V.jar \
 *   io.siplb.loadtests.TransactionFootprint --threads 2 --counts 10000,100000
 * }</pre>
 * Options: {@code --threads N} (siplb.io.threads, default 1), {@code --counts A,B,...} (cumulative targets, default
 * 10000,100000), {@code --max-transactions N} (default 200000), {@code --top N} (classes listed, default 10).
 */
public final class TransactionFootprint {

    private static final int BATCH = 200;
    private static final int UAC_SOCKETS = 4;
    private static final long BATCH_WAIT_NANOS = 5_000_000_000L;

    private TransactionFootprint() {}

    public static void main(String[] args) throws Exception {
        int threads = 1;
        int maxTransactions = 200_000;
        int top = 10;
        List<Integer> counts = List.of(10_000, 100_000);
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--threads" -> threads = Integer.parseInt(args[++i]);
                case "--max-transactions" -> maxTransactions = Integer.parseInt(args[++i]);
                case "--top" -> top = Integer.parseInt(args[++i]);
                case "--counts" -> {
                    final List<Integer> c = new ArrayList<>();
                    for (String s : args[++i].split(",")) {
                        c.add(Integer.parseInt(s.trim().replace("_", "")));
                    }
                    counts = c;
                }
                default -> throw new IllegalArgumentException("unknown option " + args[i]);
            }
        }
        System.out.printf(Locale.ROOT, "JVM %s, max heap %d MiB, max direct %d MiB, siplb.io.threads = %d, " +
                          "max-transactions = %d%n", System.getProperty("java.vm.version"),
                          Runtime.getRuntime().maxMemory() >> 20, PlatformDependent.maxDirectMemory() >> 20,
                          threads, maxTransactions);

        final DatagramChannel sink = DatagramChannel.open();
        sink.setOption(StandardSocketOptions.SO_RCVBUF, 4 << 20);
        sink.bind(new InetSocketAddress("127.0.0.1", 0));
        final AtomicLong sinkReceived = new AtomicLong();
        final Thread sinkReader = reader("footprint-sink", sink, sinkReceived, null);

        final Path dir = Files.createTempDirectory("siplb-footprint");
        final Path conf = dir.resolve("siplb.conf");
        final int sinkPort = ((InetSocketAddress) sink.getLocalAddress()).getPort();
        Files.writeString(conf, "siplb {\n" +
                "  listen = [\"udp:127.0.0.1:0\"]\n" +
                "  admin.listen = \"127.0.0.1:0\"\n" +
                "  io.threads = " + threads + "\n" +
                "  shutdown { quiet-period = 0ms, timeout = 2s }\n" +
                "  proxy {\n" +
                "    mode = stateful\n" +
                "    timers { t1 = 10s, t2 = 40s, timer-c = 10m }\n" +
                "    fr-timeout = 5m\n" +
                "    fr-inv-timeout = 5m\n" +
                "    max-transactions = " + maxTransactions + "\n" +
                "  }\n" +
                "  dispatcher.sets = [ { id = 1, algorithm = hash-call-id, destinations = [\"sip:127.0.0.1:" +
                sinkPort + "\"] } ]\n" +
                "}\n");
        final SiplbServer server = SiplbServer.start(SiplbConfig.load(conf));
        final List<DatagramChannel> uacs = new ArrayList<>();
        final List<Thread> uacReaders = new ArrayList<>();
        final AtomicLong trying = new AtomicLong();
        final AtomicLong otherResponses = new AtomicLong();
        try {
            final InetSocketAddress target = server.localAddresses().get(0);
            System.out.printf(Locale.ROOT, "siplb on %s (%d socket(s)), sink on 127.0.0.1:%d%n", target,
                              server.channels().size(), sinkPort);
            for (int i = 0; i < UAC_SOCKETS; i++) {
                final DatagramChannel uac = DatagramChannel.open();
                uac.setOption(StandardSocketOptions.SO_RCVBUF, 4 << 20);
                uac.bind(new InetSocketAddress("127.0.0.1", 0));
                uac.connect(target);
                uacs.add(uac);
                uacReaders.add(reader("footprint-uac-" + i, uac, trying, otherResponses));
            }

            final MemoryReading base = MemoryReading.take();
            System.out.printf(Locale.ROOT, "baseline: heap %d B live, netty direct %d B, jdk direct %d B " +
                              "(%d buffers), allocator direct %d B%n", base.heapTotal(), base.nettyDirect(),
                              base.jdkDirect(), base.jdkDirectCount(), base.allocatorDirect());
            final int[] ports = new int[UAC_SOCKETS];
            for (int i = 0; i < UAC_SOCKETS; i++) {
                ports[i] = ((InetSocketAddress) uacs.get(i).getLocalAddress()).getPort();
            }
            final StringBuilder table = new StringBuilder();
            table.append("| N | heap B/txn | Netty usedDirectMemory B/txn | JDK direct pool B/txn | " +
                         "allocator direct B/txn | live heap total after |\n|---|---|---|---|---|---|\n");
            final StringBuilder tops = new StringBuilder();
            final ByteBuffer out = ByteBuffer.allocate(2048);
            int sent = 0;
            MemoryReading previous = base;
            int previousN = 0;
            final long start = System.nanoTime();
            for (int n : counts) {
                while (sent < n) {
                    final int batchEnd = Math.min(n, sent + BATCH);
                    for (; sent < batchEnd; sent++) {
                        final int s = sent % UAC_SOCKETS;
                        out.clear();
                        out.put(invite(sent, ports[s], target).getBytes(StandardCharsets.US_ASCII)).flip();
                        uacs.get(s).write(out);
                    }
                    final long deadline = System.nanoTime() + BATCH_WAIT_NANOS;
                    while (trying.get() < sent && System.nanoTime() < deadline) {
                        Thread.sleep(1);
                    }
                    if (trying.get() < sent) {
                        throw new IllegalStateException("only " + trying.get() + " 100 Trying for " + sent +
                                                        " INVITEs; siplb counters " + server.stats().snapshot());
                    }
                }
                final long deadline = System.nanoTime() + 10_000_000_000L;
                while ((server.stateful().activeTransactions() != n || sinkReceived.get() < n)
                       && System.nanoTime() < deadline) {
                    Thread.sleep(10);
                }
                final int active = server.stateful().activeTransactions();
                final long drops = server.stats().totalDrops();
                System.out.printf(Locale.ROOT, "N = %d sent in %.1f s since start: active transactions %d, " +
                                  "100 Trying %d, other responses %d, sink received %d, siplb drops %d, " +
                                  "counters %s%n", n, (System.nanoTime() - start) / 1e9, active, trying.get(),
                                  otherResponses.get(), sinkReceived.get(), drops, server.stats().snapshot());
                if (active != n || drops != 0 || otherResponses.get() != 0) {
                    throw new IllegalStateException("expected " + n + " open transactions and no drop");
                }
                final MemoryReading r = MemoryReading.take();
                table.append(String.format(Locale.ROOT, "| %,d | %,.0f | %,.0f | %,.0f | %,.0f | %,d MiB |%n", n,
                        per(r.heapTotal() - base.heapTotal(), n), per(r.nettyDirect() - base.nettyDirect(), n),
                        per(r.jdkDirect() - base.jdkDirect(), n), per(r.allocatorDirect() - base.allocatorDirect(), n),
                        r.heapTotal() >> 20));
                if (previous != base) {
                    table.append(String.format(Locale.ROOT, "| marginal %,d→%,d | %,.0f | %,.0f | %,.0f | " +
                            "%,.0f | |%n", previousN, n, per(r.heapTotal() - previous.heapTotal(), n - previousN),
                            per(r.nettyDirect() - previous.nettyDirect(), n - previousN),
                            per(r.jdkDirect() - previous.jdkDirect(), n - previousN),
                            per(r.allocatorDirect() - previous.allocatorDirect(), n - previousN)));
                }
                tops.append(r.topClasses(base, n, top, "txn"));
                previous = r;
                previousN = n;
            }
            System.out.println();
            System.out.print(table);
            System.out.println();
            System.out.print(tops);
            System.out.printf(Locale.ROOT, "%nmax heap %d MiB; live heap after the last step %d MiB%n",
                              Runtime.getRuntime().maxMemory() >> 20, previous.heapTotal() >> 20);
        } finally {
            server.close();
            for (DatagramChannel uac : uacs) {
                uac.close();
            }
            sink.close();
            for (Thread t : uacReaders) {
                t.join(2000);
            }
            sinkReader.join(2000);
            Files.deleteIfExists(conf);
            Files.deleteIfExists(dir);
        }
    }

    private static double per(long bytes, int n) {
        return (double) bytes / n;
    }

    /** Starts a daemon thread counting what {@code ch} receives: 100 Trying in {@code trying}, the rest in other. */
    private static Thread reader(String name, DatagramChannel ch, AtomicLong trying, AtomicLong other) {
        final Thread t = new Thread(() -> {
            final ByteBuffer buf = ByteBuffer.allocate(65536);
            final byte[] status = new byte[12];
            try {
                while (true) {
                    buf.clear();
                    ch.receive(buf);
                    buf.flip();
                    if (other == null) {
                        trying.incrementAndGet();
                        continue;
                    }
                    if (buf.remaining() >= 12) {
                        buf.get(status);
                        if (new String(status, StandardCharsets.US_ASCII).equals("SIP/2.0 100 ")) {
                            trying.incrementAndGet();
                            continue;
                        }
                    }
                    other.incrementAndGet();
                }
            } catch (ClosedChannelException e) {
                // closed at the end of the run
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }, name);
        t.setDaemon(true);
        t.start();
        return t;
    }

    /** Returns INVITE number {@code i} (about 900 bytes with SDP) from a UAC on {@code port} of 127.0.0.1. */
    static String invite(int i, int port, InetSocketAddress target) {
        final String host = "127.0.0.1";
        final String sdp = "v=0\r\n" +
                "o=alice 2890844526 2890844526 IN IP4 " + host + "\r\n" +
                "s=-\r\n" +
                "c=IN IP4 " + host + "\r\n" +
                "t=0 0\r\n" +
                "m=audio 49170 RTP/AVP 0 8 9 18 101\r\n" +
                "a=rtpmap:0 PCMU/8000\r\n" +
                "a=rtpmap:8 PCMA/8000\r\n" +
                "a=rtpmap:9 G722/8000\r\n" +
                "a=rtpmap:18 G729/8000\r\n" +
                "a=fmtp:18 annexb=no\r\n" +
                "a=rtpmap:101 telephone-event/8000\r\n" +
                "a=fmtp:101 0-16\r\n" +
                "a=ptime:20\r\n" +
                "a=sendrecv\r\n";
        final String tag = Integer.toHexString(0x10000000 + i);
        return "INVITE sip:bob@example.com SIP/2.0\r\n" +
               "Via: SIP/2.0/UDP " + host + ":" + port + ";branch=z9hG4bK-fp-" + i + "-" + tag + ";rport\r\n" +
               "Max-Forwards: 70\r\n" +
               "From: \"Alice\" <sip:alice@example.com>;tag=" + tag + "a1\r\n" +
               "To: <sip:bob@example.com>\r\n" +
               "Call-ID: fp-" + i + "-" + tag + "@" + host + "\r\n" +
               "CSeq: 1 INVITE\r\n" +
               "Contact: <sip:alice@" + host + ":" + port + ";transport=udp>\r\n" +
               "Allow: INVITE, ACK, CANCEL, BYE, OPTIONS, UPDATE, INFO, PRACK, REFER, NOTIFY\r\n" +
               "Supported: replaces, timer, 100rel\r\n" +
               "User-Agent: siplb-footprint/1.0\r\n" +
               "Session-Expires: 1800;refresher=uac\r\n" +
               "Min-SE: 90\r\n" +
               "P-Asserted-Identity: <sip:alice@example.com>\r\n" +
               "Content-Type: application/sdp\r\n" +
               "Content-Length: " + sdp.length() + "\r\n" +
               "\r\n" + sdp;
    }
}
