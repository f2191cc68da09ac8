package io.siplb.dispatch;

/**
 * Hashing and sequence helpers for the selection tables: a 64-bit mixer, weighted rendezvous scores and smooth
 * weighted round-robin sequences. Stateless. Immutable.
 */
final class Hashing {

    private static final double TWO_POW_MINUS_53 = 0x1.0p-53;

    private Hashing() {
    }

    /**
     * Slots of a consistent-hashing table. Constant, so that a key keeps its slot whatever the set's size; with
     * 16384 slots each of 10 destinations holds about 1638 slots (a share within about 2.5 % of its weight).
     */
    static final int RENDEZVOUS_SLOTS = 1 << 16;
    /** Sets with more candidates than this hash with rendezvous directly (O(n) per key) instead of a table. */
    static final int MAX_TABLE_CANDIDATES = 256;

    /** Returns the rendezvous key of a table slot. */
    static long slotKey(int slot) {
        return mix64(slot + 0x9E3779B97F4A7C15L);
    }

    /** The SplitMix64 finalizer: a bijective 64-bit mixer. */
    static long mix64(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    /** Returns the rendezvous seed of a destination identity: mixed 64-bit FNV-1a of its characters. */
    static long seed(String identity) {
        long h = 0xCBF29CE484222325L;
        for (int i = 0; i < identity.length(); i++) {
            h ^= identity.charAt(i);
            h *= 0x100000001B3L;
        }
        return mix64(h);
    }

    /**
     * Returns candidate {@code c}'s rendezvous score for the mixed key {@code h}: a uniform {@code u} in (0, 1)
     * derived from the key and the seed, or {@code w / -ln(u)} when weights are given (weighted rendezvous hashing:
     * each candidate wins with probability proportional to its weight).
     */
    static double score(long h, long[] seeds, double[] weights, int c) {
        final double u = ((mix64(h ^ seeds[c]) >>> 11) + 0.5) * TWO_POW_MINUS_53;
        return weights == null ? u : weights[c] / -Math.log(u);
    }

    /**
     * Returns the best-scoring candidate ranked after ({@code afterScore}, {@code after}) in the order
     * "score descending, then index ascending", or the best of all when {@code after < 0}; -1 when none is left.
     */
    static int rendezvous(long h, long[] seeds, double[] weights, int after, double afterScore) {
        int best = -1;
        double bestScore = Double.NEGATIVE_INFINITY;
        for (int c = 0; c < seeds.length; c++) {
            final double s = score(h, seeds, weights, c);
            if (after >= 0 && !(s < afterScore || (s == afterScore && c > after))) {
                continue;
            }
            if (best < 0 || s > bestScore) {
                best = c;
                bestScore = s;
            }
        }
        return best;
    }

    /**
     * Returns a smooth weighted round-robin sequence (nginx's algorithm) over candidates with the given weights:
     * each candidate appears exactly {@code weight / g} times in a sequence of {@code sum / g} entries, where
     * {@code g} is the weights' greatest common divisor, interleaved as evenly as possible: weights a=3, b=2, c=1
     * give {@code a b a c b a}. Zero weights never appear;
     * all-zero weights give an empty sequence.
     */
    static int[] smoothWeightedSequence(int[] weights) {
        int g = 0;
        long sum = 0;
        for (int w : weights) {
            if (w < 0) {
                throw new IllegalArgumentException("weight: " + w + " (expected: >= 0)");
            }
            if (w > 0) {
                g = gcd(g, w);
                sum += w;
            }
        }
        if (sum == 0) {
            return new int[0];
        }
        final int total = (int) (sum / g);
        final int[] reduced = new int[weights.length];
        for (int i = 0; i < weights.length; i++) {
            reduced[i] = weights[i] / g;
        }
        final int[] seq = new int[total];
        final long[] current = new long[weights.length];
        for (int s = 0; s < total; s++) {
            int best = -1;
            for (int i = 0; i < weights.length; i++) {
                if (reduced[i] == 0) {
                    continue;
                }
                current[i] += reduced[i];
                if (best < 0 || current[i] > current[best]) {
                    best = i;
                }
            }
            current[best] -= total;
            seq[s] = best;
        }
        return seq;
    }

    private static int gcd(int a, int b) {
        while (b != 0) {
            final int t = a % b;
            a = b;
            b = t;
        }
        return a;
    }
}
