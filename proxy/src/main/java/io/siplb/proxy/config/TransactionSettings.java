package io.siplb.proxy.config;

import static java.util.Objects.requireNonNull;

import java.time.Duration;
import java.util.Arrays;

/**
 * The stateful proxy's transaction settings, read from {@code siplb.proxy.*} (RFC 3261 §17 timers, failover and the
 * transaction limit). Build with {@link #builder()}; every setter validates its argument. Immutable.
 *
 * <table>
 * <caption>Keys</caption>
 * <tr><th>Key</th><th>Type</th><th>Default</th><th>Meaning</th></tr>
 * <tr><td>{@code siplb.proxy.timers.t1}</td><td>duration</td><td>{@code 500ms}</td>
 *     <td>RFC 3261 T1, the round-trip estimate: Timer A/E start at T1, Timer B/F/H/J are 64*T1</td></tr>
 * <tr><td>{@code siplb.proxy.timers.t2}</td><td>duration</td><td>{@code 4s}</td>
 *     <td>RFC 3261 T2, the longest retransmit interval of non-INVITE requests and INVITE responses</td></tr>
 * <tr><td>{@code siplb.proxy.timers.t4}</td><td>duration</td><td>{@code 5s}</td>
 *     <td>RFC 3261 T4, how long a message may stay in the network: Timer I and K</td></tr>
 * <tr><td>{@code siplb.proxy.timers.timer-c}</td><td>duration</td><td>{@code 180s}</td>
 *     <td>an INVITE branch that only sent provisionals is cancelled after this long (RFC 3261 §16.8: &gt; 3 min)</td></tr>
 * <tr><td>{@code siplb.proxy.fr-timeout}</td><td>duration</td><td>{@code 2s}</td>
 *     <td>a branch without any response (or a non-INVITE branch without a final one) in this time fails over
 *     (Kamailio's {@code fr_timer})</td></tr>
 * <tr><td>{@code siplb.proxy.fr-inv-timeout}</td><td>duration</td><td>{@code 120s}</td>
 *     <td>an INVITE branch without a final response this long after its first provisional fails over
 *     (Kamailio's {@code fr_inv_timer})</td></tr>
 * <tr><td>{@code siplb.proxy.failover-codes}</td><td>list of ints</td><td>{@code [408, 500, 502, 503, 504]}</td>
 *     <td>final responses that fail a branch over to the next destination</td></tr>
 * <tr><td>{@code siplb.proxy.max-attempts}</td><td>int</td><td>{@code 0} (every destination)</td>
 *     <td>at most this many branches tried in turn per request</td></tr>
 * <tr><td>{@code siplb.proxy.max-transactions}</td><td>int</td><td>{@code 200000}</td>
 *     <td>server transactions per siplb; past it new requests get 503 with Retry-After</td></tr>
 * </table>
 */
public final class TransactionSettings {

    /** Default of {@link #maxTransactions()}: 200,000, about 0.3 GiB of heap (see the proxy's README). */
    public static final int DEFAULT_MAX_TRANSACTIONS = 200_000;

    private static final int[] DEFAULT_FAILOVER_CODES = {408, 500, 502, 503, 504};

    private static final TransactionSettings DEFAULTS = builder().build();

    private final Duration t1;
    private final Duration t2;
    private final Duration t4;
    private final Duration timerC;
    private final Duration frTimeout;
    private final Duration frInvTimeout;
    private final int[] failoverCodes;
    private final int maxAttempts;
    private final int maxTransactions;

    private TransactionSettings(Builder b) {
        t1 = b.t1;
        t2 = b.t2;
        t4 = b.t4;
        timerC = b.timerC;
        frTimeout = b.frTimeout;
        frInvTimeout = b.frInvTimeout;
        failoverCodes = b.failoverCodes.clone();
        maxAttempts = b.maxAttempts;
        maxTransactions = b.maxTransactions;
    }

    /** Returns the defaults. */
    public static TransactionSettings defaults() {
        return DEFAULTS;
    }

    /** Returns a builder with every default. */
    public static Builder builder() {
        return new Builder();
    }

    /** Returns T1. */
    public Duration t1() {
        return t1;
    }

    /** Returns T2. */
    public Duration t2() {
        return t2;
    }

    /** Returns T4. */
    public Duration t4() {
        return t4;
    }

    /** Returns Timer C. */
    public Duration timerC() {
        return timerC;
    }

    /** Returns the fr-timeout. */
    public Duration frTimeout() {
        return frTimeout;
    }

    /** Returns the fr-inv-timeout. */
    public Duration frInvTimeout() {
        return frInvTimeout;
    }

    /** Returns the failover codes, sorted (a copy). */
    public int[] failoverCodes() {
        return failoverCodes.clone();
    }

    /** Returns whether {@code status} fails a branch over. */
    public boolean isFailoverCode(int status) {
        return Arrays.binarySearch(failoverCodes, status) >= 0;
    }

    /** Returns the most branches tried in turn; 0: every destination of the selection. */
    public int maxAttempts() {
        return maxAttempts;
    }

    /** Returns the most server transactions at once. */
    public int maxTransactions() {
        return maxTransactions;
    }

    @Override
    public String toString() {
        return "TransactionSettings{t1=" + t1 + ", t2=" + t2 + ", t4=" + t4 + ", timerC=" + timerC +
               ", frTimeout=" + frTimeout + ", frInvTimeout=" + frInvTimeout + ", failoverCodes=" +
               Arrays.toString(failoverCodes) + ", maxAttempts=" + maxAttempts + ", maxTransactions=" +
               maxTransactions + '}';
    }

    /** Builds {@link TransactionSettings}. Not thread-safe; confined to the thread building the settings. */
    public static final class Builder {
        private Duration t1 = Duration.ofMillis(500);
        private Duration t2 = Duration.ofSeconds(4);
        private Duration t4 = Duration.ofSeconds(5);
        private Duration timerC = Duration.ofSeconds(180);
        private Duration frTimeout = Duration.ofSeconds(2);
        private Duration frInvTimeout = Duration.ofSeconds(120);
        private int[] failoverCodes = DEFAULT_FAILOVER_CODES;
        private int maxAttempts;
        private int maxTransactions = DEFAULT_MAX_TRANSACTIONS;

        private Builder() {}

        private static Duration check(String name, Duration d, Duration min, Duration max) {
            requireNonNull(d, name);
            if (d.compareTo(min) < 0 || d.compareTo(max) > 0) {
                throw new IllegalArgumentException(name + ": " + d + " (expected: " + min + ".." + max + ')');
            }
            return d;
        }

        /** Sets T1, T2 and T4 (T1 in 1ms..10s, T2 >= T1, T4 in 1ms..60s). */
        public Builder timers(Duration t1, Duration t2, Duration t4) {
            check("t1", t1, Duration.ofMillis(1), Duration.ofSeconds(10));
            check("t2", t2, t1, Duration.ofSeconds(60));
            check("t4", t4, Duration.ofMillis(1), Duration.ofSeconds(60));
            this.t1 = t1;
            this.t2 = t2;
            this.t4 = t4;
            return this;
        }

        /** Sets Timer C (1s..1h; RFC 3261 asks for more than 3 minutes, shorter is for tests). */
        public Builder timerC(Duration timerC) {
            this.timerC = check("timer-c", timerC, Duration.ofSeconds(1), Duration.ofHours(1));
            return this;
        }

        /** Sets the fr-timeout (10ms..5min). */
        public Builder frTimeout(Duration frTimeout) {
            this.frTimeout = check("fr-timeout", frTimeout, Duration.ofMillis(10), Duration.ofMinutes(5));
            return this;
        }

        /** Sets the fr-inv-timeout (10ms..1h). */
        public Builder frInvTimeout(Duration frInvTimeout) {
            this.frInvTimeout = check("fr-inv-timeout", frInvTimeout, Duration.ofMillis(10), Duration.ofHours(1));
            return this;
        }

        /** Sets the failover codes (each 300..699; a 6xx is never failed over, listed or not). */
        public Builder failoverCodes(int... codes) {
            final int[] sorted = requireNonNull(codes, "codes").clone();
            for (int c : sorted) {
                if (c < 300 || c > 699) {
                    throw new IllegalArgumentException("failover-codes: " + c + " (expected: 300..699)");
                }
            }
            Arrays.sort(sorted);
            failoverCodes = sorted;
            return this;
        }

        /** Sets the most branches tried in turn (0: every destination). */
        public Builder maxAttempts(int maxAttempts) {
            if (maxAttempts < 0) {
                throw new IllegalArgumentException("max-attempts: " + maxAttempts + " (expected: >= 0)");
            }
            this.maxAttempts = maxAttempts;
            return this;
        }

        /** Sets the most server transactions at once (1..10,000,000). */
        public Builder maxTransactions(int maxTransactions) {
            if (maxTransactions < 1 || maxTransactions > 10_000_000) {
                throw new IllegalArgumentException(
                        "max-transactions: " + maxTransactions + " (expected: 1..10000000)");
            }
            this.maxTransactions = maxTransactions;
            return this;
        }

        /** Returns the settings. */
        public TransactionSettings build() {
            return new TransactionSettings(this);
        }
    }
}
