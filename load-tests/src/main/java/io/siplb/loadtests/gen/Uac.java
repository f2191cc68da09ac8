package io.siplb.loadtests.gen;

import static java.util.Objects.requireNonNull;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.FixedRecvByteBufAllocator;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslHandler;
import io.netty.util.concurrent.EventExecutor;
import io.siplb.codec.DatagramSipDecoder;
import io.siplb.codec.StreamSipDecoder;

/**
 * A UAC load run: opens {@code sockets} UDP sockets or TCP/TLS connections on {@code threads} event loops, starts
 * every call of the {@link Schedule} when it is due (open model), waits for the calls in flight to end, and returns
 * a {@link UacResult}. Use {@link #run(UacConfig, Consumer)}, or {@link #start()}, {@link #await()} and
 * {@link #requestStop()} to stop early (e.g. on SIGINT).
 *
 * <p>A collector thread moves the latency recorders into the totals once a second and, when a progress sink is
 * given, writes one line per second to it (calls started, completed and failed per second, in flight, p99 of the
 * primary latency over that second, the share of 2xx per backend); a run made by {@link #observed} hands the
 * figures behind that line ({@link UacProgress}) to its listener instead.
 *
 * <p>Thread-safe: {@link #requestStop()} may be called from any thread; {@link #start()} and {@link #await()} from
 * one controlling thread. Handlers run on their event loops; shared counts are in {@link UacStats}.
 */
public final class Uac {

    /** How long the run waits after the last due call, beyond the calls' own timeouts, before it gives up. */
    private static final long DRAIN_MARGIN_NANOS = TimeUnit.SECONDS.toNanos(2);
    /** How long a stopped run (SIGINT) waits for calls in flight. */
    private static final long STOP_GRACE_NANOS = TimeUnit.SECONDS.toNanos(3);
    /** Receive/send buffer of each UDP socket, so bursts are not dropped by the kernel. */
    private static final int UDP_BUFFER = 4 << 20;

    private final UacConfig config;
    private final Consumer<UacProgress> progress;
    private final UacStats stats;
    private final String runId;
    private final AtomicInteger startersRunning;
    private final List<UacHandler> handlers = new ArrayList<>();
    private final List<Channel> channels = new ArrayList<>();
    private final Map<EventLoop, TimerWheel> wheels = new HashMap<>();
    private volatile boolean stopRequested;
    private volatile String firstSocketError;
    private MultiThreadIoEventLoopGroup group;
    private ScheduledExecutorService collector;
    private long startNanos;
    private Instant startedAt;
    private Progress progressState;

    private Uac(UacConfig config, Consumer<UacProgress> progress) {
        this.config = requireNonNull(config, "config");
        this.progress = progress;
        stats = new UacStats(config.schedule().stepCount());
        runId = Long.toHexString(ThreadLocalRandom.current().nextLong() | Long.MIN_VALUE).substring(0, 10);
        startersRunning = new AtomicInteger(config.sockets());
    }

    /** Returns a run of {@code config}, not yet started; {@code progress} gets one line per second, or is null. */
    public static Uac create(UacConfig config, Consumer<String> progress) {
        return new Uac(config, progress == null ? null : p -> progress.accept(ProgressLine.format(p)));
    }

    /**
     * Returns a run of {@code config}, not yet started, whose {@code listener} gets the figures of every second
     * (and of the end of the run), on the run's collector thread (at the end: on the thread in {@link #await()}).
     */
    public static Uac observed(UacConfig config, Consumer<UacProgress> listener) {
        return new Uac(config, requireNonNull(listener, "listener"));
    }

    /** Runs {@code config} to its end and returns the result. */
    public static UacResult run(UacConfig config, Consumer<String> progress) {
        final Uac uac = create(config, progress);
        uac.start();
        return uac.await();
    }

    UacConfig config() {
        return config;
    }

    UacStats stats() {
        return stats;
    }

    String runId() {
        return runId;
    }

    /**
     * Returns the time since the schedule's start (negative just before it); after {@link #start()} returned, on
     * its thread or on one that synchronized with it afterwards (e.g. a thread it started or handed work to).
     */
    public long elapsedNanos() {
        return System.nanoTime() - startNanos;
    }

    /** Returns the 2xx per backend so far (live, from any thread), by name. */
    public Map<String, Long> backends() {
        return stats.backends();
    }

    /** Returns the first socket error seen (for diagnostics), or {@code null}. */
    public String firstSocketError() {
        return firstSocketError;
    }

    void starterDone() {
        startersRunning.decrementAndGet();
    }

    void socketError(int socket, Throwable cause) {
        if (firstSocketError == null) {
            firstSocketError = "socket " + socket + ": " + cause;
        }
    }

    /** Asks the run to start no more calls and end soon; from any thread. */
    public void requestStop() {
        stopRequested = true;
    }

    /**
     * Opens the sockets (waits for every bind, connection and TLS handshake) and starts the schedule.
     *
     * @throws IllegalStateException when a socket cannot be opened (everything opened is closed again)
     */
    public void start() {
        final LoadIo io = config.io();
        group = io.newGroup(config.threads(), "siplb-uac");
        final List<EventLoop> loops = new ArrayList<>();
        for (EventExecutor e : group) {
            loops.add((EventLoop) e);
        }
        for (EventLoop loop : loops) {
            final TimerWheel wheel = new TimerWheel(loop);
            wheels.put(loop, wheel);
            wheel.start();
        }
        try {
            final InetAddress local = config.localAddress() != null ? config.localAddress()
                                                                    : sourceAddressFor(config.target());
            final SslContext ssl = config.transport() == LoadTransport.TLS ?
                                   TlsContexts.client(config.caPem(), config.insecure()) : null;
            for (int i = 0; i < config.sockets(); i++) {
                final EventLoop loop = loops.get(i % loops.size());
                final UacHandler handler = new UacHandler(this, i, wheels.get(loop));
                final Channel ch = open(io, loop, handler, local, ssl);
                channels.add(ch);
                handlers.add(handler);
                final InetSocketAddress localAddress = (InetSocketAddress) ch.localAddress();
                loop.submit(() -> handler.prepare(localAddress)).syncUninterruptibly();
            }
        } catch (RuntimeException e) {
            shutdown();
            throw new IllegalStateException("uac: cannot open sockets to " + config.target() + " (" +
                                            e.getMessage() + ')', e);
        }
        collector = Executors.newSingleThreadScheduledExecutor(r -> {
            final Thread t = new Thread(r, "siplb-uac-collector");
            t.setDaemon(true);
            return t;
        });
        // Give every loop a moment to be idle before the first call is due.
        startNanos = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(20);
        startedAt = Instant.now();
        progressState = new Progress();
        for (int i = 0; i < handlers.size(); i++) {
            final UacHandler h = handlers.get(i);
            channels.get(i).eventLoop().execute(() -> h.start(startNanos));
        }
        collector.scheduleAtFixedRate(this::collectAndReport, 1, 1, TimeUnit.SECONDS);
    }

    private Channel open(LoadIo io, EventLoop loop, UacHandler handler, InetAddress local, SslContext ssl) {
        final Bootstrap b = new Bootstrap().group(loop);
        if (config.transport() == LoadTransport.UDP) {
            final DatagramSipDecoder decoder = new DatagramSipDecoder();
            b.channel(io.datagramChannel())
             .option(ChannelOption.SO_RCVBUF, UDP_BUFFER)
             .option(ChannelOption.SO_SNDBUF, UDP_BUFFER)
             .option(ChannelOption.RCVBUF_ALLOCATOR, new FixedRecvByteBufAllocator(65536))
             .handler(new ChannelInitializer<Channel>() {
                 @Override
                 protected void initChannel(Channel ch) {
                     ch.pipeline().addLast(decoder, handler);
                 }
             });
            return b.bind(new InetSocketAddress(local, 0)).syncUninterruptibly().channel();
        }
        b.channel(io.socketChannel())
         .option(ChannelOption.TCP_NODELAY, true)
         .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, 5000)
         .handler(new ChannelInitializer<Channel>() {
             @Override
             protected void initChannel(Channel ch) {
                 if (ssl != null) {
                     ch.pipeline().addLast(ssl.newHandler(ch.alloc(), config.target().getHostString(),
                                                          config.target().getPort()));
                 }
                 ch.pipeline().addLast(new StreamSipDecoder(), handler);
             }
         });
        final Channel ch = b.connect(config.target(), new InetSocketAddress(local, 0)).syncUninterruptibly()
                            .channel();
        if (ssl != null) {
            ch.pipeline().get(SslHandler.class).handshakeFuture().syncUninterruptibly();
        }
        return ch;
    }

    /** Returns the local address the system sends to {@code target} from (loopback for a loopback target). */
    static InetAddress sourceAddressFor(InetSocketAddress target) {
        if (target.getAddress().isLoopbackAddress()) {
            return target.getAddress();
        }
        try (DatagramSocket probe = new DatagramSocket()) {
            probe.connect(target);
            return probe.getLocalAddress();
        } catch (IOException e) {
            throw new UncheckedIOException("no route to " + target, e);
        }
    }

    /**
     * Waits until every call was due and every call in flight ended (or the drain limit passed: the calls' timeouts
     * plus {@link #DRAIN_MARGIN_NANOS} after the last due call), closes the sockets and returns the result.
     */
    public UacResult await() {
        final long hold = config.mode() == CallMode.INVITE ? config.hold().toNanos() + config.timeout().toNanos()
                                                            : 0;
        long deadline = startNanos + config.schedule().totalNanos() + config.timeout().toNanos() + hold +
                        DRAIN_MARGIN_NANOS;
        boolean stopping = false;
        try {
            while (true) {
                final long now = System.nanoTime();
                if (startersRunning.get() == 0 && stats.inFlight.get() == 0 || now - deadline >= 0) {
                    break;
                }
                if (stopRequested && !stopping) {
                    stopping = true;
                    deadline = Math.min(deadline, now + STOP_GRACE_NANOS);
                    for (int i = 0; i < handlers.size(); i++) {
                        final UacHandler h = handlers.get(i);
                        channels.get(i).eventLoop().execute(h::stopStarting);
                    }
                }
                Thread.sleep(10);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        for (int i = 0; i < handlers.size(); i++) {
            final UacHandler h = handlers.get(i);
            channels.get(i).eventLoop().submit(h::stop).syncUninterruptibly();
        }
        final long elapsed = System.nanoTime() - startNanos;
        collector.shutdownNow();
        try {
            collector.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        stats.collect();
        if (progress != null) {
            progressState.report(elapsed);
        }
        shutdown();
        final Schedule schedule = config.schedule();
        final List<UacResult.Step> steps = new ArrayList<>();
        for (int s = 0; s < schedule.stepCount(); s++) {
            steps.add(new UacResult.Step(schedule.rate(s), schedule.durationNanos(s), stats.stepAttempted(s),
                                         stats.stepCompleted(s), stats.stepFailed(s), stats.stepTotal(s)));
        }
        return new UacResult(config, startedAt, elapsed, stats, steps);
    }

    private void collectAndReport() {
        try {
            stats.collect();
            if (progress != null) {
                progressState.report(System.nanoTime() - startNanos);
            }
        } catch (RuntimeException e) {
            // A failing progress sink must not stop the collection.
            socketError(-1, e);
        }
    }

    private void shutdown() {
        for (Channel ch : channels) {
            ch.close().syncUninterruptibly();
        }
        for (TimerWheel w : wheels.values()) {
            w.loop().submit(w::close).syncUninterruptibly();
        }
        if (group != null) {
            group.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
        }
    }

    /** The progress line's state: counts at the previous line. Confined to the collector (and, at the end, await). */
    private final class Progress {
        private long attempted;
        private long completed;
        private long failed;
        private long lastNanos;
        private Map<String, Long> backends = Map.of();

        void report(long elapsedNanos) {
            final long a = stats.attempted.sum();
            final long c = stats.completed.sum();
            final long f = stats.failed.sum();
            final long interval = Math.max(1_000_000L, elapsedNanos - lastNanos);
            final Map<String, Long> b = stats.backends();
            final Map<String, Long> inInterval = new HashMap<>();
            for (Map.Entry<String, Long> e : b.entrySet()) {
                inInterval.put(e.getKey(), e.getValue() - backends.getOrDefault(e.getKey(), 0L));
            }
            final org.HdrHistogram.Histogram h = stats.interval(Metric.primary(config.mode()));
            progress.accept(new UacProgress(elapsedNanos, interval, a, c, f, a - attempted, c - completed,
                                            f - failed, stats.inFlight.get(), h, b, inInterval));
            attempted = a;
            completed = c;
            failed = f;
            lastNanos = elapsedNanos;
            backends = b;
        }
    }
}
