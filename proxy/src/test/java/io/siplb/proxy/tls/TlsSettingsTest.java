package io.siplb.proxy.tls;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.PrivateKey;
import java.time.Duration;
import java.util.List;

import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.asn1.sec.ECPrivateKey;
import org.bouncycastle.asn1.x509.SubjectPublicKeyInfo;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.util.io.pem.PemObject;
import org.bouncycastle.util.io.pem.PemWriter;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import com.typesafe.config.Config;

import io.netty.pkitesting.CertificateBuilder;
import io.netty.pkitesting.X509Bundle;
import io.siplb.proxy.config.SiplbConfigException;
import io.siplb.proxy.config.SiplbConfigLoader;
import io.siplb.proxy.testing.TestCertificates;

/**
 * Reading {@code siplb.tls}: defaults, every key, the key formats siplb reads, and errors that name the file, the
 * line, the key and the expected value. Not thread-safe; confined to the test thread.
 */
class TlsSettingsTest {

    @TempDir
    static Path pkiDir;

    private static TestCertificates pki;

    @TempDir
    Path dir;

    @BeforeAll
    static void createPki() throws Exception {
        pki = TestCertificates.create(pkiDir);
    }

    private Path write(String name, String text) throws IOException {
        final Path file = dir.resolve(name);
        Files.write(file, text.getBytes(StandardCharsets.UTF_8));
        return file;
    }

    private TlsSettings parse(String conf) throws IOException {
        return parse(conf, TlsProvider.preferred());
    }

    private TlsSettings parse(String conf, TlsProvider provider) throws IOException {
        final Path file = write("siplb.conf", conf);
        final Config root = SiplbConfigLoader.parse(file);
        return TlsSettings.parse(root, file.toString(), dir, provider);
    }

    private String conf() {
        return dir.resolve("siplb.conf").toString();
    }

    private void copyServer() throws IOException {
        Files.copy(pki.server().certificate(), dir.resolve("siplb.pem"));
        Files.copy(pki.server().privateKey(), dir.resolve("siplb.key"));
    }

    @Test
    void emptyFileTakesTheDefaultsOfReferenceConf() throws IOException {
        final TlsSettings s = parse("");
        assertThat(s.keyMaterial()).isNull();
        assertThat(s.caBundle()).isNull();
        assertThat(s.verifyDestinations()).isTrue();
        assertThat(s.clientAuth()).isEqualTo(TlsSettings.ClientAuth.NONE);
        assertThat(s.protocols()).isEqualTo(TlsSettings.DEFAULT_PROTOCOLS).containsExactly("TLSv1.2", "TLSv1.3");
        assertThat(s.ciphers()).isEmpty();
        assertThat(s.handshakeTimeout()).isEqualTo(TlsSettings.DEFAULT_HANDSHAKE_TIMEOUT)
                                        .isEqualTo(Duration.ofSeconds(5));
        assertThat(s.reloadInterval()).isEqualTo(TlsSettings.DEFAULT_RELOAD_INTERVAL)
                                      .isEqualTo(Duration.ofSeconds(10));
        assertThat(s.watchedFiles()).isEmpty();
        // The builder's defaults are the same.
        assertThat(TlsSettings.builder().build().toString()).isEqualTo(s.toString());
    }

    @Test
    void everyKeyIsReadAndPathsAreRelativeToTheConfigurationFolder() throws IOException {
        copyServer();
        Files.createDirectories(dir.resolve("trust"));
        Files.copy(pki.ca(), dir.resolve("trust/ca.pem"));
        final TlsSettings s = parse("siplb.tls {\n" +
                                    "  certificate = siplb.pem\n" +
                                    "  private-key = \"siplb.key\"\n" +
                                    "  ca-bundle = trust/ca.pem\n" +
                                    "  verify-destinations = false\n" +
                                    "  client-auth = Required\n" +
                                    "  protocols = [\"TLSv1.3\"]\n" +
                                    "  ciphers = [\"TLS_AES_256_GCM_SHA384\", \"TLS_AES_128_GCM_SHA256\"]\n" +
                                    "  handshake-timeout = 2500ms\n" +
                                    "  reload-interval = 0s\n" +
                                    "}\n");
        assertThat(s.keyMaterial()).isEqualTo(TlsSettings.KeyMaterial.pem(dir.resolve("siplb.pem"),
                                                                          dir.resolve("siplb.key")));
        assertThat(s.caBundle()).isEqualTo(dir.resolve("trust/ca.pem"));
        assertThat(s.verifyDestinations()).isFalse();
        assertThat(s.clientAuth()).isEqualTo(TlsSettings.ClientAuth.REQUIRED);
        assertThat(s.protocols()).containsExactly("TLSv1.3");
        assertThat(s.ciphers()).containsExactly("TLS_AES_256_GCM_SHA384", "TLS_AES_128_GCM_SHA256");
        assertThat(s.handshakeTimeout()).isEqualTo(Duration.ofMillis(2500));
        assertThat(s.reloadInterval()).isZero();
        assertThat(s.watchedFiles()).containsExactly(dir.resolve("siplb.pem"), dir.resolve("siplb.key"),
                                                     dir.resolve("trust/ca.pem"));
    }

    @Test
    void documentedBlockOfTheRepositoryConfigurationParsesToTheDefaults() throws IOException {
        // conf/siplb.conf documents siplb.tls as a commented-out block: uncomment it and read it.
        final List<String> lines = Files.readAllLines(Path.of("..", "conf", "siplb.conf"));
        final StringBuilder block = new StringBuilder("siplb {\n");
        boolean inside = false;
        for (String line : lines) {
            if (line.equals("  # tls {")) {
                inside = true;
            }
            if (inside) {
                block.append(line.replaceFirst("^  # ?", "  ")).append('\n');
                if (line.equals("  # }")) {
                    break;
                }
            }
        }
        assertThat(inside).as("conf/siplb.conf has a commented tls block").isTrue();
        block.append("}\n");
        Files.createDirectories(dir.resolve("tls"));
        Files.copy(pki.server().certificate(), dir.resolve("tls/siplb.pem"));
        Files.copy(pki.server().privateKey(), dir.resolve("tls/siplb.key"));
        final TlsSettings s = parse(block.toString());
        assertThat(s.keyMaterial()).isEqualTo(TlsSettings.KeyMaterial.pem(dir.resolve("tls/siplb.pem"),
                                                                          dir.resolve("tls/siplb.key")));
        assertThat(s.toBuilder().keyMaterial(null).build().toString()).isEqualTo(TlsSettings.builder().build()
                                                                                            .toString());
    }

    @Test
    void unknownClientAuthNamesFileLineAndExpectedValues() {
        assertThatThrownBy(() -> parse("siplb.tls {\n  client-auth = always\n}\n"))
                .isInstanceOf(SiplbConfigException.class)
                .hasMessage(conf() + ":2: siplb.tls.client-auth: \"always\" (expected: none, optional or required)");
    }

    @Test
    void missingKeyFileIsNamed() throws IOException {
        Files.copy(pki.server().certificate(), dir.resolve("siplb.pem"));
        assertThatThrownBy(() -> parse("siplb.tls.certificate = siplb.pem\nsiplb.tls.private-key = keys/none.key\n"))
                .isInstanceOf(SiplbConfigException.class)
                .hasMessage(conf() + ":2: siplb.tls.private-key: \"keys/none.key\" (" + dir.resolve("keys/none.key") +
                            "): no such file (expected: a PEM file with the unencrypted private key of " +
                            "siplb.tls.certificate)");
    }

    @ParameterizedTest
    @EnumSource(TlsProvider.class)
    void unknownProtocolIsNamedAtItsLine(TlsProvider provider) {
        assertThatThrownBy(() -> parse("siplb.tls {\n" +
                                       "  protocols = [\n" +
                                       "    \"TLSv1.3\"\n" +
                                       "    \"TLSv1.4\"\n" +
                                       "  ]\n" +
                                       "}\n", provider))
                .isInstanceOf(SiplbConfigException.class)
                .hasMessage(conf() + ":4: siplb.tls.protocols: \"TLSv1.4\" is not a protocol " +
                            provider.displayName() + " knows (expected: TLSv1, TLSv1.1, TLSv1.2, TLSv1.3)");
    }

    @ParameterizedTest
    @EnumSource(TlsProvider.class)
    void unknownCipherIsNamed(TlsProvider provider) {
        assertThatThrownBy(() -> parse("siplb.tls.ciphers = [TLS_AES_128_GCM_SHA256, ECDHE-RSA-AES128-GCM-SHA256]\n",
                                       provider))
                .isInstanceOf(SiplbConfigException.class)
                .hasMessage(conf() + ":1: siplb.tls.ciphers: \"ECDHE-RSA-AES128-GCM-SHA256\" is not a cipher suite " +
                            provider.displayName() + " knows (expected: IANA names such as TLS_AES_128_GCM_SHA256 " +
                            "or TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256, or [] for the defaults)");
    }

    @Test
    void emptyProtocolListIsRefused() {
        assertThatThrownBy(() -> parse("siplb.tls.protocols = []\n"))
                .isInstanceOf(SiplbConfigException.class)
                .hasMessage(conf() + ":1: siplb.tls.protocols: [] (expected: at least one of TLSv1, TLSv1.1, " +
                            "TLSv1.2, TLSv1.3)");
    }

    @Test
    void nonStringProtocolIsRefused() {
        assertThatThrownBy(() -> parse("siplb.tls.protocols = [\"TLSv1.3\", 12]\n"))
                .isInstanceOf(SiplbConfigException.class)
                .hasMessage(conf() + ":1: siplb.tls.protocols[1]: 12 (expected: a name like \"TLSv1.3\")");
    }

    @Test
    void unknownKeyIsRefused() {
        assertThatThrownBy(() -> parse("siplb.tls {\n  certifcate = siplb.pem\n}\n"))
                .isInstanceOf(SiplbConfigException.class)
                .hasMessage(conf() + ":2: siplb.tls.certifcate: unknown key (expected: one of certificate, " +
                            "private-key, ca-bundle, verify-destinations, client-auth, protocols, ciphers, " +
                            "handshake-timeout, reload-interval)");
    }

    @Test
    void certificateWithoutPrivateKeyIsRefused() throws IOException {
        copyServer();
        assertThatThrownBy(() -> parse("siplb.tls.certificate = siplb.pem\n"))
                .isInstanceOf(SiplbConfigException.class)
                .hasMessage(conf() + ":1: siplb.tls.certificate: set without siplb.tls.private-key (expected: both " +
                            "siplb.tls.certificate and siplb.tls.private-key, or neither)");
    }

    @Test
    void keyOfAnotherCertificateIsRefused() throws IOException {
        Files.copy(pki.server().certificate(), dir.resolve("siplb.pem"));
        Files.copy(pki.client().privateKey(), dir.resolve("siplb.key"));
        assertThatThrownBy(() -> parse("siplb.tls {\n  certificate = siplb.pem\n  private-key = siplb.key\n}\n"))
                .isInstanceOf(SiplbConfigException.class)
                .hasMessage(conf() + ":3: siplb.tls.private-key: \"siplb.key\": the private key does not belong to " +
                            "the certificate of siplb.tls.certificate (expected: the key siplb.pem was issued for)");
    }

    @Test
    void certificateFileWithoutCertificateIsRefused() throws IOException {
        copyServer();
        write("garbage.pem", "-----BEGIN CERTIFICATE-----\nnot base64 at all!\n-----END CERTIFICATE-----\n");
        assertThatThrownBy(() -> parse("siplb.tls {\n  certificate = garbage.pem\n  private-key = siplb.key\n}\n"))
                .isInstanceOf(SiplbConfigException.class)
                .hasMessageStartingWith(conf() + ":2: siplb.tls.certificate: \"garbage.pem\" (" +
                                        dir.resolve("garbage.pem") + "): certificate 0 is not valid base64")
                .hasMessageEndingWith("(expected: a PEM file with siplb's certificate chain, leaf first)");
        write("text.pem", "hello\n");
        assertThatThrownBy(() -> parse("siplb.tls {\n  certificate = text.pem\n  private-key = siplb.key\n}\n"))
                .isInstanceOf(SiplbConfigException.class)
                .hasMessage(conf() + ":2: siplb.tls.certificate: \"text.pem\" (" + dir.resolve("text.pem") +
                            "): no PEM certificate (-----BEGIN CERTIFICATE-----) found (expected: a PEM file with " +
                            "siplb's certificate chain, leaf first)");
    }

    @Test
    void encryptedKeyIsRefusedWithAdvice() throws IOException {
        copyServer();
        write("enc.key", "-----BEGIN ENCRYPTED PRIVATE KEY-----\nAAAA\n-----END ENCRYPTED PRIVATE KEY-----\n");
        assertThatThrownBy(() -> parse("siplb.tls {\n  certificate = siplb.pem\n  private-key = enc.key\n}\n"))
                .isInstanceOf(SiplbConfigException.class)
                .hasMessageContaining(":3: siplb.tls.private-key: \"enc.key\"")
                .hasMessageEndingWith("the private key is encrypted (siplb reads unencrypted keys; decrypt it " +
                                      "with `openssl pkcs8 -topk8 -nocrypt -in KEY`) (expected: a PEM file with the " +
                                      "unencrypted private key of siplb.tls.certificate)");
    }

    @Test
    void caBundleOtherThanSystemMustHoldCertificates() throws IOException {
        write("empty.pem", "");
        assertThatThrownBy(() -> parse("siplb.tls.ca-bundle = empty.pem\n"))
                .isInstanceOf(SiplbConfigException.class)
                .hasMessage(conf() + ":1: siplb.tls.ca-bundle: \"empty.pem\" (" + dir.resolve("empty.pem") +
                            "): no PEM certificate (-----BEGIN CERTIFICATE-----) found (expected: system, or a PEM " +
                            "file of the CA certificates siplb trusts)");
        assertThat(parse("siplb.tls.ca-bundle = SYSTEM\n").caBundle()).isNull();
    }

    @Test
    void wrongTypesAndRangesAreNamed() {
        assertThatThrownBy(() -> parse("siplb.tls {\n  verify-destinations = maybe\n}\n"))
                .isInstanceOf(SiplbConfigException.class)
                .hasMessage(conf() + ": 2: siplb.tls.verify-destinations has type STRING rather than BOOLEAN");
        assertThatThrownBy(() -> parse("siplb.tls.handshake-timeout = 0s\n"))
                .isInstanceOf(SiplbConfigException.class)
                .hasMessage(conf() + ":1: siplb.tls.handshake-timeout: PT0S (expected: 10ms..10min)");
        assertThatThrownBy(() -> parse("siplb.tls.reload-interval = 1ms\n"))
                .isInstanceOf(SiplbConfigException.class)
                .hasMessage(conf() + ":1: siplb.tls.reload-interval: PT0.001S (expected: 0s (never) or 10ms..1d)");
        assertThatThrownBy(() -> parse("siplb.tls = \"on\"\n"))
                .isInstanceOf(SiplbConfigException.class)
                .hasMessageStartingWith(conf() + ":1: siplb.tls: \"on\" (expected: an object");
    }

    @Test
    void pkcs1RsaAndSec1EcKeysAreRead() throws Exception {
        // PKCS#1 (openssl genrsa of OpenSSL 1.x): BouncyCastle writes a JDK RSA key that way.
        final X509Bundle rsa = new CertificateBuilder().rsa2048().subject("CN=localhost").addSanDnsName("localhost")
                                                       .setIsCertificateAuthority(true).buildSelfSigned();
        final StringWriter pkcs1 = new StringWriter();
        try (JcaPEMWriter w = new JcaPEMWriter(pkcs1)) {
            w.writeObject(rsa.getKeyPair().getPrivate());
        }
        assertThat(pkcs1.toString()).startsWith("-----BEGIN RSA PRIVATE KEY-----");
        assertKeyReadBack(rsa, pkcs1.toString());

        // SEC1 as `openssl ecparam -genkey` writes it: the curve in [0], the public key in [1].
        final X509Bundle ec = new CertificateBuilder().ecp256().subject("CN=localhost").addSanDnsName("localhost")
                                                      .setIsCertificateAuthority(true).buildSelfSigned();
        final PrivateKeyInfo info = PrivateKeyInfo.getInstance(ec.getKeyPair().getPrivate().getEncoded());
        final ECPrivateKey inner = ECPrivateKey.getInstance(info.parsePrivateKey());
        final SubjectPublicKeyInfo pub = SubjectPublicKeyInfo.getInstance(ec.getKeyPair().getPublic().getEncoded());
        final ECPrivateKey withCurve = new ECPrivateKey(256, inner.getKey(), pub.getPublicKeyData(),
                                                        info.getPrivateKeyAlgorithm().getParameters());
        assertKeyReadBack(ec, pem("EC PRIVATE KEY", withCurve.getEncoded()));

        // Without [0] the curve is unknown.
        final ECPrivateKey noCurve = new ECPrivateKey(256, inner.getKey());
        write("traditional.key", pem("EC PRIVATE KEY", noCurve.getEncoded()));
        assertThatThrownBy(() -> parse("siplb.tls { certificate = traditional.pem, private-key = traditional.key }"))
                .isInstanceOf(SiplbConfigException.class)
                .hasMessageContaining("the EC private key names no curve");
    }

    private void assertKeyReadBack(X509Bundle bundle, String keyPem) throws Exception {
        write("traditional.key", keyPem);
        write("traditional.pem", bundle.getCertificatePEM());
        final TlsSettings s = parse("siplb.tls { certificate = traditional.pem, private-key = traditional.key }");
        // parse() checked that the key signs what the certificate's public key verifies; and it is the same key:
        final PrivateKey read = TlsFiles.load(s.keyMaterial()).key();
        final PrivateKey original = bundle.getKeyPair().getPrivate();
        if (original instanceof java.security.interfaces.ECPrivateKey) {
            assertThat(((java.security.interfaces.ECPrivateKey) read).getS())
                    .isEqualTo(((java.security.interfaces.ECPrivateKey) original).getS());
        } else {
            assertThat(read.getEncoded()).isEqualTo(original.getEncoded());
        }
    }

    private static String pem(String type, byte[] der) throws IOException {
        final StringWriter out = new StringWriter();
        try (PemWriter w = new PemWriter(out)) {
            w.writeObject(new PemObject(type, der));
        }
        return out.toString();
    }

    @Test
    void builderValidatesItsArguments() {
        assertThatThrownBy(() -> TlsSettings.builder().protocols(List.of()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("protocols: [] (expected: at least one, e.g. TLSv1.3)");
        assertThatThrownBy(() -> TlsSettings.builder().ciphers(List.of(" ")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("ciphers: [ ] (expected: names, none blank)");
        assertThatThrownBy(() -> TlsSettings.builder().handshakeTimeout(Duration.ofMinutes(11)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("handshakeTimeout: PT11M (expected: 10ms..10min)");
        assertThat(TlsSettings.builder().protocols(List.of("TLSv1.3", "TLSv1.3")).build().protocols())
                .containsExactly("TLSv1.3");
        assertThat(TlsSettings.KeyMaterial.pkcs12(dir.resolve("a.p12"), "secret").toString())
                .doesNotContain("secret");
    }
}
