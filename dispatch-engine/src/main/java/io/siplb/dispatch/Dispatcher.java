package io.siplb.dispatch;

import static java.util.Objects.requireNonNull;

import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The entry point of destination selection: holds the current {@link DispatchSnapshot} and selects from it.
 * Thread-safe (lock-free) for selection; writers are serialized (guarded by {@code lock}).
 *
 * <pre>
 * Concurrency: the snapshot is published by one volatile write. select() reads it once and works on that
 * immutable generation, so a request never mixes two generations. Writers (reload, refresh after a health or
 * latency change, overload-control updates) take {@code lock}, build the next snapshot completely, validate it,
 * then publish it. Runtime state that must survive a swap (round-robin counters, overload-control state) lives in
 * maps keyed by set id or destination identity and is referenced, not copied, by each snapshot.
 * </pre>
 */
public final class Dispatcher {

    private static final Logger logger = LoggerFactory.getLogger(Dispatcher.class);

    private final Object lock = new Object();
    private final Map<Integer, DispatchSnapshot.Counters> counters = new ConcurrentHashMap<>();
    private final Map<String, OverloadControl> overload = new ConcurrentHashMap<>();
    private final Function<Destination, DestinationRuntime> runtimes;
    private final LongSupplier nanoClock;
    private volatile DispatchSnapshot snapshot;

    private Dispatcher(DispatcherSettings settings, Function<Destination, DestinationRuntime> runtimes,
                       LongSupplier nanoClock) {
        this.runtimes = runtimes;
        this.nanoClock = nanoClock;
        snapshot = build(settings, 1);
    }

    /**
     * Creates a dispatcher whose destinations' health comes from their configured flags (1 inactive and 4
     * disabled are not selectable).
     */
    public static Dispatcher create(DispatcherSettings settings) {
        return new Dispatcher(requireNonNull(settings, "settings"), DestinationRuntime::ofFlags, System::nanoTime);
    }

    static Dispatcher create(DispatcherSettings settings, Function<Destination, DestinationRuntime> runtimes,
                             LongSupplier nanoClock) {
        return new Dispatcher(requireNonNull(settings, "settings"), requireNonNull(runtimes, "runtimes"),
                              requireNonNull(nanoClock, "nanoClock"));
    }

    /** Returns the current snapshot; read it once per request. */
    public DispatchSnapshot snapshot() {
        return snapshot;
    }

    /** Selects a destination of set {@code setId} with the set's default algorithm. */
    public Selection select(int setId, SelectionKey key) {
        return snapshot.select(setId, key);
    }

    /** Selects a destination of set {@code setId} with {@code algorithm}. */
    public Selection select(int setId, Algorithm algorithm, SelectionKey key) {
        return snapshot.select(setId, algorithm, key);
    }

    /**
     * Replaces the configuration: builds and validates a new snapshot, then swaps it in. Runtime state of every
     * destination still present (same identity) is kept.
     */
    public void reload(DispatcherSettings settings) {
        requireNonNull(settings, "settings");
        synchronized (lock) {
            final DispatchSnapshot next = build(settings, snapshot.version() + 1);
            retainState(settings);
            snapshot = next;
        }
        logger.info("Dispatcher reloaded from {}: {} set(s)", settings.source(), settings.sets().size());
    }

    /**
     * Loads settings with {@code loader} and reloads with them. When the loader throws (a bad file), the current
     * snapshot stays in place and the result carries the reason.
     */
    public ReloadResult reload(Supplier<DispatcherSettings> loader) {
        requireNonNull(loader, "loader");
        final DispatcherSettings settings;
        try {
            settings = requireNonNull(loader.get(), "settings");
            reload(settings);
        } catch (RuntimeException e) {
            logger.warn("Dispatcher reload failed, keeping version {}: {}", snapshot.version(), e.getMessage());
            return new ReloadResult(false, e.getMessage() != null ? e.getMessage() : e.toString(),
                                    snapshot.version());
        }
        return new ReloadResult(true, "Ok. Dispatcher successfully reloaded.", snapshot.version());
    }

    /**
     * Rebuilds the snapshot from the current settings and the current runtime state (health, relative weights
     * under congestion control). Call after health or latency changes.
     */
    public void refresh() {
        synchronized (lock) {
            final DispatchSnapshot current = snapshot;
            snapshot = build(current.settings(), current.version() + 1);
        }
    }

    /**
     * Applies an RFC 7339 overload-control update to a destination (Kamailio's {@code ds_oc_set_attrs}): for
     * {@code validityMillis} ms (500 when {@code <= 0}), {@link Algorithm#ROUND_ROBIN_OVERLOAD_CONTROL} skips the
     * destination for {@code rate} percent of its selections, clamped to its [ocmin, ocmax]. Only applied when
     * {@code seq} is greater than the last applied one.
     *
     * @return {@code true} when the update was applied; {@code false} for an unknown destination or an old seq
     */
    public boolean setOverloadControl(int setId, String uri, int rate, long validityMillis, long seq) {
        requireNonNull(uri, "uri");
        synchronized (lock) {
            final DestinationSet set = snapshot.set(setId);
            if (set == null) {
                return false;
            }
            for (Destination d : set.destinations()) {
                if (d.uri().equalsIgnoreCase(uri) || d.uri().equalsIgnoreCase("sip:" + uri)) {
                    final OverloadControl oc = overload.get(d.identity());
                    final long validity = TimeUnit.MILLISECONDS.toNanos(validityMillis <= 0 ? 500 : validityMillis);
                    return oc != null && oc.update(rate, validity, seq, nanoClock.getAsLong());
                }
            }
            return false;
        }
    }

    /** Returns the overload-control state of {@code destination}, or {@code null} if it is not configured. */
    public OverloadControl overloadControl(Destination destination) {
        return overload.get(destination.identity());
    }

    private DispatchSnapshot build(DispatcherSettings settings, long version) {
        return DispatchSnapshot.build(settings, version, runtimes,
                                      id -> counters.computeIfAbsent(id, k -> new DispatchSnapshot.Counters()),
                                      overload, nanoClock);
    }

    private void retainState(DispatcherSettings settings) {
        final Set<String> identities = new HashSet<>();
        final Set<Integer> ids = new HashSet<>();
        for (DestinationSet s : settings.sets()) {
            ids.add(s.id());
            for (Destination d : s.destinations()) {
                identities.add(d.identity());
            }
        }
        overload.keySet().retainAll(identities);
        counters.keySet().retainAll(ids);
    }

    /** The outcome of {@link #reload(Supplier)}. Immutable. */
    public static final class ReloadResult {
        private final boolean success;
        private final String message;
        private final long version;

        ReloadResult(boolean success, String message, long version) {
            this.success = success;
            this.message = message;
            this.version = version;
        }

        /** Returns {@code true} when the new configuration is in place. */
        public boolean isSuccess() {
            return success;
        }

        /** Returns "Ok. Dispatcher successfully reloaded." or why the configuration was rejected. */
        public String message() {
            return message;
        }

        /** Returns the version of the snapshot in place after the attempt. */
        public long version() {
            return version;
        }

        @Override
        public String toString() {
            return (success ? "reloaded: " : "reload failed: ") + message;
        }
    }
}
