package io.siplb.proxy.stream;

import static java.util.Objects.requireNonNull;

import java.net.Inet6Address;
import java.net.InetSocketAddress;
import java.util.ArrayDeque;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.RejectedExecutionException;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.EventLoop;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.siplb.dispatch.Transport;
import io.siplb.proxy.transport.Egress;

/**
 * One TCP, TLS or WebSocket connection, accepted from a client or opened by siplb towards a destination, as the
 * forwarders see it: an {@link Egress} that writes one SIP message per call (framed by Content-Length on TCP and TLS,
 * one text frame per message on WebSocket, RFC 7118 §5). Messages written before the connection is ready (TCP
 * connect, TLS handshake, WebSocket upgrade) wait in a queue bounded by the write buffer's high water mark and go out
 * in order once it is; they fail if it never becomes ready.
 *
 * <p>Ownership: {@link #send} takes over the buffer: the channel releases it once written; a queued buffer is
 * released when written or when the connection fails.
 *
 * <p>Thread-safe: {@link #send} may be called from any thread (it runs on the connection's event loop); the queue is
 * confined to that loop; the ready flag and the queued byte count are volatile.
 */
public final class StreamConnection implements Egress {

    private final Channel channel;
    private final Transport transport;
    private final boolean inbound;
    private final InetSocketAddress remote;
    private final InetSocketAddress local;
    private final String viaSentBy;
    private final String recordRoute;
    private final String token;
    private final boolean websocket;
    private final int queueLimit;
    private final List<InetSocketAddress> aliases = new CopyOnWriteArrayList<>();
    /** Buffers and their listeners, alternating, written before the connection was ready; on the event loop. */
    private ArrayDeque<Object> queue;
    private volatile int queuedBytes;
    private volatile boolean ready;
    /** Where a new connection to the client goes when this one closed: its IP and its Via sent-by port. */
    private volatile InetSocketAddress replyAddress;

    StreamConnection(Channel channel, Transport transport, boolean inbound, InetSocketAddress remote,
                     ListenerTexts texts, String token, int queueLimit) {
        this.channel = requireNonNull(channel, "channel");
        this.transport = requireNonNull(transport, "transport");
        this.inbound = inbound;
        this.remote = requireNonNull(remote, "remote");
        local = texts.localAddress();
        viaSentBy = texts.viaSentBy();
        this.token = token;
        recordRoute = token != null ? texts.recordRoute(token) : texts.recordRoute();
        websocket = transport == Transport.WS || transport == Transport.WSS;
        this.queueLimit = queueLimit;
    }

    /** Returns the channel. */
    public Channel channel() {
        return channel;
    }

    /** Returns whether a client opened the connection. */
    public boolean isInbound() {
        return inbound;
    }

    /** Returns the peer's address. */
    public InetSocketAddress remoteAddress() {
        return remote;
    }

    /** Returns the flow token of a client's connection, or {@code null}. */
    public String token() {
        return token;
    }

    /** Returns whether the connection is open (ready or still opening). */
    public boolean isOpen() {
        return channel.isOpen();
    }

    /** Returns whether the connection is ready (connected, TLS and WebSocket handshakes done). */
    public boolean isReady() {
        return ready;
    }

    /** Returns where a new connection to the client goes once this one has closed, or {@code null}. */
    public InetSocketAddress replyAddress() {
        return replyAddress;
    }

    void replyAddress(InetSocketAddress a) {
        replyAddress = a;
    }

    void addAlias(InetSocketAddress a) {
        aliases.add(a);
    }

    List<InetSocketAddress> aliases() {
        return aliases;
    }

    @Override
    public Transport transport() {
        return transport;
    }

    @Override
    public InetSocketAddress localAddress() {
        return local;
    }

    @Override
    public boolean isIpv6() {
        return local.getAddress() instanceof Inet6Address;
    }

    @Override
    public EventLoop eventLoop() {
        return channel.eventLoop();
    }

    @Override
    public ByteBufAllocator alloc() {
        return channel.alloc();
    }

    @Override
    public String viaSentBy() {
        return viaSentBy;
    }

    @Override
    public String recordRoute() {
        return recordRoute;
    }

    @Override
    public boolean isWritable() {
        return ready ? channel.isWritable() : channel.isOpen() && queuedBytes < queueLimit;
    }

    @Override
    public void send(ByteBuf buf, InetSocketAddress to, boolean flushNow, ChannelFutureListener listener) {
        final EventLoop loop = channel.eventLoop();
        if (!loop.inEventLoop()) {
            try {
                loop.execute(() -> send(buf, to, true, listener));
            } catch (RejectedExecutionException e) {
                buf.release();
            }
            return;
        }
        if (!ready) {
            if (!channel.isOpen() || queuedBytes + buf.readableBytes() > queueLimit) {
                buf.release();
                channel.newFailedFuture(new java.io.IOException("connection not ready, queue full or closed"))
                       .addListener(listener);
                return;
            }
            if (queue == null) {
                queue = new ArrayDeque<>();
            }
            queue.add(buf);
            queue.add(listener);
            queuedBytes += buf.readableBytes();
            return;
        }
        final Object out = websocket ? new TextWebSocketFrame(buf) : buf;
        if (flushNow) {
            channel.writeAndFlush(out).addListener(listener);
        } else {
            channel.write(out).addListener(listener);
        }
    }

    /** Marks the connection ready and writes what was queued; on the event loop. */
    void markReady() {
        if (ready) {
            return;
        }
        ready = true;
        if (queue != null) {
            while (!queue.isEmpty()) {
                final ByteBuf buf = (ByteBuf) queue.poll();
                final ChannelFutureListener l = (ChannelFutureListener) queue.poll();
                channel.write(websocket ? new TextWebSocketFrame(buf) : buf).addListener(l);
            }
            queue = null;
            queuedBytes = 0;
            channel.flush();
        }
    }

    /** Releases what was queued and fails its listeners; on the event loop, once the connection has closed. */
    void failQueued(Throwable cause) {
        if (queue == null) {
            return;
        }
        while (!queue.isEmpty()) {
            final ByteBuf buf = (ByteBuf) queue.poll();
            final ChannelFutureListener l = (ChannelFutureListener) queue.poll();
            buf.release();
            channel.newFailedFuture(cause).addListener(l);
        }
        queue = null;
        queuedBytes = 0;
    }

    @Override
    public void flush() {
        if (ready) {
            channel.flush();
        }
    }

    @Override
    public void close() {
        channel.close();
    }

    @Override
    public io.netty.util.concurrent.Future<?> closeFuture() {
        return channel.closeFuture();
    }

    @Override
    public String toString() {
        return transport.uriName() + (inbound ? " from " : " to ") + remote + (ready ? "" : " (opening)");
    }
}
