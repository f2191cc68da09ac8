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

    /**
     * Returns the response a UAS sends to {@code request}: its Vias, From, To (with {@code toTag} when not null),
     * Call-ID and CSeq; a Contact for a 2xx; no body.
     */
    public static String response(String request, int status, String reason, String toTag) {
        final StringBuilder sb = new StringBuilder("SIP/2.0 ").append(status).append(' ').append(reason)
                                                               .append("\r\n");
        for (String v : headers(request, "Via")) {
            sb.append("Via: ").append(v).append("\r\n");
        }
        sb.append("From: ").append(header(request, "From")).append("\r\n");
        sb.append("To: ").append(header(request, "To")).append(toTag != null ? ";tag=" + toTag : "")
          .append("\r\n");
        sb.append("Call-ID: ").append(header(request, "Call-ID")).append("\r\n");
        sb.append("CSeq: ").append(header(request, "CSeq")).append("\r\n");
        if (status >= 200 && status < 300) {
            sb.append("Contact: <sip:bob@127.0.0.1>\r\n");
        }
        return sb.append("Content-Length: 0\r\n\r\n").toString();
    }
}
