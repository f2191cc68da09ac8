package io.siplb.proxy.udp;

import static java.util.Objects.requireNonNull;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.socket.DatagramPacket;
import io.siplb.codec.SipMessage;
import io.siplb.codec.SipMessageParser;
import io.siplb.proxy.core.DropReason;
import io.siplb.proxy.core.Forwarder;
import io.siplb.proxy.core.ProxyStats;

/**
 * Reads SIP datagrams from one UDP socket, parses each as one message (RFC 3261 §18.3) and hands it to the socket's
 * event loop's {@link Forwarder} together with the socket ({@link UdpEgress}) it arrived on.
 *
 * <p>Ownership: the received {@link DatagramPacket} is released by this handler when {@link #channelRead0} returns
 * ({@link SimpleChannelInboundHandler}'s auto-release); the parsed {@link SipMessage}, which holds its own retained
 * slice of the packet, is released in a {@code finally} after the forwarder returned. Whatever the forwarder sends is
 * released by the channel that sends it; a forwarded datagram is a copy in a buffer of its own
 * ({@link io.siplb.codec.SipRewriter#buildCopy}), so the received memory is free once the forwarder returned.
 *
 * <p>The socket is bound with auto-read off; {@link #start} installs the forwarder on the channel's event loop and
 * then turns reading on, so no datagram arrives before the forwarder exists. Not thread-safe; confined to the
 * channel's EventLoop.
 */
public final class UdpSipHandler extends SimpleChannelInboundHandler<DatagramPacket> {

    private static final Logger logger = LoggerFactory.getLogger(UdpSipHandler.class);

    private final SipMessageParser parser;
    private final ProxyStats stats;
    /** Written on the event loop by {@link #start} before reading begins; read only on the event loop. */
    private Forwarder forwarder;
    /** This socket as the forwarder sees it; written with {@link #forwarder}. */
    private UdpEgress self;
    private long nextLogNanos;

    /** Creates the handler of one socket. */
    public UdpSipHandler(SipMessageParser parser, ProxyStats stats) {
        super(DatagramPacket.class, true);
        this.parser = requireNonNull(parser, "parser");
        this.stats = requireNonNull(stats, "stats");
    }

    /** Installs the forwarder (on the caller's thread, which must be the channel's event loop). */
    void start(Forwarder forwarder, UdpEgress self) {
        this.forwarder = requireNonNull(forwarder, "forwarder");
        this.self = requireNonNull(self, "self");
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, DatagramPacket packet) {
        final SipMessage msg;
        try {
            msg = parser.parse(packet.content());
        } catch (RuntimeException e) {
            stats.drop(DropReason.INTERNAL_ERROR);
            warn("Dropped a datagram from {} the parser could not handle", packet.sender(), e);
            return;
        }
        try {
            forwarder.handle(msg, self, packet.sender());
        } finally {
            msg.release();
        }
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        if (forwarder != null) {
            forwarder.flush();
        }
        ctx.fireChannelReadComplete();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (cause instanceof java.net.PortUnreachableException && forwarder != null
            && ctx.channel().remoteAddress() instanceof java.net.InetSocketAddress) {
            // A socket connected to one destination: the ICMP port unreachable names it.
            forwarder.onTransportError((java.net.InetSocketAddress) ctx.channel().remoteAddress(),
                                       "ICMP port unreachable");
            return;
        }
        // A UDP socket keeps serving after a failed read or an ICMP error; count it and go on.
        stats.drop(DropReason.INTERNAL_ERROR);
        warn("Error on {}", ctx.channel(), cause);
    }

    private void warn(String format, Object arg, Throwable cause) {
        final long now = System.nanoTime();
        if (now - nextLogNanos >= 0) {
            nextLogNanos = now + 1_000_000_000L;
            logger.warn(format, arg, cause);
        }
    }
}
