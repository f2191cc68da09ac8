/*
 * Copyright 2026 The siplb authors
 *
 * Licensed under the Apache License, Version 2.0 (the "License");
 * you may not use this file except in compliance with the License.
 * You may obtain a copy of the License at
 *
 *   https://www.apache.org/licenses/LICENSE-2.0
 */
package io.siplb.dispatch.state;

import static java.util.Objects.requireNonNull;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.LongSupplier;

/**
 * The call-load table (Kamailio {@code ds_ht}, algorithm 10): which destination each call was placed on, keyed by
 * Call-ID, and the per-destination active-call counters ({@link DestinationState#activeCalls()}) it maintains.
 * Thread-safe (lock-free).
 *
 * <p>Lifecycle of an entry, as the proxy drives it:
 * <ol>
 *   <li>{@link #add(String, DestinationState, int)} when a destination is selected for an INVITE: the entry is
 *       <em>unconfirmed</em> and the destination's count goes up. A Call-ID already tracked is rejected.</li>
 *   <li>{@link #moveTo(String, DestinationState)} on failover to the next destination (Kamailio
 *       {@code ds_load_replace}).</li>
 *   <li>{@link #confirm(String)} on a 2xx to the INVITE.</li>
 *   <li>{@link #release(String)} on BYE, CANCEL or a final failure of the INVITE (no more failover).</li>
 *   <li>{@link #sweep()}, scheduled by the proxy (Kamailio {@code ds_hash_check_interval}), drops entries older
 *       than {@code expire} (counted from selection, never refreshed; Kamailio {@code ds_hash_expire}) and
 *       unconfirmed entries older than {@code initExpire} ({@code ds_hash_initexpire}).</li>
 * </ol>
 * Memory is bounded: at most {@code maxCalls} entries; an add beyond that is refused with
 * {@link AddResult#TABLE_FULL} and counted ({@link #rejectedFull()}). Each destination's counter is incremented
 * and decremented exactly once per entry, whichever of release, move or expiry wins a race.
 *
 * <table>
 * <caption>Settings</caption>
 * <tr><th>Name</th><th>Default</th><th>Meaning</th></tr>
 * <tr><td>{@code maxCalls}</td><td>{@value #DEFAULT_MAX_CALLS}</td><td>entries tracked at most</td></tr>
 * <tr><td>{@code initExpire}</td><td>7200 s</td><td>lifetime of an unconfirmed entry</td></tr>
 * <tr><td>{@code expire}</td><td>7200 s</td><td>lifetime of any entry, from selection</td></tr>
 * <tr><td>{@code ticker}</td><td>{@link System#nanoTime()}</td><td>monotonic nanoseconds</td></tr>
 * </table>
 */
public final class CallLoadTable {

    /*
     * Concurrency: entries are immutable; every change is a conditional operation on the ConcurrentHashMap
     * (putIfAbsent, replace(k, old, new), remove(k, old)), so exactly one thread wins each entry version, and only
     * the winner touches the destination counters. Counters may therefore lag the map by one operation for an
     * instant, but are never lost or double counted. ConcurrentHashMap writes lock one hash bin for the duration
     * of the update (no global lock, no lock held across calls). `size` reserves capacity before insertion so
     * the bound holds under races.
     */

    /** Default of the maximum number of tracked calls. */
    public static final int DEFAULT_MAX_CALLS = 100_000;
    /** Default lifetime of an entry (Kamailio {@code ds_hash_expire}, 7200 s). */
    public static final Duration DEFAULT_EXPIRE = Duration.ofSeconds(7200);
    /** Default lifetime of an unconfirmed entry (Kamailio {@code ds_hash_initexpire}, 7200 s). */
    public static final Duration DEFAULT_INIT_EXPIRE = Duration.ofSeconds(7200);

    /** The outcome of {@link #add(String, DestinationState, int)}. */
    public enum AddResult {
        /** Tracked; the destination's active-call count went up. */
        ADDED,
        /** The Call-ID is already tracked; nothing changed. */
        DUPLICATE,
        /** The table holds {@code maxCalls} entries; nothing changed; counted in {@link #rejectedFull()}. */
        TABLE_FULL,
        /** The destination already has {@code maxLoad} active calls; nothing changed. */
        AT_MAX_LOAD;

        /** Whether the call is tracked. */
        public boolean isAdded() {
            return this == ADDED;
        }
    }

    private final int maxCalls;
    private final long expireNanos;
    private final long initExpireNanos;
    private final LongSupplier ticker;

    private final ConcurrentHashMap<String, Entry> entries = new ConcurrentHashMap<>();
    private final AtomicInteger size = new AtomicInteger();
    private final LongAdder added = new LongAdder();
    private final LongAdder released = new LongAdder();
    private final LongAdder expired = new LongAdder();
    private final LongAdder moved = new LongAdder();
    private final LongAdder rejectedFull = new LongAdder();
    private final LongAdder duplicates = new LongAdder();

    private CallLoadTable(Builder b) {
        maxCalls = b.maxCalls;
        expireNanos = b.expire.toNanos();
        initExpireNanos = b.initExpire.toNanos();
        ticker = b.ticker;
    }

    /** A builder with the defaults. */
    public static Builder builder() {
        return new Builder();
    }

    /** {@link #add(String, DestinationState, int)} with no {@code maxLoad}. */
    public AddResult add(String callId, DestinationState destination) {
        return add(callId, destination, 0);
    }

    /**
     * Tracks a new call placed on {@code destination}.
     *
     * @param maxLoad the destination's {@code maxload} attribute; {@code <= 0} means no limit
     */
    public AddResult add(String callId, DestinationState destination, int maxLoad) {
        requireNonNull(callId, "callId");
        requireNonNull(destination, "destination");
        if (entries.containsKey(callId)) {
            duplicates.increment();
            return AddResult.DUPLICATE;
        }
        if (size.incrementAndGet() > maxCalls) {
            size.decrementAndGet();
            rejectedFull.increment();
            return AddResult.TABLE_FULL;
        }
        if (!destination.tryIncrementCalls(maxLoad)) {
            size.decrementAndGet();
            return AddResult.AT_MAX_LOAD;
        }
        if (entries.putIfAbsent(callId, new Entry(destination, false, ticker.getAsLong())) != null) {
            destination.decrementCalls();
            size.decrementAndGet();
            duplicates.increment();
            return AddResult.DUPLICATE;
        }
        added.increment();
        return AddResult.ADDED;
    }

    /**
     * Marks the call confirmed (a 2xx to its INVITE), so only {@code expire} applies to it.
     *
     * @return whether the call is tracked
     */
    public boolean confirm(String callId) {
        requireNonNull(callId, "callId");
        for (;;) {
            final Entry e = entries.get(callId);
            if (e == null) {
                return false;
            }
            if (e.confirmed || entries.replace(callId, e, new Entry(e.destination, true, e.createdNanos))) {
                return true;
            }
        }
    }

    /**
     * Stops tracking the call (BYE, CANCEL, or a failed INVITE with no failover left); its destination's count
     * goes down.
     *
     * @return whether the call was tracked
     */
    public boolean release(String callId) {
        final Entry e = entries.remove(requireNonNull(callId, "callId"));
        if (e == null) {
            return false;
        }
        size.decrementAndGet();
        e.destination.decrementCalls();
        released.increment();
        return true;
    }

    /**
     * Moves the call to {@code next} (failover): the previous destination's count goes down, the next one's up.
     * The entry keeps its selection time and confirmation.
     *
     * @return whether the call is tracked
     */
    public boolean moveTo(String callId, DestinationState next) {
        requireNonNull(callId, "callId");
        requireNonNull(next, "next");
        for (;;) {
            final Entry e = entries.get(callId);
            if (e == null) {
                return false;
            }
            if (e.destination == next) {
                return true;
            }
            if (entries.replace(callId, e, new Entry(next, e.confirmed, e.createdNanos))) {
                next.tryIncrementCalls(0);
                e.destination.decrementCalls();
                moved.increment();
                return true;
            }
        }
    }

    /**
     * Applies a final or provisional response to the call's INVITE: 2xx confirms, 3xx–6xx releases, 1xx does
     * nothing. Call {@link #moveTo(String, DestinationState)} instead when the failure leads to failover.
     *
     * @return whether the call is tracked (before a release)
     */
    public boolean onInviteResponse(String callId, int statusCode) {
        if (statusCode >= 200 && statusCode < 300) {
            return confirm(callId);
        }
        if (statusCode >= 300) {
            return release(callId);
        }
        return entries.containsKey(requireNonNull(callId, "callId"));
    }

    /**
     * Drops expired entries: any entry older than {@code expire}, and unconfirmed entries older than
     * {@code initExpire}. O(size); meant to run every few seconds from a scheduled task.
     *
     * @return the number of entries dropped
     */
    public int sweep() {
        final long now = ticker.getAsLong();
        int n = 0;
        for (Map.Entry<String, Entry> me : entries.entrySet()) {
            final Entry e = me.getValue();
            if (e.isExpired(now, expireNanos, initExpireNanos) && entries.remove(me.getKey(), e)) {
                size.decrementAndGet();
                e.destination.decrementCalls();
                n++;
            }
        }
        if (n > 0) {
            expired.add(n);
        }
        return n;
    }

    /** The destination the call is tracked on, or {@code null}. */
    public DestinationState destinationOf(String callId) {
        final Entry e = entries.get(requireNonNull(callId, "callId"));
        return e == null ? null : e.destination;
    }

    /** Whether the call is tracked and confirmed. */
    public boolean isConfirmed(String callId) {
        final Entry e = entries.get(requireNonNull(callId, "callId"));
        return e != null && e.confirmed;
    }

    /** Calls tracked now. */
    public int size() {
        return size.get();
    }

    /** The configured bound on {@link #size()}. */
    public int maxCalls() {
        return maxCalls;
    }

    /** Calls added since creation. */
    public long added() {
        return added.sum();
    }

    /** Calls released by {@link #release(String)} (or a failed {@link #onInviteResponse(String, int)}). */
    public long released() {
        return released.sum();
    }

    /** Calls dropped by {@link #sweep()}. */
    public long expired() {
        return expired.sum();
    }

    /** Failover moves. */
    public long moved() {
        return moved.sum();
    }

    /** Adds refused because the table was full. */
    public long rejectedFull() {
        return rejectedFull.sum();
    }

    /** Adds refused because the Call-ID was already tracked. */
    public long duplicates() {
        return duplicates.sum();
    }

    @Override
    public String toString() {
        return "CallLoadTable{size=" + size.get() + ", maxCalls=" + maxCalls + ", rejectedFull=" +
               rejectedFull.sum() + '}';
    }

    private static final class Entry {
        final DestinationState destination;
        final boolean confirmed;
        final long createdNanos;

        Entry(DestinationState destination, boolean confirmed, long createdNanos) {
            this.destination = destination;
            this.confirmed = confirmed;
            this.createdNanos = createdNanos;
        }

        boolean isExpired(long now, long expireNanos, long initExpireNanos) {
            final long age = now - createdNanos;
            return age > expireNanos || !confirmed && age > initExpireNanos;
        }
    }

    /**
     * Builds a {@link CallLoadTable}; each setter validates its argument.
     * Not thread-safe; confined to the building thread.
     */
    public static final class Builder {
        private int maxCalls = DEFAULT_MAX_CALLS;
        private Duration expire = DEFAULT_EXPIRE;
        private Duration initExpire = DEFAULT_INIT_EXPIRE;
        private LongSupplier ticker = System::nanoTime;

        private Builder() {
        }

        /** Entries tracked at most; {@code > 0}. */
        public Builder maxCalls(int maxCalls) {
            this.maxCalls = checkMaxCalls(maxCalls);
            return this;
        }

        /** Applies the maximum number of calls and both lifetimes of {@code config}. */
        public Builder config(CallLoadConfig config) {
            requireNonNull(config, "config");
            maxCalls = config.maxCalls();
            expire = config.expire();
            initExpire = config.initExpire();
            return this;
        }

        /** Lifetime of any entry, counted from selection; {@code > 0}. */
        public Builder expire(Duration expire) {
            this.expire = positive(expire, "expire");
            return this;
        }

        /** Lifetime of an unconfirmed entry, counted from selection; {@code > 0}. */
        public Builder initExpire(Duration initExpire) {
            this.initExpire = positive(initExpire, "initExpire");
            return this;
        }

        /** Monotonic nanoseconds (as {@link System#nanoTime()}). */
        public Builder ticker(LongSupplier ticker) {
            this.ticker = requireNonNull(ticker, "ticker");
            return this;
        }

        /** A new empty table. */
        public CallLoadTable build() {
            return new CallLoadTable(this);
        }

        static int checkMaxCalls(int maxCalls) {
            if (maxCalls <= 0) {
                throw new IllegalArgumentException("maxCalls: " + maxCalls + " (expected: > 0)");
            }
            return maxCalls;
        }

        static Duration positive(Duration d, String name) {
            requireNonNull(d, name);
            if (d.isNegative() || d.isZero()) {
                throw new IllegalArgumentException(name + ": " + d + " (expected: > 0)");
            }
            return d;
        }
    }
}
