package io.siplb.dispatch;

import static java.util.Objects.requireNonNull;

/**
 * The key a hash algorithm selects by, precomputed by the proxy from the request: the Call-ID for
 * {@link Algorithm#HASH_CALL_ID}, the URI user and {@code host[:port]} for the URI hashes, the authorization
 * username, or any string a routing rule names. The hash is computed once, at creation, with
 * {@link KamailioHash}; selection never looks at the text again. Immutable.
 *
 * <p>Leading and trailing whitespace of a single key is ignored, as Kamailio trims the Call-ID and the
 * {@code hash_pvar} value. An empty key is "no key": the hash algorithms then fail with
 * {@link Selection.Status#MISSING_KEY}, except {@link Algorithm#HASH_AUTH_USERNAME}, which falls back to
 * round-robin.
 */
public final class SelectionKey {

    /** No key: for round-robin, weighted and the other algorithms that need none. */
    public static final SelectionKey NONE = new SelectionKey(false, 0, null, null);

    private final boolean present;
    private final int hash;
    private final CharSequence key;
    private final CharSequence key2;

    private SelectionKey(boolean present, int hash, CharSequence key, CharSequence key2) {
        this.present = present;
        this.hash = hash;
        this.key = key;
        this.key2 = key2;
    }

    /** Returns the key for {@code key} with surrounding whitespace ignored; {@link #NONE} when it is empty. */
    public static SelectionKey of(CharSequence key) {
        requireNonNull(key, "key");
        int start = 0;
        int end = key.length();
        while (start < end && isSpace(key.charAt(start))) {
            start++;
        }
        while (end > start && isSpace(key.charAt(end - 1))) {
            end--;
        }
        if (start == end) {
            return NONE;
        }
        return new SelectionKey(true, KamailioHash.hash(key, start, end), key, null);
    }

    /**
     * Returns the key for two parts hashed in turn, as Kamailio hashes a URI: {@code user} then
     * {@code host[:port]} (the port only when present and not the scheme's default). {@code key2} may be
     * {@code null}. {@link #NONE} when both parts are empty.
     */
    public static SelectionKey of(CharSequence key1, CharSequence key2) {
        requireNonNull(key1, "key1");
        if (key1.length() == 0 && (key2 == null || key2.length() == 0)) {
            return NONE;
        }
        return new SelectionKey(true, KamailioHash.hash(key1, key2), key1, key2);
    }

    /**
     * Returns the key Kamailio's URI hashes (algorithms 1, 2, 3) use for a SIP URI: the user, then the host with
     * {@code :port} appended only when the URI has a port other than the scheme's default (5060 for {@code sip:},
     * 5061 for {@code sips:}). With Kamailio's {@code flags=1} ("hash the user only") use {@code of(user, null)}.
     *
     * @param user the URI user part ({@code ""} when absent)
     * @param port the URI port, or -1 when absent
     */
    public static SelectionKey ofUri(CharSequence user, CharSequence host, int port, boolean secure) {
        requireNonNull(user, "user");
        requireNonNull(host, "host");
        final boolean showPort = port >= 0 && port != (secure ? 5061 : 5060);
        return of(user, showPort ? host.toString() + ':' + port : host);
    }

    /** Returns a key whose Kamailio hash the caller computed already (e.g. over the request's bytes). */
    public static SelectionKey ofHash(int kamailioHash) {
        return new SelectionKey(true, kamailioHash, null, null);
    }

    private static boolean isSpace(char c) {
        return c == ' ' || c == '\t' || c == '\r' || c == '\n';
    }

    /** Returns {@code true} unless this is {@link #NONE}. */
    public boolean isPresent() {
        return present;
    }

    /** Returns Kamailio's hash of the key (0 for {@link #NONE}). */
    public int hash() {
        return hash;
    }

    /** Returns the first key part as given, or {@code null} when only a hash was given. */
    public CharSequence key() {
        return key;
    }

    /** Returns the second key part, or {@code null}. */
    public CharSequence key2() {
        return key2;
    }

    @Override
    public String toString() {
        if (!present) {
            return "SelectionKey{none}";
        }
        return "SelectionKey{" + (key != null ? "key=" + key + (key2 != null ? ", key2=" + key2 : "") + ", " : "")
               + "hash=" + KamailioHash.unsigned(hash) + '}';
    }
}
