/**
 * siplb's TLS layer: settings read from {@code siplb.tls}, the server and client {@code SslContext}s on BoringSSL
 * (netty-tcnative) or the JDK, destination verification as RFC 5922 §7.2 says, certificate rotation by polling
 * the files, and a self-signed development certificate for loopback listeners. The TCP, TLS and WebSocket
 * listeners and the connection pool ask {@link io.siplb.proxy.tls.TlsContexts} for one {@code SslHandler} per
 * connection.
 *
 * <p>Starting points: {@link io.siplb.proxy.tls.TlsSettings#parse(com.typesafe.config.Config, String,
 * java.nio.file.Path)}, {@link io.siplb.proxy.tls.TlsContexts#create(io.siplb.proxy.tls.TlsSettings,
 * java.util.concurrent.ScheduledExecutorService)},
 * {@link io.siplb.proxy.tls.DevCertificate#ensure(java.nio.file.Path)}.
 *
 * <p>Nullness: parameters and return values are non-null unless their Javadoc says otherwise.
 */
package io.siplb.proxy.tls;
