package io.siplb.proxy.core;

import java.util.concurrent.ConcurrentHashMap;

/**
 * The SRV target chosen for each name ({@code _sip._udp.NAME}), or the knowledge that it has none, until the answer's
 * time to live runs out: Netty caches address records but not SRV answers, and without this every request to a
 * next hop named without a port would ask the DNS server again. A name without SRV record is remembered for
 * {@value #NEGATIVE_TTL_SECONDS} s. At most {@value #MAX_ENTRIES} names are kept; when full, the cache starts over.
 * Thread-safe (lock-free): shared by the resolvers of every event loop.
 */
final class SrvCache {

    static final int MAX_ENTRIES = 4096;
    static final long NEGATIVE_TTL_SECONDS = 5;
    private static final long MAX_TTL_SECONDS = 86_400;

    /** What {@link #get} returns for a name known to have no SRV target. */
    static final NextHopResolver.Srv NONE = new NextHopResolver.Srv(0, 0, 0, "");

    private final ConcurrentHashMap<String, Entry> entries = new ConcurrentHashMap<>();

    /** An answer and when it expires ({@link System#nanoTime()}). Immutable. */
    private static final class Entry {
        final NextHopResolver.Srv target;
        final long expiresNanos;

        Entry(NextHopResolver.Srv target, long expiresNanos) {
            this.target = target;
            this.expiresNanos = expiresNanos;
        }
    }

    /** Returns the cached target of {@code name}, {@link #NONE}, or {@code null} when unknown or expired. */
    NextHopResolver.Srv get(String name, long nowNanos) {
        final Entry e = entries.get(name);
        if (e == null) {
            return null;
        }
        if (nowNanos - e.expiresNanos >= 0) {
            entries.remove(name, e);
            return null;
        }
        return e.target;
    }

    /**
     * Remembers {@code target} ({@code null}: no SRV target) for {@code name} for {@code ttlSeconds} (1 s .. 1 day;
     * ignored for "none", which is kept {@value #NEGATIVE_TTL_SECONDS} s).
     */
    void put(String name, NextHopResolver.Srv target, long ttlSeconds, long nowNanos) {
        final long ttl = target == null ? NEGATIVE_TTL_SECONDS : Math.max(1, Math.min(ttlSeconds, MAX_TTL_SECONDS));
        if (entries.size() >= MAX_ENTRIES) {
            entries.clear();
        }
        entries.put(name, new Entry(target == null ? NONE : target, nowNanos + ttl * 1_000_000_000L));
    }
}
