package io.siplb.proxy.stream;

import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.atomic.LongAdder;

import io.siplb.dispatch.Transport;

/**
 * Counters of the stream transports: connections opened per transport and direction, refused by a limit, closed by
 * a cause, TLS handshake failures. Thread-safe (lock-free adders).
 */
public final class ConnectionStats {

    /** Why siplb closed or refused a connection. */
    public enum Cause {
        /** Refused: {@code siplb.connections.max} inbound connections are open. */
        REFUSED_LIMIT,
        /** Refused: {@code siplb.connections.max-per-ip} connections from this IP address are open. */
        REFUSED_PER_IP,
        /** Closed: nothing came or went for {@code idle-timeout}. */
        IDLE,
        /** Closed: part of a message and not its end for {@code message-timeout} (slow headers). */
        SLOW_MESSAGE,
        /** Closed: the peer stopped reading and the write queue stayed full for {@code write-timeout}. */
        WRITE_STALLED,
        /** Closed after a framing error (no start line, a bad or too large Content-Length, a header block too long). */
        FRAMING_ERROR,
        /** The TLS handshake failed or did not finish in time. */
        TLS_HANDSHAKE_FAILED,
        /** The WebSocket upgrade was refused (path, Origin, not an upgrade) or did not finish. */
        WEBSOCKET_UPGRADE_FAILED,
        /** An outbound connection could not be opened. */
        CONNECT_FAILED,
        /** A read or write error (a reset by the peer). */
        RESET
    }

    private final EnumMap<Transport, LongAdder> inboundOpened = new EnumMap<>(Transport.class);
    private final EnumMap<Transport, LongAdder> outboundOpened = new EnumMap<>(Transport.class);
    private final EnumMap<Cause, LongAdder> causes = new EnumMap<>(Cause.class);

    /** Creates zeroed counters. */
    public ConnectionStats() {
        for (Transport t : Transport.values()) {
            inboundOpened.put(t, new LongAdder());
            outboundOpened.put(t, new LongAdder());
        }
        for (Cause c : Cause.values()) {
            causes.put(c, new LongAdder());
        }
    }

    void opened(Transport t, boolean inbound) {
        (inbound ? inboundOpened : outboundOpened).get(t).increment();
    }

    void count(Cause cause) {
        causes.get(cause).increment();
    }

    /** Returns the connections accepted over {@code t}. */
    public long inboundOpened(Transport t) {
        return inboundOpened.get(t).sum();
    }

    /** Returns the connections siplb opened over {@code t}. */
    public long outboundOpened(Transport t) {
        return outboundOpened.get(t).sum();
    }

    /** Returns how often {@code cause} closed or refused a connection. */
    public long get(Cause cause) {
        return causes.get(cause).sum();
    }

    /** Returns the non-zero counters by name ({@code connections.tcp.inbound}, {@code connections.idle}, ...). */
    public Map<String, Long> snapshot() {
        final Map<String, Long> m = new LinkedHashMap<>();
        for (Transport t : Transport.values()) {
            put(m, "connections." + t.uriName() + ".inbound", inboundOpened.get(t).sum());
            put(m, "connections." + t.uriName() + ".outbound", outboundOpened.get(t).sum());
        }
        for (Cause c : Cause.values()) {
            put(m, "connections." + c.name().toLowerCase(java.util.Locale.ROOT).replace('_', '-'), causes.get(c).sum());
        }
        return m;
    }

    private static void put(Map<String, Long> m, String k, long v) {
        if (v != 0) {
            m.put(k, v);
        }
    }
}
