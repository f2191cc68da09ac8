package io.siplb.proxy.stream;

import static org.assertj.core.api.Assertions.assertThat;

import java.security.cert.CertificateException;

import javax.net.ssl.SSLHandshakeException;

import org.junit.jupiter.api.Test;

class StreamTransportsTest {

    @Test
    void aHandshakeFailureIsLoggedWithTheReasonItsCauseGives() {
        final SSLHandshakeException e = new SSLHandshakeException("General OpenSslEngine problem");
        e.initCause(new CertificateException("the certificate of the destination does not name 127.0.0.1"));

        assertThat(StreamTransports.reason(e))
                .isEqualTo("General OpenSslEngine problem: the certificate of the destination does not name 127.0.0.1");
    }

    @Test
    void aCauseRepeatingItsWrappersMessageIsNamedOnceAndTheChainIsBounded() {
        final CertificateException root = new CertificateException("PKIX path building failed");
        final RuntimeException wrapper = new RuntimeException(root); // message: the cause's toString()
        Throwable deep = new IllegalStateException("level 0");
        for (int i = 1; i < 10; i++) {
            deep = new IllegalStateException("level " + i, deep);
        }

        assertThat(StreamTransports.reason(wrapper)).isEqualTo(root.toString());
        assertThat(StreamTransports.reason(deep)).isEqualTo("level 9: level 8: level 7: level 6: level 5");
        assertThat(StreamTransports.reason(null)).isEqualTo("unknown");
        assertThat(StreamTransports.reason(new SSLHandshakeException(null)))
                .isEqualTo(SSLHandshakeException.class.getName());
    }
}
