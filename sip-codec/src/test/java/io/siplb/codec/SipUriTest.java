package io.siplb.codec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

class SipUriTest {

    @Test
    void fullSipUri() {
        final SipUri u = SipUri.parse("sip:alice:secret@atlanta.example.com:5061;transport=tcp;lr;maddr=239.1.1.1" +
                                      "?subject=project%20x&priority=urgent");
        assertThat(u.scheme()).isEqualTo(SipUri.Scheme.SIP);
        assertThat(u.isSip()).isTrue();
        assertThat(u.schemeName()).isEqualTo("sip");
        assertThat(u.user()).isEqualTo("alice");
        assertThat(u.password()).isEqualTo("secret");
        assertThat(u.host()).isEqualTo("atlanta.example.com");
        assertThat(u.hostType()).isEqualTo(SipUri.HostType.HOSTNAME);
        assertThat(u.port()).isEqualTo(5061);
        assertThat(u.transport()).isEqualTo("tcp");
        assertThat(u.lr()).isTrue();
        assertThat(u.maddr()).isEqualTo("239.1.1.1");
        assertThat(u.paramCount()).isEqualTo(3);
        assertThat(u.paramName(1)).isEqualTo("lr");
        assertThat(u.paramValue(1)).isEmpty();
        assertThat(u.param("TRANSPORT")).isEqualTo("tcp");
        assertThat(u.param("ttl")).isNull();
        assertThat(u.headers()).isEqualTo("subject=project%20x&priority=urgent");
        assertThat(u.toString()).startsWith("sip:alice:secret@");
    }

    @Test
    void hostTypes() {
        final SipUri v4 = SipUri.parse("sips:192.0.2.4");
        assertThat(v4.scheme()).isEqualTo(SipUri.Scheme.SIPS);
        assertThat(v4.hostType()).isEqualTo(SipUri.HostType.IPV4);
        assertThat(v4.user()).isNull();
        assertThat(v4.port()).isEqualTo(-1);
        final SipUri v6 = SipUri.parse("sip:bob@[2001:db8::10]:5070;transport=udp");
        assertThat(v6.host()).isEqualTo("[2001:db8::10]");
        assertThat(v6.hostType()).isEqualTo(SipUri.HostType.IPV6);
        assertThat(v6.port()).isEqualTo(5070);
        assertThat(SipUri.parse("sip:256.1.1.1").hostType()).isEqualTo(SipUri.HostType.HOSTNAME);
        assertThat(SipUri.parse("SIP:Host-1.Example.COM").scheme()).isEqualTo(SipUri.Scheme.SIP);
    }

    @Test
    void escapesAreKeptAsWritten() {
        final SipUri u = SipUri.parse("sip:%61lice@atlanta.com;n%61me=value%2541");
        assertThat(u.user()).isEqualTo("%61lice");
        assertThat(u.param("n%61me")).isEqualTo("value%2541");
        assertThat(u.param("name")).isNull();
        assertThat(SipUri.parse("sip:user;par=u%40example.net@example.com").user())
                .isEqualTo("user;par=u%40example.net");
    }

    @Test
    void telAndOtherSchemes() {
        final SipUri tel = SipUri.parse("tel:+1-201-555-0123;phone-context=example.com");
        assertThat(tel.scheme()).isEqualTo(SipUri.Scheme.TEL);
        assertThat(tel.user()).isEqualTo("+1-201-555-0123");
        assertThat(tel.host()).isNull();
        assertThat(tel.param("phone-context")).isEqualTo("example.com");
        final SipUri other = SipUri.parse("urn:service:sos");
        assertThat(other.scheme()).isEqualTo(SipUri.Scheme.OTHER);
        assertThat(other.schemeName()).isEqualTo("urn");
        assertThat(other.opaquePart()).isEqualTo("service:sos");
        assertThat(other.host()).isNull();
        assertThat(other.hostType()).isNull();
    }

    @ParameterizedTest
    @ValueSource(strings = { "", "sip", "sip:", ":x", "1sip:host", "sip:@host", "sip:user@", "sip:host:",
                             "sip:host:65536", "sip:host:12a", "sip:host;;lr", "sip:host;=x", "sip:host;a=",
                             "sip:a@b@c", "sip:host name", "<sip:host>", "sip:host%2", "sip:host%zz",
                             "sip:[2001:db8::1", "sip:[zz]", "sip:ho\"st", "tel:", "tel:123@host", "sip:h\u00e9" })
    void rejectsMalformed(String text) {
        assertThat(SipUri.tryParse(text)).isNull();
        assertThatThrownBy(() -> SipUri.parse(text)).isInstanceOf(IllegalArgumentException.class)
                                                   .hasMessageContaining("expected:");
    }

    @Test
    void equalityIsTextual() {
        assertThat(SipUri.parse("sip:a@b")).isEqualTo(SipUri.parse("sip:a@b"))
                                           .hasSameHashCodeAs(SipUri.parse("sip:a@b"))
                                           .isNotEqualTo(SipUri.parse("sip:a@B"));
    }
}
