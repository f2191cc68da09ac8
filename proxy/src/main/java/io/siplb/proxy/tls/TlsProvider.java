package io.siplb.proxy.tls;

import java.security.NoSuchAlgorithmException;
import java.util.Collections;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicBoolean;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLException;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.netty.buffer.UnpooledByteBufAllocator;
import io.netty.handler.ssl.OpenSsl;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import io.netty.util.ReferenceCountUtil;

/**
 * The {@code SSLEngine} implementation behind siplb's TLS: BoringSSL through netty-tcnative when its native library
 * loads, else the JDK's. {@link #preferred()} decides once per JVM and logs the fallback once at WARN with the cause.
 * Each constant also knows the protocol and cipher suite names its engine accepts, so that a configuration naming
 * one it does not know is refused at load rather than at the first handshake.
 *
 * <p>Thread-safe (lock-free): the supported names are computed on first use, possibly twice under a race (the
 * result is the same), and published through a {@code volatile} field.
 */
enum TlsProvider {

    /** BoringSSL (netty-tcnative-boringssl-static), Netty's {@link SslProvider#OPENSSL}. */
    OPENSSL(SslProvider.OPENSSL),
    /** The JDK's {@code SSLEngine} (SunJSSE), Netty's {@link SslProvider#JDK}. */
    JDK(SslProvider.JDK);

    private static final Logger logger = LoggerFactory.getLogger(TlsProvider.class);

    private static final AtomicBoolean fallbackLogged = new AtomicBoolean();

    private final SslProvider nettyProvider;

    /** {protocols, cipher suites}, both sorted and unmodifiable; {@code null} until first asked. */
    private volatile Capabilities capabilities;

    TlsProvider(SslProvider nettyProvider) {
        this.nettyProvider = nettyProvider;
    }

    /** Returns {@link #OPENSSL} when BoringSSL loads on this platform, else {@link #JDK} (logged once at WARN). */
    static TlsProvider preferred() {
        if (OpenSsl.isAvailable()) {
            return OPENSSL;
        }
        if (fallbackLogged.compareAndSet(false, true)) {
            logger.warn("TLS: BoringSSL (netty-tcnative-boringssl-static) cannot be loaded on this platform, so " +
                        "TLS uses the JDK's SSLEngine: {}", String.valueOf(OpenSsl.unavailabilityCause()));
        }
        return JDK;
    }

    /** Returns Netty's name of this provider. */
    SslProvider nettyProvider() {
        return nettyProvider;
    }

    /** Returns a name for logs, e.g. {@code "BoringSSL"} or {@code "JDK SunJSSE"}. */
    String displayName() {
        if (this == OPENSSL) {
            return OpenSsl.isAvailable() ? OpenSsl.versionString() : "OpenSSL (unavailable)";
        }
        try {
            return "JDK " + SSLContext.getDefault().getProvider().getName();
        } catch (NoSuchAlgorithmException e) {
            return "JDK";
        }
    }

    /** Returns the protocol names this provider's engine supports ({@code TLSv1.2}, {@code TLSv1.3}, ...). */
    Set<String> supportedProtocols() {
        return capabilities().protocols();
    }

    /** Returns the cipher suites it supports, by IANA name (e.g. {@code TLS_AES_128_GCM_SHA256}). */
    Set<String> supportedCipherSuites() {
        return capabilities().ciphers();
    }

    private Capabilities capabilities() {
        Capabilities c = capabilities;
        if (c == null) {
            c = probe();
            capabilities = c;
        }
        return c;
    }

    private Capabilities probe() {
        final SslContext context;
        try {
            context = SslContextBuilder.forClient().sslProvider(nettyProvider).endpointIdentificationAlgorithm(null)
                                       .build();
        } catch (SSLException e) {
            throw new IllegalStateException(displayName() + " cannot create a TLS context", e);
        }
        final SSLEngine engine = context.newEngine(UnpooledByteBufAllocator.DEFAULT);
        try {
            final Set<String> protocols = new TreeSet<>();
            for (String p : engine.getSupportedProtocols()) {
                // SSLv2Hello is a ClientHello format, SSLv3 is broken (RFC 7568): neither is a choice for SIP.
                if (p.startsWith("TLS")) {
                    protocols.add(p);
                }
            }
            final Set<String> ciphers = new TreeSet<>();
            for (String c : engine.getSupportedCipherSuites()) {
                // BoringSSL's engine also takes OpenSSL names (ECDHE-RSA-AES128-GCM-SHA256); only the IANA names
                // are accepted, so that a configuration means the same with either provider.
                if (c.startsWith("TLS_") || c.startsWith("SSL_")) {
                    ciphers.add(c);
                }
            }
            return new Capabilities(Collections.unmodifiableSet(protocols), Collections.unmodifiableSet(ciphers));
        } finally {
            ReferenceCountUtil.release(engine);
        }
    }

    /** What one provider's engine supports. Immutable. */
    private record Capabilities(Set<String> protocols, Set<String> ciphers) {}
}
