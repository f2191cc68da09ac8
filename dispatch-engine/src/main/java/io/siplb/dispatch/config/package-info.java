/**
 * Dispatcher configuration: inline HOCON sets under {@code siplb.dispatcher} and Kamailio's
 * {@code dispatcher.list} format, validated with messages that name the file, line and expected value.
 *
 * <p>Starting points: {@link io.siplb.dispatch.config.DispatcherConfigLoader},
 * {@link io.siplb.dispatch.config.DispatchConfigException}.
 */
package io.siplb.dispatch.config;
