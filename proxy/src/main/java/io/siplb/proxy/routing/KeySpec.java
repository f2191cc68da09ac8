package io.siplb.proxy.routing;

import io.siplb.codec.SipMessage;
import io.siplb.codec.SipUri;
import io.siplb.dispatch.Algorithm;
import io.siplb.dispatch.SelectionKey;

/** Which part of a request a hash algorithm hashes. Immutable. */
public final class KeySpec {

    private enum Kind { CALL_ID, FROM_URI, TO_URI, REQUEST_URI, AUTH_USERNAME, NONE }

    private static final KeySpec CALL_ID = new KeySpec(Kind.CALL_ID);
    private static final KeySpec FROM_URI = new KeySpec(Kind.FROM_URI);
    private static final KeySpec TO_URI = new KeySpec(Kind.TO_URI);
    private static final KeySpec REQUEST_URI = new KeySpec(Kind.REQUEST_URI);
    private static final KeySpec AUTH_USERNAME = new KeySpec(Kind.AUTH_USERNAME);
    private static final KeySpec NONE = new KeySpec(Kind.NONE);

    private final Kind kind;

    private KeySpec(Kind kind) {
        this.kind = kind;
    }

    /** Returns the key {@code algorithm} hashes when no rule names one. */
    public static KeySpec defaultFor(Algorithm algorithm) {
        switch (algorithm) {
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

    /** Returns the key of {@code msg}, or {@link SelectionKey#NONE}. */
    public SelectionKey keyOf(SipMessage msg) {
        switch (kind) {
            case CALL_ID: {
                final String callId = msg.callId();
                return callId != null ? SelectionKey.of(callId) : SelectionKey.NONE;
            }
            case FROM_URI:
                return uriKey(msg.from() != null ? msg.from().uri() : null);
            case TO_URI:
                return uriKey(msg.to() != null ? msg.to().uri() : null);
            case REQUEST_URI:
                return uriKey(msg.requestUri());
            case AUTH_USERNAME: {
                final String user = msg.authorizationUsername();
                return user != null ? SelectionKey.of(user) : SelectionKey.NONE;
            }
            default:
                return SelectionKey.NONE;
        }
    }

    private static SelectionKey uriKey(SipUri uri) {
        if (uri == null || uri.host() == null) {
            return SelectionKey.NONE;
        }
        final String user = uri.user();
        return SelectionKey.ofUri(user != null ? user : "", uri.host(), uri.port(),
                                  uri.scheme() == SipUri.Scheme.SIPS);
    }
}
