package io.siplb.proxy.testing;

import static java.util.Objects.requireNonNull;

import java.io.IOException;
import java.io.OutputStream;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.SecureRandom;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

import io.netty.pkitesting.CertificateBuilder;
import io.netty.pkitesting.CertificateBuilder.KeyUsage;
import io.netty.pkitesting.X509Bundle;
import io.siplb.proxy.tls.TlsSettings;

/**
 * A test PKI written to a folder as PEM files: a CA, and certificates it issued (server, client, expired, wrong
 * host), and a second CA with its own server and client certificates. Keys are EC P-256, written unencrypted as
 * PKCS#8 ({@code BEGIN PRIVATE KEY}), which siplb, the JDK, BoringSSL and OpenSSL (Kamailio's tls module) all read.
 * Every leaf has the serverAuth and clientAuth extended key usages, so any of them can be a server's or a client's.
 * Built with Netty's {@code netty-pkitesting} (BouncyCastle underneath).
 *
 * <pre>{@code
 * TestCertificates pki = TestCertificates.create(tempDir);
 * TlsSettings server = TlsSettings.builder()
 *         .keyMaterial(pki.server().keyMaterial()).caBundle(pki.ca()).build();
 * TestCertificates.Issued sip = pki.issue("sip-domain", "uri:sip:example.test", "dns:example.test");
 * }</pre>
 *
 * <p>Files: {@code ca.pem}, {@code other-ca.pem}, and {@code NAME.pem} / {@code NAME.key} per issued certificate;
 * on request PKCS#12 key and trust stores for JDK peers ({@link #keyStore}, {@link #trustStore}).
 *
 * <p>Thread-safe: the fixed certificates are created by {@link #create(Path)}; {@link #issue(String, String...)}
 * and {@link #renew(Issued)} may be called from any thread.
 */
public final class TestCertificates {

    /** The subjectAltNames of {@link #server()}. */
    public static final String[] SERVER_NAMES = { "dns:localhost", "ip:127.0.0.1", "ip:::1" };

    /** The only DNS name of {@link #wrongHost()}. */
    public static final String WRONG_HOST = "wrong-host.invalid";

    private static final SecureRandom RANDOM = new SecureRandom();

    private final Path dir;
    private final X509Bundle caBundle;
    private final X509Bundle otherCaBundle;
    private final Path ca;
    private final Path otherCa;
    private final Issued server;
    private final Issued expired;
    private final Issued wrongHost;
    private final Issued client;
    private final Issued otherCaServer;
    private final Issued otherCaClient;
    /** How each issued certificate was built and by which CA, for {@link #renew(Issued)}. */
    private final Map<Path, Origin> origins = new ConcurrentHashMap<>();
    private final AtomicInteger renewals = new AtomicInteger();

    private TestCertificates(Path dir) throws Exception {
        this.dir = dir;
        Files.createDirectories(dir);
        caBundle = ca("CN=siplb test CA");
        otherCaBundle = ca("CN=siplb other test CA");
        ca = write("ca.pem", caBundle.getCertificatePEM());
        otherCa = write("other-ca.pem", otherCaBundle.getCertificatePEM());
        server = issueBy(caBundle, "server", leaf("localhost", SERVER_NAMES));
        final Instant now = Instant.now();
        expired = issueBy(caBundle, "expired", leaf("localhost", SERVER_NAMES)
                .notBefore(now.minus(Duration.ofDays(30))).notAfter(now.minus(Duration.ofDays(1))));
        wrongHost = issueBy(caBundle, "wrong-host", leaf(WRONG_HOST, "dns:" + WRONG_HOST));
        client = issueBy(caBundle, "client", leaf("client.test", "dns:client.test"));
        otherCaServer = issueBy(otherCaBundle, "other-ca-server", leaf("localhost", SERVER_NAMES));
        otherCaClient = issueBy(otherCaBundle, "other-ca-client", leaf("client.test", "dns:client.test"));
    }

    /** Creates the CAs and the fixed certificates in {@code dir} (created when missing). */
    public static TestCertificates create(Path dir) throws Exception {
        return new TestCertificates(requireNonNull(dir, "dir"));
    }

    /** Returns the PEM file of the CA (a {@code ca-bundle}). */
    public Path ca() {
        return ca;
    }

    /** Returns the PEM file of the second CA, which issued {@link #otherCaServer()} and {@link #otherCaClient()}. */
    public Path otherCa() {
        return otherCa;
    }

    /** Returns a server certificate for {@code localhost}, {@code 127.0.0.1} and {@code ::1}, issued by the CA. */
    public Issued server() {
        return server;
    }

    /** Returns a certificate like {@link #server()} that expired yesterday. */
    public Issued expired() {
        return expired;
    }

    /** Returns a certificate of the CA naming only {@value #WRONG_HOST} (DNS). */
    public Issued wrongHost() {
        return wrongHost;
    }

    /** Returns a client certificate ({@code client.test}) issued by the CA. */
    public Issued client() {
        return client;
    }

    /** Returns a certificate like {@link #server()} issued by the second CA. */
    public Issued otherCaServer() {
        return otherCaServer;
    }

    /** Returns a client certificate issued by the second CA. */
    public Issued otherCaClient() {
        return otherCaClient;
    }

    /**
     * Issues a certificate from the CA with subject {@code CN=<first name>} and the given subjectAltNames, each
     * {@code dns:NAME}, {@code ip:ADDRESS} or {@code uri:URI} (e.g. {@code uri:sip:example.test}); none gives a
     * certificate without subjectAltName extension whose CN is {@code name}.
     *
     * @param name the files' base name, and the CN when no DNS name is given
     */
    public Issued issue(String name, String... subjectAltNames) throws Exception {
        String cn = name;
        for (String san : subjectAltNames) {
            if (san.startsWith("dns:")) {
                cn = san.substring(4);
                break;
            }
        }
        return issueBy(caBundle, name, leaf(cn, subjectAltNames));
    }

    /**
     * Issues a new certificate for the key, names and validity period of {@code issued} with a new serial number,
     * written to new files ({@code NAME-renewed-N.pem}; the key file is the same key).
     */
    public Issued renew(Issued issued) throws Exception {
        final Origin origin = origins.get(issued.certificate());
        if (origin == null) {
            throw new IllegalArgumentException("not issued by this TestCertificates: " + issued);
        }
        final CertificateBuilder builder = origin.builder.copy()
                                                         .keyPair(origin.bundle.getKeyPair())
                                                         .serial(new BigInteger(63, RANDOM).add(BigInteger.ONE));
        return issueBy(origin.issuer, issued.name() + "-renewed-" + renewals.incrementAndGet(), builder);
    }

    /**
     * Writes {@code issued}'s private key and certificate (with its CA) as a PKCS#12 key store {@code NAME.p12}
     * whose store and key entry passwords are {@code password}, for a JDK (JAIN-SIP) TLS peer.
     */
    public Path keyStore(Issued issued, char[] password) throws Exception {
        final Origin origin = origins.get(issued.certificate());
        if (origin == null) {
            throw new IllegalArgumentException("not issued by this TestCertificates: " + issued);
        }
        final KeyStore ks = KeyStore.getInstance("PKCS12");
        ks.load(null, password);
        ks.setKeyEntry(issued.name(), origin.bundle.getKeyPair().getPrivate(), password,
                       new Certificate[] { origin.bundle.getCertificate(), origin.issuer.getCertificate() });
        return store(ks, issued.name() + ".p12", password);
    }

    /** Writes a PKCS#12 key store {@code fileName} without any entry: a TLS client with no certificate to show. */
    public Path emptyKeyStore(String fileName, char[] password) throws Exception {
        final KeyStore ks = KeyStore.getInstance("PKCS12");
        ks.load(null, password);
        return store(ks, fileName, password);
    }

    /** Writes a PKCS#12 trust store {@code fileName} holding the CA (and with {@code otherToo} the second CA). */
    public Path trustStore(String fileName, char[] password, boolean otherToo) throws Exception {
        final KeyStore ks = KeyStore.getInstance("PKCS12");
        ks.load(null, password);
        ks.setCertificateEntry("ca", caBundle.getCertificate());
        if (otherToo) {
            ks.setCertificateEntry("other-ca", otherCaBundle.getCertificate());
        }
        return store(ks, fileName, password);
    }

    private Path store(KeyStore ks, String fileName, char[] password) throws Exception {
        final Path file = dir.resolve(fileName);
        try (OutputStream out = Files.newOutputStream(file)) {
            ks.store(out, password);
        }
        return file;
    }

    private static X509Bundle ca(String subject) throws Exception {
        final Instant now = Instant.now();
        return new CertificateBuilder().subject(subject).ecp256()
                                       .notBefore(now.minus(Duration.ofDays(60)))
                                       .notAfter(now.plus(Duration.ofDays(365)))
                                       .setIsCertificateAuthority(true)
                                       .setKeyUsage(true, KeyUsage.keyCertSign, KeyUsage.cRLSign,
                                                    KeyUsage.digitalSignature)
                                       .buildSelfSigned();
    }

    private static CertificateBuilder leaf(String cn, String... subjectAltNames) throws Exception {
        final Instant now = Instant.now();
        final CertificateBuilder b = new CertificateBuilder()
                .subject("CN=" + cn).ecp256()
                .serial(new BigInteger(63, RANDOM).add(BigInteger.ONE))
                .notBefore(now.minus(Duration.ofHours(1)))
                .notAfter(now.plus(Duration.ofDays(30)))
                .setKeyUsage(true, KeyUsage.digitalSignature)
                .addExtendedKeyUsageServerAuth()
                .addExtendedKeyUsageClientAuth();
        for (String san : subjectAltNames) {
            final int colon = san.indexOf(':');
            final String type = colon < 0 ? "" : san.substring(0, colon).toLowerCase(Locale.ROOT);
            final String value = san.substring(colon + 1);
            switch (type) {
                case "dns":
                    b.addSanDnsName(value);
                    break;
                case "ip":
                    b.addSanIpAddress(value);
                    break;
                case "uri":
                    b.addSanUriName(value);
                    break;
                default:
                    throw new IllegalArgumentException("subjectAltName: \"" + san +
                                                       "\" (expected: dns:NAME, ip:ADDRESS or uri:URI)");
            }
        }
        return b;
    }

    private Issued issueBy(X509Bundle issuer, String name, CertificateBuilder builder) throws Exception {
        final X509Bundle bundle = builder.buildIssuedBy(issuer);
        final Path certificate = write(name + ".pem", bundle.getCertificatePEM());
        final Path key = write(name + ".key", bundle.getPrivateKeyPEM());
        final Issued issued = new Issued(name, certificate, key, bundle.getCertificate());
        origins.put(certificate, new Origin(builder, bundle, issuer));
        return issued;
    }

    private Path write(String fileName, String pem) throws IOException {
        final Path file = dir.resolve(fileName);
        Files.write(file, pem.getBytes(StandardCharsets.US_ASCII));
        return file;
    }

    /** One issued certificate: its PEM certificate file, its PEM (PKCS#8) key file and the certificate. Immutable. */
    public record Issued(String name, Path certificate, Path privateKey, X509Certificate x509) {

        /** Returns the certificate's serial number. */
        public BigInteger serial() {
            return x509.getSerialNumber();
        }

        /** Returns the files as siplb's key material. */
        public TlsSettings.KeyMaterial keyMaterial() {
            return TlsSettings.KeyMaterial.pem(certificate, privateKey);
        }
    }

    /** How an issued certificate was built. Immutable. */
    private record Origin(CertificateBuilder builder, X509Bundle bundle, X509Bundle issuer) {}
}
