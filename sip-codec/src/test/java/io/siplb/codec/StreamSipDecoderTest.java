package io.siplb.codec;

import static io.siplb.codec.SipTestMessages.INVITE;
import static io.siplb.codec.SipTestMessages.crlf;
import static io.siplb.codec.SipTestMessages.resource;
import static io.siplb.codec.SipTestMessages.torture;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

import org.junit.jupiter.api.Test;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;

class StreamSipDecoderTest {

    private static final byte[] OPTIONS = crlf("OPTIONS sip:lb.example.com SIP/2.0\n" +
                                               "Via: SIP/2.0/TCP 192.0.2.9:5060;branch=z9hG4bKopt1\n" +
                                               "Max-Forwards: 70\n" +
                                               "From: <sip:mon@example.com>;tag=77\n" +
                                               "To: <sip:lb.example.com>\n" +
                                               "Call-ID: options-1@192.0.2.9\n" +
                                               "CSeq: 1 OPTIONS\n" +
                                               "Content-Length: 0\n" +
                                               "\n");

    private static ByteBuf buf(byte[] bytes) {
        return Unpooled.wrappedBuffer(bytes);
    }

    private static ByteBuf buf(byte[] bytes, int from, int to) {
        return Unpooled.copiedBuffer(bytes, from, to - from);
    }

    private static byte[] concat(byte[]... parts) {
        int n = 0;
        for (byte[] p : parts) {
            n += p.length;
        }
        final byte[] out = new byte[n];
        int o = 0;
        for (byte[] p : parts) {
            System.arraycopy(p, 0, out, o, p.length);
            o += p.length;
        }
        return out;
    }

    private static void assertInvite(SipMessage m, byte[] invite) {
        assertThat(m.decoderResult().isSuccess()).as("%s", m.errorText()).isTrue();
        assertThat(m.method()).isEqualTo(SipMethod.INVITE);
        assertThat(m.callId()).isEqualTo("3848276298220188511@atlanta.example.com");
        assertThat(m.vias()).hasSize(3);
        assertThat(m.content().readableBytes()).isEqualTo(invite.length);
        assertThat(ByteBufEquals.bytes(m.content())).isEqualTo(invite);
    }

    @Test
    void decodesWhenSplitAtEveryBytePosition() {
        final byte[] invite = resource(INVITE);
        for (int split = 1; split < invite.length; split++) {
            final EmbeddedChannel ch = new EmbeddedChannel(new StreamSipDecoder());
            assertThat(ch.writeInbound(buf(invite, 0, split))).as("split %d", split).isFalse();
            assertThat(ch.writeInbound(buf(invite, split, invite.length))).as("split %d", split).isTrue();
            final SipMessage m = ch.readInbound();
            try {
                assertInvite(m, invite);
            } finally {
                m.release();
            }
            assertThat(ch.<Object>readOutbound()).isNull();
            assertFalse(ch.finishAndReleaseAll());
        }
    }

    @Test
    void decodesFedOneByteAtATimeWithKeepAlivesBetweenMessages() {
        final byte[] invite = resource(INVITE);
        final byte[] stream = concat("\r\n".getBytes(StandardCharsets.US_ASCII), invite,
                                     "\r\n\r\n".getBytes(StandardCharsets.US_ASCII), OPTIONS);
        final EmbeddedChannel ch = new EmbeddedChannel(new StreamSipDecoder());
        for (int i = 0; i < stream.length; i++) {
            ch.writeInbound(buf(stream, i, i + 1));
        }
        final SipMessage first = ch.readInbound();
        final SipMessage second = ch.readInbound();
        try {
            assertInvite(first, invite);
            assertThat(second.method()).isEqualTo(SipMethod.OPTIONS);
            assertThat(second.content().readableBytes()).isEqualTo(OPTIONS.length);
        } finally {
            first.release();
            second.release();
        }
        // Exactly one pong for the one CRLFCRLF ping; the single leading CRLF is only skipped.
        final ByteBuf pong = ch.readOutbound();
        assertThat(pong.toString(StandardCharsets.US_ASCII)).isEqualTo("\r\n");
        pong.release();
        assertThat(ch.<Object>readOutbound()).isNull();
        assertFalse(ch.finishAndReleaseAll());
    }

    @Test
    void decodesPipelinedMessagesFromOneBuffer() {
        final byte[] invite = resource(INVITE);
        final EmbeddedChannel ch = new EmbeddedChannel(new StreamSipDecoder());
        assertThat(ch.writeInbound(buf(concat(OPTIONS, invite, OPTIONS)))).isTrue();
        final SipMessage a = ch.readInbound();
        final SipMessage b = ch.readInbound();
        final SipMessage c = ch.readInbound();
        try {
            assertThat(a.method()).isEqualTo(SipMethod.OPTIONS);
            assertInvite(b, invite);
            assertThat(c.method()).isEqualTo(SipMethod.OPTIONS);
        } finally {
            a.release();
            b.release();
            c.release();
        }
        assertFalse(ch.finishAndReleaseAll());
    }

    @Test
    void answersDoubleCrlfPingWithCrlfPong() {
        final EmbeddedChannel ch = new EmbeddedChannel(new StreamSipDecoder());
        assertThat(ch.writeInbound(buf("\r\n\r\n\r\n\r\n".getBytes(StandardCharsets.US_ASCII)))).isFalse();
        for (int i = 0; i < 2; i++) {
            final ByteBuf pong = ch.readOutbound();
            assertThat(pong.toString(StandardCharsets.US_ASCII)).isEqualTo("\r\n");
            pong.release();
        }
        assertThat(ch.<Object>readOutbound()).isNull();
        assertFalse(ch.finishAndReleaseAll());
    }

    @Test
    void partialPingWaitsForTheRest() {
        final EmbeddedChannel ch = new EmbeddedChannel(new StreamSipDecoder());
        assertThat(ch.writeInbound(buf("\r\n\r".getBytes(StandardCharsets.US_ASCII)))).isFalse();
        assertThat(ch.<Object>readOutbound()).isNull();
        assertThat(ch.writeInbound(buf("\n".getBytes(StandardCharsets.US_ASCII)))).isFalse();
        final ByteBuf pong = ch.readOutbound();
        assertThat(pong.readableBytes()).isEqualTo(2);
        pong.release();
        assertFalse(ch.finishAndReleaseAll());
    }

    @Test
    void partialMessageWaitsForTheBody() {
        // RFC 4475 §3.1.2.2 over TCP: Content-Length larger than what arrived means "wait for more".
        final EmbeddedChannel ch = new EmbeddedChannel(new StreamSipDecoder());
        assertThat(ch.writeInbound(buf(torture("clerr")))).isFalse();
        assertThat(ch.<Object>readInbound()).isNull();
        assertFalse(ch.finishAndReleaseAll());
    }

    @Test
    void missingContentLengthIsAFramingErrorAndTheRestIsDiscarded() {
        final byte[] noCl = crlf("OPTIONS sip:lb.example.com SIP/2.0\n" +
                                 "Via: SIP/2.0/TCP 192.0.2.9;branch=z9hG4bKx\n" +
                                 "From: <sip:a@example.com>;tag=1\n" +
                                 "To: <sip:b@example.com>\n" +
                                 "Call-ID: nocl@192.0.2.9\n" +
                                 "CSeq: 1 OPTIONS\n" +
                                 "\n");
        final EmbeddedChannel ch = new EmbeddedChannel(new StreamSipDecoder());
        assertThat(ch.writeInbound(buf(concat(noCl, OPTIONS)))).isTrue();
        final SipMessage m = ch.readInbound();
        try {
            assertThat(m.decodeError()).isEqualTo(SipDecodeError.MISSING_CONTENT_LENGTH);
            assertThat(m.isAnswerable()).isTrue();
            assertThat(m.errorStatus()).isEqualTo(400);
            assertThat(m.callId()).isEqualTo("nocl@192.0.2.9");
        } finally {
            m.release();
        }
        // The connection cannot be resynchronised: everything after is discarded.
        assertThat(ch.<Object>readInbound()).isNull();
        assertThat(ch.writeInbound(buf(OPTIONS))).isFalse();
        assertFalse(ch.finishAndReleaseAll());
    }

    @Test
    void negativeAndConflictingContentLengthAreFramingErrors() {
        for (String name : new String[] { "ncl", "mcl01" }) {
            final EmbeddedChannel ch = new EmbeddedChannel(new StreamSipDecoder());
            assertThat(ch.writeInbound(buf(torture(name)))).isTrue();
            final SipMessage m = ch.readInbound();
            try {
                assertThat(m.decodeError()).isEqualTo(name.equals("ncl") ? SipDecodeError.INVALID_CONTENT_LENGTH
                                                                         : SipDecodeError.CONFLICTING_CONTENT_LENGTH);
                assertThat(m.isAnswerable()).isTrue();
                assertThat(m.bodyLength()).isZero();
            } finally {
                m.release();
            }
            assertThat(ch.writeInbound(buf(OPTIONS))).isFalse();
            assertFalse(ch.finishAndReleaseAll());
        }
    }

    @Test
    void contentLengthBeyondTheLimitFailsBeforeReadingTheBody() {
        final SipDecoderConfig config = SipDecoderConfig.builder().maxMessageSize(1024).build();
        final byte[] big = crlf(new String(OPTIONS, StandardCharsets.US_ASCII)
                                        .replace("Content-Length: 0", "Content-Length: 5000"));
        final EmbeddedChannel ch = new EmbeddedChannel(new StreamSipDecoder(config));
        assertThat(ch.writeInbound(buf(big))).isTrue();
        final SipMessage m = ch.readInbound();
        try {
            assertThat(m.decodeError()).isEqualTo(SipDecodeError.MESSAGE_TOO_LARGE);
            assertThat(m.decoderResult().cause()).isInstanceOf(TooLongSipMessageException.class);
            assertThat(m.isAnswerable()).isTrue();
            assertThat(m.errorStatus()).isEqualTo(513);
        } finally {
            m.release();
        }
        assertFalse(ch.finishAndReleaseAll());
    }

    @Test
    void headerBlockBeyondTheLimitFailsWithoutBuffering() {
        final SipDecoderConfig config = SipDecoderConfig.builder().maxMessageSize(512).build();
        final EmbeddedChannel ch = new EmbeddedChannel(new StreamSipDecoder(config));
        final byte[] line = crlf("X-Filler: " + "a".repeat(60) + "\n");
        assertThat(ch.writeInbound(buf(crlf("OPTIONS sip:x SIP/2.0\n")))).isFalse();
        boolean emitted = false;
        for (int i = 0; i < 20 && !emitted; i++) {
            emitted = ch.writeInbound(buf(line));
        }
        assertThat(emitted).isTrue();
        final SipMessage m = ch.readInbound();
        try {
            assertThat(m.decodeError()).isEqualTo(SipDecodeError.MESSAGE_TOO_LARGE);
            assertThat(m.isAnswerable()).isFalse();
        } finally {
            m.release();
        }
        assertThat(ch.writeInbound(buf(OPTIONS))).isFalse();
        assertFalse(ch.finishAndReleaseAll());
    }

    @Test
    void badMessageWithSoundFramingDoesNotStopTheStream() {
        final byte[] badVia = crlf(new String(OPTIONS, StandardCharsets.US_ASCII)
                                           .replace("Via: SIP/2.0/TCP 192.0.2.9:5060;branch=z9hG4bKopt1",
                                                    "Via: SIP/2.0/TCP 192.0.2.9;;"));
        final EmbeddedChannel ch = new EmbeddedChannel(new StreamSipDecoder());
        assertThat(ch.writeInbound(buf(concat(badVia, OPTIONS)))).isTrue();
        final SipMessage bad = ch.readInbound();
        final SipMessage good = ch.readInbound();
        try {
            assertThat(bad.decodeError()).isEqualTo(SipDecodeError.INVALID_VIA);
            assertThat(bad.isAnswerable()).isTrue();
            assertThat(good.decoderResult().isSuccess()).isTrue();
        } finally {
            bad.release();
            good.release();
        }
        assertFalse(ch.finishAndReleaseAll());
    }

    @Test
    void closingWithAPartialMessageLeaksNothing() {
        final byte[] invite = resource(INVITE);
        final EmbeddedChannel ch = new EmbeddedChannel(new StreamSipDecoder());
        // Header block complete, body missing: the parsed head waits without holding a buffer.
        assertThat(ch.writeInbound(buf(Arrays.copyOf(invite, invite.length - 10)))).isFalse();
        assertFalse(ch.finishAndReleaseAll());
    }

    @Test
    void isNotSharable() {
        assertThat(new StreamSipDecoder().isSharable()).isFalse();
    }
}
