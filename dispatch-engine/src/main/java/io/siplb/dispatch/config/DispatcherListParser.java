package io.siplb.dispatch.config;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import io.siplb.dispatch.Destination;
import io.siplb.dispatch.DestinationAttributes;

/**
 * Parses Kamailio's {@code dispatcher.list} text format: one destination per line,
 * {@code setid uri [flags [priority [attrs]]]} separated by whitespace; lines starting with {@code #} are comments,
 * and a field starting with {@code #} ends the line. Flags are decimal or {@code 0x}-prefixed hex; attrs are
 * {@code name=value;...} without spaces. Stateless. Immutable.
 */
final class DispatcherListParser {

    /** One parsed line, in file order. Immutable. */
    static final class Entry {
        final int setId;
        final Destination destination;
        final int line;

        Entry(int setId, Destination destination, int line) {
            this.setId = setId;
            this.destination = destination;
            this.line = line;
        }
    }

    private DispatcherListParser() {
    }

    /**
     * Reads and parses {@code file}; {@code displayName} is how messages name it.
     *
     * @throws DispatchConfigException naming the file, the line and the expected value
     */
    static List<Entry> parse(Path file, String displayName) {
        return parse(file, displayName, true);
    }

    /**
     * As {@link #parse(Path, String)}; host names are looked up only when {@code lookUp} (see
     * {@link Destination#parse}).
     */
    static List<Entry> parse(Path file, String displayName, boolean lookUp) {
        final List<String> lines;
        try {
            lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new DispatchConfigException(displayName + ": cannot read (" + e + ") (expected: a readable "
                                              + "dispatcher.list file)", e);
        }
        return parse(lines, displayName, lookUp);
    }

    static List<Entry> parse(List<String> lines, String displayName) {
        return parse(lines, displayName, true);
    }

    static List<Entry> parse(List<String> lines, String displayName, boolean lookUp) {
        final List<Entry> entries = new ArrayList<>();
        for (int i = 0; i < lines.size(); i++) {
            final int lineNo = i + 1;
            final String where = displayName + ':' + lineNo + ": ";
            final List<String> fields = new ArrayList<>(5);
            for (String f : lines.get(i).trim().split("[ \\t]+")) {
                if (f.startsWith("#")) {
                    break;
                }
                if (!f.isEmpty()) {
                    fields.add(f);
                }
            }
            if (fields.isEmpty()) {
                continue;
            }
            if (fields.size() < 2) {
                throw new DispatchConfigException(where + "\"" + lines.get(i).trim()
                                                  + "\" (expected: setid uri [flags [priority [attrs]]])");
            }
            if (fields.size() > 5) {
                throw new DispatchConfigException(where + "unexpected \"" + fields.get(5) + "\" after attrs "
                                                  + "(expected: end of line; attrs must not contain spaces)");
            }
            final int setId;
            try {
                setId = Integer.parseInt(fields.get(0));
            } catch (NumberFormatException e) {
                throw new DispatchConfigException(where + "setid \"" + fields.get(0)
                                                  + "\" (expected: non-negative integer)");
            }
            if (setId < 0) {
                throw new DispatchConfigException(where + "setid " + setId + " (expected: non-negative integer)");
            }
            final int flags = fields.size() > 2 ? parseFlags(fields.get(2), where) : 0;
            int priority = 0;
            if (fields.size() > 3) {
                try {
                    priority = Integer.parseInt(fields.get(3));
                } catch (NumberFormatException e) {
                    throw new DispatchConfigException(where + "priority \"" + fields.get(3)
                                                      + "\" (expected: integer)");
                }
            }
            final DestinationAttributes attrs;
            final Destination destination;
            try {
                attrs = fields.size() > 4 ? DestinationAttributes.parse(fields.get(4)) : DestinationAttributes.EMPTY;
                destination = lookUp ? Destination.of(setId, fields.get(1), flags, priority, attrs)
                                     : Destination.parse(setId, fields.get(1), flags, priority, attrs);
            } catch (IllegalArgumentException e) {
                throw new DispatchConfigException(where + e.getMessage(), e);
            }
            entries.add(new Entry(setId, destination, lineNo));
        }
        return entries;
    }

    /** Parses Kamailio flags: decimal, or hex with a {@code 0x} prefix. */
    static int parseFlags(String text, String where) {
        try {
            final int v;
            if (text.startsWith("0x") || text.startsWith("0X")) {
                v = Integer.parseUnsignedInt(text.substring(2), 16);
            } else {
                v = Integer.parseInt(text);
            }
            if (v < 0) {
                throw new NumberFormatException();
            }
            return v;
        } catch (NumberFormatException e) {
            throw new DispatchConfigException(where + "flags \"" + text
                                              + "\" (expected: decimal or 0x-prefixed hex integer)");
        }
    }
}
