package io.siplb.proxy.routing;

import static java.util.Objects.requireNonNull;

import java.time.Duration;
import java.util.Arrays;
import java.util.Objects;

import io.siplb.codec.SipResponses;
import io.siplb.dispatch.Algorithm;

/**
 * What a routing rule does with the requests it matches: {@link Dispatch} them to a destination set, or
 * {@link Reject} them with a final response. Immutable.
 */
public sealed interface RuleAction permits RuleAction.Dispatch, RuleAction.Reject {

    /**
     * Send the request to a destination of set {@link #setId()}. Every setting left unset ({@code null}, 0) means
     * the set's or the proxy's own. Immutable: the failover codes are copied in and out.
     *
     * @param setId the destination set; whether it exists is checked at selection, not at load (sets can arrive by
     *        reload; {@link RoutingRules#problems} lists the rules naming a missing set)
     * @param algorithm the algorithm, or {@code null} for the set's own
     * @param key the key {@code hash-key} hashes (non-null exactly when {@code algorithm} is
     *        {@link Algorithm#HASH_KEY}), else {@code null}; see {@link #keyFor(Algorithm)}
     * @param limit the candidate list (the selected destination, then the failover order) keeps at most this many
     *        destinations, as Kamailio's {@code ds_select_dst(set, alg, limit)}; 0 = no limit
     * @param failoverCodes the final response codes (300..699) after which the next destination is tried, or
     *        {@code null} for the proxy's default
     * @param frTimeout how long to wait for a final response to a non-INVITE (or a provisional one to an INVITE)
     *        before trying the next destination, or {@code null} for the proxy's default
     * @param frInvTimeout how long to wait for a final response to an INVITE after a provisional one, or
     *        {@code null} for the proxy's default
     * @param maxAttempts at most this many forwarding attempts, one destination each (>= 1), 0 = unset (every
     *        candidate is tried)
     */
    record Dispatch(int setId, Algorithm algorithm, KeySpec key, int limit, int[] failoverCodes, Duration frTimeout,
                    Duration frInvTimeout, int maxAttempts) implements RuleAction {

        /**
         * Validates and copies.
         *
         * @throws IllegalArgumentException naming the value and the expectation
         */
        public Dispatch {
            if (setId < 0) {
                throw new IllegalArgumentException("set: " + setId + " (expected: >= 0)");
            }
            if (algorithm == Algorithm.HASH_KEY && (key == null || key.kind() == KeySpec.Kind.NONE)) {
                throw new IllegalArgumentException("key: unset (expected: a key for algorithm = hash-key: " +
                                                   KeySpec.EXPECTED + ')');
            }
            if (algorithm != Algorithm.HASH_KEY && key != null) {
                throw new IllegalArgumentException(
                        "key: \"" + key + "\" (expected: no key, or algorithm = hash-key; algorithm is " +
                        (algorithm == null ? "the set's own" : algorithm.configName()) + ')');
            }
            if (limit < 0) {
                throw new IllegalArgumentException("limit: " + limit + " (expected: >= 0, 0 = no limit)");
            }
            if (failoverCodes != null) {
                failoverCodes = failoverCodes.clone();
                for (int c : failoverCodes) {
                    if (c < 300 || c > 699) {
                        throw new IllegalArgumentException("failover-codes: " + c + " (expected: 300..699)");
                    }
                }
            }
            checkTimeout("fr-timeout", frTimeout);
            checkTimeout("fr-inv-timeout", frInvTimeout);
            if (maxAttempts < 0) {
                throw new IllegalArgumentException("max-attempts: " + maxAttempts +
                                                   " (expected: >= 1, or 0 for unset)");
            }
        }

        /** Returns {@code set} with everything else the set's or the proxy's own. */
        public static Dispatch toSet(int setId) {
            return new Dispatch(setId, null, null, 0, null, null, null, 0);
        }

        private static void checkTimeout(String name, Duration d) {
            if (d != null && (d.isNegative() || d.isZero())) {
                throw new IllegalArgumentException(name + ": " + d + " (expected: > 0)");
            }
        }

        /** Returns a copy of the failover codes, or {@code null}; {@link #isFailoverCode(int)} does not copy. */
        @Override
        public int[] failoverCodes() {
            return failoverCodes != null ? failoverCodes.clone() : null;
        }

        /** Returns whether the rule gives its own failover codes (else the proxy's default apply). */
        public boolean hasFailoverCodes() {
            return failoverCodes != null;
        }

        /** Returns {@code true} when failover codes are configured and {@code status} is one of them. */
        public boolean isFailoverCode(int status) {
            if (failoverCodes == null) {
                return false;
            }
            for (int c : failoverCodes) {
                if (c == status) {
                    return true;
                }
            }
            return false;
        }

        /** Returns {@link #algorithm()}, or {@code setAlgorithm} (the set's own) when the rule names none. */
        public Algorithm algorithmOr(Algorithm setAlgorithm) {
            return algorithm != null ? algorithm : requireNonNull(setAlgorithm, "setAlgorithm");
        }

        /**
         * Returns the key to select with when the set's own algorithm is {@code setAlgorithm}: the rule's key for
         * {@code hash-key}, else {@link KeySpec#defaultFor(Algorithm)} of the algorithm in effect.
         */
        public KeySpec keyFor(Algorithm setAlgorithm) {
            return key != null ? key : KeySpec.defaultFor(algorithmOr(setAlgorithm));
        }

        @Override
        public boolean equals(Object o) {
            return this == o || o instanceof Dispatch d && setId == d.setId && algorithm == d.algorithm &&
                                Objects.equals(key, d.key) && limit == d.limit &&
                                Arrays.equals(failoverCodes, d.failoverCodes) &&
                                Objects.equals(frTimeout, d.frTimeout) &&
                                Objects.equals(frInvTimeout, d.frInvTimeout) && maxAttempts == d.maxAttempts;
        }

        @Override
        public int hashCode() {
            return Objects.hash(setId, algorithm, key, limit, Arrays.hashCode(failoverCodes), frTimeout,
                                frInvTimeout, maxAttempts);
        }

        /** Returns the action as the configuration would write it, unset settings left out. */
        @Override
        public String toString() {
            final StringBuilder sb = new StringBuilder("dispatch { set = ").append(setId);
            if (algorithm != null) {
                sb.append(", algorithm = ").append(algorithm.configName());
            }
            if (key != null) {
                sb.append(", key = \"").append(key).append('"');
            }
            if (limit > 0) {
                sb.append(", limit = ").append(limit);
            }
            if (failoverCodes != null) {
                sb.append(", failover-codes = ").append(Arrays.toString(failoverCodes));
            }
            if (frTimeout != null) {
                sb.append(", fr-timeout = ").append(frTimeout.toMillis()).append("ms");
            }
            if (frInvTimeout != null) {
                sb.append(", fr-inv-timeout = ").append(frInvTimeout.toMillis()).append("ms");
            }
            if (maxAttempts > 0) {
                sb.append(", max-attempts = ").append(maxAttempts);
            }
            return sb.append(" }").toString();
        }
    }

    /**
     * Answer the request with {@link #code()} and {@link #reason()} instead of forwarding it. Immutable.
     *
     * @param code the status, 400..699
     * @param reason the Reason-Phrase: no CR, LF or other control character except HTAB (RFC 3261 §25.1)
     */
    record Reject(int code, String reason) implements RuleAction {

        /**
         * Validates.
         *
         * @throws IllegalArgumentException naming the value and the expectation
         */
        public Reject {
            if (code < 400 || code > 699) {
                throw new IllegalArgumentException("code: " + code + " (expected: 400..699)");
            }
            requireNonNull(reason, "reason");
            for (int i = 0; i < reason.length(); i++) {
                final char c = reason.charAt(i);
                if (c < ' ' && c != '\t' || c == 0x7F) {
                    throw new IllegalArgumentException("reason: \"" + reason.replace("\r", "\\r")
                                                                            .replace("\n", "\\n") +
                                                       "\" (expected: a Reason-Phrase without control characters)");
                }
            }
        }

        /** Returns {@code code} with its standard reason phrase ({@link SipResponses#reasonPhrase(int)}). */
        public static Reject of(int code) {
            return new Reject(code, SipResponses.reasonPhrase(code));
        }

        @Override
        public String toString() {
            return "reject { code = " + code + ", reason = \"" + reason + "\" }";
        }
    }
}
