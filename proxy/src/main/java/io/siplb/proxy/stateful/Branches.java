package io.siplb.proxy.stateful;

import io.siplb.codec.SipBranches;

/**
 * siplb's own branches of stateful forwarding, {@code z9hG4bK-s<instance>-<loop>-<sequence>}: unique per siplb
 * instance (RFC 3261 §8.1.1.7), and naming the event loop that holds the client transaction, so that a response the
 * kernel delivers to another loop's socket ({@code SO_REUSEPORT}) is handed over to the right one. Static methods
 * only. Immutable.
 */
final class Branches {

    private static final String PREFIX = SipBranches.MAGIC_COOKIE + "-s";

    private Branches() {}

    /** Returns the prefix of every branch of this instance. */
    static String prefix(String instanceTag) {
        return PREFIX + instanceTag + '-';
    }

    /** Returns a new branch of loop {@code loop}. */
    static String of(String prefix, int loop, long sequence) {
        return prefix + loop + '-' + Long.toString(sequence, 36);
    }

    /** Returns the event loop index a branch of this instance names, or -1 when it is not one of them. */
    static int loopOf(String branch, String prefix) {
        if (branch == null || !branch.startsWith(prefix)) {
            return -1;
        }
        int loop = 0;
        int i = prefix.length();
        final int n = branch.length();
        if (i >= n) {
            return -1;
        }
        for (; i < n; i++) {
            final char c = branch.charAt(i);
            if (c == '-') {
                return i > prefix.length() ? loop : -1;
            }
            if (c < '0' || c > '9' || loop > 100_000) {
                return -1;
            }
            loop = loop * 10 + (c - '0');
        }
        return -1;
    }
}
