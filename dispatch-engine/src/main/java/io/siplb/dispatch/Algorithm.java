package io.siplb.dispatch;

import java.util.Locale;

/**
 * The destination selection algorithms, each with its configuration name and Kamailio's {@code ds_select_dst}
 * number, accepted as an alias so that migrated configurations keep their numbers. Immutable.
 *
 * <p>The hash algorithms differ only in which key the proxy hashes (the engine never sees the SIP message);
 * {@link #isHash()} tells them apart. See the module's README for each algorithm's behaviour and every deliberate
 * difference from Kamailio.
 */
public enum Algorithm {
    /** 0: hash of the Call-ID. */
    HASH_CALL_ID("hash-call-id", 0),
    /** 1: hash of the From URI (user, then {@code host[:port]}). */
    HASH_FROM_URI("hash-from-uri", 1),
    /** 2: hash of the To URI (user, then {@code host[:port]}). */
    HASH_TO_URI("hash-to-uri", 2),
    /** 3: hash of the Request-URI (user, then {@code host[:port]}). */
    HASH_REQUEST_URI("hash-request-uri", 3),
    /** 4: round-robin over the active destinations. */
    ROUND_ROBIN("round-robin", 4),
    /** 5: hash of the authorization username; round-robin when the request has none. */
    HASH_AUTH_USERNAME("hash-auth-username", 5),
    /** 6: uniformly random among the active destinations. */
    RANDOM("random", 6),
    /** 7: hash of any string the routing rule names. */
    HASH_KEY("hash-key", 7),
    /** 8: the first active destination in priority order ({@code serial} is an alias). */
    PRIORITY("priority", 8, "serial"),
    /** 9: smooth weighted round-robin by the {@code weight} attribute. */
    WEIGHTED("weighted", 9),
    /** 10: least active calls, skipping destinations at {@code maxload}. */
    CALL_LOAD("call-load", 10),
    /** 11: smooth weighted round-robin by {@code rweight} over the active destinations, with {@code cc}. */
    RELATIVE_WEIGHT("relative-weight", 11),
    /** 12: every active destination, for parallel forking. */
    PARALLEL("parallel", 12),
    /** 13: round-robin over priorities adjusted by the latency estimate. */
    LATENCY("latency", 13),
    /** 14: round-robin when every priority is equal and positive, otherwise priority. */
    ROUND_ROBIN_OR_SERIAL("round-robin-or-serial", 14),
    /** 15: SRV-style: lowest priority value first, weighted random inside a priority. */
    PRIORITY_WEIGHT("priority-weight", 15),
    /** 64: round-robin skipping destinations by their RFC 7339 overload-control rate. */
    ROUND_ROBIN_OVERLOAD_CONTROL("round-robin-overload-control", 64, "overload-control");

    private static final Algorithm[] VALUES = values();

    private final String configName;
    private final int kamailioNumber;
    private final String alias;

    Algorithm(String configName, int kamailioNumber) {
        this(configName, kamailioNumber, null);
    }

    Algorithm(String configName, int kamailioNumber, String alias) {
        this.configName = configName;
        this.kamailioNumber = kamailioNumber;
        this.alias = alias;
    }

    /** Returns the name used in configuration, e.g. {@code hash-call-id}. */
    public String configName() {
        return configName;
    }

    /** Returns Kamailio's algorithm number, e.g. {@code 0} for {@link #HASH_CALL_ID}. */
    public int kamailioNumber() {
        return kamailioNumber;
    }

    /** Returns {@code true} for the algorithms that map a key's hash to a destination (0, 1, 2, 3, 5, 7). */
    public boolean isHash() {
        switch (this) {
            case HASH_CALL_ID:
            case HASH_FROM_URI:
            case HASH_TO_URI:
            case HASH_REQUEST_URI:
            case HASH_AUTH_USERNAME:
            case HASH_KEY:
                return true;
            default:
                return false;
        }
    }

    /**
     * Returns the strategy that builds this algorithm's selector for a set (one class per algorithm; the hash
     * algorithms 0, 1, 2, 3 and 7 share one).
     */
    SelectionStrategy strategy() {
        return Selectors.of(this);
    }

    /**
     * Returns the algorithm named by {@code value}: a configuration name (case-insensitive, {@code _} accepted for
     * {@code -}), an alias ({@code serial}, {@code overload-control}), or Kamailio's number ({@code "4"}).
     *
     * @throws IllegalArgumentException naming the value and the accepted ones
     */
    public static Algorithm fromConfig(String value) {
        final String v = value.trim().toLowerCase(Locale.ROOT).replace('_', '-');
        for (Algorithm a : VALUES) {
            if (a.configName.equals(v) || v.equals(a.alias) || v.equals(Integer.toString(a.kamailioNumber))) {
                return a;
            }
        }
        throw new IllegalArgumentException("algorithm: \"" + value + "\" (expected: " + expectedValues() + ')');
    }

    /** Returns the accepted names with their numbers, for error messages. */
    public static String expectedValues() {
        final StringBuilder sb = new StringBuilder("one of ");
        for (int i = 0; i < VALUES.length; i++) {
            if (i > 0) {
                sb.append(", ");
            }
            sb.append(VALUES[i].configName).append(" (").append(VALUES[i].kamailioNumber).append(')');
        }
        return sb.toString();
    }
}
