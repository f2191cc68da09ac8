package io.siplb.proxy.tls;

import static java.util.Objects.requireNonNull;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509ExtendedTrustManager;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.netty.buffer.ByteBufAllocator;
import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslHandler;
import io.netty.util.NetUtil;

/**
 * The TLS contexts of siplb: one server context (siplb's certificate, presented to clients of its TLS listeners)
 * and one client context (for connections to destinations), built from {@link TlsSettings} on BoringSSL
 * (netty-tcnative, Netty's {@code SslProvider.OPENSSL}) or, when the native library cannot load, on the JDK's
 * {@code SSLEngine}; the fallback is logged once at WARN with its cause. Listeners and the connection pool ask for
 * one {@link SslHandler} per connection.
 *
 * <p>Destinations are verified by {@link SipDestinationTrustManager}: the chain against {@code ca-bundle}, and the
 * host name the connection is opened for as RFC 5922 §7.2 says (unless {@code verify-destinations = false}).
 * Client connections resume sessions: each provider's client session cache is keyed by the peer host and port
 * given to {@link #newClientHandler(ByteBufAllocator, String, int)}, so a second connection to the same host:port
 * offers the session (TLS 1.2 session ID or ticket, TLS 1.3 PSK ticket) of an earlier one. A resumed handshake
 * receives no certificate, so the trust manager's check does not run; Netty calls its resume callback instead,
 * where the host is checked again. That callback is how resumption is told with either provider
 * ({@link #clientResumptions()} against {@link #clientFullHandshakes()}): the session ID is no signal in TLS 1.3
 * (the JDK gives a resumed TLS 1.3 session a new ID; BoringSSL's first TLS 1.3 session has an empty one), and only
 * in TLS 1.2 does a resumed session keep the ID of the one it resumes.
 *
 * <p>Certificate rotation: when created with a scheduler and a non-zero {@code reload-interval}, the key material
 * files and the CA bundle are polled (modification time, size and file key: an atomic rename or a symbolic link
 * swap is seen too). On a change, both contexts are rebuilt; a file that cannot be used leaves the current
 * contexts in place and is logged once at WARN with the file and the problem (again only when the files change
 * again); a good set replaces both contexts at once and is logged at INFO. New connections get the new contexts;
 * established ones keep their engine, and thereby the context it came from. A check that finds nothing changed is
 * a few {@code stat} calls; a rebuild reads the files and takes milliseconds, so an event loop can be the
 * scheduler. The server's session ticket keys belong to its context: after a reload, clients resume nothing and
 * run one full handshake.
 *
 * <p>Concurrency: the contexts live in one immutable {@code Generation} behind a {@code volatile} field. Handler
 * creation reads it once and takes no lock. Reloads (the scheduler's task, or {@link #reloadIfChanged()} from any
 * thread) are serialized on {@code reloadLock}, build a complete generation, and publish it with one volatile
 * write. Old generations are collected once their last engine is gone; the non-reference-counted BoringSSL
 * contexts used here free their native memory then. Thread-safe (lock-free on the handler-creation path).
 */
public final class TlsContexts implements AutoCloseable, io.siplb.proxy.stream.TlsHandlers {

    /** What one reload check did. */
    public enum ReloadResult {
        /** No watched file changed since the last check. */
        UNCHANGED,
        /** Files changed and the new contexts are in use. */
        RELOADED,
        /** Files changed but cannot be used: the previous contexts stay (see {@link #lastReloadProblem()}). */
        FAILED
    }

    private static final Logger logger = LoggerFactory.getLogger(TlsContexts.class);

    private final TlsSettings settings;
    private final TlsProvider provider;
    private final long handshakeTimeoutMillis;
    private final List<Path> watched;

    private volatile Generation current;

    private final Object reloadLock = new Object();
    /** The stamps of the files the last build attempt read (successful or not). Guarded by {@code reloadLock}. */
    private Map<Path, FileStamp> lastAttempt;

    /** Client handshakes in which a destination sent its certificate; across reloads. */
    private final LongAdder fullHandshakes = new LongAdder();
    /** Client handshakes that resumed an earlier session; across reloads. */
    private final LongAdder resumptions = new LongAdder();

    private final AtomicLong reloads = new AtomicLong();
    private final AtomicLong reloadFailures = new AtomicLong();
    private volatile String lastReloadProblem;

    /** The periodic reload check, or {@code null}. */
    private final ScheduledFuture<?> reloadTask;

    private TlsContexts(TlsSettings settings, ScheduledExecutorService scheduler, TlsProvider provider)
            throws TlsMaterialException {
        this.settings = requireNonNull(settings, "settings");
        this.provider = requireNonNull(provider, "provider");
        final String protocol = TlsSettings.unknownProtocol(provider, settings.protocols());
        if (protocol != null) {
            throw new IllegalArgumentException("protocols: \"" + protocol + "\" is not a protocol " +
                                               provider.displayName() + " knows (expected: " +
                                               String.join(", ", provider.supportedProtocols()) + ')');
        }
        final String cipher = TlsSettings.unknownCipher(provider, settings.ciphers());
        if (cipher != null) {
            throw new IllegalArgumentException("ciphers: \"" + cipher + "\" is not a cipher suite " +
                                               provider.displayName() + " knows (expected: IANA names such as " +
                                               "TLS_AES_128_GCM_SHA256)");
        }
        handshakeTimeoutMillis = settings.handshakeTimeout().toMillis();
        watched = settings.watchedFiles();
        synchronized (reloadLock) {
            lastAttempt = stamps(watched);
            current = build();
        }
        final Generation g = current;
        logger.info("TLS: {}; {}; trusting {}; client certificates: {}; protocols {}; ciphers {}",
                    provider.displayName(),
                    g.certificate == null ? "no certificate (client connections only)" : describe(g.certificate),
                    settings.caBundle() == null ? "the JDK's trust store" : settings.caBundle(),
                    settings.clientAuth().name().toLowerCase(Locale.ROOT), settings.protocols(),
                    settings.ciphers().isEmpty() ? "the provider's defaults" : settings.ciphers());
        if (!settings.verifyDestinations()) {
            logger.warn("TLS: siplb.tls.verify-destinations = false: the certificates of destinations are not " +
                        "verified, anyone on the path can impersonate them");
        }
        if (scheduler != null && !settings.reloadInterval().isZero() && !watched.isEmpty()) {
            final long ms = settings.reloadInterval().toMillis();
            reloadTask = scheduler.scheduleWithFixedDelay(this::reloadTick, ms, ms, TimeUnit.MILLISECONDS);
        } else {
            reloadTask = null;
        }
    }

    /**
     * Builds the contexts without watching the files.
     *
     * @throws TlsMaterialException when a file cannot be used
     * @throws IllegalArgumentException when the provider does not know a protocol or cipher suite of the settings
     */
    public static TlsContexts create(TlsSettings settings) throws TlsMaterialException {
        return new TlsContexts(settings, null, TlsProvider.preferred());
    }

    /**
     * Builds the contexts and checks the files for changes every {@link TlsSettings#reloadInterval()} on
     * {@code scheduler} (e.g. a Netty {@code EventExecutor}); {@link #close()} stops the checks.
     *
     * @throws TlsMaterialException when a file cannot be used
     * @throws IllegalArgumentException when the provider does not know a protocol or cipher suite of the settings
     */
    public static TlsContexts create(TlsSettings settings, ScheduledExecutorService scheduler)
            throws TlsMaterialException {
        return new TlsContexts(settings, requireNonNull(scheduler, "scheduler"), TlsProvider.preferred());
    }

    /** {@link #create(TlsSettings, ScheduledExecutorService)} on a given provider; {@code scheduler} may be null. */
    static TlsContexts create(TlsSettings settings, ScheduledExecutorService scheduler, TlsProvider provider)
            throws TlsMaterialException {
        return new TlsContexts(settings, scheduler, provider);
    }

    /**
     * Returns a handler for a connection a client opened to siplb, presenting siplb's certificate and, with
     * {@code client-auth} {@code optional} or {@code required}, asking for the client's.
     *
     * <p>The handler owns its {@code SSLEngine} and the buffers it allocates from {@code alloc}; Netty frees them
     * when the handler leaves the pipeline (the channel closes). A handler never added to a pipeline must have
     * its engine released with {@code ReferenceCountUtil.release(handler.engine())}.
     *
     * @throws IllegalStateException when no certificate is configured
     */
    public SslHandler newServerHandler(ByteBufAllocator alloc) {
        requireNonNull(alloc, "alloc");
        final Generation g = current;
        if (g.server == null) {
            throw new IllegalStateException("no TLS certificate (set siplb.tls.certificate and " +
                                            "siplb.tls.private-key)");
        }
        final SslHandler handler = g.server.newHandler(alloc);
        handler.setHandshakeTimeoutMillis(handshakeTimeoutMillis);
        return handler;
    }

    /**
     * Returns a handler for a connection siplb opens to a destination: SNI with {@code peerHost} when it is a host
     * name (in lower case, without a trailing dot; never for an IP literal, RFC 6066 §3), the destination's
     * certificate verified against {@code peerHost} (RFC 5922 §7.2), siplb's certificate presented when the
     * destination asks for one, and the session of an earlier connection to the same host and port offered for
     * resumption.
     *
     * <p>{@code peerHost} is the SIP domain the request was sent to (the host of the URI RFC 3263 resolved), not
     * the target of an SRV record, and not the resolved address unless the URI held that address. The handler
     * owns its {@code SSLEngine}, as for {@link #newServerHandler(ByteBufAllocator)}.
     *
     * @param peerHost a host name or an IP literal (IPv6 with or without brackets)
     * @param peerPort the destination's port, 1..65535
     */
    public SslHandler newClientHandler(ByteBufAllocator alloc, String peerHost, int peerPort) {
        requireNonNull(alloc, "alloc");
        requireNonNull(peerHost, "peerHost");
        if (peerPort < 1 || peerPort > 65535) {
            throw new IllegalArgumentException("peerPort: " + peerPort + " (expected: 1..65535)");
        }
        final String host = peerHost.startsWith("[") && peerHost.endsWith("]")
                            ? peerHost.substring(1, peerHost.length() - 1) : peerHost;
        final Generation g = current;
        final SslHandler handler = g.client.newHandler(alloc, host, peerPort);
        if (!NetUtil.isValidIpV4Address(host) && !NetUtil.isValidIpV6Address(host)) {
            // DNS names are case-insensitive: send the canonical lower-case form, without a trailing dot.
            final String name = (host.endsWith(".") ? host.substring(0, host.length() - 1) : host)
                    .toLowerCase(Locale.ROOT);
            final SSLEngine engine = handler.engine();
            try {
                final SSLParameters parameters = engine.getSSLParameters();
                parameters.setServerNames(List.of(new SNIHostName(name)));
                engine.setSSLParameters(parameters);
            } catch (IllegalArgumentException e) {
                // Not a name SNI can carry (RFC 6066 §3: LDH labels): no SNI; the host is still verified.
            }
        }
        handler.setHandshakeTimeoutMillis(handshakeTimeoutMillis);
        return handler;
    }

    /** Returns the provider's name, e.g. {@code "BoringSSL"} or {@code "JDK SunJSSE"}. */
    public String providerName() {
        return provider.displayName();
    }

    /** Returns whether BoringSSL (native) is in use rather than the JDK's {@code SSLEngine}. */
    public boolean isNative() {
        return provider == TlsProvider.OPENSSL;
    }

    /** Returns the settings the contexts were built from. */
    public TlsSettings settings() {
        return settings;
    }

    /** Returns siplb's leaf certificate in use by new connections, or {@code null} when none is configured. */
    public X509Certificate certificate() {
        return current.certificate;
    }

    /**
     * Returns how many connections to destinations ran a full handshake: the destination sent its certificate
     * (counted before it is verified).
     */
    public long clientFullHandshakes() {
        return fullHandshakes.sum();
    }

    /**
     * Returns how many connections to destinations resumed an earlier session: no certificate was sent, and Netty
     * called the trust manager's resume callback, with either provider.
     */
    public long clientResumptions() {
        return resumptions.sum();
    }

    /** Returns how many reloads replaced the contexts. */
    public long reloadCount() {
        return reloads.get();
    }

    /** Returns how many reloads failed and left the contexts in place. */
    public long reloadFailureCount() {
        return reloadFailures.get();
    }

    /** Returns {@code FILE: PROBLEM} of the last reload when it failed, or {@code null}. */
    public String lastReloadProblem() {
        return lastReloadProblem;
    }

    /**
     * Checks the watched files now and rebuilds the contexts when one changed since the last check (what the
     * periodic task does). Safe to call from any thread; checks run one at a time.
     */
    public ReloadResult reloadIfChanged() {
        synchronized (reloadLock) {
            final Map<Path, FileStamp> now = stamps(watched);
            if (now.equals(lastAttempt)) {
                return ReloadResult.UNCHANGED;
            }
            final List<Path> changed = new ArrayList<>();
            for (Map.Entry<Path, FileStamp> e : now.entrySet()) {
                if (!e.getValue().equals(lastAttempt.get(e.getKey()))) {
                    changed.add(e.getKey());
                }
            }
            // Stamps are taken before reading: a write that lands during the build is seen at the next check.
            lastAttempt = now;
            final Generation g;
            try {
                g = build();
            } catch (TlsMaterialException e) {
                reloadFailures.incrementAndGet();
                lastReloadProblem = e.getMessage();
                logger.warn("TLS: cannot reload: {}; new connections keep the current certificate and trust store",
                            e.getMessage());
                return ReloadResult.FAILED;
            }
            current = g;
            reloads.incrementAndGet();
            lastReloadProblem = null;
            logger.info("TLS: reloaded after a change of {}: {}", changed,
                        g.certificate == null ? "trust store only" : describe(g.certificate));
            return ReloadResult.RELOADED;
        }
    }

    /** Stops the periodic reload check; handlers can still be created. */
    @Override
    public void close() {
        if (reloadTask != null) {
            reloadTask.cancel(false);
        }
    }

    private void reloadTick() {
        try {
            reloadIfChanged();
        } catch (RuntimeException e) {
            // A scheduled task that throws is never run again: log and keep checking.
            logger.warn("TLS: the reload check failed", e);
        }
    }

    private Generation build() throws TlsMaterialException {
        final TlsFiles.KeyAndChain own = settings.keyMaterial() == null ? null : TlsFiles.load(settings.keyMaterial());
        final TrustManagerFactory trust = trustManagerFactory();
        if (own != null) {
            final Instant now = Instant.now();
            final X509Certificate leaf = own.certificate();
            if (leaf.getNotAfter().toInstant().isBefore(now) || leaf.getNotBefore().toInstant().isAfter(now)) {
                logger.warn("TLS: siplb's own certificate is not valid now: {}", describe(leaf));
            }
        }
        try {
            SslContext server = null;
            if (own != null) {
                final SslContextBuilder b = SslContextBuilder.forServer(own.key(), own.chain())
                                                             .sslProvider(provider.nettyProvider())
                                                             .protocols(settings.protocols());
                if (!settings.ciphers().isEmpty()) {
                    b.ciphers(settings.ciphers());
                }
                switch (settings.clientAuth()) {
                    case NONE:
                        b.clientAuth(ClientAuth.NONE);
                        break;
                    case OPTIONAL:
                        b.clientAuth(ClientAuth.OPTIONAL).trustManager(trust);
                        break;
                    case REQUIRED:
                        b.clientAuth(ClientAuth.REQUIRE).trustManager(trust);
                        break;
                    default:
                        throw new AssertionError(settings.clientAuth());
                }
                server = b.build();
            }
            final SslContextBuilder c = SslContextBuilder.forClient()
                                                         .sslProvider(provider.nettyProvider())
                                                         .protocols(settings.protocols())
                                                         // Host names are checked by SipDestinationTrustManager.
                                                         .endpointIdentificationAlgorithm(null);
            if (!settings.ciphers().isEmpty()) {
                c.ciphers(settings.ciphers());
            }
            if (own != null) {
                c.keyManager(own.key(), own.chain());
            }
            c.trustManager(settings.verifyDestinations()
                           ? SipDestinationTrustManager.verifying(chainTrust(trust), fullHandshakes, resumptions)
                           : SipDestinationTrustManager.acceptingAny(fullHandshakes, resumptions));
            return new Generation(server, c.build(), own == null ? null : own.certificate());
        } catch (SSLException | IllegalArgumentException e) {
            final List<Path> files = settings.watchedFiles();
            if (files.isEmpty()) {
                throw new IllegalStateException(provider.displayName() + " cannot build a TLS context", e);
            }
            throw new TlsMaterialException(files.get(0), provider.displayName() + " cannot use it (" +
                                                         e.getMessage() + ')', e);
        }
    }

    private TrustManagerFactory trustManagerFactory() throws TlsMaterialException {
        final Path bundle = settings.caBundle();
        try {
            final TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            if (bundle == null) {
                tmf.init((KeyStore) null);
                return tmf;
            }
            final List<X509Certificate> cas = TlsFiles.readCertificates(bundle);
            final KeyStore ks = KeyStore.getInstance(KeyStore.getDefaultType());
            ks.load(null, null);
            for (int i = 0; i < cas.size(); i++) {
                ks.setCertificateEntry("ca-" + i, cas.get(i));
            }
            tmf.init(ks);
            return tmf;
        } catch (GeneralSecurityException | IOException e) {
            if (bundle == null) {
                throw new IllegalStateException("the JDK's default trust store cannot be loaded", e);
            }
            throw new TlsMaterialException(bundle, "cannot be used as a trust store (" + e.getMessage() + ')', e);
        }
    }

    private static X509ExtendedTrustManager chainTrust(TrustManagerFactory tmf) {
        for (TrustManager tm : tmf.getTrustManagers()) {
            if (tm instanceof X509ExtendedTrustManager) {
                return (X509ExtendedTrustManager) tm;
            }
        }
        throw new IllegalStateException("the JDK's TrustManagerFactory gave no X509ExtendedTrustManager");
    }

    private static String describe(X509Certificate c) {
        return "certificate " + c.getSubjectX500Principal().getName() + " (" + SipIdentities.describe(c) +
               "; serial " + c.getSerialNumber().toString(16) + "; valid " + c.getNotBefore().toInstant() + " to " +
               c.getNotAfter().toInstant() + ')';
    }

    private static Map<Path, FileStamp> stamps(List<Path> files) {
        final Map<Path, FileStamp> stamps = new LinkedHashMap<>();
        for (Path f : files) {
            stamps.put(f, FileStamp.of(f));
        }
        return stamps;
    }

    /** One set of contexts, as built from one reading of the files. Immutable. */
    private static final class Generation {
        /** {@code null} without key material. */
        final SslContext server;
        final SslContext client;
        /** {@code null} without key material. */
        final X509Certificate certificate;

        Generation(SslContext server, SslContext client, X509Certificate certificate) {
            this.server = server;
            this.client = client;
            this.certificate = certificate;
        }
    }

    /** What a file looked like at one check: modification time, size and file key (inode), or missing. Immutable. */
    private record FileStamp(FileTime modified, long size, Object fileKey) {

        static final FileStamp MISSING = new FileStamp(null, -1, null);

        static FileStamp of(Path file) {
            try {
                final BasicFileAttributes a = Files.readAttributes(file, BasicFileAttributes.class);
                return new FileStamp(a.lastModifiedTime(), a.size(), a.fileKey());
            } catch (NoSuchFileException e) {
                return MISSING;
            } catch (IOException e) {
                // Unreadable attributes: a distinct stamp per failure text, so a recovery is a change.
                return new FileStamp(null, -2, Objects.toString(e.getMessage()));
            }
        }
    }
}
