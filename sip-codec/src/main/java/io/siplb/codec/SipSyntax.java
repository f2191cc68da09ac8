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
 *
 * <p>The checks read the octets of an array-backed {@link ByteBufChars} ({@link ByteBufChars#scanArray()}) straight
 * from the array, one class-table load per octet; positions inside are array indexes. A view without an array
 * leaves every value undecided.
 */
final class SipSyntax {

    /** Bits of {@link #CLASS}. */
    static final int TOKEN = 1;
    /** Octets of a hostname or IPv4 address. */
    static final int HOSTNAME = 2;
    /** Octets of a URI user part accepted here (unreserved and user-unreserved, except "?" and ";"). */
    static final int USER = 4;
    /** Octets of a uri-parameter name or value accepted here, "%" excepted. */
    static final int PCHAR = 8;
    /** Token octets and ":" (a Via or header parameter value). */
    static final int PVALUE = 16;
    /** SP, HT, CR, LF. */
    static final int WS = 32;
    /** Hexadecimal digits. */
    static final int HEX = 64;

    /** The classes of each octet, as bits; index with {@code octet & 0xFF}. */
    static final byte[] CLASS = new byte[256];

    static {
        for (int c = 0; c < 256; c++) {
            final boolean alnum = c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9';
            int bits = 0;
            bits |= SipChars.TOKEN[c] ? TOKEN : 0;
            bits |= alnum || c == '-' || c == '.' || c == '_' ? HOSTNAME : 0;
            bits |= alnum || "-_.!~*'()&=+$,/".indexOf(c) >= 0 ? USER : 0;
            bits |= alnum || "-_.!~*'()+$:/[]&".indexOf(c) >= 0 ? PCHAR : 0;
            bits |= SipChars.TOKEN[c] || c == ':' ? PVALUE : 0;
            bits |= c == ' ' || c == '\t' || c == '\r' || c == '\n' ? WS : 0;
            bits |= SipChars.HEX[c] ? HEX : 0;
            CLASS[c] = (byte) bits;
        }
    }

    private SipSyntax() {
    }

    /** The class bits of the octet at {@code i}. */
    private static int cls(byte[] a, int i) {
        return CLASS[a[i] & 0xFF];
    }

    /** Returns the first array index in {@code [p, end)} that is not SP, HT, CR or LF, or {@code end}. */
    static int skipWs(byte[] a, int p, int end) {
        while (p < end && (cls(a, p) & WS) != 0) {
            p++;
        }
        return p;
    }

    /** Returns the array index after the last octet of {@code [start, end)} that is not SP, HT, CR or LF. */
    static int trimEnd(byte[] a, int start, int end) {
        while (end > start && (cls(a, end - 1) & WS) != 0) {
            end--;
        }
        return end;
    }

    private static int skip(byte[] a, int p, int end, int bits) {
        while (p < end && (cls(a, p) & bits) != 0) {
            p++;
        }
        return p;
    }

    /** Returns the end of the run of token octets of {@code s} from {@code p}, at most {@code end}. */
    static int skipToken(ByteBufChars s, int p, int end) {
        final byte[] a = s.scanArray();
        if (a == null) {
            return SipChars.skipToken(s, p, end);
        }
        final int base = s.scanBase();
        return skip(a, base + p, base + end, TOKEN) - base;
    }

    /** Returns whether the whole Via header value {@code [start, end)} of {@code s} is valid (false: undecided). */
    static boolean viaList(ByteBufChars s, int start, int end) {
        final byte[] a = s.scanArray();
        if (a == null) {
            return false;
        }
        final int base = s.scanBase();
        return viaList(a, base + start, base + end);
    }

    /** {@link #viaList(ByteBufChars, int, int)} over the array indexes {@code [start, end)} of {@code a}. */
    static boolean viaList(byte[] a, int start, int end) {
        int p = start;
        for (;;) {
            p = skipWs(a, p, end);
            if (p == end) {
                return false;
            }
            p = via(a, p, end);
            if (p < 0) {
                return false;
            }
            p = skipWs(a, p, end);
            if (p == end) {
                return true;
            }
            if (a[p] != ',') {
                return false;
            }
            p++;
        }
    }

    /** One via-parm from {@code p}; returns where it stops, or -1. */
    private static int via(byte[] a, int p, int end) {
        for (int k = 0; k < 3; k++) {
            final int t = skip(a, p, end, TOKEN);
            if (t == p || t == end) {
                return -1;
            }
            final byte c = a[t];
            if (k < 2 ? c != '/' : c != ' ' && c != '\t') {
                return -1;
            }
            p = t + 1;
        }
        while (p < end && (a[p] == ' ' || a[p] == '\t')) {
            p++;
        }
        final int hostStart = p;
        p = skip(a, p, end, HOSTNAME);
        if (p == hostStart) {
            return -1;
        }
        if (p < end && a[p] == ':') {
            p = port(a, p + 1, end);
            if (p < 0) {
                return -1;
            }
        }
        return params(a, p, end);
    }

    /** 1*5DIGIT up to 65535 from {@code p}; returns where it stops, or -1. */
    private static int port(byte[] a, int p, int end) {
        final int start = p;
        int v = 0;
        while (p < end) {
            final int c = a[p];
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
    private static int params(byte[] a, int p, int end) {
        while (p < end && a[p] == ';') {
            final int nameStart = ++p;
            p = skip(a, p, end, TOKEN);
            if (p == nameStart) {
                return -1;
            }
            if (p < end && a[p] == '=') {
                final int valueStart = ++p;
                p = skip(a, p, end, PVALUE);
                if (p == valueStart) {
                    return -1;
                }
            }
        }
        return p;
    }

    /**
     * Returns whether the From/To ({@code list} false) or Contact/Route/Record-Route ({@code list} true) value
     * {@code [start, end)} of {@code s} is valid (false: undecided).
     */
    static boolean nameAddrs(ByteBufChars s, int start, int end, boolean list) {
        final byte[] a = s.scanArray();
        if (a == null) {
            return false;
        }
        final int base = s.scanBase();
        return nameAddrs(a, base + start, base + end, list);
    }

    /** {@link #nameAddrs(ByteBufChars, int, int, boolean)} over the array indexes {@code [start, end)} of {@code a}. */
    static boolean nameAddrs(byte[] a, int start, int end, boolean list) {
        int p = start;
        for (;;) {
            p = skipWs(a, p, end);
            if (p == end) {
                return false;
            }
            p = nameAddr(a, p, end);
            if (p < 0) {
                return false;
            }
            p = skipWs(a, p, end);
            if (p == end) {
                return true;
            }
            if (!list || a[p] != ',') {
                return false;
            }
            p++;
        }
    }

    /** One name-addr with its parameters from {@code p}; returns where it stops, or -1. */
    private static int nameAddr(byte[] a, int p, int end) {
        byte c = a[p];
        if (c == '"') {
            p++;
            while (p < end && (c = a[p]) != '"') {
                if (c == '\\') {
                    return -1;
                }
                p++;
            }
            if (p == end) {
                return -1;
            }
            p = skipWs(a, p + 1, end);
        } else {
            while (p < end && ((cls(a, p) & TOKEN) != 0 || (c = a[p]) == ' ' || c == '\t')) {
                p++;
            }
        }
        if (p == end || a[p] != '<') {
            return -1;
        }
        p = sipUri(a, p + 1, end);
        if (p < 0 || p == end || a[p] != '>') {
            return -1;
        }
        return params(a, skipWs(a, p + 1, end), end);
    }

    /**
     * A SIP or SIPS URI from {@code p} of {@code s}; returns where it stops (the caller checks that the URI ends
     * there), or -1 when undecided.
     */
    static int sipUri(ByteBufChars s, int p, int end) {
        final byte[] a = s.scanArray();
        if (a == null) {
            return -1;
        }
        final int base = s.scanBase();
        final int r = sipUri(a, base + p, base + end);
        return r < 0 ? -1 : r - base;
    }

    /** {@link #sipUri(ByteBufChars, int, int)} over the array indexes {@code [p, end)} of {@code a}. */
    static int sipUri(byte[] a, int p, int end) {
        if (end - p < 5 || (a[p] | 0x20) != 's' || (a[p + 1] | 0x20) != 'i' || (a[p + 2] | 0x20) != 'p') {
            return -1;
        }
        p += 3;
        if ((a[p] | 0x20) == 's') {
            p++;
        }
        if (p == end || a[p] != ':') {
            return -1;
        }
        p++;
        // user "@" host, or host alone: one scan tells which (a hostname's octets are user octets too).
        int q = p;
        boolean hostLike = true;
        while (q < end) {
            final int c = cls(a, q);
            if ((c & HOSTNAME) != 0) {
                q++;
            } else if ((c & USER) != 0) {
                hostLike = false;
                q++;
            } else if (a[q] == '%') {
                if (!escape(a, q, end)) {
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
        if (q < end && a[q] == '@') {
            p = q + 1;
            final int hostStart = p;
            p = skip(a, p, end, HOSTNAME);
            if (p == hostStart) {
                return -1;
            }
        } else if (hostLike) {
            p = q;
        } else {
            return -1;
        }
        if (p < end && a[p] == ':') {
            p = port(a, p + 1, end);
            if (p < 0) {
                return -1;
            }
        }
        while (p < end && a[p] == ';') {
            final int nameStart = ++p;
            p = pchars(a, p, end);
            if (p <= nameStart) {
                return -1;
            }
            if (p < end && a[p] == '=') {
                final int valueStart = ++p;
                p = pchars(a, p, end);
                if (p <= valueStart) {
                    return -1;
                }
            }
        }
        return p;
    }

    private static int pchars(byte[] a, int p, int end) {
        while (p < end) {
            if ((cls(a, p) & PCHAR) != 0) {
                p++;
            } else if (a[p] == '%') {
                if (!escape(a, p, end)) {
                    return -1;
                }
                p += 3;
            } else {
                break;
            }
        }
        return p;
    }

    private static boolean escape(byte[] a, int p, int end) {
        return p + 2 < end && (cls(a, p + 1) & HEX) != 0 && (cls(a, p + 2) & HEX) != 0;
    }
}
