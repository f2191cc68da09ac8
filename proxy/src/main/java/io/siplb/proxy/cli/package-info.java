/**
 * The command line behind {@code bin/siplb}: {@code run}, {@code parse}, {@code hash} and {@code select}.
 *
 * <p>Starting point: {@link io.siplb.proxy.cli.Main}.
 */
package io.siplb.proxy.cli;
