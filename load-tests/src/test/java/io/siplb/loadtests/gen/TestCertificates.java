package io.siplb.loadtests.gen;

import java.io.File;

import io.netty.pkitesting.CertificateBuilder;
import io.netty.pkitesting.X509Bundle;

/**
 * A self-signed certificate for 127.0.0.1, made once per test JVM, with its PEM files (deleted on exit): the UAS
 * serves it and the UAC trusts it as its CA. Thread-safe (initialised once by the class loader).
 */
final class TestCertificates {

    private static final X509Bundle BUNDLE;
    static final File CERT_PEM;
    static final File KEY_PEM;

    static {
        try {
            BUNDLE = new CertificateBuilder()
                    .subject("CN=siplb-load-test")
                    .addSanIpAddress("127.0.0.1")
                    .addSanDnsName("localhost")
                    .setIsCertificateAuthority(true)
                    .ecp256()
                    .buildSelfSigned();
            CERT_PEM = BUNDLE.toTempCertChainPem();
            KEY_PEM = BUNDLE.toTempPrivateKeyPem();
            CERT_PEM.deleteOnExit();
            KEY_PEM.deleteOnExit();
        } catch (Exception e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private TestCertificates() {}
}
