package io.siplb.proxy.cli;

import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.nio.file.Paths;
import java.util.List;
import java.util.Map;

import io.siplb.dispatch.Destination;
import io.siplb.dispatch.DestinationSet;
import io.siplb.dispatch.Dispatcher;
import io.siplb.dispatch.Selection;
import io.siplb.dispatch.SelectionKey;
import io.siplb.proxy.config.ListenAddress;
import io.siplb.proxy.config.SiplbConfig;

/**
 * {@code siplb select -c FILE --set ID --key KEY}: loads the destinations of FILE and prints the one the set's
 * algorithm picks for KEY (for the hash algorithms, KEY is what siplb would hash, e.g. the Call-ID), then the
 * failover order. Exit status 1 when the set picks nothing. Immutable (static methods only).
 */
final class SelectCommand {

    private SelectCommand() {}

    static int run(List<String> args, PrintStream out) {
        final Map<String, String> o = Options.parse("select", args, List.of("-c", "--set", "--key"), List.of());
        if (Options.positionalCount(o) > 0) {
            throw new UsageException("select: unexpected argument '" + o.get("0") +
                                     "' (expected: select -c FILE --set ID --key KEY)");
        }
        final String file = o.get("-c");
        final String setText = o.get("--set");
        final String key = o.get("--key");
        if (file == null || setText == null || key == null) {
            throw new UsageException("select: -c FILE, --set ID and --key KEY are required");
        }
        final int setId;
        try {
            setId = Integer.parseInt(setText);
        } catch (NumberFormatException e) {
            throw new UsageException("select: --set '" + setText + "' (expected: an integer set id)");
        }
        final SiplbConfig config = SiplbConfig.load(Paths.get(file));
        final Dispatcher dispatcher = Dispatcher.create(config.dispatcher());
        final DestinationSet set = dispatcher.snapshot().set(setId);
        final Selection selection = dispatcher.select(setId, SelectionKey.of(key));
        if (!selection.isSelected()) {
            out.println("set " + setId + ": no destination (" + selection.status() + ')');
            return Main.EXIT_FAILED;
        }
        out.println("set " + setId + " (" + set.algorithm().configName() + "): " + describe(selection.destination()));
        for (Destination d : selection.failover()) {
            out.println("  failover: " + describe(d));
        }
        return Main.EXIT_OK;
    }

    private static String describe(Destination d) {
        final InetSocketAddress a = d.address();
        return a != null && !a.isUnresolved() ? d.uri() + " (" + ListenAddress.hostPort(a) + ')' : d.uri();
    }
}
