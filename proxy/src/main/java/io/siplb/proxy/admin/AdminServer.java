package io.siplb.proxy.admin;

import static java.util.Objects.requireNonNull;

import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMessage;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.timeout.IdleStateHandler;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.siplb.proxy.config.ListenAddress;
import io.siplb.proxy.udp.UdpListeners.BindFailedException;

/**
 * The admin HTTP listener ({@code siplb.admin.listen}): HTTP/1.1 over Netty's codec-http on an event loop group of
 * its own (one thread, NIO), so a scrape or a slow admin client never delays SIP traffic. Requests are aggregated
 * up to {@value #MAX_REQUEST_BYTES} bytes; a connection idle for {@value #IDLE_SECONDS} s is closed.
 * {@link #close} stops accepting, closes the connections and stops the thread. Thread-safe.
 */
public final class AdminServer implements AutoCloseable {

    private static final Logger logger = LoggerFactory.getLogger(AdminServer.class);

    /** The largest request body the listener takes; a larger one gets a JSON 413. */
    static final int MAX_REQUEST_BYTES = 64 * 1024;
    /** Seconds without a read or write after which a connection is closed. */
    static final int IDLE_SECONDS = 60;

    private final MultiThreadIoEventLoopGroup group;
    private final Channel channel;
    private final InetSocketAddress localAddress;

    private AdminServer(MultiThreadIoEventLoopGroup group, Channel channel) {
        this.group = group;
        this.channel = channel;
        localAddress = (InetSocketAddress) channel.localAddress();
    }

    /**
     * Binds the admin listener and serves {@code router}'s routes.
     *
     * @throws IllegalArgumentException when {@code settings} has the listener off
     * @throws BindFailedException when the address cannot be bound (in use by another process, not local)
     */
    public static AdminServer start(AdminSettings settings, AdminRouter router) {
        requireNonNull(settings, "settings");
        requireNonNull(router, "router");
        if (!settings.isEnabled()) {
            throw new IllegalArgumentException("settings: " + settings + " (expected: an admin listen address)");
        }
        final byte[] token = settings.tokenBytes();
        final MultiThreadIoEventLoopGroup group = new MultiThreadIoEventLoopGroup(
                1, new DefaultThreadFactory("siplb-admin", true), NioIoHandler.newFactory());
        final ServerBootstrap b = new ServerBootstrap()
                .group(group)
                .channel(NioServerSocketChannel.class)
                .option(ChannelOption.SO_REUSEADDR, true)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        ch.pipeline().addLast(new IdleStateHandler(0, 0, IDLE_SECONDS, TimeUnit.SECONDS),
                                              new HttpServerCodec(),
                                              new JsonErrorAggregator(MAX_REQUEST_BYTES),
                                              new AdminHttpHandler(router, token));
                    }
                });
        final ChannelFuture bind = b.bind(settings.listen()).awaitUninterruptibly();
        if (!bind.isSuccess()) {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly();
            throw new BindFailedException("siplb.admin.listen " + ListenAddress.hostPort(settings.listen()),
                                          bind.cause());
        }
        final AdminServer server = new AdminServer(group, bind.channel());
        logger.info("Admin listener on http://{}{}", ListenAddress.hostPort(server.localAddress),
                    settings.hasToken() ? " (bearer token required)" : "");
        return server;
    }

    /**
     * Aggregates requests and answers one larger than {@code maxContentLength} with a JSON 413 (Netty's own 413 has
     * no body), then closes the connection. One per connection; confined to the admin event loop.
     */
    private static final class JsonErrorAggregator extends HttpObjectAggregator {

        JsonErrorAggregator(int maxContentLength) {
            super(maxContentLength);
        }

        @Override
        protected void handleOversizedMessage(ChannelHandlerContext ctx, HttpMessage oversized) {
            final byte[] body = ("{\"error\": \"request body larger than " + MAX_REQUEST_BYTES
                                 + " bytes (expected: at most " + MAX_REQUEST_BYTES + ")\"}")
                    .getBytes(StandardCharsets.UTF_8);
            final FullHttpResponse res = new DefaultFullHttpResponse(
                    oversized.protocolVersion(), HttpResponseStatus.REQUEST_ENTITY_TOO_LARGE,
                    ctx.alloc().buffer(body.length).writeBytes(body));
            res.headers().set(HttpHeaderNames.CONTENT_TYPE, AdminResponse.JSON);
            res.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, body.length);
            res.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
            // The rest of the request is not read: the connection closes once the answer is written. The
            // aggregator releases `oversized` after this method.
            ctx.writeAndFlush(res).addListener(ChannelFutureListener.CLOSE);
        }
    }

    /** Returns the bound address (an ephemeral port resolved). */
    public InetSocketAddress localAddress() {
        return localAddress;
    }

    /** Returns whether the listener is still accepting. */
    public boolean isOpen() {
        return channel.isActive();
    }

    /** Stops accepting, closes open connections and stops the listener's thread; waits up to 2 s. Idempotent. */
    @Override
    public void close() {
        channel.close().awaitUninterruptibly(1000);
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly(2000);
    }
}
