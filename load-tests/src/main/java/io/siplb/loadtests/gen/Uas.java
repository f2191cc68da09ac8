package io.siplb.loadtests.gen;

import static java.util.Objects.requireNonNull;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.FixedRecvByteBufAllocator;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.EpollChannelOption;
import io.netty.handler.ssl.SslContext;
import io.netty.util.concurrent.EventExecutor;
import io.siplb.codec.DatagramSipDecoder;
import io.siplb.codec.StreamSipDecoder;

/**
 * A UAS for load tests: listens on UDP (one or, on epoll, several {@code SO_REUSEPORT} sockets) or TCP/TLS, and
 * answers as its {@link UasMode} says ({@link UasHandler} per socket or connection). Runs until {@link #close()}, or
 * {@link #stop(Duration)}, which lets the calls it answered end first.
 *
 * <p>Thread-safe: {@link #start(UasConfig)} returns a running UAS; {@link #stats()} may be read from any thread;
 * {@link #stop(Duration)} and {@link #close()} (which may follow a stop) from any thread but an event loop of its own.
 */
public final class Uas implements AutoCloseable {

    /** Receive/send buffer of each UDP socket. */
    private static final int UDP_BUFFER = 4 << 20;

    private final UasConfig config;
    private final UasStats stats = new UasStats();
    private final MultiThreadIoEventLoopGroup group;
    private final Map<EventLoop, TimerWheel> wheels;
    private final List<Channel> channels = new ArrayList<>();
    private final AtomicBoolean stopping = new AtomicBoolean();
    private final AtomicBoolean closed = new AtomicBoolean();
    private volatile InetSocketAddress localAddress;

    private Uas(UasConfig config) {
        this.config = config;
        group = config.io().newGroup(config.threads(), "siplb-uas");
        final Map<EventLoop, TimerWheel> w = new HashMap<>();
        for (EventExecutor e : group) {
            final TimerWheel wheel = new TimerWheel((EventLoop) e);
            wheel.start();
            w.put((EventLoop) e, wheel);
        }
        wheels = Collections.unmodifiableMap(w);
    }

    /**
     * Binds and returns a running UAS.
     *
     * @throws IllegalStateException when the address cannot be bound (everything is closed again)
     */
    public static Uas start(UasConfig config) {
        final Uas uas = new Uas(requireNonNull(config, "config"));
        try {
            uas.bind();
        } catch (RuntimeException e) {
            uas.close();
            throw new IllegalStateException("uas: cannot listen on " + config.listen() + " (" + e.getMessage() +
                                            ')', e);
        }
        return uas;
    }

    private void bind() {
        final LoadIo io = config.io();
        if (config.transport() == LoadTransport.UDP) {
            final DatagramSipDecoder decoder = new DatagramSipDecoder();
            InetSocketAddress at = config.listen();
            final List<EventLoop> loops = new ArrayList<>(wheels.keySet());
            for (int i = 0; i < config.sockets(); i++) {
                final EventLoop loop = loops.get(i % loops.size());
                final Bootstrap b = new Bootstrap().group(loop).channel(io.datagramChannel())
                        .option(ChannelOption.SO_RCVBUF, UDP_BUFFER)
                        .option(ChannelOption.SO_SNDBUF, UDP_BUFFER)
                        .option(ChannelOption.RCVBUF_ALLOCATOR, new FixedRecvByteBufAllocator(65536));
                if (config.sockets() > 1) {
                    b.option(EpollChannelOption.SO_REUSEPORT, true);
                }
                final InetSocketAddress bindTo = at;
                b.handler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        ch.pipeline().addLast(decoder, newHandler(ch));
                    }
                });
                final Channel ch = b.bind(bindTo).syncUninterruptibly().channel();
                channels.add(ch);
                if (i == 0) {
                    localAddress = (InetSocketAddress) ch.localAddress();
                    at = localAddress; // the further sockets share the (possibly ephemeral) port
                }
            }
            return;
        }
        final SslContext ssl = config.transport() == LoadTransport.TLS ?
                               TlsContexts.server(config.certPem(), config.keyPem()) : null;
        final ServerBootstrap b = new ServerBootstrap().group(group).channel(io.serverSocketChannel())
                .option(ChannelOption.SO_BACKLOG, 1024)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childHandler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        if (ssl != null) {
                            ch.pipeline().addLast(ssl.newHandler(ch.alloc()));
                        }
                        ch.pipeline().addLast(new StreamSipDecoder(), newHandler(ch));
                    }
                });
        final Channel ch = b.bind(config.listen()).syncUninterruptibly().channel();
        channels.add(ch);
        localAddress = (InetSocketAddress) ch.localAddress();
    }

    private UasHandler newHandler(Channel ch) {
        return new UasHandler(config, stats, wheels.get(ch.eventLoop()), stopping);
    }

    /** Returns the bound address (the actual port when the configured one was 0). */
    public InetSocketAddress localAddress() {
        return localAddress;
    }

    public UasConfig config() {
        return config;
    }

    public UasStats stats() {
        return stats;
    }

    /** Returns the name in this UAS's {@code Server} header. */
    public String name() {
        return config.name() != null ? config.name() : UasHandler.defaultName(localAddress);
    }

    /**
     * Stops as a backend that is shut down while calls are up: from now on a request that starts something (an
     * INVITE or other request outside a dialog that is not a retransmission of one answered) gets no answer, while
     * the calls already answered end (ACK, BYE, retransmitted INVITEs and finals); once none is up
     * ({@link UasStats#openDialogs()}), or after {@code maxGrace}, the sockets close (a UDP sender then gets ICMP
     * port unreachable) and the UAS is {@linkplain #close() closed}. Returns once closed. From any thread but an
     * event loop of its own.
     */
    public void stop(Duration maxGrace) {
        requireNonNull(maxGrace, "maxGrace");
        final long deadline = System.nanoTime() + maxGrace.toNanos();
        stopTakingCalls();
        try {
            while (stats.openDialogs() > 0 && System.nanoTime() - deadline < 0) {
                Thread.sleep(2);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        // The answer to the last BYE was queued, with its flush, before the count fell: let it go out.
        barrier();
        close();
    }

    /**
     * The first step of {@link #stop}: from now on a request that starts something gets no answer; returns the
     * dialogs up at this point ({@link UasStats#openDialogs()}), which only fall from then on. Again: the same.
     */
    public long stopTakingCalls() {
        stopping.set(true);
        // Every message read from now on sees the flag; one being handled on a loop has finished after this.
        barrier();
        return stats.openDialogs();
    }

    /** Runs an empty task on every event loop and waits for it (at most 1 s each). */
    private void barrier() {
        for (EventExecutor e : group) {
            if (!e.isShuttingDown()) {
                e.submit(() -> { }).awaitUninterruptibly(1, TimeUnit.SECONDS);
            }
        }
    }

    /** Returns whether {@link #stop} or {@link #stopTakingCalls} was called. */
    public boolean isStopping() {
        return stopping.get();
    }

    /** Closes the sockets and stops the event loops; again: nothing. */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        for (Channel ch : channels) {
            ch.close().syncUninterruptibly();
        }
        for (TimerWheel w : wheels.values()) {
            if (!w.loop().isShuttingDown()) {
                w.loop().submit(w::close).syncUninterruptibly();
            }
        }
        group.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
    }
}
