package io.siplb.codec;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;

import org.junit.jupiter.api.Test;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;

class SipRewriteParamsTest {

    private final SipRewriteParams params = new SipRewriteParams();

    private String find(String value, String name) {
        final ByteBuf buf = Unpooled.copiedBuffer(value, StandardCharsets.UTF_8);
        try {
            if (!params.find(buf, 0, buf.writerIndex(), name)) {
                return null;
            }
            final String n = buf.toString(params.nameStart, params.nameEnd - params.nameStart, StandardCharsets.UTF_8);
            if (!params.hasValue()) {
                return n;
            }
            return n + "=" + buf.toString(params.valueStart, params.valueEnd - params.valueStart,
                                          StandardCharsets.UTF_8);
        } finally {
            buf.release();
        }
    }

    @Test
    void findsViaParameters() {
        final String via = "SIP/2.0/UDP 192.0.2.1:5060;rport;branch=z9hG4bK77;received=192.0.2.9";
        assertThat(find(via, "rport")).isEqualTo("rport");
        assertThat(params.hasValue()).isFalse();
        assertThat(find(via, "branch")).isEqualTo("branch=z9hG4bK77");
        assertThat(find(via, "received")).isEqualTo("received=192.0.2.9");
        assertThat(find(via, "maddr")).isNull();
    }

    @Test
    void namesAreCaseInsensitiveAndWhitespaceIsTrimmed() {
        final String via = "SIP/2.0/UDP h ; BRANCH = z9hG4bKx ;RPort ";
        assertThat(find(via, "branch")).isEqualTo("BRANCH=z9hG4bKx");
        assertThat(find(via, "rport")).isEqualTo("RPort");
    }

    @Test
    void uriParametersInsideAngleBracketsAreNotHeaderParameters() {
        final String to = "\"Bob;tag=no\" <sip:bob@example.com;tag=no>;x=\"a;tag=no\";tag=yes";
        assertThat(find(to, "tag")).isEqualTo("tag=yes");
        assertThat(find("<sip:bob@example.com;tag=no>", "tag")).isNull();
    }

    @Test
    void addrSpecParametersAreHeaderParameters() {
        assertThat(find("sip:bob@example.com;tag=abc", "tag")).isEqualTo("tag=abc");
    }

    @Test
    void valueEndStopsAtTheCommaBetweenValues() {
        final ByteBuf buf = Unpooled.copiedBuffer("<sip:a,b@h>;x=\"1,2\" , <sip:c>", StandardCharsets.UTF_8);
        try {
            assertThat(SipRewriteParams.valueEnd(buf, 0, buf.writerIndex())).isEqualTo(20);
            assertThat(SipRewriteParams.valueEnd(buf, 21, buf.writerIndex())).isEqualTo(buf.writerIndex());
        } finally {
            buf.release();
        }
    }
}
