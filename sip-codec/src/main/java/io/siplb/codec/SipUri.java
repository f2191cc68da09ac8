package io.siplb.codec;

import static java.util.Objects.requireNonNull;

/**
 * A parsed SIP, SIPS or TEL URI (RFC 3261 §19.1, RFC 3966), or an absolute URI of another scheme kept opaque.
 * Escaped characters ({@code %HH}) are kept exactly as they appear: {@code user()} of {@code sip:%75ser@h} is
 * {@code "%75ser"}, and nothing is unescaped recursively. {@link #toString()} returns the original text. Immutable.
 */
public final class SipUri {

    /** URI scheme. */
    public enum Scheme {
        /** {@code sip:}. */
        SIP,
        /** {@code sips:}. */
        SIPS,
        /** {@code tel:}. */
        TEL,
        /** Any other absolute URI scheme; only {@link #schemeName()} and {@link #opaquePart()} are set. */
        OTHER
    }

    /** Kind of {@link #host()}. */
    public enum HostType {
        /** Dotted-quad IPv4 address. */
        IPV4,
        /** IPv6 reference, written with its brackets ({@code [2001:db8::1]}). */
        IPV6,
        /** Host name (not resolved). */
        HOSTNAME
    }

    private static final int[] NO_PARAMS = new int[0];
    /** Returned by the validating parse when no object is wanted. */
    private static final SipUri VALID = new SipUri("sip:valid", Scheme.SIP, 4, -1, -1, -1, -1, 4, 9,
                                                   HostType.HOSTNAME, -1, NO_PARAMS, -1);

    private final String text;
    private final Scheme scheme;
    private final int colon;
    private final int userStart;
    private final int userEnd;
    private final int passwordStart;
    private final int passwordEnd;
    private final int hostStart;
    private final int hostEnd;
    private final HostType hostType;
    private final int port;
    private final int[] params;
    private final int headersStart;

    private SipUri(String text, Scheme scheme, int colon, int userStart, int userEnd, int passwordStart,
                   int passwordEnd, int hostStart, int hostEnd, HostType hostType, int port, int[] params,
                   int headersStart) {
        this.text = text;
        this.scheme = scheme;
        this.colon = colon;
        this.userStart = userStart;
        this.userEnd = userEnd;
        this.passwordStart = passwordStart;
        this.passwordEnd = passwordEnd;
        this.hostStart = hostStart;
        this.hostEnd = hostEnd;
        this.hostType = hostType;
        this.port = port;
        this.params = params;
        this.headersStart = headersStart;
    }

    /**
     * Parses {@code uri}.
     *
     * @throws IllegalArgumentException if {@code uri} is not a well-formed URI; the message names the text
     */
    public static SipUri parse(CharSequence uri) {
        requireNonNull(uri, "uri");
        final SipUri u = parse(uri, 0, uri.length(), true, true);
        if (u == null) {
            throw new IllegalArgumentException("uri: " + uri + " (expected: a SIP, SIPS, TEL or absolute URI)");
        }
        return u;
    }

    /** Parses {@code uri}, returning {@code null} instead of throwing when it is malformed. */
    public static SipUri tryParse(CharSequence uri) {
        requireNonNull(uri, "uri");
        return parse(uri, 0, uri.length(), true, true);
    }

    /**
     * Parses {@code [start, end)} of {@code s}; returns {@code null} when malformed. When {@code build} is false a
     * shared placeholder is returned for a valid URI (validation without allocation of the parts).
     */
    static SipUri parse(CharSequence s, int start, int end, boolean allowHeaders, boolean build) {
        if (start >= end) {
            return null;
        }
        // scheme = ALPHA *( ALPHA / DIGIT / "+" / "-" / "." )
        int p = start;
        char c = s.charAt(p);
        if (!(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z')) {
            return null;
        }
        p++;
        while (p < end) {
            c = s.charAt(p);
            if (c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '+' || c == '-' ||
                c == '.') {
                p++;
            } else {
                break;
            }
        }
        if (p == end || s.charAt(p) != ':') {
            return null;
        }
        final int colon = p;
        // Every char must be a URI char; an escape is "%" HEXDIG HEXDIG (kept as is). The same pass finds the "@"
        // that ends a userinfo (neither user nor password may hold a raw "@") and the first "?" after it, which
        // starts the headers component.
        int at = -1;
        int question = -1;
        for (int i = colon + 1; i < end; i++) {
            c = s.charAt(i);
            if (c >= 256 || !SipChars.URI[c]) {
                return null;
            }
            if (c == '@') {
                if (at >= 0) {
                    return null;
                }
                at = i;
                question = -1;
            } else if (c == '?') {
                if (question < 0) {
                    question = i;
                }
            } else if (c == '%') {
                if (i + 2 >= end || s.charAt(i + 1) >= 256 || !SipChars.HEX[s.charAt(i + 1)] ||
                    s.charAt(i + 2) >= 256 || !SipChars.HEX[s.charAt(i + 2)]) {
                    return null;
                }
            }
        }
        final Scheme scheme = scheme(s, start, colon);
        if (colon + 1 == end) {
            return null;
        }
        switch (scheme) {
            case SIP:
            case SIPS:
                return parseSip(s, start, end, colon, at, question, scheme, allowHeaders, build);
            case TEL:
                return at >= 0 || question >= 0 ? null : parseTel(s, start, end, colon, build);
            default:
                if (!build) {
                    return VALID;
                }
                return new SipUri(s.subSequence(start, end).toString(), Scheme.OTHER, colon - start, -1, -1, -1, -1,
                                  -1, -1, null, -1, NO_PARAMS, -1);
        }
    }

    private static Scheme scheme(CharSequence s, int start, int colon) {
        final int len = colon - start;
        if (len == 3 && (s.charAt(start) | 0x20) == 's' && (s.charAt(start + 1) | 0x20) == 'i' &&
            (s.charAt(start + 2) | 0x20) == 'p') {
            return Scheme.SIP;
        }
        if (len == 4 && (s.charAt(start) | 0x20) == 's' && (s.charAt(start + 1) | 0x20) == 'i' &&
            (s.charAt(start + 2) | 0x20) == 'p' && (s.charAt(start + 3) | 0x20) == 's') {
            return Scheme.SIPS;
        }
        if (len == 3 && (s.charAt(start) | 0x20) == 't' && (s.charAt(start + 1) | 0x20) == 'e' &&
            (s.charAt(start + 2) | 0x20) == 'l') {
            return Scheme.TEL;
        }
        return Scheme.OTHER;
    }

    private static SipUri parseSip(CharSequence s, int start, int end, int colon, int at, int question,
                                   Scheme scheme, boolean allowHeaders, boolean build) {
        int userStart = -1;
        int userEnd = -1;
        int passwordStart = -1;
        int passwordEnd = -1;
        int p = colon + 1;
        if (at >= 0) {
            userStart = p;
            userEnd = at;
            for (int i = p; i < at; i++) {
                if (s.charAt(i) == ':') {
                    userEnd = i;
                    passwordStart = i + 1;
                    passwordEnd = at;
                    break;
                }
            }
            if (userEnd == userStart) {
                return null;
            }
            p = at + 1;
        }
        // host = hostname / IPv4address / IPv6reference
        final int hostStart = p;
        final HostType hostType;
        if (p < end && s.charAt(p) == '[') {
            while (p < end && s.charAt(p) != ']') {
                final char c = s.charAt(p);
                if (c != '[' && c != ':' && c != '.' && !SipChars.HEX[c]) {
                    return null;
                }
                p++;
            }
            if (p == end || p - hostStart < 3) {
                return null;
            }
            p++;
            hostType = HostType.IPV6;
        } else {
            while (p < end) {
                final char c = s.charAt(p);
                if (c == ':' || c == ';' || c == '?') {
                    break;
                }
                if (c == '[' || c == ']' || !SipChars.HOST[c]) {
                    return null;
                }
                p++;
            }
            if (p == hostStart) {
                return null;
            }
            hostType = isIpv4(s, hostStart, p) ? HostType.IPV4 : HostType.HOSTNAME;
        }
        final int hostEnd = p;
        int port = -1;
        if (p < end && s.charAt(p) == ':') {
            final int portStart = ++p;
            while (p < end && s.charAt(p) >= '0' && s.charAt(p) <= '9') {
                p++;
            }
            final long v = SipChars.parseDecimal(s, portStart, p, 65535);
            if (v < 0) {
                return null;
            }
            port = (int) v;
        }
        int paramsEnd = end;
        int headersStart = -1;
        if (question >= 0) {
            if (!allowHeaders) {
                return null;
            }
            paramsEnd = question;
            headersStart = question + 1;
        }
        if (p != paramsEnd && s.charAt(p) != ';') {
            return null;
        }
        final int[] params = parseUriParams(s, p, paramsEnd, build);
        if (params == null) {
            return null;
        }
        if (!build) {
            return VALID;
        }
        final String text = s.subSequence(start, end).toString();
        return new SipUri(text, scheme, colon - start, rel(userStart, start), rel(userEnd, start),
                          rel(passwordStart, start), rel(passwordEnd, start), hostStart - start, hostEnd - start,
                          hostType, port, shift(params, start), headersStart < 0 ? -1 : headersStart - start);
    }

    private static SipUri parseTel(CharSequence s, int start, int end, int colon, boolean build) {
        int p = colon + 1;
        while (p < end && s.charAt(p) != ';') {
            p++;
        }
        if (p == colon + 1) {
            return null;
        }
        final int numberEnd = p;
        final int[] params = parseUriParams(s, p, end, build);
        if (params == null) {
            return null;
        }
        if (!build) {
            return VALID;
        }
        return new SipUri(s.subSequence(start, end).toString(), Scheme.TEL, colon - start, colon + 1 - start,
                          numberEnd - start, -1, -1, -1, -1, null, -1, shift(params, start), -1);
    }

    /** uri-parameters = *( ";" pname [ "=" pvalue ] ) with non-empty names; no whitespace inside a URI. */
    private static int[] parseUriParams(CharSequence s, int p, int end, boolean build) {
        if (p == end) {
            return NO_PARAMS;
        }
        int count = 0;
        if (build) {
            for (int i = p; i < end; i++) {
                if (s.charAt(i) == ';') {
                    count++;
                }
            }
        }
        final int[] out = build ? new int[count * 4] : null;
        int n = 0;
        while (p < end) {
            assert s.charAt(p) == ';';
            final int nameStart = ++p;
            while (p < end && s.charAt(p) != ';' && s.charAt(p) != '=') {
                p++;
            }
            if (p == nameStart) {
                return null;
            }
            if (build) {
                out[n] = nameStart;
                out[n + 1] = p;
                out[n + 2] = -1;
                out[n + 3] = -1;
            }
            if (p < end && s.charAt(p) == '=') {
                final int valueStart = ++p;
                while (p < end && s.charAt(p) != ';') {
                    if (s.charAt(p) == '=') {
                        return null;
                    }
                    p++;
                }
                if (p == valueStart) {
                    return null;
                }
                if (build) {
                    out[n + 2] = valueStart;
                    out[n + 3] = p;
                }
            }
            n += 4;
        }
        return build ? out : NO_PARAMS;
    }

    private static boolean isIpv4(CharSequence s, int start, int end) {
        int dots = 0;
        int value = 0;
        int digits = 0;
        for (int i = start; i < end; i++) {
            final char c = s.charAt(i);
            if (c == '.') {
                if (digits == 0) {
                    return false;
                }
                dots++;
                value = 0;
                digits = 0;
            } else if (c >= '0' && c <= '9') {
                value = value * 10 + (c - '0');
                if (++digits > 3 || value > 255) {
                    return false;
                }
            } else {
                return false;
            }
        }
        return dots == 3 && digits > 0;
    }

    private static int rel(int index, int start) {
        return index < 0 ? -1 : index - start;
    }

    private static int[] shift(int[] params, int start) {
        for (int i = 0; i < params.length; i++) {
            if (params[i] >= 0) {
                params[i] -= start;
            }
        }
        return params;
    }

    /** Returns the scheme. */
    public Scheme scheme() {
        return scheme;
    }

    /** Returns the scheme as written, e.g. {@code "sip"} or {@code "soap.beep"}. */
    public String schemeName() {
        return text.substring(0, colon);
    }

    /** Returns everything after the scheme's colon, as written. */
    public String opaquePart() {
        return text.substring(colon + 1);
    }

    /** Returns the user part (escapes kept), the telephone number of a TEL URI, or {@code null}. */
    public String user() {
        return userStart < 0 ? null : text.substring(userStart, userEnd);
    }

    /** Returns the password, or {@code null}. */
    public String password() {
        return passwordStart < 0 ? null : text.substring(passwordStart, passwordEnd);
    }

    /** Returns the host as written (IPv6 with brackets), or {@code null} for TEL and other schemes. */
    public String host() {
        return hostStart < 0 ? null : text.substring(hostStart, hostEnd);
    }

    /** Returns the kind of {@link #host()}, or {@code null} when there is no host. */
    public HostType hostType() {
        return hostType;
    }

    /** Returns the port, or {@code -1} when absent. */
    public int port() {
        return port;
    }

    /**
     * Returns the value of the uri-parameter {@code name} (case-insensitive): {@code null} when absent, {@code ""}
     * when present without a value.
     */
    public String param(String name) {
        requireNonNull(name, "name");
        return SipChars.paramValue(text, params, SipChars.findParam(text, params, name));
    }

    /** Returns whether the uri-parameter {@code name} is present. */
    public boolean hasParam(String name) {
        requireNonNull(name, "name");
        return SipChars.findParam(text, params, name) >= 0;
    }

    /** Returns the number of uri-parameters. */
    public int paramCount() {
        return params.length / 4;
    }

    /** Returns the name of the {@code i}-th uri-parameter. */
    public String paramName(int i) {
        return text.substring(params[i * 4], params[i * 4 + 1]);
    }

    /** Returns the value of the {@code i}-th uri-parameter, {@code ""} when it has none. */
    public String paramValue(int i) {
        return SipChars.paramValue(text, params, i * 4);
    }

    /** Returns the {@code transport} parameter, or {@code null}. */
    public String transport() {
        return param("transport");
    }

    /** Returns whether the {@code lr} parameter is present (loose routing, RFC 3261 §19.1.1). */
    public boolean lr() {
        return hasParam("lr");
    }

    /** Returns the {@code maddr} parameter, or {@code null}. */
    public String maddr() {
        return param("maddr");
    }

    /** Returns the headers component after {@code ?}, as written, or {@code null}. */
    public String headers() {
        return headersStart < 0 ? null : text.substring(headersStart);
    }

    /** Returns whether this is a SIP or SIPS URI. */
    public boolean isSip() {
        return scheme == Scheme.SIP || scheme == Scheme.SIPS;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof SipUri && ((SipUri) o).text.equals(text);
    }

    @Override
    public int hashCode() {
        return text.hashCode();
    }

    /** Returns the URI exactly as it was written. */
    @Override
    public String toString() {
        return text;
    }
}
