package io.siplb.proxy.udp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.List;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.Epoll;
import io.siplb.proxy.config.ListenAddress;

/**
 * With {@code SO_REUSEPORT} a port held by another set of siplb sockets (a second instance started by mistake) is
 * refused as "in use", as it would be without the option, instead of being shared; the sockets of one instance
 * still share their port, and a released port binds again.
 */
class UdpListenersTest {

    private EventLoopGroup group;

    @BeforeEach
    void setUp() {
        // siplb's CI and production platform is Linux, where the native epoll transport (and SO_REUSEPORT) is used.
        assertThat(Epoll.isAvailable()).as("native epoll: %s", Epoll.unavailabilityCause()).isTrue();
        group = new MultiThreadIoEventLoopGroup(2, IoTransports.EPOLL.ioHandlerFactory());
    }

    @AfterEach
    void tearDown() {
        group.shutdownGracefully(0, 1, java.util.concurrent.TimeUnit.SECONDS).syncUninterruptibly();
    }

    @Test
    void aPortHeldByAnotherReusePortInstanceIsRefused() {
        final UdpListeners first = bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        final InetSocketAddress taken = first.boundAddresses().get(0);
        try {
            assertThat(first.channels()).hasSize(2).allMatch(ch -> ch.isActive());
            assertThatThrownBy(() -> bind(taken))
                    .isInstanceOf(UdpListeners.BindFailedException.class)
                    .hasMessageStartingWith("cannot listen on udp:127.0.0.1:" + taken.getPort() + ": ")
                    .hasMessageContaining("in use")
                    .hasMessageEndingWith("(expected: a free local address and port)");
            assertThat(first.channels()).allMatch(ch -> ch.isActive());
        } finally {
            first.close();
        }
        // Released: the same port binds again, every socket of the new instance sharing it.
        final UdpListeners again = bind(taken);
        try {
            assertThat(again.boundAddresses()).containsExactly(taken);
            assertThat(again.channels()).hasSize(2)
                                        .allMatch(ch -> ((InetSocketAddress) ch.localAddress()).getPort() ==
                                                        taken.getPort());
        } finally {
            again.close();
        }
    }

    @Test
    void aSpecificAndAWildcardAddressOnOnePortStillBindTogether() throws Exception {
        // No traffic: only the binds. The probe of the wildcard must not collide with siplb's own loopback sockets.
        final int port;
        try (java.net.DatagramSocket free = new java.net.DatagramSocket(
                new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))) {
            port = free.getLocalPort();
        }
        final UdpListeners both = UdpListeners.bind(
                List.of(ListenAddress.udp(new InetSocketAddress(InetAddress.getLoopbackAddress(), port)),
                        ListenAddress.udp(new InetSocketAddress(InetAddress.getByName("0.0.0.0"), port))),
                group, IoTransports.EPOLL, 2, new Discard());
        try {
            assertThat(both.channels()).hasSize(4).allMatch(ch -> ch.isActive());
            assertThat(both.boundAddresses()).extracting(InetSocketAddress::getPort).containsOnly(port);
        } finally {
            both.close();
        }
    }

    private UdpListeners bind(InetSocketAddress address) {
        return UdpListeners.bind(List.of(ListenAddress.udp(address)), group, IoTransports.EPOLL, 2, new Discard());
    }
}
