package io.siplb.loadtests.interop;

import static java.util.Objects.requireNonNull;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The counters siplb logs when it stops ({@code Stopped. Counters: {requests.received=901, ...,
 * connections.tcp.inbound=300}}): forwarded and received messages, local responses, and connections opened per
 * transport and direction. Counters that stayed zero are not in the line; {@link #get(String)} gives 0 for them.
 * Immutable.
 */
final class SiplbCounters {

    private static final Pattern LINE = Pattern.compile("Stopped\\. Counters: \\{([^}]*)}");

    /**
     * Reads the last {@code Stopped. Counters:} line of siplb's log {@code log}.
     *
     * @throws IOException when the log has no such line (siplb did not stop cleanly) or a counter is not a number
     */
    static SiplbCounters read(Path log) throws IOException {
        requireNonNull(log, "log");
        final Matcher m = LINE.matcher(Files.readString(log, StandardCharsets.ISO_8859_1));
        String last = null;
        while (m.find()) {
            last = m.group(1);
        }
        if (last == null) {
            throw new IOException(log + ": no \"Stopped. Counters: {...}\" line (expected: siplb stopped by SIGTERM)");
        }
        final Map<String, Long> counters = new LinkedHashMap<>();
        for (String entry : last.split(",")) {
            if (entry.isBlank()) {
                continue;
            }
            final int eq = entry.indexOf('=');
            try {
                counters.put(entry.substring(0, Math.max(0, eq)).trim(), Long.parseLong(entry.substring(eq + 1).trim()));
            } catch (NumberFormatException | IndexOutOfBoundsException e) {
                throw new IOException(log + ": counter \"" + entry.trim() + "\" (expected: NAME=INTEGER)", e);
            }
        }
        return new SiplbCounters(counters);
    }

    private final Map<String, Long> counters;

    private SiplbCounters(Map<String, Long> counters) {
        this.counters = Map.copyOf(counters);
    }

    /** The counter {@code name}, for example {@code connections.tls.outbound}; 0 when siplb did not log it. */
    long get(String name) {
        return counters.getOrDefault(name, 0L);
    }

    @Override
    public String toString() {
        return new TreeMap<>(counters).toString();
    }
}
