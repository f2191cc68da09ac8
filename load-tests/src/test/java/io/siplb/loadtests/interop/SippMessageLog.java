package io.siplb.loadtests.interop;

import static java.util.Objects.requireNonNull;

import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * A sipp {@code -trace_shortmsg} file: one tab-separated line per SIP message sent ({@code S}) or received
 * ({@code R}): date, time, epoch, direction, Call-ID, CSeq, start line. Immutable.
 */
final class SippMessageLog {

    /** Column of the epoch time (seconds, with microseconds). */
    private static final int EPOCH = 2;
    /** Column of the direction ({@code R} or {@code S}). */
    private static final int DIRECTION = 3;
    /** Column of the Call-ID. */
    private static final int CALL_ID = 4;
    /** Column of the CSeq ({@code CSeq:1 INVITE}). */
    private static final int CSEQ = 5;
    /** Column of the start line. */
    private static final int START_LINE = 6;

    /**
     * What a UAC's log says about one call of the siplb interop scenario (INVITE, 200, ACK, BYE, 200).
     *
     * @param callId the Call-ID
     * @param inviteSent epoch seconds of the first INVITE sent
     * @param ackUri the Request-URI of the first ACK sent (the Contact of the backend that answered), or {@code null}
     * @param byeAnswered epoch seconds of the first 2xx received to the call's first BYE (its CSeq), or
     *                    {@code NaN} when none came: a 2xx to a later BYE (sipp's own BYE after it aborted the call
     *                    on an unexpected response) does not complete the call
     */
    record UacCall(String callId, double inviteSent, String ackUri, double byeAnswered) {
        boolean completed() {
            return !Double.isNaN(byeAnswered);
        }
    }

    /** Reads a UAC's log: one {@link UacCall} per Call-ID with an INVITE sent, in the order of the first INVITE. */
    static Map<String, UacCall> uacCalls(Path file) throws IOException {
        requireNonNull(file, "file");
        final Map<String, double[]> times = new LinkedHashMap<>();
        final Map<String, String> ackUris = new HashMap<>();
        final Map<String, String> byeCseqs = new HashMap<>();
        try (BufferedReader reader = Files.newBufferedReader(file, StandardCharsets.ISO_8859_1)) {
            String line;
            while ((line = reader.readLine()) != null) {
                final String[] fields = line.split("\t", -1);
                if (fields.length <= START_LINE) {
                    continue;
                }
                final double epoch = Double.parseDouble(fields[EPOCH]);
                final String callId = fields[CALL_ID];
                final String cseq = fields[CSEQ];
                final String startLine = fields[START_LINE];
                final boolean sent = "S".equals(fields[DIRECTION]);
                if (sent && startLine.startsWith("INVITE ")) {
                    times.putIfAbsent(callId, new double[] { epoch, Double.NaN });
                } else if (sent && startLine.startsWith("ACK ")) {
                    ackUris.putIfAbsent(callId, startLine.split(" ")[1]);
                } else if (sent && startLine.startsWith("BYE ")) {
                    byeCseqs.putIfAbsent(callId, cseq);
                } else if (!sent && startLine.startsWith("SIP/2.0 2") && cseq.equals(byeCseqs.get(callId))) {
                    final double[] t = times.get(callId);
                    if (t != null && Double.isNaN(t[1])) {
                        t[1] = epoch;
                    }
                }
            }
        }
        final Map<String, UacCall> calls = new LinkedHashMap<>();
        times.forEach((id, t) -> calls.put(id, new UacCall(id, t[0], ackUris.get(id), t[1])));
        return calls;
    }

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
