package io.siplb.proxy.tls;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.security.cert.X509Certificate;

import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.netty.pkitesting.CertificateBuilder;
import io.siplb.proxy.testing.TestCertificates;

/**
 * RFC 5922 §7.1/§7.2 identities and host matching on real certificates. Not thread-safe; confined to the test
 * thread.
 */
class SipIdentitiesTest {

    @TempDir
    static Path dir;

    private static TestCertificates pki;

    @BeforeAll
    static void createPki() throws Exception {
        pki = TestCertificates.create(dir);
    }

    private static X509Certificate cert(String name, String... sans) throws Exception {
        return pki.issue(name, sans).x509();
    }

    @Test
    void sipUriIdentitiesComeFirstAndHideDnsNames() throws Exception {
        final X509Certificate c = cert("uri", "uri:sip:example.test", "dns:www.example.test",
                                       "uri:sip:alice@user.example.test", "uri:sips:secure.example.test",
                                       "uri:https://web.example.test/");
        assertThat(SipIdentities.matches(c, "example.test")).isTrue();
        assertThat(SipIdentities.matches(c, "EXAMPLE.test.")).isTrue();
        // §7.1: a DNS name is an identity only when there is no sip: URI identity.
        assertThat(SipIdentities.matches(c, "www.example.test")).isFalse();
        // A user part identifies a user, not a domain; sips: and other schemes are never identities.
        assertThat(SipIdentities.matches(c, "user.example.test")).isFalse();
        assertThat(SipIdentities.matches(c, "secure.example.test")).isFalse();
        assertThat(SipIdentities.matches(c, "web.example.test")).isFalse();
        assertThat(SipIdentities.describe(c)).startsWith("URI:sip:example.test, DNS:www.example.test");
    }

    /** A certificate whose subjectAltName is written as given (pkitesting refuses a wildcard DNS name). */
    private static X509Certificate rawSans(GeneralName... names) throws Exception {
        return new CertificateBuilder().subject("CN=raw").ecp256()
                                       .addExtensionOctetString("2.5.29.17", false,
                                                                new GeneralNames(names).getEncoded())
                                       .setIsCertificateAuthority(true).buildSelfSigned().getCertificate();
    }

    @Test
    void dnsNamesCountWithoutSipUriAndHaveNoWildcards() throws Exception {
        final X509Certificate c = rawSans(new GeneralName(GeneralName.dNSName, "proxy.example.test"),
                                          new GeneralName(GeneralName.dNSName, "*.pool.example.test"),
                                          new GeneralName(GeneralName.uniformResourceIdentifier,
                                                          "sips:proxy.example.test"));
        assertThat(SipIdentities.describe(c)).isEqualTo("DNS:proxy.example.test, DNS:*.pool.example.test, " +
                                                        "URI:sips:proxy.example.test");
        assertThat(SipIdentities.matches(c, "proxy.example.test")).isTrue();
        assertThat(SipIdentities.matches(c, "a.pool.example.test")).isFalse();
        assertThat(SipIdentities.matches(c, "*.pool.example.test")).isFalse();
        assertThat(SipIdentities.matches(c, "example.test")).isFalse();
    }

    @Test
    void ipLiteralsMatchIpAddressEntriesAsAddresses() throws Exception {
        final X509Certificate c = pki.server().x509(); // dns:localhost, ip:127.0.0.1, ip:::1
        assertThat(SipIdentities.matches(c, "127.0.0.1")).isTrue();
        assertThat(SipIdentities.matches(c, "::1")).isTrue();
        assertThat(SipIdentities.matches(c, "[0:0:0:0:0:0:0:1]")).isTrue();
        assertThat(SipIdentities.matches(c, "127.0.0.2")).isFalse();
        assertThat(SipIdentities.matches(c, "localhost")).isTrue();
        // An IP literal is not matched against DNS names...
        assertThat(SipIdentities.matches(cert("dns-ip", "dns:192.0.2.1"), "192.0.2.1")).isFalse();
        // ...but is against the host of a sip: URI identity.
        assertThat(SipIdentities.matches(cert("sip-ip", "uri:sip:192.0.2.7"), "192.0.2.7")).isTrue();
    }

    @Test
    void commonNameCountsOnlyWithoutSubjectAltName() throws Exception {
        final X509Certificate noSan = cert("cn.example.test");
        assertThat(noSan.getSubjectAlternativeNames()).isNull();
        assertThat(SipIdentities.matches(noSan, "cn.example.test")).isTrue();
        assertThat(SipIdentities.describe(noSan)).isEqualTo("CN=cn.example.test");
        // With any subjectAltName present, the CN is ignored.
        final X509Certificate withSan = cert("san", "dns:other.example.test");
        assertThat(withSan.getSubjectX500Principal().getName()).isEqualTo("CN=other.example.test");
        assertThat(SipIdentities.matches(cert("cn-and-ip", "ip:192.0.2.9"), "cn-and-ip")).isFalse();
    }

    @Test
    void sipDomainOfAUri() {
        assertThat(SipIdentities.sipDomain("sip:example.test")).isEqualTo("example.test");
        assertThat(SipIdentities.sipDomain("SIP:example.test:5061;transport=tls")).isEqualTo("example.test");
        assertThat(SipIdentities.sipDomain("sip:[2001:db8::1]:5061")).isEqualTo("2001:db8::1");
        assertThat(SipIdentities.sipDomain("sip:bob@example.test")).isNull();
        assertThat(SipIdentities.sipDomain("sips:example.test")).isNull();
        assertThat(SipIdentities.sipDomain("sip:")).isNull();
    }
}
