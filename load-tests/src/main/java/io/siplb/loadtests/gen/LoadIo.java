package io.siplb.loadtests.gen;

import java.util.Locale;

import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollDatagramChannel;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.DatagramChannel;
import io.netty.channel.socket.ServerSocketChannel;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioDatagramChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.util.concurrent.DefaultThreadFactory;

/**
 * The Netty I/O the generator runs on: native epoll where available (its timers have nanosecond resolution, so calls
 * start on time; several UDP sockets can share a port with {@code SO_REUSEPORT}), else Java NIO (timers of about a
 * millisecond). Immutable.
 */
public enum LoadIo {
    /** Native epoll. */
    EPOLL {
        @Override
        IoHandlerFactory ioHandlerFactory() {
            return EpollIoHandler.newFactory();
        }

        @Override
        Class<? extends DatagramChannel> datagramChannel() {
            return EpollDatagramChannel.class;
        }

        @Override
        Class<? extends SocketChannel> socketChannel() {
            return EpollSocketChannel.class;
        }

        @Override
        Class<? extends ServerSocketChannel> serverSocketChannel() {
            return EpollServerSocketChannel.class;
        }
    },
    /** Java NIO. */
    NIO {
        @Override
        IoHandlerFactory ioHandlerFactory() {
            return NioIoHandler.newFactory();
        }

        @Override
        Class<? extends DatagramChannel> datagramChannel() {
            return NioDatagramChannel.class;
        }

        @Override
        Class<? extends SocketChannel> socketChannel() {
            return NioSocketChannel.class;
        }

        @Override
        Class<? extends ServerSocketChannel> serverSocketChannel() {
            return NioServerSocketChannel.class;
        }
    };

    abstract IoHandlerFactory ioHandlerFactory();

    abstract Class<? extends DatagramChannel> datagramChannel();

    abstract Class<? extends SocketChannel> socketChannel();

    abstract Class<? extends ServerSocketChannel> serverSocketChannel();

    /** Returns a group of {@code threads} event loops whose threads are named {@code name-N}. */
    MultiThreadIoEventLoopGroup newGroup(int threads, String name) {
        return new MultiThreadIoEventLoopGroup(threads, new DefaultThreadFactory(name, true), ioHandlerFactory());
    }

    /** Parses {@code auto} (epoll when available, else NIO), {@code epoll} or {@code nio}. */
    public static LoadIo of(String name) {
        switch (name.toLowerCase(Locale.ROOT)) {
            case "auto":
                return Epoll.isAvailable() ? EPOLL : NIO;
            case "nio":
                return NIO;
            case "epoll":
                if (!Epoll.isAvailable()) {
                    throw new IllegalArgumentException("io: epoll is unavailable here (" +
                                                       Epoll.unavailabilityCause() + "; expected: auto or nio)");
                }
                return EPOLL;
            default:
                throw new IllegalArgumentException("io: " + name + " (expected: auto, epoll or nio)");
        }
    }
}
