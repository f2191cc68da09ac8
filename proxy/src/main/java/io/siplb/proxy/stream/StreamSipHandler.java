package io.siplb.proxy.stream;

import static java.util.Objects.requireNonNull;

import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;

import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.websocketx.WebSocketClientProtocolHandler;
import io.netty.handler.codec.http.websocketx.WebSocketServerProtocolHandler;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.ScheduledFuture;
import io.siplb.codec.SipMessage;
import io.siplb.codec.StreamSipDecoder;
import io.siplb.codec.Via;
import io.siplb.dispatch.Transport;
import io.siplb.proxy.core.Forwarder;
import io.siplb.proxy.stream.ConnectionStats.Cause;

/**
 * The last handler of every stream connection: hands each decoded {@link SipMessage} to the forwarder of the
 * connection's event loop together with the connection ({@link StreamConnection}), and enforces what keeps a
 * connection from holding siplb's memory or time: a connection idle for {@code idle-timeout} is closed; one holding
 * part of a message for {@code message-timeout} (slow headers) is closed; one not ready (TLS handshake, WebSocket
 * upgrade) within {@code message-timeout} is closed; one whose peer stopped reading (the write queue above its high
 * water mark for {@code write-timeout}) is closed; after a framing error the answer (400, written by the forwarder)
 * is flushed and the connection closed. A read error or reset on a connection siplb opened is a transport error for
 * the transactions waiting on it (failover at once).
 *
 * <p>Ownership: each message is released here after the forwarder returned; anything else reaching this handler
 * (an HTTP message that is not an upgrade) is released here.
 *
 * <p>Not thread-safe; confined to the channel's event loop.
 */
final class StreamSipHandler extends ChannelInboundHandlerAdapter {

    private final StreamTransports transports;
    private final StreamConnection conn;
    private final StreamSipDecoder decoder;
    private final boolean handshakes;
    private Forwarder forwarder;
    private long partialSince;
    private ScheduledFuture<?> partialCheck;
    private ScheduledFuture<?> readyCheck;
    private ScheduledFuture<?> writeCheck;
    private Cause closeCause;

    /**
     * @param decoder the stream decoder in front (TCP, TLS), or {@code null} (WebSocket: one message per frame)
     * @param handshakes whether the connection is ready only after a TLS handshake or WebSocket upgrade
     */
    StreamSipHandler(StreamTransports transports, StreamConnection conn, StreamSipDecoder decoder,
                     boolean handshakes) {
        this.transports = requireNonNull(transports, "transports");
        this.conn = requireNonNull(conn, "conn");
        this.decoder = decoder;
        this.handshakes = handshakes;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        forwarder = transports.forwarderOf(ctx.channel().eventLoop());
        if (!handshakes) {
            conn.markReady();
        } else {
            readyCheck = ctx.executor().schedule(() -> {
                if (!conn.isReady()) {
                    close(ctx, isWebSocket() && !isTls() ? Cause.WEBSOCKET_UPGRADE_FAILED
                                                         : Cause.TLS_HANDSHAKE_FAILED);
                }
            }, transports.settings().messageTimeout().toNanos(), TimeUnit.NANOSECONDS);
        }
        ctx.fireChannelActive();
    }

    private boolean isWebSocket() {
        return conn.transport() == Transport.WS || conn.transport() == Transport.WSS;
    }

    private boolean isTls() {
        return conn.transport() == Transport.TLS || conn.transport() == Transport.WSS;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!(msg instanceof SipMessage)) {
            ReferenceCountUtil.release(msg);
            return;
        }
        final SipMessage m = (SipMessage) msg;
        try {
            if (conn.isInbound() && m.isRequest() && m.decoderResult().isSuccess()) {
                noteVia(m);
            }
            if (forwarder == null) {
                forwarder = transports.forwarderOf(ctx.channel().eventLoop());
            }
            forwarder.handle(m, conn, conn.remoteAddress());
        } catch (RuntimeException e) {
            transports.internalError(conn, e);
        } finally {
            m.release();
        }
        if (decoder != null && decoder.isBroken()) {
            forwarder.flush();
            close(ctx, Cause.FRAMING_ERROR);
        }
    }

    /**
     * Remembers the client's Via sent-by port (where a new connection goes if this one closes, RFC 3261 §18.2.2)
     * and registers its RFC 5923 alias.
     */
    private void noteVia(SipMessage m) {
        final Via via = m.topVia();
        if (via == null || conn.replyAddress() != null && !via.hasParam("alias")) {
            return;
        }
        final int port = via.port() > 0 ? via.port() : conn.transport() == Transport.TLS ? 5061 : 5060;
        final InetSocketAddress reply = new InetSocketAddress(conn.remoteAddress().getAddress(), port);
        conn.replyAddress(reply);
        if (via.hasParam("alias") && !reply.equals(conn.remoteAddress())) {
            transports.table().alias(conn, reply);
        }
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        if (forwarder != null) {
            forwarder.flush();
        }
        if (decoder != null && ctx.channel().isOpen()) {
            checkPartial(ctx);
        }
        ctx.fireChannelReadComplete();
    }

    private void checkPartial(ChannelHandlerContext ctx) {
        if (!decoder.hasPartialMessage()) {
            partialSince = 0;
            return;
        }
        if (partialSince == 0) {
            partialSince = System.nanoTime();
        }
        if (partialCheck == null) {
            schedulePartialCheck(ctx, transports.settings().messageTimeout().toNanos());
        }
    }

    private void schedulePartialCheck(ChannelHandlerContext ctx, long delayNanos) {
        partialCheck = ctx.executor().schedule(() -> {
            partialCheck = null;
            if (partialSince == 0) {
                return;
            }
            final long left = transports.settings().messageTimeout().toNanos() - (System.nanoTime() - partialSince);
            if (left <= 0) {
                close(ctx, Cause.SLOW_MESSAGE);
            } else {
                schedulePartialCheck(ctx, left);
            }
        }, delayNanos, TimeUnit.NANOSECONDS);
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        if (!ctx.channel().isWritable() && writeCheck == null) {
            writeCheck = ctx.executor().schedule(() -> {
                writeCheck = null;
                if (!ctx.channel().isWritable()) {
                    close(ctx, Cause.WRITE_STALLED);
                }
            }, transports.settings().writeTimeout().toNanos(), TimeUnit.NANOSECONDS);
        }
        ctx.fireChannelWritabilityChanged();
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt instanceof IdleStateEvent) {
            close(ctx, Cause.IDLE);
            return;
        }
        if (evt instanceof SslHandshakeCompletionEvent) {
            final SslHandshakeCompletionEvent e = (SslHandshakeCompletionEvent) evt;
            if (!e.isSuccess()) {
                transports.tlsHandshakeFailed(conn, e.cause());
                if (closeCause == null) {
                    // Counted even when the TLS handler is already closing the channel.
                    closeCause = Cause.TLS_HANDSHAKE_FAILED;
                    transports.stats().count(Cause.TLS_HANDSHAKE_FAILED);
                }
                ctx.close();
                return;
            }
            if (!isWebSocket()) {
                conn.markReady();
            }
        } else if (evt instanceof WebSocketServerProtocolHandler.HandshakeComplete
                   || evt == WebSocketClientProtocolHandler.ClientHandshakeStateEvent.HANDSHAKE_COMPLETE) {
            conn.markReady();
        } else if (evt == WebSocketClientProtocolHandler.ClientHandshakeStateEvent.HANDSHAKE_TIMEOUT
                   || evt == WebSocketServerProtocolHandler.ServerHandshakeStateEvent.HANDSHAKE_TIMEOUT) {
            close(ctx, Cause.WEBSOCKET_UPGRADE_FAILED);
            return;
        }
        ctx.fireUserEventTriggered(evt);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (closeCause == null && ctx.channel().isOpen()) {
            closeCause = Cause.RESET;
            transports.stats().count(Cause.RESET);
            transports.debug("closing {} after an error: {}", conn, cause);
            if (!conn.isInbound()) {
                transports.transportError(conn.remoteAddress(), "connection error: " + cause.getMessage());
            }
        }
        ctx.close();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        cancel(partialCheck);
        cancel(readyCheck);
        cancel(writeCheck);
        final boolean wasReady = conn.isReady();
        conn.failQueued(new java.io.IOException("connection closed before it was ready"));
        if (!conn.isInbound() && !wasReady && closeCause != Cause.RESET) {
            transports.transportError(conn.remoteAddress(), "connection closed before it was ready");
        }
        ctx.fireChannelInactive();
    }

    private static void cancel(ScheduledFuture<?> f) {
        if (f != null) {
            f.cancel(false);
        }
    }

    /** Closes the connection for {@code cause}, after what is written (an answer to a framing error) is flushed. */
    private void close(ChannelHandlerContext ctx, Cause cause) {
        if (closeCause != null || !ctx.channel().isOpen()) {
            return;
        }
        closeCause = cause;
        transports.stats().count(cause);
        transports.debug("closing {}: {}", conn, cause);
        if (cause == Cause.FRAMING_ERROR) {
            ctx.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
        } else {
            ctx.close();
        }
    }
}
