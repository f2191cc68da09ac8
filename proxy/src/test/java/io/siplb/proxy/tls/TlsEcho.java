package io.siplb.proxy.tls;

import java.net.InetSocketAddress;
import java.nio.channels.ClosedChannelException;
import java.nio.charset.StandardCharsets;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import javax.net.ssl.ExtendedSSLSession;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SNIServerName;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSession;

import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.ssl.SslHandler;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.Future;

/**
 * A TLS echo server and client on 127.0.0.1 over the handlers of {@link TlsContexts}: the server echoes every byte,
 * the client sends one line after its handshake and waits for it to come back. {@link #connect} reports both
 * sides' handshake outcome and sessions.
 *
 * <p>Buffers: the server's echo handler passes each received buffer to {@code writeAndFlush}, which releases it;
 * the client's handler copies each received buffer and releases it.
 *
 * <p>Not thread-safe; used from the test thread (the event loops only complete futures).
 */
final class TlsEcho implements AutoCloseable {

    /** Generous bound on every wait: a failure shows as an assertion, never as a hang. */
    private static final long WAIT_SECONDS = 30;

    private final EventLoopGroup group = new MultiThreadIoEventLoopGroup(2, NioIoHandler.newFactory());
    private final List<Channel> servers = new ArrayList<>();

    /** A listening echo server. */
    final class Server {
        final int port;
        /** One entry per accepted connection: its server-side handshake outcome. */
        final BlockingQueue<CompletableFuture<SSLSession>> handshakes;

        Server(int port, BlockingQueue<CompletableFuture<SSLSession>> handshakes) {
            this.port = port;
            this.handshakes = handshakes;
        }
    }

    /** What one connection saw. Immutable. */
    record Result(Throwable clientFailure, Throwable serverFailure, String echoed, String protocol, String cipherSuite,
                  byte[] sessionId,
                  X509Certificate serverCertificate, X509Certificate clientCertificate,
                  List<String> requestedServerNames) {

        /** Both handshakes succeeded and the line came back. */
        boolean succeeded() {
            return clientFailure == null && serverFailure == null && "ping\n".equals(echoed);
        }
    }

    /** Starts an echo server with handlers from {@code contexts}. */
    Server server(TlsContexts contexts) {
        final BlockingQueue<CompletableFuture<SSLSession>> queue = new LinkedBlockingQueue<>();
        final Channel ch = new ServerBootstrap()
                .group(group)
                .channel(NioServerSocketChannel.class)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        final SslHandler ssl = contexts.newServerHandler(ch.alloc());
                        final CompletableFuture<SSLSession> handshake = new CompletableFuture<>();
                        ssl.handshakeFuture().addListener(f -> {
                            if (f.isSuccess()) {
                                handshake.complete(ssl.engine().getSession());
                            } else {
                                handshake.completeExceptionally(f.cause());
                            }
                        });
                        queue.add(handshake);
                        ch.pipeline().addLast(ssl, new EchoHandler());
                    }
                })
                .bind(new InetSocketAddress("127.0.0.1", 0)).syncUninterruptibly().channel();
        servers.add(ch);
        return new Server(((InetSocketAddress) ch.localAddress()).getPort(), queue);
    }

    /**
     * Connects to {@code server} on 127.0.0.1 with a handler for {@code peerHost} (the name verified and sent as
     * SNI), completes the handshake, sends {@code "ping\n"} and waits for the echo.
     */
    Result connect(TlsContexts contexts, Server server, String peerHost) throws InterruptedException {
        final CompletableFuture<String> echo = new CompletableFuture<>();
        final SslHandler[] sslHolder = new SslHandler[1];
        final Channel ch = new Bootstrap()
                .group(group)
                .channel(NioSocketChannel.class)
                .handler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        final SslHandler ssl = contexts.newClientHandler(ch.alloc(), peerHost, server.port);
                        sslHolder[0] = ssl;
                        ch.pipeline().addLast(ssl, new EchoClientHandler(echo));
                    }
                })
                .connect(new InetSocketAddress("127.0.0.1", server.port)).syncUninterruptibly().channel();
        try {
            final SslHandler ssl = sslHolder[0];
            final Future<Channel> handshake = ssl.handshakeFuture();
            if (!handshake.await(WAIT_SECONDS, TimeUnit.SECONDS)) {
                throw new AssertionError("client handshake did not finish in " + WAIT_SECONDS + " s");
            }
            Throwable clientFailure = handshake.cause();
            String echoed = null;
            String protocol = null;
            String cipherSuite = null;
            byte[] sessionId = null;
            X509Certificate serverCertificate = null;
            if (clientFailure == null) {
                final SSLSession session = ssl.engine().getSession();
                protocol = session.getProtocol();
                cipherSuite = session.getCipherSuite();
                sessionId = session.getId().clone();
                serverCertificate = first(session);
                ch.writeAndFlush(Unpooled.copiedBuffer("ping\n", StandardCharsets.US_ASCII));
                try {
                    echoed = echo.get(WAIT_SECONDS, TimeUnit.SECONDS);
                } catch (ExecutionException e) {
                    clientFailure = e.getCause();
                } catch (TimeoutException e) {
                    throw new AssertionError("no echo in " + WAIT_SECONDS + " s");
                }
            }
            final CompletableFuture<SSLSession> serverHandshake =
                    server.handshakes.poll(WAIT_SECONDS, TimeUnit.SECONDS);
            if (serverHandshake == null) {
                throw new AssertionError("the server accepted no connection in " + WAIT_SECONDS + " s");
            }
            Throwable serverFailure = null;
            X509Certificate clientCertificate = null;
            final List<String> serverNames = new ArrayList<>();
            try {
                final SSLSession s = serverHandshake.get(WAIT_SECONDS, TimeUnit.SECONDS);
                clientCertificate = first(s);
                if (s instanceof ExtendedSSLSession) {
                    for (SNIServerName n : ((ExtendedSSLSession) s).getRequestedServerNames()) {
                        serverNames.add(((SNIHostName) n).getAsciiName());
                    }
                }
            } catch (ExecutionException e) {
                serverFailure = e.getCause();
            } catch (TimeoutException e) {
                throw new AssertionError("server handshake did not finish in " + WAIT_SECONDS + " s");
            }
            return new Result(clientFailure, serverFailure, echoed, protocol, cipherSuite, sessionId, serverCertificate,
                              clientCertificate, List.copyOf(serverNames));
        } finally {
            ch.close().syncUninterruptibly();
        }
    }

    @Override
    public void close() {
        for (Channel s : servers) {
            s.close().syncUninterruptibly();
        }
        group.shutdownGracefully(0, 5, TimeUnit.SECONDS).syncUninterruptibly();
    }

    private static X509Certificate first(SSLSession session) {
        try {
            final Certificate[] chain = session.getPeerCertificates();
            return chain.length == 0 ? null : (X509Certificate) chain[0];
        } catch (SSLPeerUnverifiedException e) {
            return null; // no certificate (client-auth none or optional without one)
        }
    }

    /** Echoes every buffer; the write releases it. Closes on any error. */
    private static final class EchoHandler extends ChannelInboundHandlerAdapter {
        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ctx.writeAndFlush(msg);
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close();
        }
    }

    /** Collects the echo up to its line end; releases each buffer it reads. */
    private static final class EchoClientHandler extends ChannelInboundHandlerAdapter {
        private final CompletableFuture<String> echo;
        private final StringBuilder received = new StringBuilder();

        EchoClientHandler(CompletableFuture<String> echo) {
            this.echo = echo;
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            try {
                received.append(((ByteBuf) msg).toString(StandardCharsets.US_ASCII));
            } finally {
                ReferenceCountUtil.release(msg);
            }
            if (received.indexOf("\n") >= 0) {
                echo.complete(received.toString());
            }
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            echo.completeExceptionally(new ClosedChannelException());
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            echo.completeExceptionally(cause);
            ctx.close();
        }
    }
}
