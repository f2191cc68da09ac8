package io.siplb.proxy.config;

import static java.util.Objects.requireNonNull;

import java.time.Duration;
import java.util.List;

/**
 * How siplb manages TCP, TLS and WebSocket connections ({@code siplb.connections}) and what its WebSocket listeners
 * accept ({@code siplb.websocket}). Immutable.
 *
 * @param connectTimeout how long an outbound connection may take to open (TCP connect; the TLS and WebSocket
 *                       handshakes have their own limits)
 * @param idleTimeout a connection that carries nothing for this long, in either direction, is closed (CRLF
 *                    keep-alives count as traffic)
 * @param messageTimeout a connection that has sent part of a message and not its end for this long is closed
 *                       (slow-header protection)
 * @param maxConnections inbound connections at most; past it new ones are closed at once and counted
 * @param maxPerSourceIp inbound connections from one IP address at most
 * @param writeBufferLow the write queue's low water mark: below it a connection takes writes again
 * @param writeBufferHigh the write queue's high water mark: above it messages to the connection are dropped
 * @param writeTimeout a connection whose queue stays above the high water mark this long (a peer that stopped
 *                     reading) is closed
 * @param maxOutbound outbound connections per event loop at most
 * @param webSocketPath the request path a WebSocket upgrade must have, or {@code ""} for any path
 * @param webSocketOrigins the Origin values accepted on a WebSocket upgrade, empty for any
 */
public record ConnectionSettings(Duration connectTimeout, Duration idleTimeout, Duration messageTimeout,
                                 int maxConnections, int maxPerSourceIp, int writeBufferLow, int writeBufferHigh,
                                 Duration writeTimeout, int maxOutbound, String webSocketPath,
                                 List<String> webSocketOrigins) {

    /** Checks the values. */
    public ConnectionSettings {
        requireNonNull(connectTimeout, "connectTimeout");
        requireNonNull(idleTimeout, "idleTimeout");
        requireNonNull(messageTimeout, "messageTimeout");
        requireNonNull(writeTimeout, "writeTimeout");
        requireNonNull(webSocketPath, "webSocketPath");
        webSocketOrigins = List.copyOf(webSocketOrigins);
        check("connect-timeout", connectTimeout, Duration.ofMillis(10), Duration.ofMinutes(5));
        check("idle-timeout", idleTimeout, Duration.ofSeconds(1), Duration.ofDays(1));
        check("message-timeout", messageTimeout, Duration.ofMillis(100), Duration.ofMinutes(10));
        check("write-timeout", writeTimeout, Duration.ofMillis(100), Duration.ofMinutes(10));
        if (maxConnections < 1 || maxConnections > 10_000_000) {
            throw new IllegalArgumentException("max: " + maxConnections + " (expected: 1..10000000)");
        }
        if (maxPerSourceIp < 1 || maxPerSourceIp > maxConnections) {
            throw new IllegalArgumentException("max-per-ip: " + maxPerSourceIp + " (expected: 1..max = "
                                               + maxConnections + ')');
        }
        if (writeBufferLow < 1024 || writeBufferHigh < writeBufferLow || writeBufferHigh > 1 << 30) {
            throw new IllegalArgumentException("write-buffer-high: " + writeBufferHigh + " with write-buffer-low "
                                               + writeBufferLow + " (expected: 1k <= low <= high <= 1g)");
        }
        if (maxOutbound < 1 || maxOutbound > 1_000_000) {
            throw new IllegalArgumentException("max-outbound: " + maxOutbound + " (expected: 1..1000000)");
        }
        if (!webSocketPath.isEmpty() && !webSocketPath.startsWith("/")) {
            throw new IllegalArgumentException("path: \"" + webSocketPath + "\" (expected: \"\" or a path like "
                                               + "\"/sip\")");
        }
    }

    private static void check(String key, Duration d, Duration min, Duration max) {
        if (d.compareTo(min) < 0 || d.compareTo(max) > 0) {
            throw new IllegalArgumentException(key + ": " + d + " (expected: " + min + ".." + max + ')');
        }
    }

    /** Returns the defaults of reference.conf. */
    public static ConnectionSettings defaults() {
        return new ConnectionSettings(Duration.ofSeconds(5), Duration.ofSeconds(600), Duration.ofSeconds(10),
                                      10_000, 200, 256 * 1024, 1024 * 1024, Duration.ofSeconds(10), 4096, "",
                                      List.of());
    }

    /** Returns a copy with other idle, message and write timeouts (for tests). */
    public ConnectionSettings withTimeouts(Duration idle, Duration message, Duration write) {
        return new ConnectionSettings(connectTimeout, idle, message, maxConnections, maxPerSourceIp, writeBufferLow,
                                      writeBufferHigh, write, maxOutbound, webSocketPath, webSocketOrigins);
    }

    /** Returns a copy with other connection limits (for tests). */
    public ConnectionSettings withLimits(int max, int perIp) {
        return new ConnectionSettings(connectTimeout, idleTimeout, messageTimeout, max, perIp, writeBufferLow,
                                      writeBufferHigh, writeTimeout, maxOutbound, webSocketPath, webSocketOrigins);
    }

    /** Returns a copy with other write buffer water marks (for tests). */
    public ConnectionSettings withWriteBuffer(int low, int high) {
        return new ConnectionSettings(connectTimeout, idleTimeout, messageTimeout, maxConnections, maxPerSourceIp,
                                      low, high, writeTimeout, maxOutbound, webSocketPath, webSocketOrigins);
    }

    /** Returns a copy with another WebSocket path and Origin list. */
    public ConnectionSettings withWebSocket(String path, List<String> origins) {
        return new ConnectionSettings(connectTimeout, idleTimeout, messageTimeout, maxConnections, maxPerSourceIp,
                                      writeBufferLow, writeBufferHigh, writeTimeout, maxOutbound, path, origins);
    }
}
