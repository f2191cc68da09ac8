/**
 * Destination selection for siplb, Kamailio dispatcher compatible: destination sets, the selection algorithms and
 * the immutable snapshot they run on. No Netty and no SIP messages: the proxy hands in a precomputed
 * {@link io.siplb.dispatch.SelectionKey}.
 *
 * <p>Starting points: {@link io.siplb.dispatch.Dispatcher} ({@code create}, {@code select}, {@code reload}),
 * {@link io.siplb.dispatch.Selection}, {@link io.siplb.dispatch.Algorithm}, {@link io.siplb.dispatch.KamailioHash},
 * and {@code io.siplb.dispatch.config.DispatcherConfigLoader} to read the configuration.
 *
 * <p>Nullness: parameters and return values are non-null unless their javadoc says "or {@code null}".
 */
package io.siplb.dispatch;
