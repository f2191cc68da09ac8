/**
 * The library side of the dispatcher commands of the {@code siplb} command line ({@code hash}, {@code select}):
 * each returns the text to print.
 *
 * <p>Starting point: {@link io.siplb.dispatch.cli.DispatchCommands}.
 */
package io.siplb.dispatch.cli;
