package io.siplb.proxy.routing;

import static java.util.Objects.requireNonNull;

import java.util.Locale;

import io.siplb.codec.NameAddr;
import io.siplb.codec.SipHeader;
import io.siplb.codec.SipMessage;
import io.siplb.codec.SipUri;
import io.siplb.dispatch.Algorithm;
import io.siplb.dispatch.SelectionKey;

/**
 * Which part of a request a hash algorithm hashes: the key of a rule's {@code dispatch { key = ... }} for
 * {@code hash-key}, or ({@link #defaultFor(Algorithm)}) the key each hash algorithm hashes by itself. This is the
 * one place that knows the keys. Immutable.
 *
 * <p>Key kinds (configuration text, case-insensitive):
 * <ul>
 *   <li>{@code call-id}: the Call-ID</li>
 *   <li>{@code from-uri}, {@code to-uri}, {@code request-uri}: the URI as Kamailio's URI hashes (algorithms 1, 2, 3)
 *       hash it: the user, then the host with {@code :port} unless it is the scheme's default</li>
 *   <li>{@code from-user}, {@code to-user}, {@code request-uri-user}: the URI's user part alone</li>
 *   <li>{@code auth-username}: the {@code username} of Authorization, else Proxy-Authorization</li>
 *   <li>{@code header:NAME}: the value of the first header field named {@code NAME} (any case, compact forms
 *       included), as written, surrounding whitespace ignored</li>
 * </ul>
 * A request without that part gives {@link SelectionKey#NONE}.
 */
public final class KeySpec {

    /** The kinds of key. */
    public enum Kind {
        /** No key: round-robin, weighted and every other algorithm that hashes nothing. */
        NONE(""),
        /** {@code call-id}. */
        CALL_ID("call-id"),
        /** {@code from-uri}. */
        FROM_URI("from-uri"),
        /** {@code from-user}. */
        FROM_USER("from-user"),
        /** {@code to-uri}. */
        TO_URI("to-uri"),
        /** {@code to-user}. */
        TO_USER("to-user"),
        /** {@code request-uri}. */
        REQUEST_URI("request-uri"),
        /** {@code request-uri-user}. */
        REQUEST_URI_USER("request-uri-user"),
        /** {@code auth-username}. */
        AUTH_USERNAME("auth-username"),
        /** {@code header:NAME}. */
        HEADER("header:");

        private final String configName;

        Kind(String configName) {
            this.configName = configName;
        }

        /** Returns the configuration text, e.g. {@code "from-user"} ({@code "header:"} for {@link #HEADER}). */
        public String configName() {
            return configName;
        }
    }

    /** The accepted key texts, for error messages. */
    static final String EXPECTED = "call-id, from-uri, from-user, to-uri, to-user, request-uri, request-uri-user, " +
                                   "auth-username or header:NAME";

    /** No key. */
    public static final KeySpec NONE = new KeySpec(Kind.NONE, null);
    private static final KeySpec CALL_ID = new KeySpec(Kind.CALL_ID, null);
    private static final KeySpec FROM_URI = new KeySpec(Kind.FROM_URI, null);
    private static final KeySpec FROM_USER = new KeySpec(Kind.FROM_USER, null);
    private static final KeySpec TO_URI = new KeySpec(Kind.TO_URI, null);
    private static final KeySpec TO_USER = new KeySpec(Kind.TO_USER, null);
    private static final KeySpec REQUEST_URI = new KeySpec(Kind.REQUEST_URI, null);
    private static final KeySpec REQUEST_URI_USER = new KeySpec(Kind.REQUEST_URI_USER, null);
    private static final KeySpec AUTH_USERNAME = new KeySpec(Kind.AUTH_USERNAME, null);

    private final Kind kind;
    /** The header of {@link Kind#HEADER}, else {@code null}. */
    private final HeaderName header;

    private KeySpec(Kind kind, HeaderName header) {
        this.kind = kind;
        this.header = header;
    }

    /**
     * Parses a key text ({@link Kind}); {@code header:NAME} needs a header name token.
     *
     * @throws IllegalArgumentException reading {@code "TEXT" (expected: ...)}
     */
    public static KeySpec parse(String text) {
        requireNonNull(text, "text");
        final String t = text.trim();
        final String lower = t.toLowerCase(Locale.ROOT);
        switch (lower) {
            case "call-id": return CALL_ID;
            case "from-uri": return FROM_URI;
            case "from-user": return FROM_USER;
            case "to-uri": return TO_URI;
            case "to-user": return TO_USER;
            case "request-uri": return REQUEST_URI;
            case "request-uri-user": return REQUEST_URI_USER;
            case "auth-username": return AUTH_USERNAME;
            default:
                break;
        }
        if (lower.startsWith("header:")) {
            final String name = t.substring("header:".length()).trim();
            if (!HeaderName.isToken(name)) {
                throw new IllegalArgumentException('"' + text + "\" (expected: header:NAME with NAME a header " +
                                                   "name token, e.g. header:X-Tenant)");
            }
            return new KeySpec(Kind.HEADER, HeaderName.of(name));
        }
        throw new IllegalArgumentException('"' + text + "\" (expected: " + EXPECTED + ')');
    }

    /**
     * Returns the key {@code algorithm} hashes when no rule names one, as the stateless forwarder has always
     * hashed: {@code hash-call-id} the Call-ID; {@code hash-from-uri}, {@code hash-to-uri},
     * {@code hash-request-uri} the URI (user, then {@code host[:port]}); {@code hash-auth-username} the
     * authorization username; {@code hash-key}, which needs a rule to name its key, the Call-ID;
     * {@link #NONE} for every algorithm that hashes nothing.
     */
    public static KeySpec defaultFor(Algorithm algorithm) {
        switch (requireNonNull(algorithm, "algorithm")) {
            case HASH_CALL_ID:
            case HASH_KEY:
                return CALL_ID;
            case HASH_FROM_URI:
                return FROM_URI;
            case HASH_TO_URI:
                return TO_URI;
            case HASH_REQUEST_URI:
                return REQUEST_URI;
            case HASH_AUTH_USERNAME:
                return AUTH_USERNAME;
            default:
                return NONE;
        }
    }

    /** Returns the kind. */
    public Kind kind() {
        return kind;
    }

    /** Returns the header name of a {@link Kind#HEADER} key as configured, or {@code null}. */
    public String headerName() {
        return header != null ? header.name() : null;
    }

    /** Returns the key of {@code request}, or {@link SelectionKey#NONE} when the request lacks that part. */
    public SelectionKey keyOf(SipMessage request) {
        requireNonNull(request, "request");
        switch (kind) {
            case CALL_ID: {
                final String callId = request.callId();
                return callId != null ? SelectionKey.of(callId) : SelectionKey.NONE;
            }
            case FROM_URI:
                return uriKey(uriOf(request.from()));
            case FROM_USER:
                return userKey(uriOf(request.from()));
            case TO_URI:
                return uriKey(uriOf(request.to()));
            case TO_USER:
                return userKey(uriOf(request.to()));
            case REQUEST_URI:
                return uriKey(request.requestUri());
            case REQUEST_URI_USER:
                return userKey(request.requestUri());
            case AUTH_USERNAME: {
                final String user = request.authorizationUsername();
                return user != null ? SelectionKey.of(user) : SelectionKey.NONE;
            }
            case HEADER: {
                final int i = header.first(request);
                return i >= 0 ? SelectionKey.of(request.headerValue(i)) : SelectionKey.NONE;
            }
            default:
                return SelectionKey.NONE;
        }
    }

    private static SipUri uriOf(NameAddr a) {
        return a != null ? a.uri() : null;
    }

    private static SelectionKey uriKey(SipUri uri) {
        if (uri == null || uri.host() == null) {
            return SelectionKey.NONE;
        }
        final String user = uri.user();
        return SelectionKey.ofUri(user != null ? user : "", uri.host(), uri.port(),
                                  uri.scheme() == SipUri.Scheme.SIPS);
    }

    private static SelectionKey userKey(SipUri uri) {
        final String user = uri != null ? uri.user() : null;
        return user != null ? SelectionKey.of(user) : SelectionKey.NONE;
    }

    @Override
    public boolean equals(Object o) {
        if (this == o) {
            return true;
        }
        if (!(o instanceof KeySpec)) {
            return false;
        }
        final KeySpec k = (KeySpec) o;
        return kind == k.kind && (header == null ? k.header == null
                                                 : k.header != null && header.equalsName(k.header));
    }

    @Override
    public int hashCode() {
        return kind.hashCode() * 31 + (header != null ? header.hashCode() : 0);
    }

    /** Returns the configuration text, e.g. {@code "call-id"} or {@code "header:X-Tenant"}. */
    @Override
    public String toString() {
        return kind == Kind.HEADER ? kind.configName + header.name() : kind.configName;
    }
}
