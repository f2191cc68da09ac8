package io.siplb.proxy.stream;

import io.netty.buffer.ByteBufAllocator;
import io.netty.handler.ssl.SslHandler;

/**
 * Where the stream transports get their TLS handlers from: the server side for {@code tls:} and {@code wss:}
 * listeners, the client side for connections siplb opens to TLS destinations. Implementations are thread-safe.
 */
public interface TlsHandlers {

    /** Returns a new server-side handler for an accepted connection. */
    SslHandler newServerHandler(ByteBufAllocator alloc);

    /**
     * Returns a new client-side handler for a connection to {@code peerHost} (a name or an IP literal: the SNI name
     * and what the peer's certificate must match when verification is on) at {@code peerPort}.
     */
    SslHandler newClientHandler(ByteBufAllocator alloc, String peerHost, int peerPort);
}
