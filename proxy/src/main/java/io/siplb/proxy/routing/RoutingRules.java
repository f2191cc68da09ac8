package io.siplb.proxy.routing;

import java.net.InetSocketAddress;
import java.util.List;

import io.siplb.codec.SipMessage;
import io.siplb.dispatch.DispatchSnapshot;

/** The routing rules, first match wins. Immutable. */
public final class RoutingRules {

    private final List<RoutingRule> rules;

    private RoutingRules(List<RoutingRule> rules) {
        this.rules = List.copyOf(rules);
    }

    /** Returns the single rule "dispatch to {@code setId}". */
    public static RoutingRules single(int setId) {
        return new RoutingRules(List.of(new RoutingRule(0, "siplb.proxy.default-set",
                new RuleAction.Dispatch(setId, null, null, 0, null, null, null, 0))));
    }

    /** Returns the rules in order. */
    public List<RoutingRule> rules() {
        return rules;
    }

    /** Returns the first rule matching the request, or {@code null}. */
    public RoutingRule match(SipMessage request, InetSocketAddress source, DispatchSnapshot snapshot) {
        return rules.isEmpty() ? null : rules.get(0);
    }
}
