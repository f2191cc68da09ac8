package io.siplb.dispatch;

import static java.util.Objects.requireNonNull;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.function.Function;

import io.siplb.dispatch.state.DestinationState;

/**
 * One immutable generation of the dispatcher: the sets, which destinations were active when it was built, and a
 * {@link SetView} per set with the selectors of its algorithms (candidate lists, smooth weighted round-robin
 * sequences, rendezvous tables) precomputed. The {@link Dispatcher} publishes a new snapshot with one volatile
 * write on every reload or health change; a request reads the snapshot once and selects from it. Immutable,
 * except for the per-set round-robin counters (atomics shared with the next snapshots so that rotation continues
 * across swaps), the per-set selector caches, and the live call-load, latency and overload-control values it
 * reads. Thread-safe (lock-free).
 *
 * <p>Each set's view builds the selector of the set's own algorithm with the snapshot; another algorithm's (a
 * routing rule may name any) on its first use, cached in the view (see {@link SetView}). A new generation rebuilds
 * only the views that changed: a health transition rebuilds its destination's set, a reload the sets whose
 * definition changed; the other views are shared with the previous generation as they are.
 *
 * <p>Selection takes no lock. With the hash algorithms, round-robin, weighted, relative-weight, random, priority,
 * parallel, round-robin-or-serial, priority-weight and overload control it allocates nothing: each returns a
 * precomputed {@link Selection}. So does call-load when no destination of the set has a {@code maxload}; with
 * one, call-load builds its failover list per request (it skips the destinations at maxload), as latency always
 * does (its order depends on the live latency estimates).
 */
public final class DispatchSnapshot {

    /** Set ids up to this value are looked up in a direct array; larger ids by binary search. */
    private static final int MAX_DIRECT_ID = 4096;

    private final DispatcherSettings settings;
    private final long version;
    /** The views in ascending set id order, as {@code settings.sets()}. */
    private final SetView[] views;
    private final int[] ids;
    /** The views by set id when the largest id is at most {@link #MAX_DIRECT_ID}, else {@code null}. */
    private final SetView[] byId;

    private DispatchSnapshot(DispatcherSettings settings, long version, SetView[] views) {
        this.settings = settings;
        this.version = version;
        this.views = views;
        ids = new int[views.length];
        int maxId = -1;
        for (int i = 0; i < views.length; i++) {
            ids[i] = views[i].set.id();
            maxId = Math.max(maxId, ids[i]);
        }
        if (maxId <= MAX_DIRECT_ID) {
            byId = new SetView[maxId + 1];
            for (SetView v : views) {
                byId[v.set.id()] = v;
            }
        } else {
            byId = null;
        }
    }

    /**
     * Builds a snapshot with a new view of every set. {@code previous} (may be {@code null}) lets each view
     * rebuild the selectors its predecessor had built, updating a consistent-hashing table instead of recomputing
     * it.
     */
    static DispatchSnapshot build(DispatcherSettings settings, long version,
                                  Function<Destination, DestinationState> states,
                                  Function<Integer, SetView.Counters> counters, DispatchSnapshot previous) {
        requireNonNull(settings, "settings");
        final List<DestinationSet> sets = settings.sets();
        final SetView[] views = new SetView[sets.size()];
        for (int i = 0; i < views.length; i++) {
            final DestinationSet set = sets.get(i);
            views[i] = new SetView(set, settings, states, counters.apply(set.id()),
                                   previous != null ? previous.view(set.id()) : null);
        }
        return new DispatchSnapshot(settings, version, views);
    }

    /**
     * Builds the snapshot of a reload to {@code settings}: the view of a set that {@link SetView#canServe can
     * serve} the new definition as it is (unchanged definition and hash settings, active flags that still match
     * the destinations' health) is shared with {@code previous}, and the snapshot's settings then hold the
     * previous {@link DestinationSet} instance of that set (equal in definition), so that the destinations of
     * {@link #sets()} are those the view selects; every other set gets a new view.
     */
    static DispatchSnapshot reload(DispatcherSettings settings, long version,
                                   Function<Destination, DestinationState> states,
                                   Function<Integer, SetView.Counters> counters, DispatchSnapshot previous) {
        requireNonNull(settings, "settings");
        requireNonNull(previous, "previous");
        final List<DestinationSet> sets = settings.sets();
        final SetView[] views = new SetView[sets.size()];
        final List<DestinationSet> kept = new ArrayList<>(sets.size());
        boolean reused = false;
        for (int i = 0; i < views.length; i++) {
            final DestinationSet set = sets.get(i);
            final SetView old = previous.view(set.id());
            if (old != null && old.canServe(set, settings, states)) {
                views[i] = old;
                reused = true;
            } else {
                views[i] = new SetView(set, settings, states, counters.apply(set.id()), old);
            }
            kept.add(views[i].set);
        }
        return new DispatchSnapshot(reused ? settings.withSets(kept) : settings, version, views);
    }

    /**
     * Returns the next generation with a new view of set {@code setId} (built from the destinations' current
     * health) and every other view shared with this one; this snapshot when there is no such set.
     */
    DispatchSnapshot rebuildSet(int setId, long version, Function<Destination, DestinationState> states,
                                Function<Integer, SetView.Counters> counters) {
        final int i = Arrays.binarySearch(ids, setId);
        if (i < 0) {
            return this;
        }
        final SetView[] next = views.clone();
        final SetView old = views[i];
        next[i] = new SetView(old.set, settings, states, counters.apply(setId), old);
        return new DispatchSnapshot(settings, version, next);
    }

    /** Returns the settings this snapshot was built from. */
    public DispatcherSettings settings() {
        return settings;
    }

    /** Returns the generation number: 1 for the first snapshot, then one more for each swap. */
    public long version() {
        return version;
    }

    /** Returns the hash mode. */
    public HashMode hashMode() {
        return settings.hashMode();
    }

    /** Returns the sets in ascending id order. */
    public List<DestinationSet> sets() {
        return settings.sets();
    }

    /** Returns the set {@code id}, or {@code null}. */
    public DestinationSet set(int id) {
        final SetView v = view(id);
        return v == null ? null : v.set;
    }

    /**
     * Returns {@code true} when {@code destination} (of this snapshot) accepted new calls when this snapshot was
     * built.
     */
    public boolean isActive(Destination destination) {
        final SetView v = view(destination.setId());
        return v != null && v.isActive(destination);
    }

    /** Returns the active destinations of set {@code id} in index order (empty for an unknown set). */
    public List<Destination> activeDestinations(int id) {
        final SetView v = view(id);
        return v == null ? Collections.emptyList() : v.activeList;
    }

    /** Selects with the set's default algorithm. */
    public Selection select(int setId, SelectionKey key) {
        final SetView v = view(setId);
        if (v == null) {
            return Selection.NO_SUCH_SET;
        }
        return v.select(key);
    }

    /** Selects with {@code algorithm}. */
    public Selection select(int setId, Algorithm algorithm, SelectionKey key) {
        final SetView v = view(setId);
        if (v == null) {
            return Selection.NO_SUCH_SET;
        }
        return v.select(algorithm, key);
    }

    /** Returns the view of set {@code id}, or {@code null}. */
    SetView view(int id) {
        if (byId != null) {
            return id >= 0 && id < byId.length ? byId[id] : null;
        }
        final int i = Arrays.binarySearch(ids, id);
        return i >= 0 ? views[i] : null;
    }

    @Override
    public String toString() {
        return "DispatchSnapshot{version=" + version + ", sets=" + settings.sets().size() + '}';
    }
}
