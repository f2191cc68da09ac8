package io.siplb.loadtests.interop;

import static java.util.Objects.requireNonNull;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The last row of a sipp {@code -trace_stat} file: sipp appends one row per {@code -fd} period and a final one
 * when it exits; columns are {@code ;}-separated and named in the first row ({@code sipp -h stat}). Counters whose
 * name ends in {@code (C)} are cumulative. Immutable.
 */
final class SippStatistics {

    static final String INCOMING_CALLS = "IncomingCall(C)";
    static final String OUTGOING_CALLS = "OutgoingCall(C)";
    static final String SUCCESSFUL_CALLS = "SuccessfulCall(C)";
    static final String FAILED_CALLS = "FailedCall(C)";
    static final String RETRANSMISSIONS = "Retransmissions(C)";
    /** Mean time from the first {@code rtd} start (the INVITE) to the message marked {@code rtd="true"}. */
    static final String RESPONSE_TIME = "ResponseTime1(C)";

    /** Reads the last complete row of {@code file}. */
    static SippStatistics read(Path file) throws IOException {
        requireNonNull(file, "file");
        final List<String> lines = new ArrayList<>();
        for (String line : Files.readAllLines(file, StandardCharsets.ISO_8859_1)) {
            if (!line.isBlank()) {
                lines.add(line);
            }
        }
        if (lines.size() < 2) {
            throw new IOException(file + ": " + lines.size() + " non-empty line(s) (expected: a header and >= 1 row)");
        }
        final String[] names = lines.get(0).split(";", -1);
        final String[] values = lines.get(lines.size() - 1).split(";", -1);
        final Map<String, String> columns = new HashMap<>();
        for (int i = 0; i < names.length && i < values.length; i++) {
            if (!names[i].isEmpty()) {
                columns.put(names[i], values[i]);
            }
        }
        return new SippStatistics(file, columns);
    }

    private final Path file;
    private final Map<String, String> columns;

    private SippStatistics(Path file, Map<String, String> columns) {
        this.file = file;
        this.columns = Map.copyOf(columns);
    }

    /** A counter of the last row, for example {@link #SUCCESSFUL_CALLS}. */
    long counter(String name) {
        final String value = value(name);
        try {
            return Long.parseLong(value.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(file + ": " + name + ": " + value + " (expected: an integer)", e);
        }
    }

    /**
     * A duration of the last row, written by sipp as {@code HH:MM:SS:uuuuuu} (the last field in microseconds), for
     * example {@link #RESPONSE_TIME}.
     */
    Duration duration(String name) {
        final String value = value(name);
        final String[] parts = value.trim().split(":");
        if (parts.length != 4) {
            throw new IllegalArgumentException(file + ": " + name + ": " + value + " (expected: HH:MM:SS:uuuuuu)");
        }
        try {
            return Duration.ofHours(Long.parseLong(parts[0]))
                           .plusMinutes(Long.parseLong(parts[1]))
                           .plusSeconds(Long.parseLong(parts[2]))
                           .plusNanos(Long.parseLong(parts[3]) * 1000);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(file + ": " + name + ": " + value + " (expected: HH:MM:SS:uuuuuu)", e);
        }
    }

    long incomingCalls() {
        return counter(INCOMING_CALLS);
    }

    long outgoingCalls() {
        return counter(OUTGOING_CALLS);
    }

    long successfulCalls() {
        return counter(SUCCESSFUL_CALLS);
    }

    long failedCalls() {
        return counter(FAILED_CALLS);
    }

    private String value(String name) {
        final String value = columns.get(name);
        if (value == null) {
            throw new IllegalArgumentException(file + ": no column " + name + " (expected one of " +
                                               columns.keySet() + ')');
        }
        return value;
    }

    @Override
    public String toString() {
        return file + ": incoming=" + columns.get(INCOMING_CALLS) + ", outgoing=" + columns.get(OUTGOING_CALLS) +
               ", successful=" + columns.get(SUCCESSFUL_CALLS) + ", failed=" + columns.get(FAILED_CALLS);
    }
}
