package io.siplb.proxy.routing;

import java.time.Duration;

import io.siplb.dispatch.Algorithm;

/** What a routing rule does with a request it matches. Immutable. */
public sealed interface RuleAction {

    /**
     * Dispatch to a destination set.
     *
     * @param setId the set
     * @param algorithm the algorithm, or {@code null} for the set's own
     * @param key the key a hash algorithm hashes, or {@code null} for the algorithm's default key
     * @param limit at most this many candidates (0: no limit)
     * @param failoverCodes final codes that fail a branch over, or {@code null} for the proxy's default
     * @param frTimeout the fr-timeout, or {@code null} for the proxy's default
     * @param frInvTimeout the fr-inv-timeout, or {@code null} for the proxy's default
     * @param maxAttempts at most this many branches in turn (0: every candidate)
     */
    record Dispatch(int setId, Algorithm algorithm, KeySpec key, int limit, int[] failoverCodes, Duration frTimeout,
                    Duration frInvTimeout, int maxAttempts) implements RuleAction {}

    /**
     * Answer the request with {@code code}.
     *
     * @param code 400..699
     * @param reason the reason phrase
     */
    record Reject(int code, String reason) implements RuleAction {}
}
