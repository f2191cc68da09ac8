package io.siplb.proxy.tls;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.security.cert.CertificateException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

import javax.net.ssl.SSLHandshakeException;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import io.netty.buffer.UnpooledByteBufAllocator;
import io.netty.handler.ssl.OpenSsl;
import io.netty.handler.ssl.SslHandler;
import io.netty.util.ReferenceCountUtil;
import io.siplb.proxy.testing.TestCertificates;
import io.siplb.proxy.testing.TestCertificates.Issued;

/**
 * Handshakes between real sockets on 127.0.0.1 with the handlers of {@link TlsContexts}, on BoringSSL and on the
 * JDK's engine (each test runs once per provider, the provider forced): protocol versions, destination verification
 * (chain, expiry, RFC 5922 host names, {@code verify-destinations = false}), SNI, client authentication, session
 * resumption and certificate rotation.
 *
 * <p>Not thread-safe; confined to the test thread.
 */
class TlsContextsTest {

    @TempDir
    static Path pkiDir;

    private static TestCertificates pki;
    private static TlsEcho echo;

    @TempDir
    Path dir;

    private final List<TlsContexts> opened = new ArrayList<>();

    @BeforeAll
    static void createPki() throws Exception {
        pki = TestCertificates.create(pkiDir);
        echo = new TlsEcho();
    }

    @AfterAll
    static void stopEcho() {
        echo.close();
    }

    @AfterEach
    void closeContexts() {
        opened.forEach(TlsContexts::close);
    }

    private TlsContexts contexts(TlsSettings settings, TlsProvider provider) throws TlsMaterialException {
        final TlsContexts c = TlsContexts.create(settings, null, provider);
        opened.add(c);
        return c;
    }

    /** A server presenting {@code certificate}, trusting the test CA for client certificates. */
    private TlsEcho.Server server(Issued certificate, TlsProvider provider) throws TlsMaterialException {
        return echo.server(contexts(TlsSettings.builder().keyMaterial(certificate.keyMaterial()).caBundle(pki.ca())
                                               .build(), provider));
    }

    /** A client trusting the test CA, verifying destinations. */
    private TlsContexts client(TlsProvider provider) throws TlsMaterialException {
        return contexts(TlsSettings.builder().caBundle(pki.ca()).build(), provider);
    }

    private static void assertRefusedBecause(TlsEcho.Result r, String messagePart) {
        assertThat(r.succeeded()).as("handshake refused").isFalse();
        assertThat(r.clientFailure()).isInstanceOf(SSLHandshakeException.class);
        assertThat(causes(r.clientFailure())).anySatisfy(
                c -> assertThat(String.valueOf(c.getMessage()).toLowerCase(Locale.ROOT))
                        .contains(messagePart.toLowerCase(Locale.ROOT)));
    }

    private static List<Throwable> causes(Throwable t) {
        final List<Throwable> chain = new ArrayList<>();
        for (Throwable c = t; c != null && !chain.contains(c); c = c.getCause()) {
            chain.add(c);
        }
        return chain;
    }

    @Test
    void boringSslIsThePreferredProviderWhereItsNativeLibraryShips() {
        final String os = System.getProperty("os.name").toLowerCase(Locale.ROOT);
        final String arch = System.getProperty("os.arch").toLowerCase(Locale.ROOT);
        final boolean shipped = os.contains("linux") && (arch.equals("amd64") || arch.equals("aarch64"));
        if (shipped) {
            assertThat(OpenSsl.isAvailable()).as("BoringSSL loads: %s", OpenSsl.unavailabilityCause()).isTrue();
        }
        assertThat(TlsProvider.preferred()).isEqualTo(OpenSsl.isAvailable() ? TlsProvider.OPENSSL : TlsProvider.JDK);
    }

    @ParameterizedTest
    @EnumSource(TlsProvider.class)
    void providerIsReported(TlsProvider provider) throws Exception {
        final TlsContexts c = client(provider);
        assertThat(c.isNative()).isEqualTo(provider == TlsProvider.OPENSSL);
        assertThat(c.providerName()).isEqualTo(provider == TlsProvider.OPENSSL ? "BoringSSL" : "JDK SunJSSE");
    }

    @ParameterizedTest
    @EnumSource(TlsProvider.class)
    void tls12AndTls13HandshakesSucceed(TlsProvider provider) throws Exception {
        final TlsEcho.Server server = server(pki.server(), provider);
        for (String protocol : List.of("TLSv1.2", "TLSv1.3")) {
            final TlsContexts client = contexts(TlsSettings.builder().caBundle(pki.ca())
                                                           .protocols(List.of(protocol)).build(), provider);
            final TlsEcho.Result r = echo.connect(client, server, "localhost");
            assertThat(r.succeeded()).as("%s: %s", protocol, r).isTrue();
            assertThat(r.protocol()).isEqualTo(protocol);
            assertThat(r.serverCertificate().getSerialNumber()).isEqualTo(pki.server().serial());
        }
        // Both sides with the defaults: the newest.
        assertThat(echo.connect(client(provider), server, "localhost").protocol()).isEqualTo("TLSv1.3");
    }

    @ParameterizedTest
    @EnumSource(TlsProvider.class)
    void wrongHostIsRefusedWhenVerifyingAndAcceptedWhenNot(TlsProvider provider) throws Exception {
        final TlsEcho.Server server = server(pki.wrongHost(), provider);
        assertRefusedBecause(echo.connect(client(provider), server, "localhost"), "does not name localhost");

        final TlsContexts unverified = contexts(TlsSettings.builder().caBundle(pki.ca()).verifyDestinations(false)
                                                           .build(), provider);
        final TlsEcho.Result r = echo.connect(unverified, server, "localhost");
        assertThat(r.succeeded()).as("%s", r).isTrue();
        assertThat(r.serverCertificate().getSerialNumber()).isEqualTo(pki.wrongHost().serial());
    }

    @ParameterizedTest
    @EnumSource(TlsProvider.class)
    void expiredCertificateIsRefused(TlsProvider provider) throws Exception {
        final TlsEcho.Result r = echo.connect(client(provider), server(pki.expired(), provider), "localhost");
        assertThat(r.succeeded()).isFalse();
        assertThat(causes(r.clientFailure())).anySatisfy(
                c -> assertThat(c).isInstanceOf(java.security.cert.CertificateExpiredException.class));
    }

    @ParameterizedTest
    @EnumSource(TlsProvider.class)
    void certificateOfAnotherCaIsRefused(TlsProvider provider) throws Exception {
        final TlsEcho.Result r = echo.connect(client(provider), server(pki.otherCaServer(), provider), "localhost");
        assertThat(r.succeeded()).isFalse();
        assertThat(r.clientFailure()).isInstanceOf(SSLHandshakeException.class);
        assertThat(causes(r.clientFailure())).anySatisfy(c -> assertThat(c).isInstanceOf(CertificateException.class));
        // Not the host check: the chain check refused it first.
        assertThat(causes(r.clientFailure())).noneSatisfy(
                c -> assertThat(String.valueOf(c.getMessage())).contains("does not name"));
    }

    @ParameterizedTest
    @EnumSource(TlsProvider.class)
    void sipUriSubjectAltNameIsMatchedAndHidesTheDnsNames(TlsProvider provider) throws Exception {
        final Issued sip = pki.issue("sip-domain-" + provider, "uri:sip:sip.example.test", "dns:other.example.test");
        final TlsEcho.Server server = server(sip, provider);
        final TlsContexts client = client(provider);
        final TlsEcho.Result r = echo.connect(client, server, "sip.example.test");
        assertThat(r.succeeded()).as("%s", r).isTrue();
        assertThat(r.requestedServerNames()).containsExactly("sip.example.test");
        // RFC 5922 §7.1: with a sip: URI identity present, the DNS name is not an identity.
        assertRefusedBecause(echo.connect(client, server, "other.example.test"), "does not name other.example.test");
    }

    @ParameterizedTest
    @EnumSource(TlsProvider.class)
    void ipSubjectAltNameIsMatchedForAnIpLiteralWithoutSni(TlsProvider provider) throws Exception {
        final TlsEcho.Result r = echo.connect(client(provider), server(pki.server(), provider), "127.0.0.1");
        assertThat(r.succeeded()).as("%s", r).isTrue();
        assertThat(r.requestedServerNames()).isEmpty(); // RFC 6066 §3: no IP literal in SNI

        final TlsEcho.Result wrong = echo.connect(client(provider), server(pki.wrongHost(), provider), "127.0.0.1");
        assertRefusedBecause(wrong, "does not name 127.0.0.1");
    }

    @ParameterizedTest
    @EnumSource(TlsProvider.class)
    void hostNameIsSentAsSni(TlsProvider provider) throws Exception {
        final TlsEcho.Result r = echo.connect(client(provider), server(pki.server(), provider), "LocalHost.");
        assertThat(r.succeeded()).as("%s", r).isTrue(); // names compare case-insensitively, a trailing dot ignored
        assertThat(r.requestedServerNames()).containsExactly("localhost");
    }

    @ParameterizedTest
    @EnumSource(TlsProvider.class)
    void clientAuthRequired(TlsProvider provider) throws Exception {
        final TlsEcho.Server server = echo.server(contexts(
                TlsSettings.builder().keyMaterial(pki.server().keyMaterial()).caBundle(pki.ca())
                           .clientAuth(TlsSettings.ClientAuth.REQUIRED).build(), provider));

        final TlsEcho.Result none = echo.connect(client(provider), server, "localhost");
        assertThat(none.succeeded()).as("no client certificate").isFalse();
        assertThat(none.serverFailure()).isNotNull();

        final TlsEcho.Result good = echo.connect(clientWith(pki.client(), provider), server, "localhost");
        assertThat(good.succeeded()).as("%s", good).isTrue();
        assertThat(good.clientCertificate().getSerialNumber()).isEqualTo(pki.client().serial());

        final TlsEcho.Result other = echo.connect(clientWith(pki.otherCaClient(), provider), server, "localhost");
        assertThat(other.succeeded()).as("client certificate of another CA").isFalse();
        assertThat(other.serverFailure()).isNotNull();
    }

    @ParameterizedTest
    @EnumSource(TlsProvider.class)
    void clientAuthOptional(TlsProvider provider) throws Exception {
        final TlsEcho.Server server = echo.server(contexts(
                TlsSettings.builder().keyMaterial(pki.server().keyMaterial()).caBundle(pki.ca())
                           .clientAuth(TlsSettings.ClientAuth.OPTIONAL).build(), provider));

        final TlsEcho.Result none = echo.connect(client(provider), server, "localhost");
        assertThat(none.succeeded()).as("%s", none).isTrue();
        assertThat(none.clientCertificate()).isNull();

        final TlsEcho.Result good = echo.connect(clientWith(pki.client(), provider), server, "localhost");
        assertThat(good.succeeded()).as("%s", good).isTrue();
        assertThat(good.clientCertificate().getSerialNumber()).isEqualTo(pki.client().serial());
    }

    private TlsContexts clientWith(Issued certificate, TlsProvider provider) throws TlsMaterialException {
        return contexts(TlsSettings.builder().keyMaterial(certificate.keyMaterial()).caBundle(pki.ca()).build(),
                        provider);
    }

    @ParameterizedTest
    @EnumSource(TlsProvider.class)
    void secondConnectionToTheSameHostAndPortResumes(TlsProvider provider) throws Exception {
        final TlsEcho.Server server = server(pki.server(), provider);
        for (String protocol : List.of("TLSv1.2", "TLSv1.3")) {
            final TlsContexts client = contexts(TlsSettings.builder().caBundle(pki.ca())
                                                           .protocols(List.of(protocol)).build(), provider);
            final TlsEcho.Result first = echo.connect(client, server, "localhost");
            assertThat(first.succeeded()).as("%s", first).isTrue();
            assertThat(client.clientFullHandshakes()).isEqualTo(1);
            assertThat(client.clientResumptions()).isZero();

            final TlsEcho.Result second = echo.connect(client, server, "localhost");
            assertThat(second.succeeded()).as("%s", second).isTrue();
            assertThat(second.protocol()).isEqualTo(protocol);
            assertThat(client.clientResumptions()).as("%s resumed", protocol).isEqualTo(1);
            assertThat(client.clientFullHandshakes()).isEqualTo(1);
            // The resumed session carries the certificate verified the first time.
            assertThat(second.serverCertificate()).isEqualTo(first.serverCertificate());
            if (protocol.equals("TLSv1.2")) {
                assertThat(second.sessionId()).isEqualTo(first.sessionId());
            }

            // Keyed by host and port: another name for the same socket is a new session.
            assertThat(echo.connect(client, server, "127.0.0.1").succeeded()).isTrue();
            assertThat(client.clientFullHandshakes()).isEqualTo(2);
            assertThat(client.clientResumptions()).isEqualTo(1);
        }
    }

    @ParameterizedTest
    @EnumSource(TlsProvider.class)
    void rotatedCertificateIsUsedAfterTheReloadTickAndGarbageKeepsIt(TlsProvider provider) throws Exception {
        final Path cert = dir.resolve("siplb.pem");
        final Path key = dir.resolve("siplb.key");
        Files.copy(pki.server().certificate(), cert);
        Files.copy(pki.server().privateKey(), key);
        final TlsSettings settings = TlsSettings.builder().keyMaterial(TlsSettings.KeyMaterial.pem(cert, key))
                                                .reloadInterval(Duration.ofMillis(20)).build();
        final ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor();
        try {
            final TlsContexts contexts = TlsContexts.create(settings, scheduler, provider);
            opened.add(contexts);
            final TlsEcho.Server server = echo.server(contexts);
            final TlsContexts client = client(provider);
            assertThat(echo.connect(client, server, "localhost").serverCertificate().getSerialNumber())
                    .isEqualTo(pki.server().serial());

            final Issued renewed = pki.renew(pki.server());
            assertThat(renewed.serial()).isNotEqualTo(pki.server().serial());
            overwrite(cert, Files.readAllBytes(renewed.certificate()));
            awaitTrue(() -> renewed.serial().equals(contexts.certificate().getSerialNumber()));
            final TlsEcho.Result afterRenewal = echo.connect(client, server, "localhost");
            assertThat(afterRenewal.succeeded()).as("%s", afterRenewal).isTrue();
            assertThat(afterRenewal.serverCertificate().getSerialNumber()).isEqualTo(renewed.serial());
            assertThat(contexts.reloadCount()).isPositive();

            final long failures = contexts.reloadFailureCount();
            overwrite(cert, "not a certificate\n".getBytes(StandardCharsets.US_ASCII));
            awaitTrue(() -> contexts.reloadFailureCount() > failures);
            assertThat(contexts.lastReloadProblem()).startsWith(cert.toString())
                                                    .contains("no PEM certificate");
            final TlsEcho.Result afterGarbage = echo.connect(client, server, "localhost");
            assertThat(afterGarbage.succeeded()).as("%s", afterGarbage).isTrue();
            assertThat(afterGarbage.serverCertificate().getSerialNumber()).isEqualTo(renewed.serial());
        } finally {
            scheduler.shutdownNow();
            assertThat(scheduler.awaitTermination(30, TimeUnit.SECONDS)).isTrue();
        }
    }

    @Test
    void reloadIfChangedReportsEachOutcomeOnce() throws Exception {
        final Path cert = dir.resolve("siplb.pem");
        final Path key = dir.resolve("siplb.key");
        final Path ca = dir.resolve("ca.pem");
        Files.copy(pki.server().certificate(), cert);
        Files.copy(pki.server().privateKey(), key);
        Files.copy(pki.ca(), ca);
        final TlsContexts contexts = contexts(TlsSettings.builder().keyMaterial(TlsSettings.KeyMaterial.pem(cert, key))
                                                         .caBundle(ca).build(), TlsProvider.preferred());
        assertThat(contexts.settings().watchedFiles()).containsExactly(cert, key, ca);
        assertThat(contexts.reloadIfChanged()).isEqualTo(TlsContexts.ReloadResult.UNCHANGED);

        // A certificate of another key: refused, the old one stays; not retried until the files change again.
        overwrite(cert, Files.readAllBytes(pki.client().certificate()));
        assertThat(contexts.reloadIfChanged()).isEqualTo(TlsContexts.ReloadResult.FAILED);
        assertThat(contexts.lastReloadProblem()).isEqualTo(
                key + ": the private key does not belong to the certificate of " + cert);
        assertThat(contexts.reloadIfChanged()).isEqualTo(TlsContexts.ReloadResult.UNCHANGED);
        assertThat(contexts.certificate().getSerialNumber()).isEqualTo(pki.server().serial());

        // The matching key arrives: reloaded.
        overwrite(key, Files.readAllBytes(pki.client().privateKey()));
        assertThat(contexts.reloadIfChanged()).isEqualTo(TlsContexts.ReloadResult.RELOADED);
        assertThat(contexts.lastReloadProblem()).isNull();
        assertThat(contexts.certificate().getSerialNumber()).isEqualTo(pki.client().serial());

        // A CA bundle replaced by an atomic rename is seen, even with an unchanged size and time.
        final Path staged = dir.resolve("ca.pem.new");
        Files.copy(ca, staged);
        Files.setLastModifiedTime(staged, Files.getLastModifiedTime(ca));
        Files.move(staged, ca, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        assertThat(contexts.reloadIfChanged()).isEqualTo(TlsContexts.ReloadResult.RELOADED);

        Files.delete(ca);
        assertThat(contexts.reloadIfChanged()).isEqualTo(TlsContexts.ReloadResult.FAILED);
        assertThat(contexts.lastReloadProblem()).isEqualTo(ca + ": no such file");
        assertThat(contexts.reloadCount()).isEqualTo(2);
        assertThat(contexts.reloadFailureCount()).isEqualTo(2);
    }

    /** Rewrites {@code file} in place, its modification time moved on so a coarse clock cannot hide the change. */
    private static void overwrite(Path file, byte[] content) throws Exception {
        final FileTime before = Files.getLastModifiedTime(file);
        Files.write(file, content);
        Files.setLastModifiedTime(file, FileTime.fromMillis(before.toMillis() + 2000));
    }

    private static void awaitTrue(BooleanSupplier condition) throws InterruptedException {
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("condition not met in 30 s");
            }
            Thread.sleep(10);
        }
    }

    @ParameterizedTest
    @EnumSource(TlsProvider.class)
    void handlersCarryTheHandshakeTimeout(TlsProvider provider) throws Exception {
        final TlsContexts c = contexts(TlsSettings.builder().keyMaterial(pki.server().keyMaterial())
                                                  .handshakeTimeout(Duration.ofMillis(1234)).build(), provider);
        final SslHandler server = c.newServerHandler(UnpooledByteBufAllocator.DEFAULT);
        final SslHandler client = c.newClientHandler(UnpooledByteBufAllocator.DEFAULT, "[::1]", 5061);
        try {
            assertThat(server.getHandshakeTimeoutMillis()).isEqualTo(1234);
            assertThat(client.getHandshakeTimeoutMillis()).isEqualTo(1234);
            assertThat(client.engine().getPeerHost()).isEqualTo("::1");
            assertThat(client.engine().getPeerPort()).isEqualTo(5061);
            assertThat(client.engine().getUseClientMode()).isTrue();
            assertThat(server.engine().getUseClientMode()).isFalse();
        } finally {
            // Never added to a pipeline: their engines are released here.
            ReferenceCountUtil.release(server.engine());
            ReferenceCountUtil.release(client.engine());
        }
    }

    @ParameterizedTest
    @EnumSource(TlsProvider.class)
    void withoutCertificateOnlyClientHandlersAreMade(TlsProvider provider) throws Exception {
        final TlsContexts c = client(provider);
        assertThat(c.certificate()).isNull();
        assertThatThrownBy(() -> c.newServerHandler(UnpooledByteBufAllocator.DEFAULT))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("siplb.tls.certificate");
        assertThatThrownBy(() -> c.newClientHandler(UnpooledByteBufAllocator.DEFAULT, "localhost", 0))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("peerPort: 0 (expected: 1..65535)");
    }

    @ParameterizedTest
    @EnumSource(TlsProvider.class)
    void unknownProtocolOrCipherIsRefusedByName(TlsProvider provider) {
        assertThatThrownBy(() -> contexts(TlsSettings.builder().protocols(List.of("TLSv1.3", "TLSv1.4")).build(),
                                          provider))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("protocols: \"TLSv1.4\" is not a protocol " + provider.displayName());
        assertThatThrownBy(() -> contexts(TlsSettings.builder().ciphers(List.of("TLS_NO_SUCH_CIPHER")).build(),
                                          provider))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("ciphers: \"TLS_NO_SUCH_CIPHER\" is not a cipher suite");
    }

    @ParameterizedTest
    @EnumSource(TlsProvider.class)
    void configuredCipherIsNegotiated(TlsProvider provider) throws Exception {
        final String cipher = "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256";
        final TlsEcho.Server server = echo.server(contexts(
                TlsSettings.builder().keyMaterial(pki.server().keyMaterial()).protocols(List.of("TLSv1.2"))
                           .ciphers(List.of(cipher)).build(), provider));
        final TlsEcho.Result r = echo.connect(client(provider), server, "localhost");
        assertThat(r.succeeded()).as("%s", r).isTrue();
        assertThat(r.protocol()).isEqualTo("TLSv1.2");
        assertThat(r.cipherSuite()).isEqualTo(cipher);
    }
}
