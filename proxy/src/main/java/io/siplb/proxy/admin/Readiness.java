package io.siplb.proxy.admin;

import static java.util.Objects.requireNonNull;

import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

import io.siplb.dispatch.DispatchSnapshot;
import io.siplb.dispatch.Dispatcher;
import io.siplb.proxy.routing.RoutingRule;
import io.siplb.proxy.routing.RoutingRules;
import io.siplb.proxy.routing.RuleAction;

/**
 * Whether siplb is ready for traffic ({@code GET /health/ready}): its listeners are bound and open, and every set a
 * routing rule dispatches to exists and has a destination that accepts new calls. Reads the dispatcher's current
 * snapshot and the rules in force at each call. Thread-safe (reads only volatile state of its sources).
 */
public final class Readiness {

    /** The outcome of one check. Immutable. */
    public static final class Result {
        private final List<String> reasons;
        private final List<Integer> sets;

        Result(List<String> reasons, List<Integer> sets) {
            this.reasons = List.copyOf(reasons);
            this.sets = List.copyOf(sets);
        }

        /** Returns whether siplb is ready. */
        public boolean isReady() {
            return reasons.isEmpty();
        }

        /** Returns why it is not ready, one sentence each (empty when ready). */
        public List<String> reasons() {
            return reasons;
        }

        /** Returns the ids of the sets that rules use and that have no active destination, ascending. */
        public List<Integer> setsWithoutActiveDestination() {
            return sets;
        }

        /** Returns {@code {"status": "ready"}} or {@code {"status": "not ready", "reasons": [...], "sets": [...]}}. */
        public String toJson() {
            if (isReady()) {
                return "{\"status\": \"ready\"}";
            }
            final StringBuilder sb = new StringBuilder("{\"status\": \"not ready\", \"reasons\": [");
            for (int i = 0; i < reasons.size(); i++) {
                sb.append(i > 0 ? ", " : "").append(io.siplb.proxy.cli.Json.quote(reasons.get(i)));
            }
            sb.append("], \"sets\": [");
            for (int i = 0; i < sets.size(); i++) {
                sb.append(i > 0 ? ", " : "").append(sets.get(i));
            }
            return sb.append("]}").toString();
        }
    }

    private final BooleanSupplier listening;
    private final Dispatcher dispatcher;
    private final Supplier<RoutingRules> rules;

    /**
     * Creates the check.
     *
     * @param listening whether every listener is bound and open
     * @param dispatcher the dispatcher, read at each check
     * @param rules the routing rules in force, read at each check
     */
    public Readiness(BooleanSupplier listening, Dispatcher dispatcher, Supplier<RoutingRules> rules) {
        this.listening = requireNonNull(listening, "listening");
        this.dispatcher = requireNonNull(dispatcher, "dispatcher");
        this.rules = requireNonNull(rules, "rules");
    }

    /** Checks readiness now. */
    public Result check() {
        final List<String> reasons = new ArrayList<>();
        if (!listening.getAsBoolean()) {
            reasons.add("the SIP listeners are not bound (starting or stopping)");
        }
        final DispatchSnapshot snapshot = dispatcher.snapshot();
        final TreeSet<Integer> used = new TreeSet<>();
        for (RoutingRule r : rules.get().rules()) {
            if (r.action() instanceof RuleAction.Dispatch d) {
                used.add(d.setId());
            }
        }
        final List<Integer> down = new ArrayList<>();
        for (int id : used) {
            if (snapshot.set(id) == null) {
                reasons.add("set " + id + " is used by a routing rule but not configured");
                down.add(id);
            } else if (snapshot.activeDestinations(id).isEmpty()) {
                reasons.add("set " + id + " has no active destination");
                down.add(id);
            }
        }
        return new Result(reasons, down);
    }
}
