package io.siplb.proxy.routing;

import static java.util.Objects.requireNonNull;

/**
 * One entry of {@code siplb.routing}: its position, where it was configured, its conditions and its action.
 * Immutable.
 *
 * @param index the rule's position in {@code siplb.routing}, from 0 (the {@code N} of {@code siplb.routing[N]})
 * @param origin where the rule was configured, {@code FILE:LINE} (or the file alone when the line is unknown)
 * @param match the conditions ({@link RuleMatch#ALWAYS} for a rule without {@code match})
 * @param action what the rule does with the requests it matches
 */
public record RoutingRule(int index, String origin, RuleMatch match, RuleAction action) {

    /** Validates. */
    public RoutingRule {
        if (index < 0) {
            throw new IllegalArgumentException("index: " + index + " (expected: >= 0)");
        }
        requireNonNull(origin, "origin");
        requireNonNull(match, "match");
        requireNonNull(action, "action");
    }

    /** Returns {@code siplb.routing[INDEX]}, the rule's key path in messages. */
    public String key() {
        return RoutingRulesLoader.PATH + '[' + index + ']';
    }

    @Override
    public String toString() {
        return origin + ": " + key() + ": " + (match.isAlways() ? "" : "match " + match + ", ") + action;
    }
}
