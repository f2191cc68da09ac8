package io.siplb.loadtests.dispatch;

import java.util.ArrayList;
import java.util.List;

import io.siplb.dispatch.Algorithm;
import io.siplb.dispatch.Destination;
import io.siplb.dispatch.DestinationAttributes;
import io.siplb.dispatch.DestinationSet;
import io.siplb.dispatch.DispatcherSettings;
import io.siplb.dispatch.HashMode;
import io.siplb.dispatch.SelectionKey;

/**
 * The destination sets and keys the dispatch benchmarks select from. Immutable.
 *
 * <p>Set {@value #SET_ID} has {@code n} destinations {@code sip:10.0.0.<i+1>:5060} with {@code duid=d<i>},
 * weights and relative weights {@code 10, 20, ..., 80} repeating, and priorities {@code 0, 1, 0, 1, ...}; all active.
 * Keys are {@value #KEYS} distinct Call-IDs hashed once up front, as the proxy hands them to the engine.
 */
final class BenchmarkSets {

    /** The set id every benchmark selects from. */
    static final int SET_ID = 1;
    /** Number of precomputed keys (a power of two). */
    static final int KEYS = 1024;

    private BenchmarkSets() {
    }

    /** Settings with one set of {@code n} destinations; {@code generation} is written into the source name. */
    static DispatcherSettings settings(int n, long generation) {
        return settings(n, generation, DispatcherSettings.DEFAULT_HASH_MODE, true);
    }

    /**
     * Settings with one set of {@code n} destinations, hashed with {@code hashMode}; without {@code weighted}, the
     * destinations have no weight attributes.
     */
    static DispatcherSettings settings(int n, long generation, HashMode hashMode, boolean weighted) {
        final List<Destination> dests = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            final int w = 10 * (i % 8 + 1);
            final String attrs = weighted ? "duid=d" + i + ";weight=" + w + ";rweight=" + w : "duid=d" + i;
            dests.add(Destination.of(SET_ID, "sip:10.0.0." + (i + 1) + ":5060", 0, i % 2,
                                     DestinationAttributes.parse(attrs)));
        }
        return DispatcherSettings.builder()
                                 .addSet(DestinationSet.of(SET_ID, Algorithm.ROUND_ROBIN, dests))
                                 .hashMode(hashMode)
                                 .source("benchmark generation " + generation)
                                 .build();
    }

    /** {@value #KEYS} Call-ID keys. */
    static SelectionKey[] callIdKeys() {
        final SelectionKey[] keys = new SelectionKey[KEYS];
        for (int i = 0; i < KEYS; i++) {
            keys[i] = SelectionKey.of("a84b4c76e66710-" + i + "@pc33.atlanta.example.com");
        }
        return keys;
    }
}
