package io.siplb.proxy.udp;

import io.netty.channel.Channel;
import io.netty.channel.ChannelOption;
import io.siplb.codec.SipMessageParser;
import io.siplb.proxy.core.Forwarder;
import io.siplb.proxy.core.ProxyStats;

/**
 * Installs and starts the {@link UdpSipHandler} of a socket. Static methods only. Immutable.
 */
public final class UdpSipHandlers {

    private UdpSipHandlers() {}

    /** Adds a new {@link UdpSipHandler} to the pipeline of a socket that is not reading yet. */
    public static void install(Channel ch, SipMessageParser parser, ProxyStats stats) {
        ch.pipeline().addLast(new UdpSipHandler(parser, stats));
    }

    /**
     * Gives the socket's handler the forwarder of its event loop and turns reading on, both on the socket's event
     * loop, and waits until that is done.
     */
    public static void start(UdpEgress self, Forwarder forwarder) {
        final Channel ch = self.channel();
        final UdpSipHandler handler = ch.pipeline().get(UdpSipHandler.class);
        if (handler == null) {
            throw new IllegalStateException("no UdpSipHandler in the pipeline of " + ch);
        }
        ch.eventLoop().submit(() -> {
            handler.start(forwarder, self);
            ch.config().setOption(ChannelOption.AUTO_READ, true);
        }).syncUninterruptibly();
    }
}
