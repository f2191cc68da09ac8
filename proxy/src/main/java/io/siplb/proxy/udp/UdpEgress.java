package io.siplb.proxy.udp;

import static java.util.Objects.requireNonNull;

import java.net.Inet6Address;
import java.net.InetSocketAddress;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.EventLoop;
import io.netty.channel.socket.DatagramPacket;
import io.siplb.dispatch.Transport;
import io.siplb.proxy.config.ListenAddress;
import io.siplb.proxy.transport.Egress;

/**
 * A UDP socket siplb sends from: a listener socket, or a socket connected to one destination (so that an ICMP port
 * unreachable reaches siplb as an error on that socket) which writes the listener's Via and Record-Route. Immutable
 * (the channel is thread-safe).
 */
public final class UdpEgress implements Egress {

    private final Channel channel;
    private final InetSocketAddress localAddress;
    private final boolean ipv6;
    private final String viaSentBy;
    private final String recordRoute;
    /** A socket connected to one destination: it writes bare buffers (the kernel knows where they go). */
    private final boolean connected;

    /**
     * Creates the egress of a listener socket.
     *
     * @param channel the bound socket
     * @param localAddress its bound address
     * @param advertisedHost the host to write instead of the bound address (URI form, IPv6 in brackets), or
     *                       {@code null}
     * @param advertisedPort the port to write instead of the bound port, or {@code -1}
     */
    public UdpEgress(Channel channel, InetSocketAddress localAddress, String advertisedHost, int advertisedPort) {
        this.channel = requireNonNull(channel, "channel");
        this.localAddress = requireNonNull(localAddress, "localAddress");
        ipv6 = localAddress.getAddress() instanceof Inet6Address;
        final String host;
        final int port;
        if (advertisedHost != null) {
            host = advertisedHost;
            port = advertisedPort > 0 ? advertisedPort : localAddress.getPort();
        } else {
            final String hp = ListenAddress.hostPort(localAddress);
            host = hp.substring(0, hp.lastIndexOf(':'));
            port = localAddress.getPort();
        }
        viaSentBy = "SIP/2.0/UDP " + host + ':' + port;
        recordRoute = "<sip:" + host + ':' + port + ";lr>";
        connected = false;
    }

    /** Creates an egress over {@code channel} that writes the texts of {@code listener}. */
    UdpEgress(Channel channel, UdpEgress listener) {
        this.channel = requireNonNull(channel, "channel");
        localAddress = listener.localAddress;
        ipv6 = listener.ipv6;
        viaSentBy = listener.viaSentBy;
        recordRoute = listener.recordRoute;
        connected = true;
    }

    /** Returns the socket. */
    public Channel channel() {
        return channel;
    }

    @Override
    public Transport transport() {
        return Transport.UDP;
    }

    @Override
    public InetSocketAddress localAddress() {
        return localAddress;
    }

    @Override
    public boolean isIpv6() {
        return ipv6;
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
        return channel.isWritable();
    }

    @Override
    public void send(ByteBuf buf, InetSocketAddress to, boolean flushNow, ChannelFutureListener listener) {
        final Object packet = connected ? buf : new DatagramPacket(buf, to);
        if (flushNow || !channel.eventLoop().inEventLoop()) {
            channel.writeAndFlush(packet).addListener(listener);
        } else {
            channel.write(packet).addListener(listener);
        }
    }

    @Override
    public void flush() {
        channel.flush();
    }

    @Override
    public io.netty.util.concurrent.Future<?> closeFuture() {
        return channel.closeFuture();
    }

    @Override
    public void close() {
        if (connected) {
            channel.close();
        }
    }

    @Override
    public String toString() {
        return "UdpEgress{" + viaSentBy + ", " + channel + '}';
    }
}
