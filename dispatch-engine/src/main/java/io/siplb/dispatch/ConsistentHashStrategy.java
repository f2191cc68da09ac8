package io.siplb.dispatch;

import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;

import io.siplb.dispatch.state.DestinationState;

/**
 * {@link HashMode#CONSISTENT}: weighted rendezvous (highest random weight) hashing over the active destinations
 * with a {@code weight}, or over all the active ones when none has one. Each destination's seed comes from its
 * identity (set + duid or URI), so the assignment does not depend on configuration order; when a destination
 * goes down only its keys move, each to its second choice. Weights 1, 1, 2 give a, b, c a quarter, a quarter and
 * half of the keys; with c down, c's keys split evenly between a and b and no other key moves. Immutable.
 *
 * <p>Up to {@link Hashing#MAX_TABLE_CANDIDATES} candidates, the selector precomputes a table of
 * {@link Hashing#RENDEZVOUS_SLOTS} slots, each scored as a key of its own; a key's mixed hash picks its slot, so
 * selection is one table lookup. Built from the previous generation's selector, only the slots whose winner left
 * are scored again (and a returning candidate is compared with each slot's winner). Built on a request thread
 * (the set is selected with a hash algorithm that is not its own, see {@link SetView#isBuilding()}), the selector
 * has no table and scores the key's slot against the candidates per request (the same winner, O(n) instead of
 * milliseconds of table building on the request); the set's next generation builds the table. With more than
 * {@link Hashing#MAX_TABLE_CANDIDATES} candidates, each key (not its slot) is scored against all of them. With a bounded-load factor {@code c}, a key whose choice has more than
 * {@code ceil(c * (total active calls + 1) / candidates)} calls goes to its next rendezvous choice.
 */
final class ConsistentHashStrategy implements SelectionStrategy {

    @Override
    public DestinationSelector newSelector(SetView set, DestinationSelector previous) {
        return new Selector(set, previous instanceof Selector ? (Selector) previous : null);
    }

    /** One table lookup per key (plus a walk of the ranking with bounded loads). Thread-safe (lock-free). */
    static final class Selector implements DestinationSelector {
        private final Selection[] fromActive;
        private final DestinationState[] candidateStates;
        private final double boundedLoadFactor;
        /** Candidate ordinals (into the set's active destinations), their seeds and weights (null: all equal). */
        final int[] ordinals;
        final long[] seeds;
        private final double[] weights;
        /** The effective weight of each candidate (1 when weights are not used). */
        private final double[] weightValues;
        /** Whether keys are scored against the candidates directly, not through their slot. */
        private final boolean direct;
        /**
         * The rendezvous winner (an index into {@code ordinals}) of each slot, or {@code null} above
         * {@link Hashing#MAX_TABLE_CANDIDATES} candidates or when built on a request thread. Each slot is scored as a key of its own, so the table
         * keeps rendezvous hashing's minimal disruption: a lost destination's slots go to their second choices,
         * every other slot keeps its winner.
         */
        final int[] table;

        Selector(SetView set, Selector previous) {
            fromActive = set.fromActive;
            boundedLoadFactor = set.boundedLoadFactor;
            final int count = set.activeCount;
            int weightedCount = 0;
            for (int k = 0; k < count; k++) {
                if (set.dests[set.activeIdx[k]].attributes().weight() > 0) {
                    weightedCount++;
                }
            }
            final boolean useWeights = weightedCount > 0;
            ordinals = new int[useWeights ? weightedCount : count];
            seeds = new long[ordinals.length];
            candidateStates = new DestinationState[ordinals.length];
            final double[] w = new double[ordinals.length];
            boolean allEqual = true;
            for (int k = 0, c = 0; k < count; k++) {
                final Destination d = set.dests[set.activeIdx[k]];
                if (!useWeights || d.attributes().weight() > 0) {
                    ordinals[c] = k;
                    seeds[c] = Hashing.seed(d.identity());
                    candidateStates[c] = set.runtime[set.activeIdx[k]];
                    w[c] = useWeights ? d.attributes().weight() : 1;
                    allEqual &= w[c] == w[0];
                    c++;
                }
            }
            weightValues = w;
            weights = allEqual ? null : w;
            direct = ordinals.length > Hashing.MAX_TABLE_CANDIDATES;
            table = !direct && set.isBuilding() ? rendezvousTable(previous) : null;
        }

        /**
         * Computes the rendezvous table, incrementally from {@code previous} when the candidates that remain kept
         * their relative weights: a slot whose winner remains only has to be compared with the added candidates
         * (the remaining ones rank among themselves as before), and only a slot whose winner is gone is scored
         * against every candidate. The result is the table a full computation gives.
         */
        private int[] rendezvousTable(Selector previous) {
            final int[] t = new int[Hashing.RENDEZVOUS_SLOTS];
            int[] remap = null;
            int[] added = null;
            if (previous != null && previous.table != null) {
                final Map<Long, Integer> old = new HashMap<>();
                for (int c = 0; c < previous.seeds.length; c++) {
                    old.put(previous.seeds[c], c);
                }
                remap = new int[previous.seeds.length];
                Arrays.fill(remap, -1);
                final int[] newOnes = new int[seeds.length];
                int addedCount = 0;
                int firstKept = -1;
                for (int c = 0; c < seeds.length && remap != null; c++) {
                    final Integer o = old.get(seeds[c]);
                    if (o == null) {
                        newOnes[addedCount++] = c;
                        continue;
                    }
                    if (firstKept < 0) {
                        firstKept = c;
                    }
                    final int o0 = old.get(seeds[firstKept]);
                    // The same weight relative to the first remaining candidate: they rank as before.
                    if (weightValues[c] * previous.weightValues[o0]
                        != previous.weightValues[o] * weightValues[firstKept]) {
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
            for (int slot = 0; slot < t.length; slot++) {
                final int kept = remap != null ? remap[previous.table[slot]] : -1;
                if (kept < 0) {
                    t[slot] = Hashing.rendezvous(Hashing.slotKey(slot), seeds, weights, -1, Double.NaN);
                    continue;
                }
                int best = kept;
                if (added.length > 0) {
                    final long key = Hashing.slotKey(slot);
                    double bestScore = Hashing.score(key, seeds, weights, kept);
                    for (int c : added) {
                        final double sc = Hashing.score(key, seeds, weights, c);
                        if (sc > bestScore || (sc == bestScore && c < best)) {
                            best = c;
                            bestScore = sc;
                        }
                    }
                }
                t[slot] = best;
            }
            return t;
        }

        @Override
        public Selection select(SelectionKey key) {
            if (!key.isPresent()) {
                return Selection.MISSING_KEY;
            }
            final long h = key.hash() & 0xFFFFFFFFL;
            final long k;
            int best;
            if (direct) {
                k = Hashing.mix64(h);
                best = Hashing.rendezvous(k, seeds, weights, -1, Double.NaN);
            } else {
                final int slot = (int) Hashing.mix64(h) & (Hashing.RENDEZVOUS_SLOTS - 1);
                k = Hashing.slotKey(slot);
                best = table != null ? table[slot] : Hashing.rendezvous(k, seeds, weights, -1, Double.NaN);
            }
            if (boundedLoadFactor > 0) {
                best = boundedLoad(k, best);
            }
            return fromActive[ordinals[best]];
        }

        /**
         * Consistent hashing with bounded loads: walks the key's rendezvous ranking until a destination has no
         * more than {@code c} times the mean active calls (counting the new one).
         */
        private int boundedLoad(long h, int first) {
            long total = 0;
            for (DestinationState s : candidateStates) {
                total += s.activeCalls();
            }
            final double cap = Math.ceil(boundedLoadFactor * (total + 1) / ordinals.length);
            int candidate = first;
            double score = Hashing.score(h, seeds, weights, first);
            for (int step = 0; step < ordinals.length; step++) {
                if (candidateStates[candidate].activeCalls() + 1 <= cap) {
                    return candidate;
                }
                final int next = Hashing.rendezvous(h, seeds, weights, candidate, score);
                if (next < 0) {
                    break;
                }
                candidate = next;
                score = Hashing.score(h, seeds, weights, next);
            }
            return first;
        }
    }
}
