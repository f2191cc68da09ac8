package io.siplb.loadtests.interop;

import static java.util.Objects.requireNonNull;

import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Set;

/**
 * A sipp {@code -trace_shortmsg} file: one tab-separated line per SIP message sent ({@code S}) or received
 * ({@code R}): date, time, epoch, direction, Call-ID, CSeq, start line. Immutable.
 */
final class SippMessageLog {

    /** Column of the direction ({@code R} or {@code S}). */
    private static final int DIRECTION = 3;
    /** Column of the Call-ID. */
    private static final int CALL_ID = 4;
    /** Column of the start line. */
    private static final int START_LINE = 6;

    /** The distinct Call-IDs of the {@code method} requests received, as logged in {@code file}. */
    static Set<String> receivedRequestCallIds(Path file, String method) throws IOException {
        requireNonNull(file, "file");
        requireNonNull(method, "method");
        final String prefix = method + ' ';
        final Set<String> callIds = new HashSet<>();
        try (BufferedReader reader = Files.newBufferedReader(file, StandardCharsets.ISO_8859_1)) {
            String line;
            while ((line = reader.readLine()) != null) {
                final String[] fields = line.split("\t", -1);
                if (fields.length > START_LINE && "R".equals(fields[DIRECTION]) &&
                    fields[START_LINE].startsWith(prefix)) {
                    callIds.add(fields[CALL_ID]);
                }
            }
        }
        return callIds;
    }

    private SippMessageLog() {}
}
