package io.siplb.proxy.cli;

import java.io.PrintStream;
import java.util.List;
import java.util.Map;

import io.siplb.dispatch.cli.DispatchCommands;

/**
 * {@code siplb hash --slots N VALUE [VALUE2]}: prints Kamailio's dispatcher hash ({@code ds_get_hash}) of the values
 * and the slot it maps to among N ({@code hash % N}, unsigned), as Kamailio's {@code dispatcher.hash} RPC does
 * ({@link DispatchCommands#hash}). Static methods only. Immutable.
 */
final class HashCommand {

    private HashCommand() {}

    static int run(List<String> args, PrintStream out) {
        final Map<String, String> o = Options.parse("hash", args, List.of("--slots"), List.of());
        final String slotsText = o.get("--slots");
        if (slotsText == null) {
            throw new UsageException("hash: --slots N is required (expected: siplb hash --slots N VALUE [VALUE2])");
        }
        final int slots;
        try {
            slots = Integer.parseInt(slotsText);
        } catch (NumberFormatException e) {
            throw new UsageException("hash: --slots '" + slotsText + "' (expected: an integer > 0)");
        }
        if (slots <= 0) {
            throw new UsageException("hash: --slots " + slots + " (expected: > 0)");
        }
        final int n = Options.positionalCount(o);
        if (n < 1 || n > 2) {
            throw new UsageException("hash: " + n + " values given (expected: VALUE [VALUE2])");
        }
        out.print(DispatchCommands.hash(slots, o.get("0"), o.get("1")));
        return Main.EXIT_OK;
    }
}
