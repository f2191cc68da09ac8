package io.siplb.proxy.transport;

import java.net.InetSocketAddress;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.EventLoop;
import io.siplb.dispatch.Transport;

/**
 * One way out of siplb: a socket (UDP today; a TCP, TLS or WebSocket connection next) with the texts siplb writes
 * into messages leaving through it, the Via {@code sent-protocol sent-by} ({@code SIP/2.0/UDP 192.0.2.1:5060}) and
 * the Record-Route value ({@code <sip:192.0.2.1:5060;lr>}), both precomputed so the hot path only copies them.
 * Every message siplb receives is handed to its forwarder together with the egress it arrived on, so that local
 * responses and responses to requests go back the way the request came (RFC 3261 §18.2.2).
 *
 * <p>Ownership: {@link #send} takes over {@code buf}: the channel releases it once written, and the egress releases it
 * itself when it does not write it. Implementations are thread-safe; {@link #send} may be called from any thread,
 * it is cheapest on {@link #eventLoop()}.
 */
public interface Egress {

    /** Returns the transport, also the one named in {@link #viaSentBy()}. */
    Transport transport();

    /** Returns the local address of the socket. */
    InetSocketAddress localAddress();

    /** Returns whether the socket is bound to an IPv6 address. */
    boolean isIpv6();

    /** Returns the event loop the socket is registered with. */
    EventLoop eventLoop();

    /** Returns the allocator of the socket, for messages written to it. */
    ByteBufAllocator alloc();

    /** Returns the Via value without branch, e.g. {@code SIP/2.0/UDP 192.0.2.1:5060}. */
    String viaSentBy();

    /** Returns the Record-Route value, e.g. {@code <sip:192.0.2.1:5060;lr>}. */
    String recordRoute();

    /**
     * Returns whether the socket takes more: {@code false} while more is queued than its high water mark (the
     * kernel or the peer takes messages more slowly than they come).
     */
    boolean isWritable();

    /**
     * Writes {@code buf} to {@code to}. Called on {@link #eventLoop()} with {@code flushNow} {@code false}, the write
     * waits for {@link #flush()} (the forwarder flushes once per read batch); otherwise it is flushed at once.
     *
     * @param listener told of the outcome of the write
     */
    void send(ByteBuf buf, InetSocketAddress to, boolean flushNow, ChannelFutureListener listener);

    /** Flushes what {@link #send} queued. */
    void flush();

    /** Closes the socket when it belongs to this egress alone (a connected one); listeners stay open. */
    default void close() {}

    /** Returns a future completed when the socket closes. */
    io.netty.util.concurrent.Future<?> closeFuture();
}
