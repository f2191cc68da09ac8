package io.siplb.proxy.tls;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.cert.X509Certificate;
import java.util.Base64;
import java.util.List;
import java.util.stream.Stream;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The development certificate: generated once with keytool and reused, allowed on loopback listeners only, and
 * usable for handshakes with both providers. Not thread-safe; confined to the test thread.
 */
class DevCertificateTest {

    @TempDir
    static Path home;

    private static Path devDir;
    private static TlsSettings.KeyMaterial material;
    private static TlsEcho echo;

    @BeforeAll
    static void generate() throws Exception {
        devDir = home.resolve("var/dev-tls");
        material = DevCertificate.ensure(devDir);
        echo = new TlsEcho();
    }

    @AfterAll
    static void stopEcho() {
        echo.close();
    }

    @Test
    void generatedOnceThenReused() throws Exception {
        final Path file = devDir.resolve(DevCertificate.FILE_NAME);
        assertThat(material).isEqualTo(TlsSettings.KeyMaterial.pkcs12(file, DevCertificate.PASSWORD));
        assertThat(Files.getPosixFilePermissions(file)).isEqualTo(PosixFilePermissions.fromString("rw-------"));
        final byte[] bytes = Files.readAllBytes(file);
        final FileTime modified = Files.getLastModifiedTime(file);

        assertThat(DevCertificate.ensure(devDir)).isEqualTo(material);
        assertThat(Files.readAllBytes(file)).isEqualTo(bytes);
        assertThat(Files.getLastModifiedTime(file)).isEqualTo(modified);
        try (Stream<Path> files = Files.list(devDir)) {
            assertThat(files.map(p -> p.getFileName().toString())).containsExactly(DevCertificate.FILE_NAME);
        }

        final X509Certificate c = TlsFiles.load(material).certificate();
        assertThat(c.getSubjectX500Principal().getName()).startsWith("CN=localhost");
        assertThat(c.getPublicKey().getAlgorithm()).isEqualTo("EC");
        assertThat(SipIdentities.describe(c)).isEqualTo("DNS:localhost, IP:127.0.0.1, IP:0:0:0:0:0:0:0:1");
    }

    @Test
    void unusableKeyStoreIsGeneratedAnew() throws Exception {
        final Path other = home.resolve("broken");
        Files.createDirectories(other);
        Files.write(other.resolve(DevCertificate.FILE_NAME), "garbage".getBytes(StandardCharsets.US_ASCII));
        final TlsSettings.KeyMaterial m = DevCertificate.ensure(other);
        assertThat(TlsFiles.load(m).certificate().getSubjectX500Principal().getName()).startsWith("CN=localhost");
    }

    @Test
    void allowedOnlyWithoutCertificateAndOnLoopbackListeners() {
        final TlsSettings none = TlsSettings.builder().build();
        final InetSocketAddress v4 = new InetSocketAddress("127.0.0.1", 5061);
        final InetSocketAddress v6 = new InetSocketAddress("::1", 5061);
        final InetSocketAddress other = new InetSocketAddress("192.0.2.10", 5061);
        final InetSocketAddress any = new InetSocketAddress("0.0.0.0", 5061);
        assertThat(DevCertificate.isApplicable(none, List.of(v4, v6))).isTrue();
        assertThat(DevCertificate.isApplicable(none, List.of(v4, other))).isFalse();
        assertThat(DevCertificate.isApplicable(none, List.of(any))).isFalse();
        assertThat(DevCertificate.isApplicable(none, List.of())).isFalse();
        assertThat(DevCertificate.isApplicable(TlsSettings.builder().keyMaterial(material).build(), List.of(v4)))
                .isFalse();
    }

    @ParameterizedTest
    @EnumSource(TlsProvider.class)
    void handshakeWithTheDevelopmentCertificate(TlsProvider provider) throws Exception {
        // A client that trusts the self-signed certificate, verifying host names as siplb does.
        final X509Certificate c = TlsFiles.load(material).certificate();
        final Path trust = home.resolve("dev-trust-" + provider + ".pem");
        Files.writeString(trust, "-----BEGIN CERTIFICATE-----\n" +
                                 Base64.getMimeEncoder(64, new byte[] { '\n' }).encodeToString(c.getEncoded()) +
                                 "\n-----END CERTIFICATE-----\n", StandardCharsets.US_ASCII);
        try (TlsContexts server = TlsContexts.create(TlsSettings.builder().keyMaterial(material).build(), null,
                                                     provider);
             TlsContexts client = TlsContexts.create(TlsSettings.builder().caBundle(trust).build(), null, provider)) {
            final TlsEcho.Server s = echo.server(server);
            for (String host : List.of("localhost", "127.0.0.1")) {
                final TlsEcho.Result r = echo.connect(client, s, host);
                assertThat(r.succeeded()).as("%s: %s", host, r).isTrue();
                assertThat(r.serverCertificate()).isEqualTo(c);
            }
        }
    }
}
