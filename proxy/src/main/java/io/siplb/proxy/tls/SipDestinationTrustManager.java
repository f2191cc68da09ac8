package io.siplb.proxy.tls;

import static java.util.Objects.requireNonNull;

import java.net.Socket;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.concurrent.atomic.LongAdder;

import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedTrustManager;

import io.netty.handler.ssl.ResumableX509ExtendedTrustManager;

/**
 * Verifies the certificate of a destination siplb connects to: first the chain, with the trust manager of the
 * configured trust store ({@code siplb.tls.ca-bundle}), then the host, which RFC 5922 §7.2 asks for and which that
 * trust manager does not do ({@link SipIdentities}): the certificate must name the host the connection was opened
 * for, {@link SSLEngine#getPeerHost()}, i.e. the {@code peerHost} of
 * {@link TlsContexts#newClientHandler(io.netty.buffer.ByteBufAllocator, String, int)}. Both providers call the
 * {@code SSLEngine} variants of {@link X509ExtendedTrustManager}: the JDK's engine directly, Netty's BoringSSL
 * engine from its verify callback; the variants without an engine have no host to check and refuse.
 *
 * <p>A resumed session exchanges no certificate, so the check above does not run. Netty then calls
 * {@link #resumeServerTrusted(X509Certificate[], SSLEngine)} (this class is a
 * {@link ResumableX509ExtendedTrustManager}) with the chain kept in the session, and the host is checked again.
 * The client session caches are keyed by peer host and port, so a session is only offered to the host it was
 * verified for in the first place; the second check makes that independent of the cache's keying.
 *
 * <p>With {@code verify-destinations = false} ({@link #acceptingAny(LongAdder, LongAdder)}) every chain is accepted.
 * Either way the calls are counted: full handshakes (a certificate was received) and resumed sessions, the two
 * signals Netty itself tells resumption by, with either provider.
 *
 * <p>Thread-safe (the delegate is immutable; the counters are {@link LongAdder}s).
 */
final class SipDestinationTrustManager extends X509ExtendedTrustManager implements ResumableX509ExtendedTrustManager {

    private static final X509Certificate[] NO_ISSUERS = new X509Certificate[0];

    /** {@code null}: accept every chain and host. */
    private final X509ExtendedTrustManager chainTrust;
    private final LongAdder fullHandshakes;
    private final LongAdder resumptions;

    private SipDestinationTrustManager(X509ExtendedTrustManager chainTrust, LongAdder fullHandshakes,
                                       LongAdder resumptions) {
        this.chainTrust = chainTrust;
        this.fullHandshakes = requireNonNull(fullHandshakes, "fullHandshakes");
        this.resumptions = requireNonNull(resumptions, "resumptions");
    }

    /** Returns a trust manager checking chains with {@code chainTrust} and host names itself. */
    static SipDestinationTrustManager verifying(X509ExtendedTrustManager chainTrust, LongAdder fullHandshakes,
                                                LongAdder resumptions) {
        return new SipDestinationTrustManager(requireNonNull(chainTrust, "chainTrust"), fullHandshakes,
                                              resumptions);
    }

    /** Returns a trust manager accepting every certificate ({@code verify-destinations = false}). */
    static SipDestinationTrustManager acceptingAny(LongAdder fullHandshakes, LongAdder resumptions) {
        return new SipDestinationTrustManager(null, fullHandshakes, resumptions);
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
            throws CertificateException {
        fullHandshakes.increment();
        if (chainTrust != null) {
            chainTrust.checkServerTrusted(chain, authType, engine);
            checkHost(chain, engine);
        }
    }

    @Override
    public void resumeServerTrusted(X509Certificate[] chain, SSLEngine engine) throws CertificateException {
        resumptions.increment();
        if (chainTrust != null) {
            checkHost(chain, engine);
        }
    }

    @Override
    public void resumeClientTrusted(X509Certificate[] chain, SSLEngine engine) {
        // siplb's client contexts do not verify clients: nothing to restore.
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket)
            throws CertificateException {
        throw new CertificateException("siplb verifies destinations on SSLEngine connections only");
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
        throw new CertificateException("no destination host to verify the certificate against");
    }

    // siplb's client contexts never verify clients; these exist because the interface has them.

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
            throws CertificateException {
        throw new CertificateException("a destination trust manager does not verify clients");
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket)
            throws CertificateException {
        throw new CertificateException("a destination trust manager does not verify clients");
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
        throw new CertificateException("a destination trust manager does not verify clients");
    }

    @Override
    public X509Certificate[] getAcceptedIssuers() {
        return chainTrust == null ? NO_ISSUERS : chainTrust.getAcceptedIssuers();
    }

    private static void checkHost(X509Certificate[] chain, SSLEngine engine) throws CertificateException {
        if (chain == null || chain.length == 0) {
            throw new CertificateException("the destination sent no certificate");
        }
        final String host = engine.getPeerHost();
        if (host == null || host.isEmpty()) {
            throw new CertificateException("no destination host to verify the certificate against (the " +
                                           "connection was opened without one)");
        }
        final X509Certificate leaf = chain[0];
        if (!SipIdentities.matches(leaf, host)) {
            throw new CertificateException("the certificate of the destination does not name " + host +
                                           " (RFC 5922 §7.2; it names " + SipIdentities.describe(leaf) + "; " +
                                           "subject " + leaf.getSubjectX500Principal().getName() + ')');
        }
    }
}
