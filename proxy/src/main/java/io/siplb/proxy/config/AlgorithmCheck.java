package io.siplb.proxy.config;

import com.typesafe.config.Config;

import io.siplb.dispatch.Algorithm;
import io.siplb.dispatch.Destination;
import io.siplb.dispatch.DestinationSet;
import io.siplb.dispatch.DispatcherSettings;
import io.siplb.proxy.routing.RequestRouter;
import io.siplb.proxy.routing.RoutingRule;
import io.siplb.proxy.routing.RoutingRules;
import io.siplb.proxy.routing.RuleAction;

/**
 * Refuses, when the configuration is loaded, every algorithm the proxy would not feed in the configured mode, so that
 * none silently behaves like another: in stateless mode those that follow live state (call-load, latency,
 * relative-weight, priority-weight, overload control, parallel; see {@link RequestRouter#statelessProblem}); in
 * either mode round-robin-overload-control (siplb reads no RFC 7339 feedback yet) and a {@code hash-key} set reached
 * by a rule that names no key. Static methods only. Immutable.
 */
final class AlgorithmCheck {

    private AlgorithmCheck() {}

    /**
     * @throws SiplbConfigException naming the file, the key and why the algorithm cannot be used
     */
    static void check(Config root, String fileName, ProxySettings proxy, DispatcherSettings dispatcher,
                      RoutingRules rules) {
        for (DestinationSet set : dispatcher.sets()) {
            final String problem = problem(proxy.mode(), set.algorithm(), set);
            if (problem != null) {
                throw ConfigErrors.at(root, "siplb.dispatcher", fileName, "set " + set.id() + ": algorithm " +
                                      set.algorithm().configName() + ": " + problem);
            }
        }
        final boolean shorthand = root.getList("siplb.routing").isEmpty();
        for (RoutingRule rule : rules.rules()) {
            if (!(rule.action() instanceof RuleAction.Dispatch)) {
                continue;
            }
            final RuleAction.Dispatch d = (RuleAction.Dispatch) rule.action();
            final DestinationSet set = dispatcher.set(d.setId());
            final Algorithm algorithm = d.algorithm() != null ? d.algorithm()
                                                              : set != null ? set.algorithm() : null;
            if (algorithm == null) {
                continue;
            }
            String problem = problem(proxy.mode(), algorithm, set);
            if (problem == null && algorithm == Algorithm.HASH_KEY && d.key() == null) {
                problem = "hash-key hashes the key a routing rule names, and this rule names none (expected: "
                          + "a rule with algorithm = hash-key and key = \"header:NAME\" or another key)";
            }
            if (problem != null && shorthand) {
                throw ConfigErrors.at(root, "siplb.dispatcher", fileName, "set " + d.setId() + ": algorithm "
                                      + algorithm.configName() + ": siplb.proxy.default-set sends every initial "
                                      + "request to this set, and " + problem.replace("this rule", "it"));
            }
            if (problem != null) {
                throw new SiplbConfigException(rule.origin() + ": " + rule.key() + ": dispatch to set "
                                               + d.setId() + " with " + algorithm.configName() + ": " + problem);
            }
        }
    }

    private static String problem(ProxySettings.Mode mode, Algorithm algorithm, DestinationSet set) {
        if (algorithm == Algorithm.ROUND_ROBIN_OVERLOAD_CONTROL) {
            return "siplb reads no RFC 7339 overload-control feedback yet, so this algorithm would be plain "
                   + "round-robin (expected: another algorithm)";
        }
        if (mode == ProxySettings.Mode.STATELESS) {
            final String p = RequestRouter.statelessProblem(algorithm);
            if (p != null) {
                return p + " (expected: siplb.proxy.mode = stateful, or an algorithm a stateless siplb can follow:"
                       + " a hash, priority, round-robin, weighted or random, the last three hashed over the"
                       + " Call-ID)";
            }
        }
        return null;
    }

    /** Returns whether some set uses relative-weight with congestion control (its weights follow latency). */
    static boolean usesCongestionControl(DispatcherSettings dispatcher) {
        for (DestinationSet set : dispatcher.sets()) {
            if (set.algorithm() != Algorithm.RELATIVE_WEIGHT) {
                continue;
            }
            for (Destination d : set.destinations()) {
                if (d.attributes().congestionControl()) {
                    return true;
                }
            }
        }
        return false;
    }
}
