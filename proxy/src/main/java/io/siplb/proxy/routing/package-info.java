/**
 * Declarative routing rules ({@code siplb.routing}): an ordered list of rules, each a {@link RuleMatch} (method,
 * source address or CIDR, source set, Request-URI user and host, headers) and a {@link RuleAction} (dispatch to a
 * destination set with an algorithm, key, limit and failover settings, or reject with a status). The first rule
 * whose conditions all hold decides, as a Kamailio {@code request_route} of {@code if (...) ds_select_dst(...)}
 * blocks would. Everything is compiled once, at load, into immutable objects that every event loop shares.
 *
 * <p>Starting points: {@link io.siplb.proxy.routing.RoutingRulesLoader#load}, {@link io.siplb.proxy.routing.RoutingRules#match},
 * {@link io.siplb.proxy.routing.RuleAction.Dispatch#keyFor(io.siplb.dispatch.Algorithm)} and
 * {@link io.siplb.proxy.routing.KeySpec#defaultFor(io.siplb.dispatch.Algorithm)}.
 *
 * <p>Nullness: parameters and return values are non-null unless their javadoc says "or {@code null}" (or
 * "nullable").
 */
package io.siplb.proxy.routing;
