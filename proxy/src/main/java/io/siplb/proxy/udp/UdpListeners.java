package io.siplb.proxy.udp;

import static java.util.Objects.requireNonNull;

import java.io.IOException;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.FixedRecvByteBufAllocator;
import io.netty.channel.MessageSizeEstimator;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.epoll.EpollChannelOption;
import io.netty.channel.socket.DatagramChannelConfig;
import io.siplb.proxy.config.ListenAddress;

/**
 * The bound UDP sockets of siplb. With epoll every listen address is bound once per event loop thread with
 * {@code SO_REUSEPORT}, so the kernel spreads datagrams over the threads; with NIO it is bound once. A listen port
 * of {@code 0} binds an ephemeral port, which the further sockets of the same address then share. Because
 * {@code SO_REUSEPORT} would also let a socket of another process (a second siplb started by mistake) share a port
 * and silently take part of its traffic, a fixed port is first bound once without the option: if any socket holds
 * it, the bind fails as it would without {@code SO_REUSEPORT}. A socket with
 * {@value #MAX_QUEUED_DATAGRAMS} datagrams queued is not writable until half of them are sent.
 * The channel lists are fixed at construction. Thread-safe (lock-free).
 */
public final class UdpListeners {

    private static final Logger logger = LoggerFactory.getLogger(UdpListeners.class);

    /** Receive buffer per datagram: the largest UDP payload, so no SIP message is truncated. */
    static final int MAX_DATAGRAM_SIZE = 65536;

    /**
     * Datagrams a socket may have queued before it stops being writable and the forwarder drops instead of queueing
     * ({@link io.siplb.proxy.core.DropReason#SEND_QUEUE_FULL}): sixteen read batches of sixteen. Counted in
     * datagrams rather than bytes because every queued datagram holds its whole receive buffer.
     */
    static final int MAX_QUEUED_DATAGRAMS = 256;

    /** What one queued datagram counts towards the write buffer water marks, whatever its length. */
    private static final int DATAGRAM_CHARGE = 1024;

    private static final MessageSizeEstimator PER_DATAGRAM = () -> msg -> DATAGRAM_CHARGE;

    private final List<Channel> channels;
    private final List<InetSocketAddress> boundAddresses;

    private UdpListeners(List<Channel> channels, List<InetSocketAddress> boundAddresses) {
        this.channels = Collections.unmodifiableList(channels);
        this.boundAddresses = Collections.unmodifiableList(boundAddresses);
    }

    /**
     * Binds every listen address and waits for the binds to complete.
     *
     * @param listen the addresses (UDP only)
     * @param group the event loops the sockets are registered with
     * @param transport the transport of {@code group}
     * @param socketsPerAddress how many sockets to bind per address when the transport supports SO_REUSEPORT
     * @param handler the (sharable) handler set as each channel's pipeline initializer
     * @throws BindFailedException when an address cannot be bound; sockets already bound are closed
     */
    public static UdpListeners bind(List<ListenAddress> listen, EventLoopGroup group, IoTransports transport,
                                    int socketsPerAddress, ChannelHandler handler) {
        return bind(listen, group, transport, socketsPerAddress, 0, 0, handler);
    }

    /**
     * Binds every listen address with the given socket buffer sizes ({@code 0}: the OS default) and waits for the
     * binds to complete.
     *
     * @throws BindFailedException when an address cannot be bound; sockets already bound are closed
     */
    public static UdpListeners bind(List<ListenAddress> listen, EventLoopGroup group, IoTransports transport,
                                    int socketsPerAddress, int receiveBufferSize, int sendBufferSize,
                                    ChannelHandler handler) {
        requireNonNull(listen, "listen");
        requireNonNull(group, "group");
        requireNonNull(transport, "transport");
        requireNonNull(handler, "handler");
        if (socketsPerAddress <= 0) {
            throw new IllegalArgumentException("socketsPerAddress: " + socketsPerAddress + " (expected: > 0)");
        }
        final Bootstrap bootstrap = new Bootstrap()
                .group(group)
                .channel(transport.datagramChannelClass())
                .option(ChannelOption.RCVBUF_ALLOCATOR, new FixedRecvByteBufAllocator(MAX_DATAGRAM_SIZE))
                .option(ChannelOption.MESSAGE_SIZE_ESTIMATOR, PER_DATAGRAM)
                .option(ChannelOption.WRITE_BUFFER_WATER_MARK,
                        new WriteBufferWaterMark(MAX_QUEUED_DATAGRAMS / 2 * DATAGRAM_CHARGE,
                                                 MAX_QUEUED_DATAGRAMS * DATAGRAM_CHARGE))
                .handler(handler);
        final int perAddress = transport.supportsReusePort() ? socketsPerAddress : 1;
        if (transport.supportsReusePort()) {
            bootstrap.option(EpollChannelOption.SO_REUSEPORT, true);
        }
        socketBuffers(bootstrap, receiveBufferSize, sendBufferSize);
        final List<Channel> channels = new ArrayList<>();
        final List<InetSocketAddress> bound = new ArrayList<>();
        try {
            if (transport.supportsReusePort()) {
                // Every address before any is bound: siplb's own sockets would otherwise collide with the probe of
                // a later entry on the same port (a wildcard and a specific address, or 0.0.0.0 and [::]).
                for (ListenAddress address : listen) {
                    ensureUnused(address);
                }
            }
            for (ListenAddress address : listen) {
                InetSocketAddress target = address.address();
                for (int i = 0; i < perAddress; i++) {
                    final ChannelFuture f = bootstrap.bind(target).awaitUninterruptibly();
                    if (!f.isSuccess()) {
                        throw new BindFailedException(address, f.cause());
                    }
                    final Channel ch = f.channel();
                    channels.add(ch);
                    if (i == 0) {
                        target = (InetSocketAddress) ch.localAddress();
                        bound.add(target);
                    }
                }
                final DatagramChannelConfig config = (DatagramChannelConfig) channels.get(channels.size() - 1).config();
                logger.info("Listening on udp:{} ({} socket{}, {}, SO_RCVBUF {} bytes)", ListenAddress.hostPort(target),
                            perAddress, perAddress == 1 ? "" : "s", transport.name().toLowerCase(java.util.Locale.ROOT),
                            config.getReceiveBufferSize());
            }
        } catch (RuntimeException e) {
            for (Channel ch : channels) {
                ch.close().awaitUninterruptibly();
            }
            throw e;
        }
        return new UdpListeners(channels, bound);
    }

    /** Sets SO_RCVBUF and SO_SNDBUF on the sockets {@code bootstrap} opens; a size of 0 leaves the OS default. */
    static void socketBuffers(Bootstrap bootstrap, int receiveBufferSize, int sendBufferSize) {
        if (receiveBufferSize > 0) {
            bootstrap.option(ChannelOption.SO_RCVBUF, receiveBufferSize);
        }
        if (sendBufferSize > 0) {
            bootstrap.option(ChannelOption.SO_SNDBUF, sendBufferSize);
        }
    }

    /**
     * Binds and closes a socket without {@code SO_REUSEPORT} on a fixed-port {@code address}: it fails when any
     * socket, ours or another process's, with or without {@code SO_REUSEPORT}, holds the address.
     *
     * @throws BindFailedException when the address is in use or cannot be bound
     */
    private static void ensureUnused(ListenAddress address) {
        final InetSocketAddress target = address.address();
        if (target.getPort() == 0) {
            return; // an ephemeral port is free by definition
        }
        try (DatagramSocket probe = new DatagramSocket(null)) {
            probe.setReuseAddress(false);
            probe.bind(target);
        } catch (IOException e) {
            throw new BindFailedException(address, e);
        }
    }

    /** Returns every bound socket. */
    public List<Channel> channels() {
        return channels;
    }

    /** Returns the bound address of each listen entry, in configuration order (ephemeral ports resolved). */
    public List<InetSocketAddress> boundAddresses() {
        return boundAddresses;
    }

    /** Closes every socket and waits until they are closed. */
    public void close() {
        for (Channel ch : channels) {
            ch.close();
        }
        for (Channel ch : channels) {
            ch.closeFuture().awaitUninterruptibly();
        }
    }

    /** A listen address could not be bound (in use, not local, no permission). Immutable. */
    public static final class BindFailedException extends RuntimeException {

        private static final long serialVersionUID = 1L;

        public BindFailedException(ListenAddress address, Throwable cause) {
            super("cannot listen on " + address + ": " + cause.getMessage() +
                  " (expected: a free local address and port)", cause);
        }

        /** A listener other than a SIP one: {@code what} names it, e.g. {@code siplb.admin.listen 127.0.0.1:9460}. */
        public BindFailedException(String what, Throwable cause) {
            super("cannot listen on " + what + ": " + cause.getMessage() +
                  " (expected: a free local address and port)", cause);
        }
    }
}
