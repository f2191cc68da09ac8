package io.siplb.dispatch;

import static java.util.Objects.requireNonNull;

import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;

import io.siplb.dispatch.state.DestinationState;
import io.siplb.dispatch.state.LatencyStats;

/**
 * One set of one {@link DispatchSnapshot} generation, as the {@link DestinationSelector}s see it: the
 * destinations in index order with their runtime state, which of them were active when the view was built, the
 * precomputed {@link Selection} that starts with each active destination, the counters shared across
 * generations, and the selectors built for it so far. Immutable, except for the lock-free selector cache and the
 * shared counters. Thread-safe (lock-free).
 *
 * <p>The selector of the set's own algorithm is built with the view, on the writer thread. A selector of another
 * algorithm (a routing rule may select the set with any) is built on the first request that asks for it and
 * cached; every selector the previous generation of the set had built is rebuilt with the next one, so an
 * algorithm in use never pays its build on a request thread twice.
 *
 * <pre>
 * Concurrency: the cache is an immutable array pair behind an AtomicReference. A lookup is one volatile read and a
 * scan by identity (the set's own algorithm does not even look: it has a final field). A miss builds the selector
 * without any lock and appends it with a CAS, retrying on a lost race; when another thread cached the same
 * strategy first, its selector is used and ours dropped, so every thread uses one selector per strategy. Selectors
 * are immutable, so publication through the CAS is safe.
 * </pre>
 */
final class SetView {

    final DestinationSet set;
    final HashMode hashMode;
    final double boundedLoadFactor;
    /** The number of destinations. */
    final int n;
    final Destination[] dests;
    final DestinationState[] runtime;
    final boolean[] active;
    /** Index of each active ordinal. */
    final int[] activeIdx;
    final int activeCount;
    /** For each index, the ordinal of the first active destination at or after it (wrapping); -1 if none. */
    final int[] ordinalAt;
    final List<Destination> activeList;
    /** For each active ordinal k: k first, then the active ones after it, wrapping (Kamailio's order). */
    final Selection[] fromActive;
    final Counters counters;

    private final AtomicReference<Cache> cache = new AtomicReference<>(Cache.EMPTY);
    /** The selector of {@code set.algorithm()}. */
    private final DestinationSelector own;
    /**
     * {@code true} while the constructor runs (on the writer thread). Written only by the constructor, before the
     * view is published through the snapshot's volatile write, so every reader sees {@code false}.
     */
    private boolean building = true;

    /**
     * Builds the view and its own algorithm's selector.
     *
     * @param previous the same set's view in the previous generation, or {@code null}: the selectors it built are
     *        built again (from their previous tables where the strategy can), when the hash mode is the same
     */
    SetView(DestinationSet set, DispatcherSettings settings, Function<Destination, DestinationState> states,
            Counters counters, SetView previous) {
        this.set = set;
        this.counters = counters;
        hashMode = settings.hashMode();
        boundedLoadFactor = settings.boundedLoadFactor();
        final List<Destination> list = set.destinations();
        n = list.size();
        dests = list.toArray(new Destination[0]);
        runtime = new DestinationState[n];
        active = new boolean[n];
        int count = 0;
        for (int i = 0; i < n; i++) {
            runtime[i] = requireNonNull(states.apply(dests[i]), "state");
            active[i] = runtime[i].health().acceptsNewCalls();
            if (active[i]) {
                count++;
            }
        }
        activeCount = count;
        activeIdx = new int[count];
        final Destination[] doubled = new Destination[count * 2];
        for (int i = 0, k = 0; i < n; i++) {
            if (active[i]) {
                activeIdx[k] = i;
                doubled[k] = dests[i];
                doubled[k + count] = dests[i];
                k++;
            }
        }
        ordinalAt = new int[n];
        Arrays.fill(ordinalAt, -1);
        if (count > 0) {
            for (int i = n - 1, next = -1, k = count; i >= 0; i--) {
                if (active[i]) {
                    next = --k;
                }
                ordinalAt[i] = next;
            }
            for (int i = n - 1; i >= 0 && ordinalAt[i] == -1; i--) {
                ordinalAt[i] = 0; // wraps to the first active
            }
        }
        final List<Destination> all = Arrays.asList(doubled);
        activeList = Collections.unmodifiableList(all.subList(0, count));
        fromActive = new Selection[count];
        for (int k = 0; k < count; k++) {
            fromActive[k] = Selection.of(all.subList(k, k + count), false);
        }

        if (count == 0) {
            own = Selectors.NO_ACTIVE_DESTINATION;
            building = false;
            return;
        }
        final Cache before = previous != null && previous.hashMode == hashMode ? previous.cache.get() : Cache.EMPTY;
        for (int i = 0; i < before.strategies.length; i++) {
            selector(before.strategies[i], before.selectors[i]);
        }
        final SelectionStrategy strategy = set.algorithm().strategy();
        own = selector(strategy, before.get(strategy));
        building = false;
    }

    /** Returns the set. */
    DestinationSet set() {
        return set;
    }

    /** Selects with the set's own algorithm. */
    Selection select(SelectionKey key) {
        return own.select(key);
    }

    /** Selects with {@code algorithm}. */
    Selection select(Algorithm algorithm, SelectionKey key) {
        if (algorithm == set.algorithm()) {
            return own.select(key);
        }
        if (activeCount == 0) {
            return Selection.NO_ACTIVE_DESTINATION;
        }
        return selector(algorithm.strategy()).select(key);
    }

    /**
     * Returns {@code strategy}'s selector of this view, building it on first use. The set must have at least one
     * active destination.
     */
    DestinationSelector selector(SelectionStrategy strategy) {
        return selector(strategy, null);
    }

    /**
     * Returns {@code true} while the view is being built on the writer thread (selectors built now are its own
     * algorithm's and those its previous generation used); {@code false} once published, when a selector is built
     * by the first request that names its algorithm: a strategy whose full tables take long to build may then
     * build a cheaper selector with the same results, and the next generation of the set builds the full one.
     */
    boolean isBuilding() {
        return building;
    }

    /** Returns {@code strategy}'s cached selector of this view, or {@code null} when none was built yet. */
    DestinationSelector cachedSelector(SelectionStrategy strategy) {
        return cache.get().get(strategy);
    }

    private DestinationSelector selector(SelectionStrategy strategy, DestinationSelector previous) {
        final DestinationSelector cached = cache.get().get(strategy);
        if (cached != null) {
            return cached;
        }
        assert activeCount > 0 : "selector of a set without active destination";
        final DestinationSelector built = requireNonNull(strategy.newSelector(this, previous), "selector");
        for (;;) {
            final Cache c = cache.get();
            final DestinationSelector raced = c.get(strategy);
            if (raced != null) {
                return raced;
            }
            if (cache.compareAndSet(c, c.with(strategy, built))) {
                return built;
            }
        }
    }

    /** Returns {@code true} when {@code destination} (this very instance) was active when the view was built. */
    boolean isActive(Destination destination) {
        for (int i = 0; i < n; i++) {
            if (dests[i] == destination) {
                return active[i];
            }
        }
        return false;
    }

    /**
     * Returns {@code true} when this view can serve {@code next} in a snapshot built from {@code settings} as it
     * is: the same definition (destinations, their order and attributes, algorithm), the same hash settings, the
     * same runtime state objects and, for each destination, the same active flag as its current health.
     */
    boolean canServe(DestinationSet next, DispatcherSettings settings,
                     Function<Destination, DestinationState> states) {
        if (settings.hashMode() != hashMode || Double.compare(settings.boundedLoadFactor(), boundedLoadFactor) != 0
            || !set.hasSameDefinition(next)) {
            return false;
        }
        for (int i = 0; i < n; i++) {
            final DestinationState s = states.apply(dests[i]);
            if (s != runtime[i] || s.health().acceptsNewCalls() != active[i]) {
                return false;
            }
        }
        return true;
    }

    /** Returns the latency estimate of destination {@code i} in ms, or NaN before the first sample. */
    double latencyEstimate(int i) {
        final LatencyStats.Snapshot l = runtime[i].latency().snapshot();
        return l.count() == 0 ? Double.NaN : l.estimateMillis();
    }

    /** Returns the average latency of destination {@code i} in ms, or NaN before the first sample. */
    double latencyAverage(int i) {
        final LatencyStats.Snapshot l = runtime[i].latency().snapshot();
        return l.count() == 0 ? Double.NaN : l.averageMillis();
    }

    /** Returns the selection of active ordinal {@code (counter++) mod activeCount}: the round-robin pick. */
    Selection rotate(AtomicLong counter) {
        return fromActive[(int) Long.remainderUnsigned(counter.getAndIncrement(), activeCount)];
    }

    @Override
    public String toString() {
        return "SetView{set=" + set.id() + ", algorithm=" + set.algorithm().configName() + ", active="
               + activeCount + '/' + n + '}';
    }

    /** Per-set counters that survive snapshot swaps. Thread-safe (lock-free). */
    static final class Counters {
        final AtomicLong roundRobin = new AtomicLong();
        final AtomicLong weighted = new AtomicLong();
        final AtomicLong relativeWeight = new AtomicLong();
        final AtomicLong latency = new AtomicLong();
    }

    /** The selectors built so far, in the order they were built. Immutable. */
    private static final class Cache {
        static final Cache EMPTY = new Cache(new SelectionStrategy[0], new DestinationSelector[0]);

        final SelectionStrategy[] strategies;
        final DestinationSelector[] selectors;

        private Cache(SelectionStrategy[] strategies, DestinationSelector[] selectors) {
            this.strategies = strategies;
            this.selectors = selectors;
        }

        DestinationSelector get(SelectionStrategy strategy) {
            final SelectionStrategy[] s = strategies;
            for (int i = 0; i < s.length; i++) {
                if (s[i] == strategy) {
                    return selectors[i];
                }
            }
            return null;
        }

        Cache with(SelectionStrategy strategy, DestinationSelector selector) {
            final int len = strategies.length;
            final SelectionStrategy[] s = Arrays.copyOf(strategies, len + 1);
            final DestinationSelector[] d = Arrays.copyOf(selectors, len + 1);
            s[len] = strategy;
            d[len] = selector;
            return new Cache(s, d);
        }
    }
}
