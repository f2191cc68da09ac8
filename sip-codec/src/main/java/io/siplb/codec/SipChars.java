package io.siplb.codec;

/**
 * Character classes of the RFC 3261 §25.1 grammar as {@code boolean[256]} tables, and small scanners over
 * {@link CharSequence}s whose chars are octets (ISO-8859-1 views of the wire bytes). Immutable.
 */
final class SipChars {

    /** token = 1*(alphanum / "-" / "." / "!" / "%" / "*" / "_" / "+" / "`" / "'" / "~"). */
    static final boolean[] TOKEN = new boolean[256];
    /** word = 1*(token chars / "(" / ")" / "<" / ">" / ":" / "\" / DQUOTE / "/" / "[" / "]" / "?" / "{" / "}"). */
    static final boolean[] WORD = new boolean[256];
    /** Characters allowed in a URI: unreserved / reserved / "%" / "[" / "]" (RFC 3261 §25.1, RFC 3986). */
    static final boolean[] URI = new boolean[256];
    /** Characters of a host name, IPv4 address or bracketed IPv6 reference. */
    static final boolean[] HOST = new boolean[256];
    /** Hexadecimal digits. */
    static final boolean[] HEX = new boolean[256];

    static {
        for (int c = 'a'; c <= 'z'; c++) {
            set(c, TOKEN, WORD, URI, HOST);
            set(c - 32, TOKEN, WORD, URI, HOST);
        }
        for (int c = '0'; c <= '9'; c++) {
            set(c, TOKEN, WORD, URI, HOST, HEX);
        }
        for (int c = 'a'; c <= 'f'; c++) {
            set(c, HEX);
            set(c - 32, HEX);
        }
        for (char c : "-.!%*_+`'~".toCharArray()) {
            set(c, TOKEN, WORD);
        }
        for (char c : "()<>:\\\"/[]?{}".toCharArray()) {
            set(c, WORD);
        }
        for (char c : "-_.!~*'();/?:@&=+$,%[]".toCharArray()) {
            set(c, URI);
        }
        for (char c : "-._[]:".toCharArray()) {
            set(c, HOST);
        }
    }

    private SipChars() {
    }

    private static void set(int c, boolean[]... tables) {
        for (boolean[] t : tables) {
            t[c] = true;
        }
    }

    static boolean isToken(char c) {
        return c < 256 && TOKEN[c];
    }

    static boolean isWs(char c) {
        return c == ' ' || c == '\t' || c == '\r' || c == '\n';
    }

    /** Returns the first index in {@code [p, end)} that is not SP, HT, CR or LF (folding), or {@code end}. */
    static int skipWs(CharSequence s, int p, int end) {
        while (p < end && isWs(s.charAt(p))) {
            p++;
        }
        return p;
    }

    /** Returns the index after the last non-whitespace char in {@code [start, end)}, or {@code start}. */
    static int trimEnd(CharSequence s, int start, int end) {
        while (end > start && isWs(s.charAt(end - 1))) {
            end--;
        }
        return end;
    }

    /** Returns the first index in {@code [p, end)} that is not a token char, or {@code end}. */
    static int skipToken(CharSequence s, int p, int end) {
        while (p < end && isToken(s.charAt(p))) {
            p++;
        }
        return p;
    }

    /**
     * Scans a quoted-string starting at the {@code "} at {@code p} and returns the index after its closing quote,
     * or {@code -1} when it is not terminated before {@code end}. quoted-pair = "\" (%x00-09 / %x0B-0C / %x0E-7F).
     */
    static int skipQuoted(CharSequence s, int p, int end) {
        assert s.charAt(p) == '"';
        p++;
        while (p < end) {
            final char c = s.charAt(p);
            if (c == '"') {
                return p + 1;
            }
            if (c == '\\') {
                if (p + 1 >= end) {
                    return -1;
                }
                final char q = s.charAt(p + 1);
                if (q == '\n' || q == '\r' || q > 0x7F) {
                    return -1;
                }
                p += 2;
                continue;
            }
            p++;
        }
        return -1;
    }

    /**
     * Returns the index of the first comma in {@code [p, end)} that is outside quoted strings and {@code <...>}
     * (RFC 3261 §7.3.1), {@code end} when there is none, or -1 when a quote or angle bracket is unbalanced.
     * Iterate the elements of a value with {@code for (p = start; p <= end; p = e + 1) e = nextComma(s, p, end)}.
     */
    static int nextComma(CharSequence s, int p, int end) {
        boolean inAngle = false;
        while (p < end) {
            final char c = s.charAt(p);
            if (c == ',' && !inAngle) {
                return p;
            }
            if (c == '"') {
                p = skipQuoted(s, p, end);
                if (p < 0) {
                    return -1;
                }
                continue;
            }
            if (c == '<') {
                if (inAngle) {
                    return -1;
                }
                inAngle = true;
            } else if (c == '>') {
                if (!inAngle) {
                    return -1;
                }
                inAngle = false;
            }
            p++;
        }
        return inAngle ? -1 : end;
    }

    /**
     * Parses {@code *( SWS ";" SWS pname [ SWS "=" SWS pvalue ] ) SWS} over {@code [p, end)} and returns the offsets
     * as {@code [nameStart, nameEnd, valueStart, valueEnd]} quadruples ({@code valueStart == -1} for a parameter
     * without value; nothing is recorded when {@code build} is false), or {@code null} when malformed (e.g. an empty parameter as in {@code ;;}). A value is a
     * token, a quoted string, a bracketed IPv6 reference or a raw IPv6 address.
     */
    static int[] parseParams(CharSequence s, int p, int end, boolean build) {
        return parseParams(s, p, end, false, build);
    }

    /**
     * As {@link #parseParams(CharSequence, int, int, boolean)}; with {@code lenient}, a value that is not a
     * well-formed quoted string, bracketed IPv6 reference or token runs to the next {@code ;} (trailing whitespace
     * excluded) whatever its octets: only an empty value is malformed.
     */
    static int[] parseParams(CharSequence s, int p, int end, boolean lenient, boolean build) {
        int[] out = EMPTY;
        int n = 0;
        for (;;) {
            p = skipWs(s, p, end);
            if (p == end) {
                return n == out.length ? out : java.util.Arrays.copyOf(out, n);
            }
            if (s.charAt(p) != ';') {
                return null;
            }
            p = skipWs(s, p + 1, end);
            final int nameStart = p;
            p = skipToken(s, p, end);
            if (p == nameStart) {
                return null;
            }
            final int nameEnd = p;
            int valueStart = -1;
            int valueEnd = -1;
            final int q = skipWs(s, p, end);
            if (q < end && s.charAt(q) == '=') {
                int v = skipWs(s, q + 1, end);
                valueStart = v;
                final int raw = lenient ? rawValueEnd(s, v, end) : -1;
                if (raw >= 0) {
                    if (raw == v) {
                        return null;
                    }
                    v = raw;
                } else if (v < end && s.charAt(v) == '"') {
                    v = skipQuoted(s, v, end);
                    if (v < 0) {
                        return null;
                    }
                } else if (v < end && s.charAt(v) == '[') {
                    while (v < end && s.charAt(v) != ']') {
                        v++;
                    }
                    if (v == end) {
                        return null;
                    }
                    v++;
                } else {
                    while (v < end && (isToken(s.charAt(v)) || s.charAt(v) == ':')) {
                        v++;
                    }
                    if (v == valueStart) {
                        return null;
                    }
                }
                valueEnd = v;
                p = v;
            }
            if (!build) {
                continue;
            }
            if (n + 4 > out.length) {
                out = java.util.Arrays.copyOf(out, Math.max(8, out.length * 2));
            }
            out[n++] = nameStart;
            out[n++] = nameEnd;
            out[n++] = valueStart;
            out[n++] = valueEnd;
        }
    }

    private static final int[] EMPTY = new int[0];

    /**
     * For a lenient parameter value at {@code v}: returns -1 when the value is a well-formed quoted string or a
     * token (then the strict rules read it), else the index after its last non-whitespace octet before the next
     * {@code ;} or {@code end}.
     */
    private static int rawValueEnd(CharSequence s, int v, int end) {
        if (v < end && s.charAt(v) == '"') {
            final int q = skipQuoted(s, v, end);
            if (q >= 0 && skipWs(s, q, end) == end || q >= 0 && s.charAt(skipWs(s, q, end)) == ';') {
                return -1;
            }
        } else {
            int t = v;
            while (t < end && (isToken(s.charAt(t)) || s.charAt(t) == ':')) {
                t++;
            }
            if (t > v && (skipWs(s, t, end) == end || s.charAt(skipWs(s, t, end)) == ';')) {
                return -1;
            }
        }
        int e = v;
        while (e < end && s.charAt(e) != ';') {
            e++;
        }
        return trimEnd(s, v, e);
    }

    /** Returns the index of the parameter named {@code name} (case-insensitive) in {@code params}, or -1. */
    static int findParam(String s, int[] params, String name) {
        for (int i = 0; i < params.length; i += 4) {
            final int len = params[i + 1] - params[i];
            if (len == name.length() && s.regionMatches(true, params[i], name, 0, len)) {
                return i;
            }
        }
        return -1;
    }

    /**
     * Returns the value of the parameter at quadruple index {@code i}: {@code null} if {@code i < 0}, {@code ""}
     * for a parameter without value, otherwise the value text as it appears (quotes kept; non-ASCII octets decoded
     * as UTF-8).
     */
    static String paramValue(String s, int[] params, int i) {
        if (i < 0) {
            return null;
        }
        return params[i + 2] < 0 ? "" : utf8(s.substring(params[i + 2], params[i + 3]));
    }

    /** Parses a non-negative decimal in {@code [start, end)}; returns -1 when empty, not digits or above max. */
    static long parseDecimal(CharSequence s, int start, int end, long max) {
        if (start >= end) {
            return -1;
        }
        long v = 0;
        for (int i = start; i < end; i++) {
            final char c = s.charAt(i);
            if (c < '0' || c > '9') {
                return -1;
            }
            v = v * 10 + (c - '0');
            if (v > max) {
                return -1;
            }
        }
        return v;
    }

    /** Re-decodes an ISO-8859-1 view of wire bytes as UTF-8 when it holds non-ASCII octets. */
    static String utf8(String latin1) {
        for (int i = 0; i < latin1.length(); i++) {
            if (latin1.charAt(i) > 0x7F) {
                return new String(latin1.getBytes(java.nio.charset.StandardCharsets.ISO_8859_1),
                                  java.nio.charset.StandardCharsets.UTF_8);
            }
        }
        return latin1;
    }
}
