package io.siplb.dispatch;

import static java.util.Objects.requireNonNull;

import java.util.AbstractList;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.RandomAccess;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;

import io.siplb.dispatch.state.DestinationState;
import io.siplb.dispatch.state.LatencyStats;

/**
 * One immutable generation of the dispatcher: the sets, which destinations were active when it was built, and
 * every selection table precomputed (candidate lists, smooth weighted round-robin sequences, rendezvous seeds).
 * The {@link Dispatcher} publishes a new snapshot with one volatile write on every reload or health change;
 * a request reads the snapshot once and selects from it. Immutable, except for the per-set round-robin counters
 * (atomics shared with the next snapshots so that rotation continues across swaps) and the live call-load,
 * latency and overload-control values it reads. Thread-safe (lock-free).
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
    private final SetTable[] byId;
    private final int[] ids;
    private final SetTable[] tables;

    private DispatchSnapshot(DispatcherSettings settings, long version, SetTable[] tables) {
        this.settings = settings;
        this.version = version;
        this.tables = tables;
        ids = new int[tables.length];
        int maxId = -1;
        for (int i = 0; i < tables.length; i++) {
            ids[i] = tables[i].set.id();
            maxId = Math.max(maxId, ids[i]);
        }
        if (maxId <= MAX_DIRECT_ID) {
            byId = new SetTable[maxId + 1];
            for (SetTable t : tables) {
                byId[t.set.id()] = t;
            }
        } else {
            byId = null;
        }
    }

    /** Per-set counters that survive snapshot swaps. Thread-safe (lock-free). */
    static final class Counters {
        final AtomicLong roundRobin = new AtomicLong();
        final AtomicLong weighted = new AtomicLong();
        final AtomicLong relativeWeight = new AtomicLong();
        final AtomicLong latency = new AtomicLong();
    }

    /**
     * Builds a snapshot. {@code previous} (may be {@code null}) lets unchanged consistent-hashing tables be reused
     * and a table that only lost destinations be updated instead of recomputed.
     */
    static DispatchSnapshot build(DispatcherSettings settings, long version,
                                  Function<Destination, DestinationState> states,
                                  Function<Integer, Counters> counters, DispatchSnapshot previous) {
        requireNonNull(settings, "settings");
        final List<DestinationSet> sets = settings.sets();
        final SetTable[] tables = new SetTable[sets.size()];
        for (int i = 0; i < tables.length; i++) {
            final DestinationSet set = sets.get(i);
            tables[i] = new SetTable(set, settings, states, counters.apply(set.id()),
                                     previous != null ? previous.table(set.id()) : null);
        }
        return new DispatchSnapshot(settings, version, tables);
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
        final SetTable t = table(id);
        return t == null ? null : t.set;
    }

    /**
     * Returns {@code true} when {@code destination} (of this snapshot) accepted new calls when this snapshot was
     * built.
     */
    public boolean isActive(Destination destination) {
        final SetTable t = table(destination.setId());
        if (t == null) {
            return false;
        }
        for (int i = 0; i < t.n; i++) {
            if (t.dests[i] == destination) {
                return t.active[i];
            }
        }
        return false;
    }

    /** Returns the active destinations of set {@code id} in index order (empty for an unknown set). */
    public List<Destination> activeDestinations(int id) {
        final SetTable t = table(id);
        return t == null ? Collections.emptyList() : t.activeList;
    }

    /** Selects with the set's default algorithm. */
    public Selection select(int setId, SelectionKey key) {
        final SetTable t = table(setId);
        if (t == null) {
            return Selection.NO_SUCH_SET;
        }
        return t.select(t.set.algorithm(), key);
    }

    /** Selects with {@code algorithm}. */
    public Selection select(int setId, Algorithm algorithm, SelectionKey key) {
        final SetTable t = table(setId);
        if (t == null) {
            return Selection.NO_SUCH_SET;
        }
        return t.select(algorithm, key);
    }

    private SetTable table(int id) {
        if (byId != null) {
            return id >= 0 && id < byId.length ? byId[id] : null;
        }
        final int i = Arrays.binarySearch(ids, id);
        return i >= 0 ? tables[i] : null;
    }

    @Override
    public String toString() {
        return "DispatchSnapshot{version=" + version + ", sets=" + settings.sets().size() + '}';
    }

    /** The precomputed tables of one set; only the shared counters change. Thread-safe (lock-free). */
    static final class SetTable {
        final DestinationSet set;
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
        final Selection parallel;
        final Counters counters;
        final HashMode hashMode;
        final double boundedLoadFactor;
        /** Consistent hashing: candidate ordinals, their seeds and weights (null weights: all equal). */
        final int[] chOrdinals;
        final long[] chSeeds;
        final double[] chWeights;
        /**
         * The rendezvous winner (an index into {@code chOrdinals}) of each slot; a key's mixed hash picks a slot.
         * Each slot is scored as a key of its own, so the table keeps rendezvous hashing's minimal disruption: a
         * lost destination's slots go to their second choices, every other slot keeps its winner.
         */
        final int[] chTable;
        /** The effective weight of each candidate (1 when weights are not used). */
        final double[] chWeightValues;
        /** Smooth weighted round-robin sequences of active ordinals (empty: plain round-robin). */
        final int[] weightedSeq;
        final int[] relativeWeightSeq;
        final boolean roundRobinOrSerialIsRoundRobin;
        /** Whether any destination has a {@code maxload}: call-load then filters the failover list per request. */
        final boolean anyMaxload;
        /** Priority-weight: the selection starting with each active ordinal, the preferred group and weights. */
        final Selection[] priorityWeight;
        final int[] pwGroup;
        final int[] pwCumulative;

        SetTable(DestinationSet set, DispatcherSettings settings, Function<Destination, DestinationState> states,
                 Counters counters, SetTable previous) {
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
            for (int i = 0; i < n; i++) {
                ordinalAt[i] = -1;
            }
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
            parallel = count == 0 ? null : Selection.of(activeList, true);

            // Consistent hashing: weighted rendezvous over the active destinations with a weight, or over all the
            // active ones when none has a weight.
            int weightedCount = 0;
            for (int k = 0; k < count; k++) {
                if (dests[activeIdx[k]].attributes().weight() > 0) {
                    weightedCount++;
                }
            }
            final boolean useWeights = weightedCount > 0;
            chOrdinals = new int[useWeights ? weightedCount : count];
            chSeeds = new long[chOrdinals.length];
            final double[] weights = new double[chOrdinals.length];
            boolean allEqual = true;
            for (int k = 0, c = 0; k < count; k++) {
                final Destination d = dests[activeIdx[k]];
                if (!useWeights || d.attributes().weight() > 0) {
                    chOrdinals[c] = k;
                    chSeeds[c] = Hashing.seed(d.identity());
                    weights[c] = useWeights ? d.attributes().weight() : 1;
                    allEqual &= weights[c] == weights[0];
                    c++;
                }
            }
            chWeightValues = weights;
            chWeights = allEqual ? null : weights;
            chTable = hashMode == HashMode.CONSISTENT && chOrdinals.length > 0
                      && chOrdinals.length <= Hashing.MAX_TABLE_CANDIDATES ? rendezvousTable(previous) : null;

            final int[] w = new int[count];
            for (int k = 0; k < count; k++) {
                w[k] = dests[activeIdx[k]].attributes().weight();
            }
            weightedSeq = Hashing.smoothWeightedSequence(w);
            final int[] rw = relativeWeights(count);
            relativeWeightSeq = Hashing.smoothWeightedSequence(rw);

            boolean samePositive = n > 0 && dests[0].priority() > 0;
            for (int i = 1; i < n && samePositive; i++) {
                samePositive = dests[i].priority() == dests[0].priority();
            }
            roundRobinOrSerialIsRoundRobin = samePositive;
            boolean maxload = false;
            for (Destination d : dests) {
                maxload |= d.attributes().maxload() > 0;
            }
            anyMaxload = maxload;

            // Priority-weight (SRV-like): lowest priority value first; stable by index inside a priority.
            final Integer[] byPriority = new Integer[count];
            for (int k = 0; k < count; k++) {
                byPriority[k] = k;
            }
            Arrays.sort(byPriority, (a, b) -> Integer.compare(dests[activeIdx[a]].priority(),
                                                               dests[activeIdx[b]].priority()));
            final Destination[] pwOrder = new Destination[count];
            final int[] pwPosition = new int[count];
            for (int j = 0; j < count; j++) {
                pwOrder[j] = dests[activeIdx[byPriority[j]]];
                pwPosition[byPriority[j]] = j;
            }
            priorityWeight = new Selection[count];
            for (int k = 0; k < count; k++) {
                priorityWeight[k] = Selection.of(new MovedToFrontList(pwOrder, pwPosition[k]), false);
            }
            int groupSize = 0;
            while (groupSize < count && dests[activeIdx[byPriority[groupSize]]].priority()
                                        == dests[activeIdx[byPriority[0]]].priority()) {
                groupSize++;
            }
            pwGroup = new int[groupSize];
            pwCumulative = new int[groupSize];
            int total = 0;
            for (int g = 0; g < groupSize; g++) {
                pwGroup[g] = byPriority[g];
                total += dests[activeIdx[byPriority[g]]].attributes().weight();
                pwCumulative[g] = total;
            }
            if (total == 0) {
                for (int g = 0; g < groupSize; g++) {
                    pwCumulative[g] = g + 1;
                }
            }
        }

        /**
         * Computes the rendezvous table, incrementally from {@code previous} when the candidates that remain kept
         * their relative weights: a slot whose winner remains only has to be compared with the added candidates
         * (the remaining ones rank among themselves as before), and only a slot whose winner is gone is scored
         * against every candidate. The result is the table a full computation gives.
         */
        private int[] rendezvousTable(SetTable previous) {
            final int[] table = new int[Hashing.RENDEZVOUS_SLOTS];
            int[] remap = null;
            int[] added = null;
            if (previous != null && previous.chTable != null) {
                final Map<Long, Integer> old = new HashMap<>();
                for (int c = 0; c < previous.chSeeds.length; c++) {
                    old.put(previous.chSeeds[c], c);
                }
                remap = new int[previous.chSeeds.length];
                Arrays.fill(remap, -1);
                final int[] newOnes = new int[chSeeds.length];
                int addedCount = 0;
                int firstKept = -1;
                for (int c = 0; c < chSeeds.length && remap != null; c++) {
                    final Integer o = old.get(chSeeds[c]);
                    if (o == null) {
                        newOnes[addedCount++] = c;
                        continue;
                    }
                    if (firstKept < 0) {
                        firstKept = c;
                    }
                    final int o0 = old.get(chSeeds[firstKept]);
                    // The same weight relative to the first remaining candidate: they rank as before.
                    if (chWeightValues[c] * previous.chWeightValues[o0]
                        != previous.chWeightValues[o] * chWeightValues[firstKept]) {
                        remap = null;
                    } else {
                        remap[o] = c;
                    }
                }
                if (firstKept < 0) {
                    remap = null;
                }
                added = Arrays.copyOf(newOnes, addedCount);
            }
            for (int slot = 0; slot < table.length; slot++) {
                final int kept = remap != null ? remap[previous.chTable[slot]] : -1;
                if (kept < 0) {
                    table[slot] = Hashing.rendezvous(Hashing.slotKey(slot), chSeeds, chWeights, -1, Double.NaN);
                    continue;
                }
                int best = kept;
                if (added.length > 0) {
                    final long key = Hashing.slotKey(slot);
                    double bestScore = Hashing.score(key, chSeeds, chWeights, kept);
                    for (int c : added) {
                        final double sc = Hashing.score(key, chSeeds, chWeights, c);
                        if (sc > bestScore || (sc == bestScore && c < best)) {
                            best = c;
                            bestScore = sc;
                        }
                    }
                }
                table[slot] = best;
            }
            return table;
        }

        /**
         * Kamailio's relative weights over the active destinations, with congestion control: a {@code cc=1}
         * destination with a weight gets {@code rweight = max(0, weight - (estimate - average))}; when every
         * destination has cc, more than one is congested and none is normal, {@code rweight = (sum of congestion
         * << 4) / congestion}.
         */
        private int[] relativeWeights(int count) {
            final int[] rw = new int[count];
            final int[] congestion = new int[count];
            boolean allCc = count > 0;
            int congested = 0;
            int normal = 0;
            long totalCongestion = 0;
            for (int k = 0; k < count; k++) {
                final int i = activeIdx[k];
                final DestinationAttributes a = dests[i].attributes();
                rw[k] = a.rweight();
                if (!a.congestionControl() || a.weight() <= 0) {
                    allCc = false;
                    continue;
                }
                final double est = estimate(runtime[i]);
                final double avg = average(runtime[i]);
                if (Double.isNaN(est) || Double.isNaN(avg)) {
                    normal++;
                    continue;
                }
                final int cms = (int) Math.max(0, est - avg);
                congestion[k] = cms;
                rw[k] = Math.max(0, a.weight() - cms);
                if (rw[k] == 0) {
                    congested++;
                    totalCongestion += cms;
                } else {
                    normal++;
                }
            }
            if (allCc && congested > 1 && normal == 0) {
                for (int k = 0; k < count; k++) {
                    rw[k] = congestion[k] > 0 ? (int) Math.min(Integer.MAX_VALUE,
                                                               (totalCongestion << 4) / congestion[k]) : 0;
                }
            }
            return rw;
        }

        /** Returns the latency estimate in ms, or NaN before the first sample. */
        private static double estimate(DestinationState s) {
            final LatencyStats.Snapshot l = s.latency().snapshot();
            return l.count() == 0 ? Double.NaN : l.estimateMillis();
        }

        /** Returns the average latency in ms, or NaN before the first sample. */
        private static double average(DestinationState s) {
            final LatencyStats.Snapshot l = s.latency().snapshot();
            return l.count() == 0 ? Double.NaN : l.averageMillis();
        }

        Selection select(Algorithm algorithm, SelectionKey key) {
            if (activeCount == 0) {
                return Selection.NO_ACTIVE_DESTINATION;
            }
            switch (algorithm) {
                case HASH_AUTH_USERNAME:
                    if (!key.isPresent()) {
                        return roundRobin();
                    }
                    return hash(key.hash());
                case HASH_CALL_ID:
                case HASH_FROM_URI:
                case HASH_TO_URI:
                case HASH_REQUEST_URI:
                case HASH_KEY:
                    if (!key.isPresent()) {
                        return Selection.MISSING_KEY;
                    }
                    return hash(key.hash());
                case ROUND_ROBIN:
                    return roundRobin();
                case RANDOM:
                    return fromActive[ThreadLocalRandom.current().nextInt(activeCount)];
                case PRIORITY:
                    return fromActive[0];
                case WEIGHTED:
                    return sequence(weightedSeq, counters.weighted);
                case CALL_LOAD:
                    return callLoad();
                case RELATIVE_WEIGHT:
                    return sequence(relativeWeightSeq, counters.relativeWeight);
                case PARALLEL:
                    return parallel;
                case LATENCY:
                    return latency();
                case ROUND_ROBIN_OR_SERIAL:
                    return roundRobinOrSerialIsRoundRobin ? roundRobin() : fromActive[0];
                case PRIORITY_WEIGHT:
                    return priorityWeight();
                case ROUND_ROBIN_OVERLOAD_CONTROL:
                    return overloadControl();
                default:
                    throw new AssertionError(algorithm);
            }
        }

        private Selection roundRobin() {
            return fromActive[(int) Long.remainderUnsigned(counters.roundRobin.getAndIncrement(), activeCount)];
        }

        private Selection sequence(int[] seq, AtomicLong counter) {
            if (seq.length == 0) {
                return roundRobin();
            }
            return fromActive[seq[(int) Long.remainderUnsigned(counter.getAndIncrement(), seq.length)]];
        }

        private Selection hash(int hash) {
            if (hashMode == HashMode.KAMAILIO) {
                return fromActive[ordinalAt[Integer.remainderUnsigned(hash, n)]];
            }
            final long key;
            int best;
            if (chTable != null) {
                final int slot = (int) Hashing.mix64(hash & 0xFFFFFFFFL) & (Hashing.RENDEZVOUS_SLOTS - 1);
                key = Hashing.slotKey(slot);
                best = chTable[slot];
            } else {
                key = Hashing.mix64(hash & 0xFFFFFFFFL);
                best = Hashing.rendezvous(key, chSeeds, chWeights, -1, Double.NaN);
            }
            if (boundedLoadFactor > 0) {
                best = boundedLoad(key, best);
            }
            return fromActive[chOrdinals[best]];
        }

        /**
         * Consistent hashing with bounded loads: walks the key's rendezvous ranking until a destination has no
         * more than {@code c} times the mean active calls (counting the new one).
         */
        private int boundedLoad(long h, int first) {
            long total = 0;
            for (int c = 0; c < chOrdinals.length; c++) {
                total += runtime[activeIdx[chOrdinals[c]]].activeCalls();
            }
            final double cap = Math.ceil(boundedLoadFactor * (total + 1) / chOrdinals.length);
            int candidate = first;
            double score = Hashing.score(h, chSeeds, chWeights, first);
            for (int step = 0; step < chOrdinals.length; step++) {
                if (runtime[activeIdx[chOrdinals[candidate]]].activeCalls() + 1 <= cap) {
                    return candidate;
                }
                final int next = Hashing.rendezvous(h, chSeeds, chWeights, candidate, score);
                if (next < 0) {
                    break;
                }
                candidate = next;
                score = Hashing.score(h, chSeeds, chWeights, next);
            }
            return first;
        }

        private Selection callLoad() {
            int best = -1;
            int bestLoad = Integer.MAX_VALUE;
            for (int k = 0; k < activeCount; k++) {
                final int i = activeIdx[k];
                final int load = runtime[i].activeCalls();
                final int max = dests[i].attributes().maxload();
                if ((max == 0 || load < max) && load < bestLoad) {
                    best = k;
                    bestLoad = load;
                }
            }
            if (best < 0) {
                return Selection.NO_ACTIVE_DESTINATION;
            }
            if (!anyMaxload) {
                return fromActive[best]; // nothing to skip: Kamailio's order, precomputed
            }
            final List<Destination> order = new ArrayList<>(activeCount);
            for (int j = 0; j < activeCount; j++) {
                final int i = activeIdx[(best + j) % activeCount];
                final int max = dests[i].attributes().maxload();
                if (j == 0 || max == 0 || runtime[i].activeCalls() < max) {
                    order.add(dests[i]);
                }
            }
            return Selection.of(Collections.unmodifiableList(order), false);
        }

        /** Kamailio's algorithm 13: round-robin over priorities lowered by the latency estimate. */
        private Selection latency() {
            final long last = counters.latency.get();
            final int start = (int) Long.remainderUnsigned(last, n);
            final int[] order = new int[activeCount];
            final int[] rprio = new int[n];
            int m = 0;
            for (int j = 0; j < n; j++) {
                final int i = (start + j) % n;
                if (!active[i]) {
                    continue;
                }
                final DestinationAttributes a = dests[i].attributes();
                final double est = estimate(runtime[i]);
                final double avg = average(runtime[i]);
                int lat = 0;
                if (!Double.isNaN(est)) {
                    lat = (int) (a.congestionControl() && !Double.isNaN(avg) ? est - avg : est);
                }
                final int prio = dests[i].priority();
                rprio[i] = lat > prio && prio > 0 ? Math.max(1, prio - lat / prio) : prio;
                order[m++] = i;
            }
            // Stable insertion sort by adjusted priority, descending.
            for (int a = 1; a < m; a++) {
                final int v = order[a];
                int b = a - 1;
                while (b >= 0 && rprio[order[b]] < rprio[v]) {
                    order[b + 1] = order[b];
                    b--;
                }
                order[b + 1] = v;
            }
            counters.latency.compareAndSet(last, order[0] + 1L);
            final List<Destination> list = new ArrayList<>(m);
            for (int j = 0; j < m; j++) {
                list.add(dests[order[j]]);
            }
            return Selection.of(Collections.unmodifiableList(list), false);
        }

        /** SRV-style: weighted random inside the lowest priority value, the others as failover. */
        private Selection priorityWeight() {
            final int total = pwCumulative[pwCumulative.length - 1];
            final int r = ThreadLocalRandom.current().nextInt(total);
            for (int g = 0; g < pwGroup.length; g++) {
                if (r < pwCumulative[g]) {
                    return priorityWeight[pwGroup[g]];
                }
            }
            throw new AssertionError(r);
        }

        private Selection overloadControl() {
            final int first = (int) Long.remainderUnsigned(counters.roundRobin.getAndIncrement(), activeCount);
            for (int j = 0; j < activeCount; j++) {
                final int k = (first + j) % activeCount;
                if (!runtime[activeIdx[k]].overload().shouldSkip()) {
                    return fromActive[k];
                }
            }
            return Selection.NO_ACTIVE_DESTINATION;
        }
    }

    /**
     * An unmodifiable view of an array with the element at {@code front} moved to the front and the others in
     * array order: one shared array serves every priority-weight selection. Immutable.
     */
    private static final class MovedToFrontList extends AbstractList<Destination> implements RandomAccess {
        private final Destination[] order;
        private final int front;

        MovedToFrontList(Destination[] order, int front) {
            this.order = order;
            this.front = front;
        }

        @Override
        public Destination get(int index) {
            Objects.checkIndex(index, order.length);
            if (index == 0) {
                return order[front];
            }
            return order[index <= front ? index - 1 : index];
        }

        @Override
        public int size() {
            return order.length;
        }
    }
}
