package io.siplb.proxy.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetSocketAddress;
import java.time.Duration;

import org.junit.jupiter.api.Test;

/**
 * Parsing of listen entries and validation of {@link ProxySettings}. Not thread-safe; confined to the test thread.
 */
class ListenAddressTest {

    @Test
    void parsesIpv4AndIpv6() {
        final ListenAddress v4 = ListenAddress.parse("udp:127.0.0.1:5060");
        assertThat(v4.protocol()).isEqualTo(ListenAddress.Protocol.UDP);
        assertThat(v4.address()).isEqualTo(new InetSocketAddress("127.0.0.1", 5060));
        assertThat(v4).hasToString("udp:127.0.0.1:5060");
        final ListenAddress v6 = ListenAddress.parse("UDP:[::1]:0");
        assertThat(v6.address()).isEqualTo(new InetSocketAddress("::1", 0));
        assertThat(v6).hasToString("udp:[::1]:0");
        assertThat(ListenAddress.parse("tcp:127.0.0.1:5060").protocol()).isEqualTo(ListenAddress.Protocol.TCP);
        assertThat(ListenAddress.parse("tls:[::1]:5061").protocol()).isEqualTo(ListenAddress.Protocol.TLS);
        assertThat(ListenAddress.parse("ws:127.0.0.1:8080").protocol()).isEqualTo(ListenAddress.Protocol.WS);
        assertThat(ListenAddress.parse("WSS:127.0.0.1:8443").protocol().transport())
                .isEqualTo(io.siplb.dispatch.Transport.WSS);
    }

    @Test
    void rejectsMalformedEntriesSayingWhatIsExpected() {
        for (String bad : new String[] { "127.0.0.1:5060", "udp:", "udp:127.0.0.1", "udp::5060", "udp:::1:5060",
                                         "udp:[::1]5060", "udp:127.0.0.1:x", "udp:127.0.0.1:-1",
                                         "sctp:127.0.0.1:80", "http:127.0.0.1:80" }) {
            assertThatThrownBy(() -> ListenAddress.parse(bad)).as(bad)
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining('"' + bad + '"')
                    .hasMessageContaining("expected");
        }
    }

    @Test
    void proxySettingsValidateEachValue() {
        final ProxySettings.Builder b = ProxySettings.builder();
        assertThatThrownBy(b::build).hasMessage("listen: [] (expected: at least one udp:HOST:PORT)");
        assertThatThrownBy(() -> b.ioThreads(-1)).hasMessage("ioThreads: -1 (expected: 0..1024)");
        assertThatThrownBy(() -> b.defaultSet(-2)).hasMessage("defaultSet: -2 (expected: >= 0)");
        assertThatThrownBy(() -> b.advertisedAddress("h", 0))
                .hasMessage("advertisedPort: 0 (expected: 1..65535 or -1)");
        assertThatThrownBy(() -> b.retryAfter(Duration.ofSeconds(-1)))
                .hasMessage("retryAfter: PT-1S (expected: 0s..1d)");
        assertThatThrownBy(() -> b.shutdown(Duration.ofSeconds(2), Duration.ofSeconds(1)))
                .hasMessage("timeout: PT1S (expected: >= quietPeriod PT2S)");
        final ProxySettings s = b.addListen(ListenAddress.parse("udp:127.0.0.1:0")).ioThreads(0).build();
        assertThat(s.effectiveIoThreads()).isEqualTo(Math.max(1, Runtime.getRuntime().availableProcessors()));
    }
}
