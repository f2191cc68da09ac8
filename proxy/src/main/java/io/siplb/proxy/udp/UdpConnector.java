package io.siplb.proxy.udp;

import static java.util.Objects.requireNonNull;

import java.net.InetSocketAddress;
import java.util.function.Consumer;
import java.util.function.IntSupplier;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.FixedRecvByteBufAllocator;
import io.netty.channel.socket.DatagramChannel;
import io.siplb.codec.SipMessageParser;
import io.siplb.proxy.core.Forwarder;
import io.siplb.proxy.core.ProxyStats;
import io.siplb.proxy.transport.Connector;
import io.siplb.proxy.transport.Egress;

/**
 * Opens UDP sockets connected to one destination each, on an ephemeral port of the listener's address: requests to
 * the destination leave through it (with the listener's Via and Record-Route, so answers and in-dialog requests still
 * come to the listener), and the kernel reports an ICMP port unreachable for the destination as an error on it, which
 * {@link UdpSipHandler} hands to the forwarder as a transport error. A destination that answers to the source port
 * reaches the same handler, so each socket gets the listeners' SO_RCVBUF and SO_SNDBUF ({@code siplb.io
 * .receive-buffer}, {@code send-buffer}, as in force when it opens): with the OS default (208 KiB on Linux) a
 * burst of answers would overflow it, and a lost response becomes an fr-timeout. Thread-safe (immutable; each
 * connect builds its own bootstrap).
 */
public final class UdpConnector implements Connector {

    private static final Logger logger = LoggerFactory.getLogger(UdpConnector.class);

    private final Class<? extends DatagramChannel> channelType;
    private final SipMessageParser parser;
    private final ProxyStats stats;
    private final IntSupplier receiveBufferSize;
    private final IntSupplier sendBufferSize;

    /**
     * Creates a connector of sockets of {@code channelType}, parsing with {@code parser}, whose SO_RCVBUF and
     * SO_SNDBUF are the current values of the suppliers (0: the OS's default).
     */
    public UdpConnector(Class<? extends DatagramChannel> channelType, SipMessageParser parser, ProxyStats stats,
                        IntSupplier receiveBufferSize, IntSupplier sendBufferSize) {
        this.channelType = requireNonNull(channelType, "channelType");
        this.parser = requireNonNull(parser, "parser");
        this.stats = requireNonNull(stats, "stats");
        this.receiveBufferSize = requireNonNull(receiveBufferSize, "receiveBufferSize");
        this.sendBufferSize = requireNonNull(sendBufferSize, "sendBufferSize");
    }

    @Override
    public void connect(EventLoop loop, InetSocketAddress remote, Egress listener, Forwarder forwarder,
                        Consumer<Egress> then) {
        if (!(listener instanceof UdpEgress)) {
            then.accept(null);
            return;
        }
        final UdpSipHandler handler = new UdpSipHandler(parser, stats);
        final Bootstrap b = new Bootstrap()
                .group(loop)
                .channel(channelType)
                .option(ChannelOption.RCVBUF_ALLOCATOR, new FixedRecvByteBufAllocator(UdpListeners.MAX_DATAGRAM_SIZE))
                .option(ChannelOption.AUTO_READ, false)
                .handler(handler)
                .localAddress(new InetSocketAddress(listener.localAddress().getAddress(), 0));
        UdpListeners.socketBuffers(b, receiveBufferSize.getAsInt(), sendBufferSize.getAsInt());
        final ChannelFuture f = b.connect(remote);
        f.addListener((ChannelFuture done) -> {
            if (!loop.inEventLoop()) {
                // A channel that could not even be created completes on Netty's global executor.
                loop.execute(() -> then.accept(null));
                done.channel().close();
                return;
            }
            if (!done.isSuccess()) {
                logger.debug("cannot open a UDP socket towards {}: {}", remote, done.cause());
                done.channel().close();
                then.accept(null);
                return;
            }
            final UdpEgress egress = new UdpEgress(done.channel(), (UdpEgress) listener);
            handler.start(forwarder, egress);
            done.channel().config().setAutoRead(true);
            then.accept(egress);
        });
    }
}
