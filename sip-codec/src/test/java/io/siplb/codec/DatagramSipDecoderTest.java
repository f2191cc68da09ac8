package io.siplb.codec;

import static io.siplb.codec.SipTestMessages.INVITE;
import static io.siplb.codec.SipTestMessages.decodeDatagram;
import static io.siplb.codec.SipTestMessages.resource;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;

import org.junit.jupiter.api.Test;

import io.netty.channel.ChannelHandler;

class DatagramSipDecoderTest {

    @Test
    void isSharable() {
        assertThat(new DatagramSipDecoder().isSharable()).isTrue();
        assertThat(DatagramSipDecoder.class.isAnnotationPresent(ChannelHandler.Sharable.class)).isTrue();
    }

    @Test
    void oneDatagramIsOneMessage() {
        final byte[] invite = resource(INVITE);
        final SipMessage m = decodeDatagram(invite);
        try {
            assertThat(m.decoderResult().isSuccess()).isTrue();
            assertThat(m.content().readableBytes()).isEqualTo(invite.length);
            assertThat(m.content().readerIndex()).isZero();
        } finally {
            m.release();
        }
    }

    @Test
    void oversizedDatagramIsATypedFailure() {
        final byte[] invite = resource(INVITE);
        final SipMessage m = decodeDatagram(invite, SipDecoderConfig.builder().maxMessageSize(512).build());
        try {
            assertThat(m.decodeError()).isEqualTo(SipDecodeError.MESSAGE_TOO_LARGE);
            assertThat(m.decoderResult().cause()).isInstanceOf(TooLongSipMessageException.class)
                                                 .hasMessageContaining("expected: <= 512");
            assertThat(m.isAnswerable()).isFalse();
        } finally {
            m.release();
        }
    }

    @Test
    void truncatedDatagramKeepsWhatItCan() {
        final byte[] invite = resource(INVITE);
        final SipMessage m = decodeDatagram(Arrays.copyOf(invite, invite.length - 20));
        try {
            assertThat(m.decodeError()).isEqualTo(SipDecodeError.CONTENT_LENGTH_EXCEEDS_MESSAGE);
            assertThat(m.isAnswerable()).isTrue();
            assertThat(m.callId()).isEqualTo("3848276298220188511@atlanta.example.com");
        } finally {
            m.release();
        }
    }

    @Test
    void emptyDatagram() {
        final SipMessage m = decodeDatagram(new byte[0]);
        try {
            assertThat(m.decodeError()).isEqualTo(SipDecodeError.EMPTY_MESSAGE);
        } finally {
            m.release();
        }
    }
}
