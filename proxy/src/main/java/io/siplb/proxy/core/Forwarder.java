package io.siplb.proxy.core;

import java.net.InetSocketAddress;

import io.siplb.codec.SipMessage;
import io.siplb.proxy.transport.Egress;

/**
 * What the transports hand every received SIP message to: one forwarder per event loop, stateless or stateful, fed by
 * every socket and connection of that loop. Implementations are not thread-safe; each is confined to its event loop.
 */
public interface Forwarder {

    /**
     * Handles one received message.
     *
     * @param msg the message, decoded or failed; not released here (the caller releases it after the call; a
     *            forwarder that keeps it retains it)
     * @param inbound the socket or connection it arrived on, which local responses and responses go back through
     * @param sender where it came from
     */
    void handle(SipMessage msg, Egress inbound, InetSocketAddress sender);

    /** Flushes what {@link #handle} wrote since the last flush; the transports call it after each read batch. */
    void flush();

    /**
     * A transport error towards {@code remote} (an ICMP port unreachable on a connected UDP socket, a refused or
     * reset connection): what is pending there fails at once. Called on the forwarder's event loop.
     */
    default void onTransportError(InetSocketAddress remote, String reason) {}

    /** Returns the event loop the forwarder is confined to. */
    io.netty.channel.EventLoop eventLoop();

    /** Releases what the forwarder holds; called on its event loop when siplb stops. */
    default void close() {}
}
