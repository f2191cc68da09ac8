package io.siplb.codec;

import static io.siplb.codec.SipTestMessages.INVITE;
import static io.siplb.codec.SipTestMessages.resource;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

import org.junit.jupiter.api.Test;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;

/**
 * Random, truncated and mutated input never throws, always yields a message with a result, and leaks nothing.
 * Bounded loops with fixed seeds, so every run checks the same inputs.
 */
class GarbageInputTest {

    private static final long SEED = 4475L;
    private static final String[] CORPUS = { "wsinv", "intmeth", "esc01", "longreq", "mpart01", "multi01",
                                             "unreason", "bcast", "badinv01", "quotbal", "test" };

    private static List<byte[]> samples() {
        final List<byte[]> s = new ArrayList<>();
        s.add(resource(INVITE));
        for (String name : CORPUS) {
            s.add(SipTestMessages.torture(name));
        }
        return s;
    }

    /** Touches every accessor, so lazily parsed values are exercised on garbage too. */
    private static void exercise(SipMessage m) {
        assertThat(m.decoderResult()).isNotNull();
        assertThat(m.decoderResult().isSuccess() || m.decodeError() != null).isTrue();
        assertThat(m.errorStatus() == 0 || m.isAnswerable()).isTrue();
        m.vias();
        m.topVia();
        m.from();
        m.to();
        m.callId();
        m.cseq();
        m.routes();
        m.recordRoutes();
        m.contacts();
        m.authorizationUsername();
        m.requestUri();
        m.reasonPhrase();
        m.methodName();
        m.version();
        for (int i = 0; i < m.headerCount(); i++) {
            assertThat(m.headerLineStart(i)).isLessThanOrEqualTo(m.headerValueStart(i));
            assertThat(m.headerValueStart(i)).isLessThanOrEqualTo(m.headerValueEnd(i));
            assertThat(m.headerValueEnd(i)).isLessThanOrEqualTo(m.headerLineEnd(i));
            assertThat(m.headerLineEnd(i)).isLessThanOrEqualTo(m.content().readableBytes());
            m.headerName(i);
            m.headerValue(i);
        }
        assertThat(m.bodyStart() + m.bodyLength()).isLessThanOrEqualTo(m.content().readableBytes());
        m.toString();
    }

    @Test
    void randomBytes() {
        final Random random = new Random(SEED);
        final SipMessageParser parser = new SipMessageParser();
        final byte[] alphabet = "INVITE SIP/2.0 sip:@;,<>\"\\:=\r\n \tVia: v f t i l m CSeq 0123456789%[]?"
                .getBytes(java.nio.charset.StandardCharsets.ISO_8859_1);
        for (int n = 0; n < 3000; n++) {
            final byte[] bytes = new byte[random.nextInt(300)];
            for (int i = 0; i < bytes.length; i++) {
                bytes[i] = random.nextBoolean() ? (byte) random.nextInt(256) : alphabet[random.nextInt(alphabet.length)];
            }
            parseAndCheck(parser, bytes);
        }
    }

    @Test
    void truncatedAndMutatedMessages() {
        final Random random = new Random(SEED);
        final SipMessageParser parser = new SipMessageParser();
        for (byte[] sample : samples()) {
            for (int len = 0; len <= sample.length; len += 1 + sample.length / 200) {
                parseAndCheck(parser, Arrays.copyOf(sample, len));
            }
            for (int n = 0; n < 300; n++) {
                final byte[] mutated = sample.clone();
                final int edits = 1 + random.nextInt(8);
                for (int e = 0; e < edits; e++) {
                    final int at = random.nextInt(mutated.length);
                    mutated[at] = (byte) "\r\n ;,:<>\"@\\=0x\u0000".charAt(random.nextInt(14));
                }
                parseAndCheck(parser, mutated);
            }
        }
    }

    @Test
    void streamDecoderSurvivesGarbage() {
        final Random random = new Random(SEED);
        final List<byte[]> samples = samples();
        for (int n = 0; n < 200; n++) {
            final EmbeddedChannel ch = new EmbeddedChannel(
                    new StreamSipDecoder(SipDecoderConfig.builder().maxMessageSize(4096).build()));
            for (int chunk = 0; chunk < 10; chunk++) {
                final byte[] sample = samples.get(random.nextInt(samples.size()));
                final int from = random.nextInt(sample.length);
                final int to = from + random.nextInt(sample.length - from + 1);
                final byte[] part = Arrays.copyOfRange(sample, from, to);
                if (random.nextInt(4) == 0 && part.length > 0) {
                    part[random.nextInt(part.length)] = (byte) random.nextInt(256);
                }
                ch.writeInbound(Unpooled.wrappedBuffer(part));
                for (Object o; (o = ch.readInbound()) != null; ) {
                    final SipMessage m = (SipMessage) o;
                    try {
                        exercise(m);
                    } finally {
                        m.release();
                    }
                }
            }
            for (Object o; (o = ch.readOutbound()) != null; ) {
                ((ByteBuf) o).release();
            }
            assertFalse(ch.finishAndReleaseAll());
        }
    }

    private static void parseAndCheck(SipMessageParser parser, byte[] bytes) {
        final ByteBuf buf = Unpooled.buffer(bytes.length).writeBytes(bytes);
        final SipMessage m = parser.parse(buf);
        try {
            exercise(m);
        } finally {
            m.release();
            buf.release();
            assertThat(buf.refCnt()).isZero();
        }
    }
}
