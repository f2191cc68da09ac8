package io.siplb.proxy.routing;

import static java.util.Objects.requireNonNull;

/**
 * One routing rule: where it was configured and what it does. Immutable.
 */
public final class RoutingRule {

    private final int index;
    private final String origin;
    private final RuleAction action;

    RoutingRule(int index, String origin, RuleAction action) {
        this.index = index;
        this.origin = requireNonNull(origin, "origin");
        this.action = requireNonNull(action, "action");
    }

    /** Returns the position in {@code siplb.routing}, from 0. */
    public int index() {
        return index;
    }

    /** Returns where the rule was configured ({@code FILE:LINE}). */
    public String origin() {
        return origin;
    }

    /** Returns the action. */
    public RuleAction action() {
        return action;
    }
}
