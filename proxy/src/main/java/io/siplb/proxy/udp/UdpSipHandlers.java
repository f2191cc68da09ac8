package io.siplb.proxy.udp;

import io.netty.channel.Channel;
import io.netty.channel.ChannelOption;
import io.siplb.codec.SipMessageParser;
import io.siplb.proxy.stateless.Egress;
import io.siplb.proxy.stateless.ProxyStats;
import io.siplb.proxy.stateless.StatelessForwarder;
import io.siplb.proxy.stateless.StatelessProxy;

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
     * Gives the socket's handler its forwarder and turns reading on, both on the socket's event loop, and waits
     * until that is done.
     */
    public static void start(Channel ch, StatelessProxy proxy, Egress self) {
        final UdpSipHandler handler = ch.pipeline().get(UdpSipHandler.class);
        if (handler == null) {
            throw new IllegalStateException("no UdpSipHandler in the pipeline of " + ch);
        }
        ch.eventLoop().submit(() -> {
            handler.start(new StatelessForwarder(proxy, self));
            ch.config().setOption(ChannelOption.AUTO_READ, true);
        }).syncUninterruptibly();
    }
}
