package io.siplb.loadtests;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslProvider;
import io.netty.handler.ssl.util.InsecureTrustManagerFactory;
import io.netty.util.concurrent.Future;
import io.siplb.dispatch.Transport;
import io.siplb.proxy.config.SiplbConfig;
import io.siplb.proxy.lifecycle.SiplbServer;

/**
 * Measures the memory one idle inbound TCP or TLS connection costs siplb. It starts siplb in-process (stateful mode,
 * {@code tcp:127.0.0.1:0} and {@code tls:127.0.0.1:0}, the development certificate, connection limits raised above
 * the counts, {@code idle-timeout = 1h}) and a client in a child JVM (so the client's own memory is not counted) that
 * opens connections to siplb and keeps them open without sending anything; for TLS each connection finishes its
 * handshake first (the client uses the JDK's provider and trusts any certificate; siplb uses its configured
 * provider, BoringSSL when netty-tcnative loads). At each cumulative count the program waits until siplb's
 * connection table holds exactly that many connections of the transport, then takes a {@link MemoryReading}: the
 * live heap after a full GC (class histogram), direct memory, and the process's resident set. Each figure is the
 * difference against the reading taken with no connection open, divided by the count; the marginal line divides the
 * growth between two counts by the connections added between them, which removes fixed costs (allocator chunks, table
 * resizes). The RSS column includes the native memory of BoringSSL and of the kernel-facing buffers that the heap and
 * direct counters do not see; it is meaningful only with a fixed, pre-touched heap ({@code -Xms} = {@code -Xmx},
 * {@code -XX:+AlwaysPreTouch}), otherwise heap growth shows in it too. Only loopback; the child and siplb are stopped
 * at the end. Not thread-safe; run as a program.
 *
 * <p>Run it from the repository root (build first with {@code mvn -q -o -pl load-tests -am package
 * -Dmaven.test.skip=true}); results are in load-tests/BENCHMARKS.md, "Memory per idle connection":
 * <pre>{@code
 * java -Xms2g -Xmx2g -XX:+AlwaysPreTouch -cp load-tests/target/benchmarks.jar \
 *   io.siplb.loadtests.ConnectionFootprint --transports tcp,tls --counts 1000,10000
 * }</pre>
 * Options: {@code --transports tcp,tls}, {@code --counts A,B,...} (cumulative, default 1000,10000),
 * {@code --threads N} (siplb.io.threads, default 1), {@code --top N} (classes listed, default 8). The process needs
 * a file-descriptor limit above the largest count.
 */
public final class ConnectionFootprint {

    private static final long STEP_TIMEOUT_NANOS = TimeUnit.SECONDS.toNanos(120);
    private static final int IN_FLIGHT = 200;

    private ConnectionFootprint() {}

    public static void main(String[] args) throws Exception {
        if (args.length > 0 && args[0].equals("--clients")) {
            clients(args[1], args[2], Integer.parseInt(args[3]));
            return;
        }
        List<String> transports = List.of("tcp", "tls");
        List<Integer> counts = List.of(1_000, 10_000);
        int threads = 1;
        int top = 8;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--transports" -> transports = List.of(args[++i].split(","));
                case "--threads" -> threads = Integer.parseInt(args[++i]);
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
        final int max = counts.stream().mapToInt(Integer::intValue).max().orElse(0);
        System.out.printf(Locale.ROOT, "JVM %s, heap max %d MiB, siplb.io.threads = %d%n",
                          System.getProperty("java.vm.version"), Runtime.getRuntime().maxMemory() >> 20, threads);
        final Path dir = Files.createTempDirectory("siplb-connfootprint");
        final Path conf = dir.resolve("siplb.conf");
        Files.writeString(conf, "siplb {\n" +
                "  listen = [\"tcp:127.0.0.1:0\", \"tls:127.0.0.1:0\"]\n" +
                "  admin.listen = \"127.0.0.1:0\"\n" +
                "  io.threads = " + threads + "\n" +
                "  shutdown { quiet-period = 0ms, timeout = 2s }\n" +
                "  connections { max = " + (2 * max + 100) + ", max-per-ip = " + (2 * max + 100) +
                ", idle-timeout = 1h }\n" +
                "  dispatcher.sets = [ { id = 1, algorithm = round-robin, destinations = " +
                "[\"sip:127.0.0.1:9;transport=tcp\"] } ]\n" +
                "}\n");
        final SiplbServer server = SiplbServer.start(SiplbConfig.load(conf));
        final StringBuilder table = new StringBuilder();
        table.append("| transport | N | heap B/conn | direct B/conn (Netty counter) | allocator direct B/conn | " +
                     "RSS B/conn |\n|---|---|---|---|---|---|\n");
        final StringBuilder tops = new StringBuilder();
        try {
            for (String name : transports) {
                final Transport transport = Transport.valueOf(name.toUpperCase(Locale.ROOT));
                final InetSocketAddress target = server.localAddress(transport);
                System.out.printf(Locale.ROOT, "%s listener %s; provider %s%n", name, target,
                                  io.netty.handler.ssl.OpenSsl.isAvailable() ? "OpenSSL (BoringSSL) available"
                                                                             : "JDK");
                measure(server, transport, target, counts, top, table, tops);
            }
            System.out.println();
            System.out.print(table);
            System.out.println();
            System.out.print(tops);
        } finally {
            server.close();
            Files.deleteIfExists(conf);
            Files.deleteIfExists(dir);
        }
    }

    private static void measure(SiplbServer server, Transport transport, InetSocketAddress target,
                                List<Integer> counts, int top, StringBuilder table, StringBuilder tops)
            throws Exception {
        awaitOpen(server, transport, 0);
        final MemoryReading base = MemoryReading.take();
        final String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        final Process child = new ProcessBuilder(java, "-Xmx1g", "-cp", System.getProperty("java.class.path"),
                ConnectionFootprint.class.getName(), "--clients", transport.name().toLowerCase(Locale.ROOT),
                target.getAddress().getHostAddress(), Integer.toString(target.getPort()))
                .redirectError(ProcessBuilder.Redirect.INHERIT).start();
        try (PrintWriter toChild = new PrintWriter(new OutputStreamWriter(child.getOutputStream(),
                                                                          StandardCharsets.US_ASCII), true);
             BufferedReader fromChild = new BufferedReader(new InputStreamReader(child.getInputStream(),
                                                                                 StandardCharsets.US_ASCII))) {
            MemoryReading previous = null;
            int previousN = 0;
            for (int n : counts) {
                toChild.println(n);
                final String line = fromChild.readLine();
                if (line == null || !line.equals("open " + n)) {
                    throw new IllegalStateException("client: expected 'open " + n + "', got " + line);
                }
                awaitOpen(server, transport, n);
                final MemoryReading r = MemoryReading.take();
                System.out.printf(Locale.ROOT, "%s N = %d: siplb open %d, connection stats %s%n", transport, n,
                                  server.streams().table().open(transport), server.streams().stats().snapshot());
                table.append(row(transport + "", String.format(Locale.ROOT, "%,d", n), base, r, n));
                if (previous != null) {
                    table.append(row(transport + "", String.format(Locale.ROOT, "marginal %,d→%,d", previousN, n),
                                     previous, r, n - previousN));
                }
                tops.append(transport).append(", ").append(r.topClasses(base, n, top, "conn"));
                previous = r;
                previousN = n;
            }
        } finally {
            child.getOutputStream().close();
            if (!child.waitFor(30, TimeUnit.SECONDS)) {
                child.destroyForcibly();
            }
        }
        awaitOpen(server, transport, 0);
    }

    private static String row(String transport, String label, MemoryReading from, MemoryReading to, int n) {
        return String.format(Locale.ROOT, "| %s | %s | %,.0f | %,.0f | %,.0f | %,.0f |%n", transport, label,
                             per(to.heapTotal() - from.heapTotal(), n), per(to.nettyDirect() - from.nettyDirect(), n),
                             per(to.allocatorDirect() - from.allocatorDirect(), n), per(to.rss() - from.rss(), n));
    }

    private static double per(long bytes, int n) {
        return (double) bytes / n;
    }

    private static void awaitOpen(SiplbServer server, Transport transport, int n) throws InterruptedException {
        final long deadline = System.nanoTime() + STEP_TIMEOUT_NANOS;
        while (server.streams().table().open(transport) != n && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        if (server.streams().table().open(transport) != n) {
            throw new IllegalStateException("siplb holds " + server.streams().table().open(transport) + " " +
                                            transport + " connections, expected " + n + "; stats " +
                                            server.streams().stats());
        }
    }

    /**
     * The child: reads cumulative counts from stdin, opens connections until it holds that many (TLS: handshakes
     * done) and answers {@code open N}; closes everything and exits when stdin ends.
     */
    private static void clients(String transport, String host, int port) throws Exception {
        final boolean tls = transport.equals("tls");
        final SslContext ssl = tls ? SslContextBuilder.forClient().sslProvider(SslProvider.JDK)
                                                      .trustManager(InsecureTrustManagerFactory.INSTANCE).build()
                                   : null;
        final EventLoopGroup group = new MultiThreadIoEventLoopGroup(2, NioIoHandler.newFactory());
        final ConcurrentLinkedQueue<Channel> open = new ConcurrentLinkedQueue<>();
        final AtomicLong failed = new AtomicLong();
        final InetSocketAddress to = new InetSocketAddress(host, port);
        final Bootstrap b = new Bootstrap().group(group).channel(NioSocketChannel.class)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, 10_000)
                .handler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        if (tls) {
                            ch.pipeline().addLast(ssl.newHandler(ch.alloc(), host, port));
                        }
                    }
                });
        final BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.US_ASCII));
        try {
            String line;
            while ((line = in.readLine()) != null) {
                final int target = Integer.parseInt(line.trim());
                final Semaphore inFlight = new Semaphore(IN_FLIGHT);
                final long deadline = System.nanoTime() + STEP_TIMEOUT_NANOS;
                int started = open.size();
                while (started < target && System.nanoTime() < deadline) {
                    if (!inFlight.tryAcquire(100, TimeUnit.MILLISECONDS)) {
                        continue;
                    }
                    started++;
                    final ChannelFuture cf = b.connect(to);
                    cf.addListener(f -> {
                        if (!f.isSuccess()) {
                            failed.incrementAndGet();
                            inFlight.release();
                            return;
                        }
                        if (!tls) {
                            open.add(cf.channel());
                            inFlight.release();
                            return;
                        }
                        final Future<Channel> hs = cf.channel().pipeline().get(SslHandler.class).handshakeFuture();
                        hs.addListener(h -> {
                            if (h.isSuccess()) {
                                open.add(cf.channel());
                            } else {
                                failed.incrementAndGet();
                                cf.channel().close();
                            }
                            inFlight.release();
                        });
                    });
                }
                if (!inFlight.tryAcquire(IN_FLIGHT, 60, TimeUnit.SECONDS) || open.size() != target) {
                    System.err.printf(Locale.ROOT, "client: %d open, %d failed, target %d%n", open.size(),
                                      failed.get(), target);
                    System.out.println("failed " + open.size());
                    System.out.flush();
                    return;
                }
                System.out.println("open " + target);
                System.out.flush();
            }
        } finally {
            for (Channel ch : open) {
                ch.close();
            }
            group.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
        }
    }
}
