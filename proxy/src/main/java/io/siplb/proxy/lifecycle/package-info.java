/**
 * Starting, reloading and stopping a siplb instance: event loops, listeners and the forwarders, a graceful
 * shutdown, and hot reload of the configuration (by file watch or on demand) with the destinations named by host
 * name resolved by DNS and refreshed as their TTL says.
 *
 * <p>Starting points: {@link io.siplb.proxy.lifecycle.SiplbServer},
 * {@link io.siplb.proxy.lifecycle.ConfigReloader#reload(String)}.
 */
package io.siplb.proxy.lifecycle;
