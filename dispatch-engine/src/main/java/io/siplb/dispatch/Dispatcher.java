package io.siplb.dispatch;

import static java.util.Objects.requireNonNull;

import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.siplb.dispatch.state.DestinationKey;
import io.siplb.dispatch.state.DestinationState;
import io.siplb.dispatch.state.HealthListener;
import io.siplb.dispatch.state.HealthState;
import io.siplb.dispatch.state.HealthTransition;
import io.siplb.dispatch.state.StateConfig;
import io.siplb.dispatch.state.StateRegistry;

/**
 * The entry point of destination selection: holds the current {@link DispatchSnapshot} and selects from it.
 * Selection is lock-free; writers (reload, refresh, overload-control updates) are serialized on {@code lock}.
 * Thread-safe (selection lock-free; writers guarded by {@code lock}).
 *
 * <pre>
 * Concurrency: the snapshot is published by one volatile write. select() reads it once and works on that
 * immutable generation, so a request never mixes two generations. Writers take {@code lock}, build the next
 * snapshot completely (validating it), then publish it. Runtime state lives outside the snapshot: health, active
 * calls, latency and overload control in the {@link StateRegistry} (keyed by {@link DestinationKey}), round-robin
 * counters in a map keyed by set id; each snapshot references them, so a swap keeps them.
 *
 * A new generation rebuilds only the set views that changed and shares the others with the previous one:
 * - a health transition that changes whether a destination accepts new calls makes the registry's listener
 *   rebuild that destination's set (on the thread that reported the transition);
 * - a reload rebuilds the sets whose definition (destinations, their attributes and order, algorithm) or hash
 *   settings changed, or whose destinations' health no longer matches the view; the others keep their view and
 *   their DestinationSet instance;
 * - refresh() rebuilds every set (for relative-weight congestion control, which reads latencies at build time).
 * A rebuilt view rebuilds the selectors its predecessor had built. A rebuild of a consistent-hashing set costs
 * milliseconds when destinations come back or weights change (its rendezvous table), so callers on an event
 * loop should report health transitions from a writer thread of their own rather than from the event loop.
 * </pre>
 */
public final class Dispatcher {

    private static final Logger logger = LoggerFactory.getLogger(Dispatcher.class);

    private final Object lock = new Object();
    private final Map<Integer, SetView.Counters> counters = new ConcurrentHashMap<>();
    private final StateRegistry registry;
    private final HealthListener listener = this::onTransition;
    /** Set while a writer holds {@code lock}; a listener called back on that thread does not rebuild again. */
    // @GuardedBy("lock")
    private boolean writing;
    private volatile DispatchSnapshot snapshot;

    private Dispatcher(DispatcherSettings settings, StateRegistry registry) {
        this.registry = registry;
        synchronized (lock) {
            writing = true;
            try {
                applyConfiguredState(null, settings);
                snapshot = build(settings, 1);
            } finally {
                writing = false;
            }
        }
        registry.addListener(listener);
    }

    /**
     * Creates a dispatcher with its own {@link StateRegistry}, configured with {@link
     * DispatcherSettings#stateConfig()}; the destinations' initial health comes from their configured flags
     * (1 inactive, 4 disabled, 2 trying, 8 probing).
     */
    public static Dispatcher create(DispatcherSettings settings) {
        requireNonNull(settings, "settings");
        return create(settings, new StateRegistry(settings.stateConfig()));
    }

    /**
     * Creates a dispatcher over {@code registry}: a destination already in the registry keeps its state, a new one
     * starts in the state its configured flags give, and every later health transition refreshes the snapshot.
     */
    public static Dispatcher create(DispatcherSettings settings, StateRegistry registry) {
        return new Dispatcher(requireNonNull(settings, "settings"), requireNonNull(registry, "registry"));
    }

    /** Returns the current snapshot; read it once per request. */
    public DispatchSnapshot snapshot() {
        return snapshot;
    }

    /** Returns the runtime state registry. */
    public StateRegistry stateRegistry() {
        return registry;
    }

    /** Returns the runtime state of {@code destination}, or {@code null} when it is not configured any more. */
    public DestinationState state(Destination destination) {
        return registry.get(destination.key());
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
     * Replaces the configuration: builds the new snapshot, then swaps it in. The runtime state of every destination
     * still present (same {@link DestinationKey}) is kept; a destination whose configured state flags changed is
     * set to the new state; the state of destinations no longer configured is dropped. The registry keeps the
     * {@link DispatcherSettings#stateConfig() state settings} it was created with: different ones in
     * {@code settings} are logged as a warning and apply at restart.
     */
    public void reload(DispatcherSettings settings) {
        requireNonNull(settings, "settings");
        synchronized (lock) {
            writing = true;
            try {
                final DispatchSnapshot current = snapshot;
                applyConfiguredState(current.settings(), settings);
                snapshot = DispatchSnapshot.reload(settings, current.version() + 1, this::stateOf,
                                                   this::countersOf, current);
                retainState(settings);
            } finally {
                writing = false;
            }
        }
        logger.info("Dispatcher reloaded from {}: {} set(s)", settings.source(), settings.sets().size());
        if (!sameStateSettings(registry.config(), settings.stateConfig())) {
            logger.warn("Dispatcher state settings in {} differ from the running ones ({}); they apply at restart",
                        settings.source(), registry.config());
        }
    }

    /**
     * Loads settings with {@code loader} and reloads with them. When the loader throws (a bad file), the current
     * snapshot stays in place and the result carries the reason.
     */
    public ReloadResult reload(Supplier<DispatcherSettings> loader) {
        requireNonNull(loader, "loader");
        try {
            reload(requireNonNull(loader.get(), "settings"));
        } catch (RuntimeException e) {
            final String reason = e.getMessage() != null ? e.getMessage() : e.toString();
            logger.warn("Dispatcher reload failed, keeping version {}: {}", snapshot.version(), reason);
            return new ReloadResult(false, reason, snapshot.version());
        }
        return new ReloadResult(true, "Ok. Dispatcher successfully reloaded.", snapshot.version());
    }

    /**
     * Rebuilds the view of every set from the current settings and runtime state. Health transitions rebuild
     * their own set without it; call it after latency updates when relative-weight congestion control
     * ({@code cc=1}) is used.
     */
    public void refresh() {
        synchronized (lock) {
            if (writing) {
                return;
            }
            final DispatchSnapshot current = snapshot;
            snapshot = build(current.settings(), current.version() + 1);
        }
    }

    /**
     * Applies an RFC 7339 overload-control update to a destination (Kamailio's {@code ds_oc_set_attrs}): while
     * valid, {@link Algorithm#ROUND_ROBIN_OVERLOAD_CONTROL} skips the destination for {@code rate} percent of its
     * selections, clamped to its [ocmin, ocmax].
     *
     * @param validityMillis the validity; negative for the default 500 ms, 0 ends overload control
     * @return {@code true} when applied; {@code false} for an unknown destination or a seq not above the last one
     */
    public boolean setOverloadControl(int setId, String uri, int rate, long validityMillis, long seq) {
        requireNonNull(uri, "uri");
        final DestinationSet set = snapshot.set(setId);
        if (set == null) {
            return false;
        }
        for (Destination d : set.destinations()) {
            if (d.uri().equalsIgnoreCase(uri) || d.uri().equalsIgnoreCase("sip:" + uri)) {
                final DestinationState s = registry.get(d.key());
                return s != null && s.overload().update(seq, rate, validityMillis, d.attributes().ocmin(),
                                                        d.attributes().ocmax());
            }
        }
        return false;
    }

    /**
     * Stops following the registry's health transitions (for a registry that outlives this dispatcher). Selection
     * keeps working on the last snapshot.
     */
    public void close() {
        registry.removeListener(listener);
    }

    private void onTransition(DestinationState state, HealthTransition transition) {
        if (transition.from().acceptsNewCalls() != transition.to().acceptsNewCalls()
            || state.health().acceptsNewCalls() != snapshotAccepts(state.key())) {
            refreshSet(state.key().setId());
        }
    }

    /** Rebuilds the view of set {@code setId} only; the other sets' views are shared with the next snapshot. */
    private void refreshSet(int setId) {
        synchronized (lock) {
            if (writing) {
                return;
            }
            final DispatchSnapshot current = snapshot;
            final DispatchSnapshot next = current.rebuildSet(setId, current.version() + 1, this::stateOf,
                                                             this::countersOf);
            if (next != current) {
                snapshot = next;
            }
        }
    }

    private DestinationState stateOf(Destination d) {
        return registry.getOrCreate(d.key());
    }

    private SetView.Counters countersOf(int setId) {
        return counters.computeIfAbsent(setId, k -> new SetView.Counters());
    }

    private boolean snapshotAccepts(DestinationKey key) {
        final DispatchSnapshot s = snapshot;
        final DestinationSet set = s.set(key.setId());
        if (set == null) {
            return false;
        }
        for (Destination d : set.destinations()) {
            if (d.key().equals(key)) {
                return s.isActive(d);
            }
        }
        return false;
    }

    /**
     * Creates the state of new destinations from their flags (and seeds their latency), and applies a changed
     * state flag of a destination that was configured before.
     */
    // @GuardedBy("lock")
    private void applyConfiguredState(DispatcherSettings previous, DispatcherSettings next) {
        for (DestinationSet set : next.sets()) {
            final DestinationSet old = previous != null ? previous.set(set.id()) : null;
            for (Destination d : set.destinations()) {
                final HealthState configured = HealthState.fromKamailioFlags(d.flags());
                DestinationState s = registry.get(d.key());
                if (s == null) {
                    s = registry.getOrCreate(d.key(), configured);
                    if (d.attributes().latency() > 0) {
                        s.latency().seed(d.attributes().latency());
                    }
                } else if (old != null) {
                    final Destination before = find(old, d.key());
                    if (before != null && HealthState.fromKamailioFlags(before.flags()) != configured) {
                        s.setAdminState(configured, "state flags changed in " + next.source());
                    }
                }
                s.setProbed((d.flags() & Destination.FLAG_PROBING) != 0);
            }
        }
    }

    private static boolean sameStateSettings(StateConfig running, StateConfig loaded) {
        return running.probingThreshold() == loaded.probingThreshold()
               && running.inactiveThreshold() == loaded.inactiveThreshold()
               && Double.compare(running.latencyAlpha(), loaded.latencyAlpha()) == 0
               && running.historySize() == loaded.historySize();
    }

    private static Destination find(DestinationSet set, DestinationKey key) {
        for (Destination d : set.destinations()) {
            if (d.key().equals(key)) {
                return d;
            }
        }
        return null;
    }

    // @GuardedBy("lock")
    private DispatchSnapshot build(DispatcherSettings settings, long version) {
        return DispatchSnapshot.build(settings, version, this::stateOf, this::countersOf, snapshot);
    }

    // @GuardedBy("lock")
    private void retainState(DispatcherSettings settings) {
        final Set<DestinationKey> keys = new HashSet<>();
        final Set<Integer> ids = new HashSet<>();
        for (DestinationSet s : settings.sets()) {
            ids.add(s.id());
            for (Destination d : s.destinations()) {
                keys.add(d.key());
            }
        }
        registry.retainOnly(keys);
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
