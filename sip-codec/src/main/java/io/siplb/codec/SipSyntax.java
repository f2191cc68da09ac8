package io.siplb.codec;

/**
 * Single-pass syntax checks of the header values the parser validates at decode time (Via, From, To, Contact,
 * Route, Record-Route) and of the Request-URI, run over the wire bytes without building {@link Via},
 * {@link NameAddr} or {@link SipUri} objects. Immutable.
 *
 * <p>Each check accepts only the common, plainly well-formed shapes: a {@code true} answer means the value is
 * valid by the full grammar of {@link Via#parse}, {@link NameAddr#parse} and {@link SipUri#parse} (every input
 * accepted here is accepted there), while {@code false} only means "not decided here": the parser then runs the
 * full grammar, which alone decides to reject. So the checks change the cost of validation, never its outcome.
 * Accepted shapes:
 * <ul>
 *   <li>Via: {@code token "/" token "/" token 1*(SP / HTAB) host [":" port] *(";" token ["=" (token / ":")...])},
 *       values separated by commas with optional whitespace;</li>
 *   <li>name-addr: {@code [quoted-string without "\" / *(token / SP / HTAB)] "<" sip-uri ">" *(";" param)},
 *       comma-separated where the header is a list;</li>
 *   <li>sip-uri: {@code ("sip:" / "sips:") [user "@"] hostname [":" port] *(";" pname ["=" pvalue])} with
 *       escapes checked, no password, IPv6 reference or headers component.</li>
 * </ul>
 */
final class SipSyntax {

    /** Octets of a URI user part accepted here (unreserved and user-unreserved, except "?" and ";"). */
    private static final boolean[] USER = new boolean[256];
    /** Octets of a hostname or IPv4 address. */
    private static final boolean[] HOSTNAME = new boolean[256];
    /** Octets of a uri-parameter name or value accepted here, "%" excepted. */
    private static final boolean[] PCHAR = new boolean[256];
    /** Token octets and ":" (a Via or header parameter value). */
    private static final boolean[] PVALUE = new boolean[256];

    static {
        for (int c = 0; c < 256; c++) {
            final boolean alnum = c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9';
            USER[c] = alnum || "-_.!~*'()&=+$,/".indexOf(c) >= 0;
            HOSTNAME[c] = alnum || c == '-' || c == '.' || c == '_';
            PCHAR[c] = alnum || "-_.!~*'()+$:/[]&".indexOf(c) >= 0;
            PVALUE[c] = SipChars.TOKEN[c] || c == ':';
        }
    }

    private SipSyntax() {
    }

    private static boolean isWs(int c) {
        return c == ' ' || c == '\t' || c == '\r' || c == '\n';
    }

    static int skipWs(ByteBufChars s, int p, int end) {
        while (p < end && isWs(s.at(p))) {
            p++;
        }
        return p;
    }

    static int trimEnd(ByteBufChars s, int start, int end) {
        while (end > start && isWs(s.at(end - 1))) {
            end--;
        }
        return end;
    }

    static int skipToken(ByteBufChars s, int p, int end) {
        while (p < end && SipChars.TOKEN[s.at(p)]) {
            p++;
        }
        return p;
    }

    /** Returns whether the whole Via header value {@code [start, end)} is valid (false: undecided). */
    static boolean viaList(ByteBufChars s, int start, int end) {
        int p = start;
        for (;;) {
            p = skipWs(s, p, end);
            if (p == end) {
                return false;
            }
            p = via(s, p, end);
            if (p < 0) {
                return false;
            }
            p = skipWs(s, p, end);
            if (p == end) {
                return true;
            }
            if (s.at(p) != ',') {
                return false;
            }
            p++;
        }
    }

    /** One via-parm from {@code p}; returns where it stops, or -1. */
    private static int via(ByteBufChars s, int p, int end) {
        for (int k = 0; k < 3; k++) {
            final int t = skipToken(s, p, end);
            if (t == p || t == end) {
                return -1;
            }
            final int c = s.at(t);
            if (k < 2 ? c != '/' : c != ' ' && c != '\t') {
                return -1;
            }
            p = t + 1;
        }
        while (p < end && (s.at(p) == ' ' || s.at(p) == '\t')) {
            p++;
        }
        final int hostStart = p;
        while (p < end && HOSTNAME[s.at(p)]) {
            p++;
        }
        if (p == hostStart) {
            return -1;
        }
        if (p < end && s.at(p) == ':') {
            p = port(s, p + 1, end);
            if (p < 0) {
                return -1;
            }
        }
        return params(s, p, end);
    }

    /** 1*5DIGIT up to 65535 from {@code p}; returns where it stops, or -1. */
    private static int port(ByteBufChars s, int p, int end) {
        final int start = p;
        int v = 0;
        while (p < end) {
            final int c = s.at(p);
            if (c < '0' || c > '9') {
                break;
            }
            v = v * 10 + (c - '0');
            if (++p - start > 5) {
                return -1;
            }
        }
        return p == start || v > 65535 ? -1 : p;
    }

    /** {@code *(";" token ["=" 1*(token / ":")])} from {@code p}; returns where it stops, or -1. */
    private static int params(ByteBufChars s, int p, int end) {
        while (p < end && s.at(p) == ';') {
            final int nameStart = ++p;
            p = skipToken(s, p, end);
            if (p == nameStart) {
                return -1;
            }
            if (p < end && s.at(p) == '=') {
                final int valueStart = ++p;
                while (p < end && PVALUE[s.at(p)]) {
                    p++;
                }
                if (p == valueStart) {
                    return -1;
                }
            }
        }
        return p;
    }

    /**
     * Returns whether the From/To ({@code list} false) or Contact/Route/Record-Route ({@code list} true) value
     * {@code [start, end)} is valid (false: undecided).
     */
    static boolean nameAddrs(ByteBufChars s, int start, int end, boolean list) {
        int p = start;
        for (;;) {
            p = skipWs(s, p, end);
            if (p == end) {
                return false;
            }
            p = nameAddr(s, p, end);
            if (p < 0) {
                return false;
            }
            p = skipWs(s, p, end);
            if (p == end) {
                return true;
            }
            if (!list || s.at(p) != ',') {
                return false;
            }
            p++;
        }
    }

    /** One name-addr with its parameters from {@code p}; returns where it stops, or -1. */
    private static int nameAddr(ByteBufChars s, int p, int end) {
        int c = s.at(p);
        if (c == '"') {
            p++;
            while (p < end && (c = s.at(p)) != '"') {
                if (c == '\\') {
                    return -1;
                }
                p++;
            }
            if (p == end) {
                return -1;
            }
            p++;
            while (p < end && isWs(s.at(p))) {
                p++;
            }
        } else {
            while (p < end && (SipChars.TOKEN[c = s.at(p)] || c == ' ' || c == '\t')) {
                p++;
            }
        }
        if (p == end || s.at(p) != '<') {
            return -1;
        }
        p = sipUri(s, p + 1, end);
        if (p < 0 || p == end || s.at(p) != '>') {
            return -1;
        }
        return params(s, skipWs(s, p + 1, end), end);
    }

    /**
     * A SIP or SIPS URI from {@code p}; returns where it stops (the caller checks that the URI ends there), or -1
     * when undecided.
     */
    static int sipUri(ByteBufChars s, int p, int end) {
        if (end - p < 5 || (s.at(p) | 0x20) != 's' || (s.at(p + 1) | 0x20) != 'i' || (s.at(p + 2) | 0x20) != 'p') {
            return -1;
        }
        p += 3;
        if ((s.at(p) | 0x20) == 's') {
            p++;
        }
        if (p == end || s.at(p) != ':') {
            return -1;
        }
        p++;
        // user "@" host, or host alone: one scan tells which (a hostname's octets are user octets too).
        int q = p;
        boolean hostLike = true;
        while (q < end) {
            final int c = s.at(q);
            if (HOSTNAME[c]) {
                q++;
            } else if (USER[c]) {
                hostLike = false;
                q++;
            } else if (c == '%') {
                if (!escape(s, q, end)) {
                    return -1;
                }
                hostLike = false;
                q += 3;
            } else {
                break;
            }
        }
        if (q == p) {
            return -1;
        }
        if (q < end && s.at(q) == '@') {
            p = q + 1;
            final int hostStart = p;
            while (p < end && HOSTNAME[s.at(p)]) {
                p++;
            }
            if (p == hostStart) {
                return -1;
            }
        } else if (hostLike) {
            p = q;
        } else {
            return -1;
        }
        if (p < end && s.at(p) == ':') {
            p = port(s, p + 1, end);
            if (p < 0) {
                return -1;
            }
        }
        while (p < end && s.at(p) == ';') {
            final int nameStart = ++p;
            p = pchars(s, p, end);
            if (p <= nameStart) {
                return -1;
            }
            if (p < end && s.at(p) == '=') {
                final int valueStart = ++p;
                p = pchars(s, p, end);
                if (p <= valueStart) {
                    return -1;
                }
            }
        }
        return p;
    }

    private static int pchars(ByteBufChars s, int p, int end) {
        while (p < end) {
            final int c = s.at(p);
            if (PCHAR[c]) {
                p++;
            } else if (c == '%') {
                if (!escape(s, p, end)) {
                    return -1;
                }
                p += 3;
            } else {
                break;
            }
        }
        return p;
    }

    private static boolean escape(ByteBufChars s, int p, int end) {
        return p + 2 < end && SipChars.HEX[s.at(p + 1)] && SipChars.HEX[s.at(p + 2)];
    }
}
