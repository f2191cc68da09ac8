package io.siplb.loadtests.gen;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A small parser of {@code --name VALUE}, {@code --name=VALUE} and {@code --flag} options, for {@link LoadMain}.
 * Positional arguments are refused. Static methods only. Immutable.
 */
final class CliOptions {

    /** Thrown for a usage error; its message names what was wrong and what was expected. */
    static final class UsageException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        UsageException(String message) {
            super(message);
        }
    }

    private CliOptions() {}

    /**
     * Parses {@code args} against the options that take a value ({@code valued}) and those that do not
     * ({@code flags}); a flag's value is {@code "true"}.
     *
     * @throws UsageException on an unknown or repeated option, a missing value or a positional argument
     */
    static Map<String, String> parse(String command, List<String> args, List<String> valued, List<String> flags) {
        final Map<String, String> result = new LinkedHashMap<>();
        for (int i = 0; i < args.size(); i++) {
            final String a = args.get(i);
            if (!a.startsWith("--")) {
                throw new UsageException(command + ": unexpected argument '" + a + "' (expected: options only)");
            }
            String name = a;
            String value = null;
            final int eq = a.indexOf('=');
            if (eq > 0) {
                name = a.substring(0, eq);
                value = a.substring(eq + 1);
            }
            if (valued.contains(name)) {
                if (value == null) {
                    if (i + 1 >= args.size()) {
                        throw new UsageException(command + ": option " + name + " needs a value");
                    }
                    value = args.get(++i);
                }
            } else if (flags.contains(name) && value == null) {
                value = "true";
            } else {
                throw new UsageException(command + ": unknown option '" + a + "' (see " + command + " --help)");
            }
            if (result.put(name, value) != null) {
                throw new UsageException(command + ": option " + name + " given twice");
            }
        }
        return result;
    }
}
