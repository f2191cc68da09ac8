/**
 * Starting and stopping a siplb instance: event loops, listeners and the forwarder, with a graceful shutdown.
 *
 * <p>Starting point: {@link io.siplb.proxy.lifecycle.SiplbServer}.
 */
package io.siplb.proxy.lifecycle;
