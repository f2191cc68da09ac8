package io.siplb.loadtests.gen;

import java.time.Duration;
import java.util.Locale;

/**
 * Parses and formats the durations of the command line: a number with a unit {@code ms}, {@code s}, {@code m} or
 * {@code h} ({@code 500ms}, {@code 1.5s}, {@code 10s}, {@code 2m}); a bare number is seconds. Static methods only.
 * Immutable.
 */
public final class Durations {

    private Durations() {}

    /** Parses {@code text}; {@code name} goes into the error message. */
    public static Duration parse(String text, String name) {
        final String t = text.trim().toLowerCase(Locale.ROOT);
        final double factorNanos;
        final String number;
        if (t.endsWith("ms")) {
            factorNanos = 1e6;
            number = t.substring(0, t.length() - 2);
        } else if (t.endsWith("s")) {
            factorNanos = 1e9;
            number = t.substring(0, t.length() - 1);
        } else if (t.endsWith("m")) {
            factorNanos = 60e9;
            number = t.substring(0, t.length() - 1);
        } else if (t.endsWith("h")) {
            factorNanos = 3600e9;
            number = t.substring(0, t.length() - 1);
        } else {
            factorNanos = 1e9;
            number = t;
        }
        try {
            final double v = Double.parseDouble(number);
            if (!(v >= 0) || Double.isInfinite(v)) {
                throw new NumberFormatException();
            }
            return Duration.ofNanos(Math.round(v * factorNanos));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(name + ": '" + text + "' (expected: a duration, e.g. 500ms, 10s, 2m)");
        }
    }

    /** Formats {@code d} as milliseconds below 10 s, else seconds. */
    public static String format(Duration d) {
        final long ms = d.toMillis();
        if (ms < 10_000 && ms % 1000 != 0) {
            return ms + "ms";
        }
        if (ms % 1000 == 0) {
            return ms / 1000 + "s";
        }
        return String.format(Locale.ROOT, "%.3fs", ms / 1000.0);
    }
}
