package io.siplb.proxy.udp;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollDatagramChannel;
import io.siplb.codec.SipMessage;
import io.siplb.codec.SipMessageParser;
import io.siplb.proxy.core.Forwarder;
import io.siplb.proxy.core.ProxyStats;
import io.siplb.proxy.transport.Egress;

/**
 * A socket connected to a UDP destination gets the configured SO_RCVBUF and SO_SNDBUF, read when it opens: a
 * destination answering to the source port sends its responses there, and the OS default (208 KiB on Linux) drops
 * a burst of them.
 */
class UdpConnectorTest {

    private EventLoopGroup group;
    private Channel listener;
    private Channel destination;

    @BeforeEach
    void setUp() {
        assertThat(Epoll.isAvailable()).as("native epoll: %s", Epoll.unavailabilityCause()).isTrue();
        group = new MultiThreadIoEventLoopGroup(1, IoTransports.EPOLL.ioHandlerFactory());
        final InetSocketAddress any = new InetSocketAddress(InetAddress.getLoopbackAddress(), 0);
        listener = new Bootstrap().group(group).channel(EpollDatagramChannel.class).handler(new Discard())
                                  .bind(any).syncUninterruptibly().channel();
        destination = new Bootstrap().group(group).channel(EpollDatagramChannel.class).handler(new Discard())
                                     .bind(any).syncUninterruptibly().channel();
    }

    @AfterEach
    void tearDown() {
        listener.close().syncUninterruptibly();
        destination.close().syncUninterruptibly();
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }

    private Channel connect(UdpConnector connector) throws Exception {
        final EventLoop loop = listener.eventLoop();
        final UdpEgress out = new UdpEgress(listener, (InetSocketAddress) listener.localAddress(), null, -1);
        final Forwarder none = new Forwarder() {
            @Override
            public void handle(SipMessage msg, Egress inbound, InetSocketAddress sender) {
            }

            @Override
            public void flush() {
            }

            @Override
            public EventLoop eventLoop() {
                return loop;
            }
        };
        final CompletableFuture<Egress> opened = new CompletableFuture<>();
        loop.execute(() -> connector.connect(loop, (InetSocketAddress) destination.localAddress(), out, none,
                                             opened::complete));
        final Egress e = opened.get(5, TimeUnit.SECONDS);
        assertThat(e).as("a connected egress").isInstanceOf(UdpEgress.class);
        return ((UdpEgress) e).channel();
    }

    @Test
    void theConfiguredBufferSizesApplyToEachNewSocket() throws Exception {
        // 64 KiB and 96 KiB: below any net.core.[rw]mem_max, and unlike the defaults (Linux reports twice the size
        // set, for its own bookkeeping).
        final AtomicInteger rcv = new AtomicInteger(64 * 1024);
        final AtomicInteger snd = new AtomicInteger(96 * 1024);
        final UdpConnector connector = new UdpConnector(EpollDatagramChannel.class, new SipMessageParser(),
                                                        new ProxyStats(), rcv::get, snd::get);
        final int[] first = bufferSizesOfANewSocket(connector);
        assertThat(first[0]).isEqualTo(2 * 64 * 1024);
        assertThat(first[1]).isEqualTo(2 * 96 * 1024);
        // A reload changes the sizes of the sockets opened after it.
        rcv.set(48 * 1024);
        snd.set(0);
        final int[] second = bufferSizesOfANewSocket(connector);
        assertThat(second[0]).isEqualTo(2 * 48 * 1024);
        assertThat(second[1]).isNotEqualTo(2 * 96 * 1024);
    }

    /** SO_RCVBUF and SO_SNDBUF, as the kernel reports them, of a socket {@code connector} opens (then closed). */
    private int[] bufferSizesOfANewSocket(UdpConnector connector) throws Exception {
        final Channel ch = connect(connector);
        try {
            return new int[] {ch.config().getOption(ChannelOption.SO_RCVBUF),
                              ch.config().getOption(ChannelOption.SO_SNDBUF)};
        } finally {
            ch.close().syncUninterruptibly();
        }
    }
}
