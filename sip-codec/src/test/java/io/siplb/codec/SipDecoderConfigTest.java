package io.siplb.codec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class SipDecoderConfigTest {

    @Test
    void defaults() {
        final SipDecoderConfig c = SipDecoderConfig.defaults();
        assertThat(c.maxMessageSize()).isEqualTo(65536).isEqualTo(SipDecoderConfig.DEFAULT_MAX_MESSAGE_SIZE);
        assertThat(c.maxStartLineLength()).isEqualTo(SipDecoderConfig.DEFAULT_MAX_START_LINE_LENGTH);
        assertThat(c.maxHeaderSize()).isEqualTo(SipDecoderConfig.DEFAULT_MAX_HEADER_SIZE);
        assertThat(c.maxHeaderCount()).isEqualTo(SipDecoderConfig.DEFAULT_MAX_HEADER_COUNT);
    }

    @Test
    void builderRoundTrip() {
        final SipDecoderConfig c = SipDecoderConfig.builder().maxMessageSize(1000).maxStartLineLength(100)
                                                   .maxHeaderSize(200).maxHeaderCount(10).build();
        final SipDecoderConfig d = c.toBuilder().build();
        assertThat(d.maxMessageSize()).isEqualTo(1000);
        assertThat(d.maxStartLineLength()).isEqualTo(100);
        assertThat(d.maxHeaderSize()).isEqualTo(200);
        assertThat(d.maxHeaderCount()).isEqualTo(10);
        assertThat(d.toString()).contains("maxHeaderCount=10");
    }

    @Test
    void rejectsNonPositiveValues() {
        assertThatThrownBy(() -> SipDecoderConfig.builder().maxHeaderSize(0))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("maxHeaderSize: 0 (expected: > 0)");
        assertThatThrownBy(() -> SipDecoderConfig.builder().maxMessageSize(-1))
                .hasMessage("maxMessageSize: -1 (expected: > 0)");
        assertThatThrownBy(() -> SipDecoderConfig.builder().maxStartLineLength(0))
                .hasMessage("maxStartLineLength: 0 (expected: > 0)");
        assertThatThrownBy(() -> SipDecoderConfig.builder().maxHeaderCount(0))
                .hasMessage("maxHeaderCount: 0 (expected: > 0)");
    }
}
