/**
 * Stateless SIP forwarding (RFC 3261 §16.11): request routing by Route, Request-URI or destination set, response
 * routing by Via, local responses, and the counters of every message forwarded, answered or dropped.
 *
 * <p>Starting points: {@link io.siplb.proxy.stateless.StatelessForwarder},
 * {@link io.siplb.proxy.core.ProxyContext}, {@link io.siplb.proxy.core.ProxyStats}.
 */
package io.siplb.proxy.stateless;
