/**
 * UDP transport: the Netty transport choice (native epoll with one {@code SO_REUSEPORT} socket per event loop, or
 * NIO), the bound listener sockets and the per-socket handler that parses datagrams.
 *
 * <p>Starting points: {@link io.siplb.proxy.udp.UdpListeners}, {@link io.siplb.proxy.udp.UdpSipHandler},
 * {@link io.siplb.proxy.udp.IoTransports}.
 */
package io.siplb.proxy.udp;
