package io.siplb.proxy.cli;

import java.io.PrintStream;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import io.siplb.dispatch.Algorithm;
import io.siplb.dispatch.cli.DispatchCommands;
import io.siplb.dispatch.config.DispatchConfigException;
import io.siplb.proxy.config.SiplbConfig;
import io.siplb.proxy.config.SiplbConfigException;

/**
 * {@code siplb select -c FILE --set ID --key KEY [--algorithm NAME] [--hash-mode MODE]}: loads the destinations of
 * FILE (siplb's HOCON configuration, or a Kamailio {@code dispatcher.list} when its name ends with {@code .list}) and
 * prints the one the set's algorithm picks for KEY (for the hash algorithms, KEY is what siplb hashes, e.g. the
 * Call-ID) and the failover order ({@link DispatchCommands#select}). Exit status 1 when the set picks nothing.
 * With {@code --request REQFILE [--source IP:PORT]} it routes a whole request instead ({@link RequestSelect}).
 * Static methods only. Immutable.
 */
final class SelectCommand {

    private SelectCommand() {}

    static int run(List<String> args, PrintStream out) {
        final Map<String, String> o = Options.parse("select", args,
                                                    List.of("-c", "--set", "--key", "--algorithm", "--hash-mode",
                                                            "--request", "--source"),
                                                    List.of());
        if (o.containsKey("--request")) {
            return RequestSelect.run(o, out);
        }
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
        final Path path = Paths.get(file);
        final String text;
        try {
            if (path.toString().toLowerCase(Locale.ROOT).endsWith(".list") || o.containsKey("--hash-mode")) {
                text = DispatchCommands.select(path, setId, key, o.get("--algorithm"), o.get("--hash-mode"));
            } else {
                // siplb's own loader: the whole file is validated, with the same messages as `siplb run`.
                final SiplbConfig config = SiplbConfig.load(path);
                final Algorithm algorithm = o.containsKey("--algorithm") ? Algorithm.fromConfig(o.get("--algorithm"))
                                                                         : null;
                text = DispatchCommands.select(config.dispatcher(), setId, key, algorithm);
            }
        } catch (DispatchConfigException e) {
            throw new SiplbConfigException(e.getMessage(), e);
        } catch (IllegalArgumentException e) {
            throw new UsageException("select: " + e.getMessage());
        }
        out.print(text);
        return text.contains("\nno destination: ") ? Main.EXIT_FAILED : Main.EXIT_OK;
    }
}
