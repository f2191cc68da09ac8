package io.siplb.codec;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;

import org.junit.jupiter.api.Test;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;

class SipRewriteHashTest {

    /**
     * Reference values of MurmurHash3_x64_128 with seed 0 (h1 and h2 as little-endian longs), as produced by
     * Guava's {@code Hashing.murmur3_128(0)}; they cover the empty input, a tail only, one block plus a tail and
     * an exact block.
     */
    @Test
    void matchesReferenceMurmur3() {
        assertHash("", 0L, 0L);
        assertHash("a", 0x85555565f6597889L, 0xe6b53a48510e895aL);
        assertHash("foo", 0xe271865701f54561L, 0x7eaf87e42bba7d87L);
        assertHash("hello world", 0x533f6046eb7f610eL, 0xab97467d60eb63b1L);
        assertHash("0123456789abcdef", 0x4be06d94cf4ad1a7L, 0x87c35b5c63a708daL);
        assertHash("0123456789abcdefXYZ", 0x99d375026c4a901dL, 0x4e69e256eaf89cf3L);
    }

    private static void assertHash(String input, long h1, long h2) {
        final SipRewriteHash hash = new SipRewriteHash().reset(0);
        for (byte b : input.getBytes(StandardCharsets.US_ASCII)) {
            hash.update(b);
        }
        hash.finish();
        assertThat(hash.high()).as("h1 of \"%s\"", input).isEqualTo(h1);
        assertThat(hash.low()).as("h2 of \"%s\"", input).isEqualTo(h2);
    }

    @Test
    void fieldsAreLengthPrefixedSoBoundariesMatter() {
        final long ab = new SipRewriteHash().reset(0).field("ab").field("c").finish().high();
        final long a = new SipRewriteHash().reset(0).field("a").field("bc").finish().high();
        assertThat(ab).isNotEqualTo(a);
        final long absent = new SipRewriteHash().reset(0).field(null).finish().high();
        final long empty = new SipRewriteHash().reset(0).field("").finish().high();
        assertThat(absent).isNotEqualTo(empty);
    }

    @Test
    void bufferAndStringFieldsHashAlike() {
        final ByteBuf buf = Unpooled.copiedBuffer("xxCall-ID-valueyy", StandardCharsets.US_ASCII);
        try {
            final SipRewriteHash fromBuf = new SipRewriteHash().reset(7).field(buf, 2, 15).finish();
            final SipRewriteHash fromString = new SipRewriteHash().reset(7).field("Call-ID-value").finish();
            assertThat(fromBuf.high()).isEqualTo(fromString.high());
            assertThat(fromBuf.low()).isEqualTo(fromString.low());
        } finally {
            buf.release();
        }
    }

    @Test
    void seedChangesTheHash() {
        final long seed0 = new SipRewriteHash().reset(0).field("branch").finish().high();
        final long seed1 = new SipRewriteHash().reset(1).field("branch").finish().high();
        assertThat(seed0).isNotEqualTo(seed1);
    }

    @Test
    void base64UrlWritesElevenCharactersMostSignificantFirst() {
        assertThat(SipRewriteHash.appendBase64Url(new StringBuilder(), 0L).toString()).isEqualTo("AAAAAAAAAAA");
        assertThat(SipRewriteHash.appendBase64Url(new StringBuilder(), -1L).toString()).isEqualTo("__________8");
        // The last character carries the 4 low bits shifted left by 2: 0b1111_00 is '8', 0b0001_00 is 'E'.
        assertThat(SipRewriteHash.appendBase64Url(new StringBuilder(), 0xFC00000000000000L).toString())
                .isEqualTo("_AAAAAAAAAA");
        assertThat(SipRewriteHash.appendBase64Url(new StringBuilder(), 1L).toString()).isEqualTo("AAAAAAAAAAE");
    }
}
