package io.siplb.proxy.stream;

import static java.util.Objects.requireNonNull;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.websocketx.WebSocketClientProtocolConfig;
import io.netty.handler.codec.http.websocketx.WebSocketClientProtocolHandler;
import io.netty.handler.codec.http.websocketx.WebSocketFrameAggregator;
import io.netty.handler.codec.http.websocketx.WebSocketServerProtocolConfig;
import io.netty.handler.codec.http.websocketx.WebSocketServerProtocolHandler;
import io.netty.handler.codec.http.websocketx.WebSocketVersion;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.timeout.IdleStateHandler;
import io.siplb.codec.SipDecoderConfig;
import io.siplb.codec.SipMessageParser;
import io.siplb.codec.StreamSipDecoder;
import io.siplb.dispatch.Transport;
import io.siplb.proxy.config.ConnectionSettings;
import io.siplb.proxy.config.ListenAddress;
import io.siplb.proxy.core.Forwarder;
import io.siplb.proxy.stream.ConnectionStats.Cause;
import io.siplb.proxy.udp.IoTransports;
import io.siplb.proxy.udp.UdpListeners.BindFailedException;

/**
 * siplb's TCP, TLS, WebSocket and secure WebSocket transports: the listeners ({@code tcp:}, {@code tls:},
 * {@code ws:}, {@code wss:} entries of {@code siplb.listen}), the connections they accept, the connections siplb
 * opens to destinations (one per transport and address, shared by every event loop, opened on first use), and the
 * {@link ConnectionTable} that finds them again for responses, in-dialog requests and flows.
 *
 * <p>Pipelines: TCP: idle timer, {@link StreamSipDecoder} (Content-Length framing, CRLF keep-alives answered),
 * {@link StreamSipHandler}. TLS: the same behind an {@link SslHandler}. WS and WSS: idle timer, [TLS,] HTTP codec,
 * the upgrade ({@link WebSocketUpgradeGuard}, Netty's protocol handler with subprotocol {@code sip}), frame
 * aggregation, {@link WebSocketSipDecoder}, {@link StreamSipHandler}. Every connection has the write buffer water
 * marks of {@code siplb.connections}.
 *
 * <p>Thread-safe: the listeners are bound once at start; the table is concurrent; the forwarders are published
 * before any listener accepts.
 */
public final class StreamTransports implements AutoCloseable {

    private static final Logger logger = LoggerFactory.getLogger(StreamTransports.class);

    /** The largest WebSocket message accepted (a SIP message in one frame, or fragments of one). */
    static final int MAX_WEBSOCKET_MESSAGE = 65535;

    private final EventLoopGroup group;
    private final IoTransports ioTransport;
    private final ConnectionSettings settings;
    private final TlsHandlers tls;
    private final SipMessageParser parser;
    private final SipDecoderConfig decoderConfig;
    private final ConnectionTable table;
    private final ConnectionStats stats = new ConnectionStats();
    private final List<Channel> serverChannels = new ArrayList<>();
    private final List<ListenerTexts> listeners = new ArrayList<>();
    private final Set<Transport> transports = EnumSet.noneOf(Transport.class);
    private final Map<InetAddress, Long> tlsFailureLogged = new ConcurrentHashMap<>();
    private final AtomicLong nextDebugNanos = new AtomicLong();
    private final AtomicLong nextWarnNanos = new AtomicLong();
    private volatile Map<EventLoop, Forwarder> forwarders = Map.of();
    private volatile List<Forwarder> allForwarders = List.of();

    private StreamTransports(EventLoopGroup group, IoTransports io, ConnectionSettings settings, TlsHandlers tls,
                             SipMessageParser parser, SipDecoderConfig decoderConfig) {
        this.group = group;
        this.ioTransport = io;
        this.settings = settings;
        this.tls = tls;
        this.parser = parser;
        this.decoderConfig = decoderConfig;
        table = new ConnectionTable(settings.maxConnections(), settings.maxPerSourceIp(), settings.maxOutbound());
    }

    /**
     * Binds the stream entries of {@code listen} (UDP entries are skipped); the listeners accept nothing until
     * {@link #start}.
     *
     * @param tls the TLS handlers, or {@code null} when no TLS is configured (then a {@code tls:} or {@code wss:}
     *            entry, or a TLS destination, cannot be served)
     * @throws BindFailedException when an address cannot be bound (what was bound is closed again)
     */
    public static StreamTransports bind(List<ListenAddress> listen, EventLoopGroup group, IoTransports io,
                                        ConnectionSettings settings, TlsHandlers tls, SipMessageParser parser,
                                        String advertisedHost, int advertisedPort) {
        final StreamTransports t = new StreamTransports(requireNonNull(group, "group"), requireNonNull(io, "io"),
                                                        requireNonNull(settings, "settings"), tls,
                                                        requireNonNull(parser, "parser"), SipDecoderConfig.defaults());
        try {
            for (ListenAddress a : listen) {
                if (a.protocol() == ListenAddress.Protocol.UDP) {
                    continue;
                }
                final Transport transport = a.protocol().transport();
                if ((transport == Transport.TLS || transport == Transport.WSS) && tls == null) {
                    throw new IllegalStateException(a + ": no TLS certificate is configured");
                }
                t.bindOne(a, transport, advertisedHost, advertisedPort);
            }
        } catch (RuntimeException e) {
            t.close();
            throw e;
        }
        return t;
    }

    private void bindOne(ListenAddress a, Transport transport, String advertisedHost, int advertisedPort) {
        final ListenerTexts[] texts = new ListenerTexts[1];
        final ServerBootstrap b = new ServerBootstrap()
                .group(group)
                .channel(ioTransport.serverSocketChannelClass())
                .option(ChannelOption.SO_BACKLOG, 1024)
                .option(ChannelOption.SO_REUSEADDR, true)
                .option(ChannelOption.AUTO_READ, false)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childOption(ChannelOption.WRITE_BUFFER_WATER_MARK, waterMark())
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        accept(ch, texts[0]);
                    }
                });
        final ChannelFuture f = b.bind(a.address()).awaitUninterruptibly();
        if (!f.isSuccess()) {
            throw new BindFailedException(a, f.cause());
        }
        final InetSocketAddress bound = (InetSocketAddress) f.channel().localAddress();
        texts[0] = new ListenerTexts(transport, bound, advertisedHost, advertisedPort);
        serverChannels.add(f.channel());
        listeners.add(texts[0]);
        transports.add(transport);
        logger.info("Listening on {}:{} ({})", transport.uriName(), ListenAddress.hostPort(bound),
                    ioTransport.name().toLowerCase(Locale.ROOT));
    }

    private WriteBufferWaterMark waterMark() {
        return new WriteBufferWaterMark(settings.writeBufferLow(), settings.writeBufferHigh());
    }

    /** Installs the forwarders (one per event loop) and starts accepting. */
    public void start(Map<EventLoop, Forwarder> forwarders) {
        this.forwarders = Map.copyOf(forwarders);
        allForwarders = List.copyOf(forwarders.values());
        for (Channel ch : serverChannels) {
            ch.config().setAutoRead(true);
        }
    }

    private void accept(SocketChannel ch, ListenerTexts texts) {
        final InetSocketAddress remote = ch.remoteAddress();
        final Cause refused = table.admitInbound(remote.getAddress());
        if (refused != null) {
            stats.count(refused);
            warn("Refused a connection from {}: {}", remote, refused);
            ch.close();
            return;
        }
        final Transport t = texts.transport();
        stats.opened(t, true);
        final StreamConnection conn = new StreamConnection(ch, t, true, remote, texts, table.newToken(),
                                                           settings.writeBufferHigh());
        table.add(conn);
        ch.closeFuture().addListener(f -> {
            table.remove(conn);
            table.releaseInbound(remote.getAddress());
        });
        final ChannelPipeline p = ch.pipeline();
        p.addLast("idle", idleHandler());
        final boolean secure = t == Transport.TLS || t == Transport.WSS;
        if (secure) {
            p.addLast("tls", tls.newServerHandler(ch.alloc()));
        }
        if (t == Transport.WS || t == Transport.WSS) {
            p.addLast("http", new HttpServerCodec(4096, 8192, 8192));
            p.addLast("http-aggregator", new HttpObjectAggregator(8192));
            p.addLast("ws-guard", new WebSocketUpgradeGuard(this, settings.webSocketPath(),
                                                            settings.webSocketOrigins()));
            p.addLast("ws", new WebSocketServerProtocolHandler(
                    WebSocketServerProtocolConfig.newBuilder()
                                                 .websocketPath(settings.webSocketPath().isEmpty()
                                                                ? "/" : settings.webSocketPath())
                                                 .checkStartsWith(settings.webSocketPath().isEmpty())
                                                 .subprotocols("sip")
                                                 .maxFramePayloadLength(MAX_WEBSOCKET_MESSAGE)
                                                 .handshakeTimeoutMillis(settings.messageTimeout().toMillis())
                                                 .build()));
            p.addLast("ws-aggregator", new WebSocketFrameAggregator(MAX_WEBSOCKET_MESSAGE));
            p.addLast("sip-ws", new WebSocketSipDecoder(parser));
            p.addLast("sip", new StreamSipHandler(this, conn, null, true));
        } else {
            final StreamSipDecoder decoder = new StreamSipDecoder(decoderConfig);
            p.addLast("sip-stream", decoder);
            p.addLast("sip", new StreamSipHandler(this, conn, decoder, secure));
        }
    }

    private IdleStateHandler idleHandler() {
        return new IdleStateHandler(0, 0, settings.idleTimeout().toNanos(), TimeUnit.NANOSECONDS);
    }

    /**
     * Returns the connection to send to {@code to} over {@code transport} from {@code loop}: an open one (also one
     * opened from another loop, or one the peer opened that offered {@code to} as its alias), else a new one opened
     * on {@code loop}, which takes messages at once and sends them once ready. Returns {@code null} when siplb has
     * no listener of the transport (nothing to write in Via and Record-Route), TLS is not configured, or
     * {@code max-outbound} connections are open.
     *
     * @param tlsHost the name a TLS peer's certificate must match (and the SNI name), or {@code null} for the address
     */
    public StreamConnection connection(Transport transport, InetSocketAddress to, String tlsHost, EventLoop loop) {
        final StreamConnection open = table.find(transport, to);
        if (open != null) {
            return open;
        }
        return connect(transport, to, tlsHost, loop);
    }

    private StreamConnection connect(Transport t, InetSocketAddress to, String tlsHost, EventLoop loop) {
        final ListenerTexts texts = listenerFor(t, to.getAddress() instanceof java.net.Inet6Address);
        final boolean secure = t == Transport.TLS || t == Transport.WSS;
        if (texts == null || secure && tls == null || !table.admitOutbound()) {
            return null;
        }
        final Bootstrap b = new Bootstrap()
                .group(loop)
                .channel(ioTransport.socketChannelClass())
                .option(ChannelOption.TCP_NODELAY, true)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) settings.connectTimeout().toMillis())
                .option(ChannelOption.WRITE_BUFFER_WATER_MARK, waterMark())
                .handler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        // The pipeline is built below, once the connection object exists.
                    }
                });
        final ChannelFuture registered = b.register();
        final Channel ch = registered.channel();
        final StreamConnection conn = new StreamConnection(ch, t, false, to, texts, null, settings.writeBufferHigh());
        final ChannelPipeline p = ch.pipeline();
        p.addLast("idle", idleHandler());
        final String host = tlsHost != null ? tlsHost : to.getAddress().getHostAddress();
        if (secure) {
            p.addLast("tls", tls.newClientHandler(ch.alloc(), host, to.getPort()));
        }
        if (t == Transport.WS || t == Transport.WSS) {
            final String uriHost = host.indexOf(':') >= 0 ? '[' + host + ']' : host;
            p.addLast("http", new HttpClientCodec());
            p.addLast("http-aggregator", new HttpObjectAggregator(8192));
            p.addLast("ws", new WebSocketClientProtocolHandler(
                    WebSocketClientProtocolConfig.newBuilder()
                                                 .webSocketUri(URI.create((secure ? "wss://" : "ws://") + uriHost
                                                                          + ':' + to.getPort() + '/'))
                                                 .version(WebSocketVersion.V13)
                                                 .subprotocol("sip")
                                                 .customHeaders(new DefaultHttpHeaders())
                                                 .maxFramePayloadLength(MAX_WEBSOCKET_MESSAGE)
                                                 .handshakeTimeoutMillis(settings.messageTimeout().toMillis())
                                                 .build()));
            p.addLast("ws-aggregator", new WebSocketFrameAggregator(MAX_WEBSOCKET_MESSAGE));
            p.addLast("sip-ws", new WebSocketSipDecoder(parser));
            p.addLast("sip", new StreamSipHandler(this, conn, null, true));
        } else {
            final StreamSipDecoder decoder = new StreamSipDecoder(decoderConfig);
            p.addLast("sip-stream", decoder);
            p.addLast("sip", new StreamSipHandler(this, conn, decoder, secure));
        }
        table.add(conn);
        stats.opened(t, false);
        ch.closeFuture().addListener(f -> {
            table.remove(conn);
            table.releaseOutbound();
        });
        registered.addListener(r -> {
            if (!r.isSuccess()) {
                connectFailed(conn, r.cause());
                return;
            }
            ch.connect(to).addListener((ChannelFuture c) -> {
                if (!c.isSuccess()) {
                    connectFailed(conn, c.cause());
                }
            });
        });
        return conn;
    }

    private void connectFailed(StreamConnection conn, Throwable cause) {
        stats.count(Cause.CONNECT_FAILED);
        debug("could not connect to {}: {}", conn.remoteAddress(), cause);
        conn.channel().close();
        if (conn.eventLoop().inEventLoop()) {
            conn.failQueued(cause);
        } else {
            conn.eventLoop().execute(() -> conn.failQueued(cause));
        }
        transportError(conn.remoteAddress(), "connect failed: " + cause.getMessage());
    }

    /**
     * Returns the listener texts of {@code t} for the address family ({@code ipv6}), else of {@code t} for the other
     * family; {@code null} when siplb has no listener of {@code t}.
     */
    public ListenerTexts listenerFor(Transport t, boolean ipv6) {
        ListenerTexts other = null;
        for (ListenerTexts l : listeners) {
            if (l.transport() == t) {
                if (l.isIpv6() == ipv6) {
                    return l;
                }
                other = other == null ? l : other;
            }
        }
        return other;
    }

    /** Returns the next hop over the open client connection named by flow {@code token}, or {@code null}. */
    public io.siplb.proxy.core.NextHop flow(String token) {
        final StreamConnection c = table.byToken(token);
        return c != null ? io.siplb.proxy.core.NextHop.flow(c, c.remoteAddress()) : null;
    }

    /** Returns the transports siplb listens on (and so can send on). */
    public Set<Transport> transports() {
        return transports;
    }

    /**
     * Returns whether every stream listener is still open (true when there is none). The listener list is complete
     * before {@link #bind} returns and is not changed afterwards, so any thread may call this.
     */
    public boolean isListening() {
        for (Channel c : serverChannels) {
            if (!c.isActive()) {
                return false;
            }
        }
        return true;
    }

    /** Returns the bound addresses of the listeners, in configuration order. */
    public List<InetSocketAddress> boundAddresses() {
        final List<InetSocketAddress> a = new ArrayList<>();
        for (ListenerTexts l : listeners) {
            a.add(l.localAddress());
        }
        return a;
    }

    /** Returns the listeners. */
    public List<ListenerTexts> listeners() {
        return listeners;
    }

    /** Returns the connection table. */
    public ConnectionTable table() {
        return table;
    }

    /** Returns the counters. */
    public ConnectionStats stats() {
        return stats;
    }

    /** Returns the settings. */
    public ConnectionSettings settings() {
        return settings;
    }

    Forwarder forwarderOf(EventLoop loop) {
        final Forwarder f = forwarders.get(loop);
        if (f == null) {
            throw new IllegalStateException("no forwarder for " + loop);
        }
        return f;
    }

    /** Tells every forwarder, on its event loop, that {@code remote} failed (a connect failure, a reset). */
    void transportError(InetSocketAddress remote, String reason) {
        for (Forwarder f : allForwarders) {
            try {
                f.eventLoop().execute(() -> f.onTransportError(remote, reason));
            } catch (java.util.concurrent.RejectedExecutionException e) {
                // stopping
            }
        }
    }

    /** How many causes {@link #reason(Throwable)} names at most. */
    private static final int MAX_CAUSES = 5;

    /** Logs a failed TLS handshake at most once per peer IP address per minute. */
    void tlsHandshakeFailed(StreamConnection conn, Throwable cause) {
        final InetAddress ip = conn.remoteAddress().getAddress();
        final long now = System.nanoTime();
        final Long last = tlsFailureLogged.get(ip);
        if (last != null && now - last < TimeUnit.MINUTES.toNanos(1)) {
            return;
        }
        if (tlsFailureLogged.size() > 10_000) {
            tlsFailureLogged.clear();
        }
        tlsFailureLogged.put(ip, now);
        logger.warn("TLS handshake {} {} failed: {}", conn.isInbound() ? "from" : "with", conn.remoteAddress(),
                    reason(cause));
    }

    /**
     * The messages of {@code cause} and of its causes, outermost first, joined by {@code ": "} (repeated ones once,
     * at most {@value #MAX_CAUSES}): a TLS engine reports a refused certificate as a general handshake failure whose
     * cause says why (for example the host the certificate does not name).
     */
    static String reason(Throwable cause) {
        if (cause == null) {
            return "unknown";
        }
        final StringBuilder text = new StringBuilder();
        String previous = null;
        Throwable t = cause;
        for (int i = 0; t != null && i < MAX_CAUSES; i++, t = t.getCause()) {
            final String message = t.getMessage() != null ? t.getMessage() : t.getClass().getName();
            if (previous == null || !previous.contains(message)) {
                if (text.length() > 0) {
                    text.append(": ");
                }
                text.append(message);
            }
            previous = message;
        }
        return text.toString();
    }

    void internalError(StreamConnection conn, RuntimeException e) {
        warn("Dropped a message on {} after an unexpected error", conn, e);
    }

    /** Logs at DEBUG, at most once per second. */
    void debug(String format, Object a, Object b) {
        if (!logger.isDebugEnabled()) {
            return;
        }
        final long now = System.nanoTime();
        final long next = nextDebugNanos.get();
        if (now - next >= 0 && nextDebugNanos.compareAndSet(next, now + 1_000_000_000L)) {
            logger.debug(format, a, b);
        }
    }

    private void warn(String format, Object a, Object b) {
        final long now = System.nanoTime();
        final long next = nextWarnNanos.get();
        if (now - next >= 0 && nextWarnNanos.compareAndSet(next, now + 1_000_000_000L)) {
            logger.warn(format, a, b);
        }
    }

    /** Closes the listeners, then every connection. */
    @Override
    public void close() {
        for (Channel ch : serverChannels) {
            ch.close().awaitUninterruptibly(1000);
        }
        for (StreamConnection c : table.all()) {
            c.close();
        }
    }
}
