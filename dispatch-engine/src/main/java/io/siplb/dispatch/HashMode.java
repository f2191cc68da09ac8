package io.siplb.dispatch;

import java.util.Locale;

/**
 * How the hash algorithms map a key's hash to a destination. Immutable.
 *
 * <ul>
 *   <li>{@link #CONSISTENT} (the default): weighted rendezvous (highest random weight) hashing over the active
 *       destinations. Losing or removing one destination moves only the keys it owned, and spreads them over all the
 *       others in proportion to their weights.</li>
 *   <li>{@link #KAMAILIO}: Kamailio's {@code ds_get_hash(key) % n}, then the next active index (wrapping). For the
 *       same list, the same key picks the same destination as Kamailio's dispatcher.</li>
 * </ul>
 */
public enum HashMode {
    CONSISTENT, KAMAILIO;

    /** Returns the configuration name: {@code consistent} or {@code kamailio}. */
    public String configName() {
        return name().toLowerCase(Locale.ROOT);
    }

    /**
     * Returns the mode named {@code name} (case-insensitive).
     *
     * @throws IllegalArgumentException if the name is neither {@code consistent} nor {@code kamailio}
     */
    public static HashMode fromConfig(String name) {
        switch (name.trim().toLowerCase(Locale.ROOT)) {
            case "consistent": return CONSISTENT;
            case "kamailio": return KAMAILIO;
            default:
                throw new IllegalArgumentException("hash-mode: \"" + name + "\" (expected: consistent or kamailio)");
        }
    }
}
