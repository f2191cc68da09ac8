package io.siplb.proxy.routing;

import static java.util.Objects.requireNonNull;

import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;

import io.siplb.codec.SipMessage;
import io.siplb.dispatch.DestinationSet;
import io.siplb.dispatch.DispatchSnapshot;

/**
 * The routing rules of {@code siplb.routing}, in order; the first rule whose conditions all hold decides
 * ({@link #match}). Built once by {@link RoutingRulesLoader} and shared by every event loop: Immutable.
 *
 * <p>Set ids are not checked against the dispatcher at load, since sets can arrive by reload;
 * {@link #problems(DispatchSnapshot)} lists the rules that name a set a snapshot lacks, for logging at start-up
 * and after each reload.
 */
public final class RoutingRules {

    private final RoutingRule[] rules;
    private final List<RoutingRule> list;

    private RoutingRules(List<RoutingRule> rules) {
        this.list = List.copyOf(rules);
        this.rules = this.list.toArray(new RoutingRule[0]);
        for (int i = 0; i < this.rules.length; i++) {
            if (this.rules[i].index() != i) {
                throw new IllegalArgumentException("rules[" + i + "].index: " + this.rules[i].index() +
                                                   " (expected: " + i + ')');
            }
        }
    }

    /**
     * Returns the rules {@code rules}, which must be indexed 0, 1, 2... in order.
     *
     * @throws IllegalArgumentException when a rule's index is not its position
     */
    public static RoutingRules of(List<RoutingRule> rules) {
        return new RoutingRules(requireNonNull(rules, "rules"));
    }

    /**
     * Returns the single rule {@code { dispatch { set = defaultSet } }}, what an absent or empty
     * {@code siplb.routing} means ({@code siplb.proxy.default-set} is its shorthand).
     *
     * @param origin where the default set was configured, {@code FILE:LINE}
     */
    public static RoutingRules ofDefaultSet(int defaultSet, String origin) {
        return new RoutingRules(List.of(new RoutingRule(0, origin, RuleMatch.ALWAYS,
                                                        RuleAction.Dispatch.toSet(defaultSet))));
    }

    /**
     * Returns the first rule that {@code request}, received from {@code source}, matches, or {@code null} when no
     * rule does. Allocates nothing itself; see {@link RuleMatch} for what conditions allocate.
     *
     * @param snapshot the dispatcher's current snapshot, read once per request, for {@code source-set}
     */
    public RoutingRule match(SipMessage request, InetSocketAddress source, DispatchSnapshot snapshot) {
        requireNonNull(request, "request");
        requireNonNull(source, "source");
        requireNonNull(snapshot, "snapshot");
        for (RoutingRule r : rules) {
            if (r.match().matches(request, source, snapshot)) {
                return r;
            }
        }
        return null;
    }

    /** Returns the rules in order. */
    public List<RoutingRule> rules() {
        return list;
    }

    /** Returns the number of rules. */
    public int size() {
        return rules.length;
    }

    /**
     * Returns one message per rule that names a set {@code snapshot} lacks (its {@code dispatch.set} or its
     * {@code match.source-set}), e.g.
     * {@code "conf/siplb.conf:12: siplb.routing[1].dispatch.set: 7 (expected: a set of the dispatcher: 1, 2)"};
     * empty when every set exists.
     */
    public List<String> problems(DispatchSnapshot snapshot) {
        requireNonNull(snapshot, "snapshot");
        final List<String> problems = new ArrayList<>();
        String known = null;
        for (RoutingRule r : rules) {
            final int sourceSet = r.match().sourceSet();
            if (sourceSet >= 0 && snapshot.set(sourceSet) == null) {
                known = known != null ? known : knownSets(snapshot);
                problems.add(r.origin() + ": " + r.key() + ".match.source-set: " + sourceSet +
                             " (expected: a set of the dispatcher: " + known + ')');
            }
            if (r.action() instanceof RuleAction.Dispatch d && snapshot.set(d.setId()) == null) {
                known = known != null ? known : knownSets(snapshot);
                problems.add(r.origin() + ": " + r.key() + ".dispatch.set: " + d.setId() +
                             " (expected: a set of the dispatcher: " + known + ')');
            }
        }
        return problems;
    }

    private static String knownSets(DispatchSnapshot snapshot) {
        final List<DestinationSet> sets = snapshot.sets();
        if (sets.isEmpty()) {
            return "it has none";
        }
        final StringBuilder sb = new StringBuilder();
        for (DestinationSet s : sets) {
            if (sb.length() > 0) {
                sb.append(", ");
            }
            sb.append(s.id());
        }
        return sb.toString();
    }

    @Override
    public String toString() {
        final StringBuilder sb = new StringBuilder("RoutingRules[");
        for (RoutingRule r : rules) {
            sb.append("\n  ").append(r);
        }
        return sb.append(rules.length > 0 ? "\n]" : "]").toString();
    }
}
