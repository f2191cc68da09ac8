package io.siplb.proxy.cli;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A small parser of {@code --name VALUE} / {@code -x VALUE} options. Positional arguments are collected under the
 * keys {@code "0"}, {@code "1"}, ... in order. Static methods only. Immutable.
 */
final class Options {

    private Options() {}

    /**
     * Parses {@code args}.
     *
     * @param command the command name, used in error messages
     * @param valued options that take a value
     * @param flags options that take none
     * @throws UsageException on an unknown option, a missing value or a repeated option
     */
    static Map<String, String> parse(String command, List<String> args, List<String> valued, List<String> flags) {
        final Map<String, String> result = new LinkedHashMap<>();
        int positional = 0;
        boolean endOfOptions = false;
        for (int i = 0; i < args.size(); i++) {
            final String a = args.get(i);
            if (!endOfOptions && "--".equals(a)) {
                endOfOptions = true;
                continue;
            }
            if (!endOfOptions && a.startsWith("-") && a.length() > 1 && !isNumber(a)) {
                String name = a;
                String value = null;
                final int eq = a.indexOf('=');
                if (a.startsWith("--") && eq > 0) {
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
                    throw new UsageException(command + ": unknown option '" + a + "' (expected: " +
                                             describe(valued, flags) + ')');
                }
                if (result.put(name, value) != null) {
                    throw new UsageException(command + ": option " + name + " given twice");
                }
                continue;
            }
            result.put(Integer.toString(positional++), a);
        }
        return result;
    }

    /** Returns the number of positional arguments in a parse result. */
    static int positionalCount(Map<String, String> options) {
        int n = 0;
        while (options.containsKey(Integer.toString(n))) {
            n++;
        }
        return n;
    }

    private static boolean isNumber(String a) {
        for (int i = 1; i < a.length(); i++) {
            if (a.charAt(i) < '0' || a.charAt(i) > '9') {
                return false;
            }
        }
        return true;
    }

    private static String describe(List<String> valued, List<String> flags) {
        final StringBuilder sb = new StringBuilder();
        for (String v : valued) {
            if (sb.length() > 0) {
                sb.append(", ");
            }
            sb.append(v).append(" VALUE");
        }
        for (String f : flags) {
            if (sb.length() > 0) {
                sb.append(", ");
            }
            sb.append(f);
        }
        return sb.length() == 0 ? "no options" : sb.toString();
    }
}
