package io.siplb.codec;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.AddressedEnvelope;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.channel.socket.DatagramPacket;

/**
 * Test messages of the sip-codec test-jar ({@code messages/invite.sip}, the RFC 4475 torture corpus under
 * {@code torture/}) and helpers that parse them. Other modules' tests may use it. Immutable.
 */
public final class SipTestMessages {

    /** The resource path of the realistic ~900-byte INVITE. */
    public static final String INVITE = "messages/invite.sip";

    static final InetSocketAddress SENDER = new InetSocketAddress("127.0.0.1", 40000);
    static final InetSocketAddress RECIPIENT = new InetSocketAddress("127.0.0.1", 40001);

    private SipTestMessages() {
    }

    /** Returns the bytes of a class-path resource of the sip-codec test-jar, e.g. {@link #INVITE}. */
    public static byte[] resource(String path) {
        try (InputStream in = SipTestMessages.class.getClassLoader().getResourceAsStream(path)) {
            if (in == null) {
                throw new IllegalArgumentException("resource: " + path + " (expected: on the class path)");
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Returns the bytes of {@code torture/<name>.dat}. */
    public static byte[] torture(String name) {
        return resource("torture/" + name + ".dat");
    }

    /** Returns {@code text} with every {@code \n} turned into CRLF, encoded as UTF-8. */
    public static byte[] crlf(String text) {
        return text.replace("\r\n", "\n").replace("\n", "\r\n").getBytes(StandardCharsets.UTF_8);
    }

    /**
     * Feeds {@code datagram} as one UDP packet through a {@link DatagramSipDecoder} and returns the message (the
     * caller releases it); checks the envelope addresses and that nothing else was emitted.
     */
    static SipMessage decodeDatagram(byte[] datagram) {
        return decodeDatagram(datagram, SipDecoderConfig.defaults());
    }

    static SipMessage decodeDatagram(byte[] datagram, SipDecoderConfig config) {
        final EmbeddedChannel ch = new EmbeddedChannel(new DatagramSipDecoder(config));
        final ByteBuf buf = Unpooled.directBuffer(datagram.length).writeBytes(datagram);
        assertThat(ch.writeInbound(new DatagramPacket(buf, RECIPIENT, SENDER))).isTrue();
        @SuppressWarnings("unchecked")
        final AddressedEnvelope<SipMessage, InetSocketAddress> env =
                (AddressedEnvelope<SipMessage, InetSocketAddress>) ch.readInbound();
        assertThat(env.sender()).isEqualTo(SENDER);
        assertThat(env.recipient()).isEqualTo(RECIPIENT);
        // The packet was released by the decoder; the message holds the only reference, unless the datagram was
        // empty or oversized and nothing of it was kept.
        assertThat(buf.refCnt()).isEqualTo(env.content().content().capacity() == 0 ? 0 : 1);
        assertThat(ch.finishAndReleaseAll()).isFalse();
        return env.content();
    }

    /** Returns {@code msg}'s content as an ISO-8859-1 string. */
    static String text(SipMessage msg) {
        return msg.content().toString(StandardCharsets.ISO_8859_1);
    }
}
