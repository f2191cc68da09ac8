package io.siplb.loadtests.interop;

import static java.util.Objects.requireNonNull;

import java.io.IOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;

import io.netty.pkitesting.CertificateBuilder;
import io.netty.pkitesting.CertificateBuilder.KeyUsage;
import io.netty.pkitesting.X509Bundle;

/**
 * The PKI of the TLS interop tests, written as PEM files that siplb and Kamailio's {@code tls} module (OpenSSL) both
 * read: a CA ({@code ca.pem}) and the certificates it issued to siplb ({@code siplb.pem}/{@code .key}) and to
 * Kamailio ({@code kamailio.pem}/{@code .key}), both for {@code 127.0.0.1} (subjectAltName IP) and
 * {@code localhost}; a certificate of the same CA naming only {@value #WRONG_HOST} ({@code wrong-host.pem}); and a
 * second CA that no peer trusts, with a certificate for {@code 127.0.0.1} ({@code untrusted.pem}). Keys are EC
 * P-256, unencrypted PKCS#8 ({@code BEGIN PRIVATE KEY}); every leaf may serve as a TLS server and as a client
 * (serverAuth and clientAuth extended key usages), as a SIP proxy's certificate does. Built with Netty's
 * {@code netty-pkitesting}. Immutable once created; the files are the test's to delete.
 */
final class TlsPeerCertificates {

    /** The only DNS name of {@link #wrongHost()}. */
    static final String WRONG_HOST = "wrong-host.invalid";

    private static final SecureRandom RANDOM = new SecureRandom();

    /** A certificate file and its private key file. */
    record Pem(Path certificate, Path privateKey) {}

    private final Path ca;
    private final Pem siplb;
    private final Pem kamailio;
    private final Pem wrongHost;
    private final Pem untrusted;

    private TlsPeerCertificates(Path dir) throws Exception {
        Files.createDirectories(dir);
        final X509Bundle caBundle = ca("CN=siplb interop test CA");
        final X509Bundle otherCa = ca("CN=siplb interop untrusted CA");
        ca = write(dir, "ca.pem", caBundle.getCertificatePEM());
        write(dir, "untrusted-ca.pem", otherCa.getCertificatePEM());
        siplb = issue(dir, "siplb", caBundle, leaf("siplb", "127.0.0.1", "localhost"));
        kamailio = issue(dir, "kamailio", caBundle, leaf("kamailio", "127.0.0.1", "localhost"));
        wrongHost = issue(dir, "wrong-host", caBundle, leaf(WRONG_HOST, null, WRONG_HOST));
        untrusted = issue(dir, "untrusted", otherCa, leaf("kamailio", "127.0.0.1", "localhost"));
    }

    /** Creates the CAs and certificates in {@code dir} (created when missing). */
    static TlsPeerCertificates create(Path dir) throws Exception {
        return new TlsPeerCertificates(requireNonNull(dir, "dir"));
    }

    /** The CA that issued siplb's, Kamailio's and the wrong-host certificate: the one CA both peers trust. */
    Path ca() {
        return ca;
    }

    /** siplb's certificate (CN siplb; 127.0.0.1, localhost). */
    Pem siplb() {
        return siplb;
    }

    /** Kamailio's certificate (CN kamailio; 127.0.0.1, localhost). */
    Pem kamailio() {
        return kamailio;
    }

    /** A certificate of the trusted CA naming only the DNS name {@value #WRONG_HOST}. */
    Pem wrongHost() {
        return wrongHost;
    }

    /** A certificate for 127.0.0.1 and localhost issued by a CA nobody trusts. */
    Pem untrusted() {
        return untrusted;
    }

    private static X509Bundle ca(String subject) throws Exception {
        final Instant now = Instant.now();
        return new CertificateBuilder().subject(subject).ecp256()
                                       .notBefore(now.minus(Duration.ofDays(1)))
                                       .notAfter(now.plus(Duration.ofDays(30)))
                                       .setIsCertificateAuthority(true)
                                       .setKeyUsage(true, KeyUsage.keyCertSign, KeyUsage.cRLSign,
                                                    KeyUsage.digitalSignature)
                                       .buildSelfSigned();
    }

    /** A leaf for CN {@code cn}, the subjectAltName IP {@code ip} (when not null) and DNS name {@code dns}. */
    private static CertificateBuilder leaf(String cn, String ip, String dns) {
        final Instant now = Instant.now();
        final CertificateBuilder b = new CertificateBuilder()
                .subject("CN=" + cn).ecp256()
                .serial(new BigInteger(63, RANDOM).add(BigInteger.ONE))
                .notBefore(now.minus(Duration.ofHours(1)))
                .notAfter(now.plus(Duration.ofDays(7)))
                .setKeyUsage(true, KeyUsage.digitalSignature)
                .addExtendedKeyUsageServerAuth()
                .addExtendedKeyUsageClientAuth()
                .addSanDnsName(dns);
        if (ip != null) {
            b.addSanIpAddress(ip);
        }
        return b;
    }

    private static Pem issue(Path dir, String name, X509Bundle issuer, CertificateBuilder builder) throws Exception {
        final X509Bundle bundle = builder.buildIssuedBy(issuer);
        return new Pem(write(dir, name + ".pem", bundle.getCertificatePEM()),
                       write(dir, name + ".key", bundle.getPrivateKeyPEM()));
    }

    private static Path write(Path dir, String fileName, String pem) throws IOException {
        final Path file = dir.resolve(fileName);
        Files.write(file, pem.getBytes(StandardCharsets.US_ASCII));
        return file;
    }
}
