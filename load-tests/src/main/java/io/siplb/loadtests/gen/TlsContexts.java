package io.siplb.loadtests.gen;

import java.io.File;

import javax.net.ssl.SSLException;

import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import io.netty.handler.ssl.util.InsecureTrustManagerFactory;

/**
 * Builds the generator's TLS contexts with the JDK provider: a client that trusts one CA certificate (PEM) or, with
 * {@code insecure}, any certificate; a server from a certificate chain and private key (PKCS#8 PEM). Host names are
 * not verified (the generator talks to IP addresses on test networks). Static methods only. Immutable.
 */
final class TlsContexts {

    private TlsContexts() {}

    static SslContext client(File caPem, boolean insecure) {
        try {
            final SslContextBuilder b = SslContextBuilder.forClient().sslProvider(SslProvider.JDK);
            if (insecure) {
                b.trustManager(InsecureTrustManagerFactory.INSTANCE);
            } else if (caPem != null) {
                b.trustManager(caPem);
            } else {
                throw new IllegalArgumentException("tls: no --ca FILE and no --insecure (expected: one of them)");
            }
            return b.build();
        } catch (SSLException e) {
            throw new IllegalArgumentException("tls: cannot build a client context (" + e.getMessage() + ')', e);
        }
    }

    static SslContext server(File certPem, File keyPem) {
        if (certPem == null || keyPem == null) {
            throw new IllegalArgumentException("tls: the UAS needs --cert FILE and --key FILE");
        }
        try {
            return SslContextBuilder.forServer(certPem, keyPem).sslProvider(SslProvider.JDK).build();
        } catch (SSLException | IllegalArgumentException e) {
            throw new IllegalArgumentException("tls: cannot build a server context from " + certPem + " and " +
                                               keyPem + " (" + e.getMessage() + ')', e);
        }
    }
}
