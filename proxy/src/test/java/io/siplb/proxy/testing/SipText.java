package io.siplb.proxy.testing;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Small helpers to read SIP text in tests: header values by name (long or compact form), the start line. Static methods
 * only. Immutable.
 */
public final class SipText {

    private SipText() {}

    /** Returns the start line. */
    public static String startLine(String msg) {
        return msg.substring(0, msg.indexOf("\r\n"));
    }

    /** Returns every value of header {@code name} (one per header line, not split at commas), in order. */
    public static List<String> headers(String msg, String name) {
        final List<String> values = new ArrayList<>();
        final int end = msg.indexOf("\r\n\r\n");
        final String[] lines = msg.substring(0, end < 0 ? msg.length() : end).split("\r\n");
        final String lower = name.toLowerCase(Locale.ROOT);
        for (int i = 1; i < lines.length; i++) {
            final int colon = lines[i].indexOf(':');
            if (colon <= 0) {
                continue;
            }
            final String n = lines[i].substring(0, colon).trim().toLowerCase(Locale.ROOT);
            if (n.equals(lower)) {
                values.add(lines[i].substring(colon + 1).trim());
            }
        }
        return values;
    }

    /** Returns the first value of header {@code name}, or {@code null}. */
    public static String header(String msg, String name) {
        final List<String> v = headers(msg, name);
        return v.isEmpty() ? null : v.get(0);
    }

    /** Returns the status code of a response. */
    public static int status(String msg) {
        return Integer.parseInt(startLine(msg).split(" ")[1]);
    }
}
