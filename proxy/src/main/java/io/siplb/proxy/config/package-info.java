/**
 * siplb's HOCON configuration: the operator's file over {@code reference.conf}, validated into immutable settings,
 * with errors naming the file, the line or key and the expected value.
 *
 * <p>Starting points: {@link io.siplb.proxy.config.SiplbConfig#load(java.nio.file.Path)},
 * {@link io.siplb.proxy.config.ProxySettings}, {@link io.siplb.proxy.config.SiplbConfigException}.
 */
package io.siplb.proxy.config;
