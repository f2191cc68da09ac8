package io.siplb.codec;

import static java.util.Objects.requireNonNull;

import java.net.InetSocketAddress;
import java.util.List;

import io.netty.channel.ChannelHandler.Sharable;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.DefaultAddressedEnvelope;
import io.netty.channel.socket.DatagramPacket;
import io.netty.handler.codec.MessageToMessageDecoder;

/**
 * Decodes each UDP {@link DatagramPacket} into one {@link SipMessage} (one datagram = one message, RFC 3261 §18.3)
 * wrapped in a {@code DefaultAddressedEnvelope<SipMessage, InetSocketAddress>} with the packet's recipient and
 * sender. Octets after Content-Length are dropped; without Content-Length the body is the rest of the datagram.
 * Malformed datagrams are emitted too, with a failed {@link SipMessage#decoderResult()} (see
 * {@link SipMessage#isAnswerable()}); nothing is thrown. Stateless and {@link Sharable}: one instance may serve every
 * UDP channel. Thread-safe (lock-free).
 *
 * <p>Ownership: the inbound packet is released by {@link MessageToMessageDecoder} after decoding; the emitted
 * envelope owns one reference to the message (a retained slice of the packet), which the last handler that uses it
 * releases ({@code envelope.release()} releases the message).
 */
@Sharable
public final class DatagramSipDecoder extends MessageToMessageDecoder<DatagramPacket> {

    private final SipMessageParser parser;

    /** Creates a decoder with {@link SipDecoderConfig#defaults()}. */
    public DatagramSipDecoder() {
        this(SipDecoderConfig.defaults());
    }

    /** Creates a decoder with the given limits. */
    public DatagramSipDecoder(SipDecoderConfig config) {
        super(DatagramPacket.class);
        parser = new SipMessageParser(requireNonNull(config, "config"));
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, DatagramPacket packet, List<Object> out) {
        final SipMessage msg = parser.parse(packet.content());
        out.add(new DefaultAddressedEnvelope<SipMessage, InetSocketAddress>(msg, packet.recipient(),
                                                                             packet.sender()));
    }
}
