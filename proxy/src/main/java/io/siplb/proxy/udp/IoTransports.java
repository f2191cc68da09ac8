package io.siplb.proxy.udp;

import static java.util.Objects.requireNonNull;

import io.netty.channel.IoHandlerFactory;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollDatagramChannel;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.socket.ServerSocketChannel;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.DatagramChannel;
import io.netty.channel.socket.nio.NioDatagramChannel;
import io.siplb.proxy.config.ProxySettings.IoTransport;
import io.siplb.proxy.config.SiplbConfigException;

/**
 * The Netty transport the listeners run on: native epoll on Linux (one {@code SO_REUSEPORT} UDP socket per event loop
 * thread) or Java NIO elsewhere (one socket per listen address). Immutable.
 */
public enum IoTransports {
    /** Native epoll ({@link EpollIoHandler}, {@link EpollDatagramChannel}). */
    EPOLL {
        @Override
        public IoHandlerFactory ioHandlerFactory() {
            return EpollIoHandler.newFactory();
        }

        @Override
        public Class<? extends DatagramChannel> datagramChannelClass() {
            return EpollDatagramChannel.class;
        }

        @Override
        public Class<? extends ServerSocketChannel> serverSocketChannelClass() {
            return EpollServerSocketChannel.class;
        }

        @Override
        public Class<? extends SocketChannel> socketChannelClass() {
            return EpollSocketChannel.class;
        }

        @Override
        public boolean supportsReusePort() {
            return true;
        }
    },
    /** Java NIO ({@link NioIoHandler}, {@link NioDatagramChannel}). */
    NIO {
        @Override
        public IoHandlerFactory ioHandlerFactory() {
            return NioIoHandler.newFactory();
        }

        @Override
        public Class<? extends DatagramChannel> datagramChannelClass() {
            return NioDatagramChannel.class;
        }

        @Override
        public Class<? extends ServerSocketChannel> serverSocketChannelClass() {
            return NioServerSocketChannel.class;
        }

        @Override
        public Class<? extends SocketChannel> socketChannelClass() {
            return NioSocketChannel.class;
        }

        @Override
        public boolean supportsReusePort() {
            return false;
        }
    };

    /** Returns the factory of the event loops' I/O handlers. */
    public abstract IoHandlerFactory ioHandlerFactory();

    /** Returns the UDP channel class. */
    public abstract Class<? extends DatagramChannel> datagramChannelClass();

    /** Returns the TCP listening channel class. */
    public abstract Class<? extends ServerSocketChannel> serverSocketChannelClass();

    /** Returns the TCP connection channel class. */
    public abstract Class<? extends SocketChannel> socketChannelClass();

    /** Returns {@code true} when one address can be bound by several sockets, one per event loop. */
    public abstract boolean supportsReusePort();

    /**
     * Picks the transport for a preference: {@link IoTransport#AUTO} is epoll when available, else NIO.
     *
     * @throws SiplbConfigException when epoll is required but unavailable
     */
    public static IoTransports select(IoTransport preference) {
        requireNonNull(preference, "preference");
        switch (preference) {
            case NIO:
                return NIO;
            case EPOLL:
                if (!Epoll.isAvailable()) {
                    throw new SiplbConfigException(
                            "siplb.io.transport: epoll (expected: auto or nio; native epoll is unavailable here: " +
                            Epoll.unavailabilityCause() + ')');
                }
                return EPOLL;
            default:
                return Epoll.isAvailable() ? EPOLL : NIO;
        }
    }
}
