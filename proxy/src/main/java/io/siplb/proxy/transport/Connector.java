package io.siplb.proxy.transport;

import java.net.InetSocketAddress;
import java.util.function.Consumer;

import io.netty.channel.EventLoop;
import io.siplb.proxy.core.Forwarder;

/**
 * Opens the egress a forwarder uses towards one destination: over UDP a socket connected to the destination, so that
 * an ICMP port unreachable reaches siplb as an error on that socket ({@link Forwarder#onTransportError}) instead of
 * being lost. Implementations are thread-safe.
 */
public interface Connector {

    /**
     * Opens a new egress on {@code loop} towards {@code remote} that writes the Via and Record-Route of
     * {@code listener}, whose received messages (answers sent to the source port) and errors go to
     * {@code forwarder}, and hands it to {@code then} on {@code loop} once open ({@code null} when it could not be
     * opened). Called on {@code loop}.
     */
    void connect(EventLoop loop, InetSocketAddress remote, Egress listener, Forwarder forwarder,
                 Consumer<Egress> then);
}
