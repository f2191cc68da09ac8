package io.siplb.codec;

import static java.util.Objects.requireNonNull;

/**
 * One {@code ( name-addr / addr-spec ) *( SEMI param )} value of From, To, Contact, Route or Record-Route
 * (RFC 3261 §20.10, §20.20, §20.30, §20.34, §20.39), or the Contact wildcard {@code *}. Offsets locate the value
 * and its URI in {@link SipMessage#content()}. Parameter values are returned as written. Immutable.
 */
public final class NameAddr {

    private static final int[] NO_PARAMS = new int[0];
    /** Returned by the validating parse when no object is wanted. */
    private static final NameAddr VALID = new NameAddr("", -1, 0, -1, -1, 0, 0, null, NO_PARAMS);

    private final String text;
    private final int headerIndex;
    private final int valueStart;
    private final int displayStart;
    private final int displayEnd;
    private final int uriStart;
    private final int uriEnd;
    private final SipUri uri;
    private final int[] params;

    private NameAddr(String text, int headerIndex, int valueStart, int displayStart, int displayEnd, int uriStart,
                     int uriEnd, SipUri uri, int[] params) {
        this.text = text;
        this.headerIndex = headerIndex;
        this.valueStart = valueStart;
        this.displayStart = displayStart;
        this.displayEnd = displayEnd;
        this.uriStart = uriStart;
        this.uriEnd = uriEnd;
        this.uri = uri;
        this.params = params;
    }

    /**
     * Parses one value {@code [start, end)} of {@code s}; returns {@code null} when malformed, or a shared
     * placeholder when {@code build} is false.
     *
     * @param requireBrackets whether only the name-addr form ({@code <uri>}) is allowed (Route, Record-Route)
     * @param allowWildcard whether {@code *} is allowed (Contact)
     * @param bufferOffset the offset in the message of {@code s}'s index 0
     */
    static NameAddr parse(CharSequence s, int start, int end, int headerIndex, int bufferOffset,
                          boolean requireBrackets, boolean allowWildcard, boolean build) {
        return parse(s, start, end, headerIndex, bufferOffset, requireBrackets, allowWildcard, false, build);
    }

    /**
     * As {@link #parse(CharSequence, int, int, int, int, boolean, boolean, boolean)}; with {@code lenient}, the
     * parts a proxy does not read are not held to the grammar (the From/To reading of the decoder): an unquoted
     * display name may hold any octet but {@code "} and {@code <}, and a parameter value not starting with a
     * quote runs to the next {@code ;} whatever its octets ({@code tag=abc"def}). The URI and the parameter
     * structure ({@code ;} name {@code [=} value{@code ]}, names tokens) are checked as without it.
     */
    static NameAddr parse(CharSequence s, int start, int end, int headerIndex, int bufferOffset,
                          boolean requireBrackets, boolean allowWildcard, boolean lenient, boolean build) {
        int p = SipChars.skipWs(s, start, end);
        start = p;
        end = SipChars.trimEnd(s, p, end);
        if (p == end) {
            return null;
        }
        if (allowWildcard && end - p == 1 && s.charAt(p) == '*') {
            return build ? new NameAddr("*", headerIndex, bufferOffset + p, -1, -1, -1, -1, null, NO_PARAMS)
                         : VALID;
        }
        int displayStart = -1;
        int displayEnd = -1;
        if (s.charAt(p) == '"') {
            // display-name = quoted-string; LAQUOT = SWS "<"
            final int q = SipChars.skipQuoted(s, p, end);
            if (q < 0) {
                return null;
            }
            displayStart = p;
            displayEnd = q;
            p = SipChars.skipWs(s, q, end);
            if (p == end || s.charAt(p) != '<') {
                return null;
            }
        } else if (s.charAt(p) != '<') {
            // display-name = *(token LWS); a name directly followed by "<" is accepted (RFC 4475 §3.1.1.6).
            int q = p;
            if (lenient) {
                while (q < end && s.charAt(q) != '<' && s.charAt(q) != '"') {
                    q++;
                }
            } else {
                while (q < end && (SipChars.isToken(s.charAt(q)) || SipChars.isWs(s.charAt(q)))) {
                    q++;
                }
            }
            if (q < end && s.charAt(q) == '<') {
                displayStart = p;
                displayEnd = SipChars.trimEnd(s, p, q);
                p = q;
            }
        }
        final int uriStart;
        final int uriEnd;
        final SipUri uri;
        if (s.charAt(p) == '<') {
            // RAQUOT = ">" SWS; no whitespace inside the brackets (RFC 4475 §3.1.2.14).
            uriStart = p + 1;
            int q = uriStart;
            while (q < end && s.charAt(q) != '>') {
                q++;
            }
            if (q == end) {
                return null;
            }
            uriEnd = q;
            uri = SipUri.parse(s, uriStart, uriEnd, true, build);
            p = q + 1;
        } else {
            if (requireBrackets) {
                return null;
            }
            // addr-spec: the URI ends at the first ";" (what follows are header parameters); a URI holding ",", "?"
            // or ";" must be enclosed in "<>" (RFC 3261 §20.10).
            uriStart = p;
            int q = p;
            while (q < end && s.charAt(q) != ';' && !SipChars.isWs(s.charAt(q))) {
                q++;
            }
            uriEnd = q;
            for (int i = uriStart; i < uriEnd; i++) {
                final char c = s.charAt(i);
                if (c == ',' || c == '?') {
                    return null;
                }
            }
            uri = SipUri.parse(s, uriStart, uriEnd, false, build);
            p = q;
        }
        if (uri == null) {
            return null;
        }
        final int[] params = SipChars.parseParams(s, p, end, lenient, build);
        if (params == null) {
            return null;
        }
        if (!build) {
            return VALID;
        }
        for (int i = 0; i < params.length; i++) {
            if (params[i] >= 0) {
                params[i] -= start;
            }
        }
        return new NameAddr(s.subSequence(start, end).toString(), headerIndex, bufferOffset + start,
                            displayStart < 0 ? -1 : displayStart - start, displayEnd < 0 ? -1 : displayEnd - start,
                            uriStart - start, uriEnd - start, uri, params);
    }

    /** Returns the index of the header field holding this value. */
    public int headerIndex() {
        return headerIndex;
    }

    /** Returns the offset in {@link SipMessage#content()} of this value's first byte. */
    public int valueStart() {
        return valueStart;
    }

    /** Returns the offset in {@link SipMessage#content()} after this value's last byte. */
    public int valueEnd() {
        return valueStart + text.length();
    }

    /** Returns the offset in {@link SipMessage#content()} of the URI's first byte, or -1 for {@code *}. */
    public int uriStart() {
        return uriStart < 0 ? -1 : valueStart + uriStart;
    }

    /** Returns the offset in {@link SipMessage#content()} after the URI's last byte, or -1 for {@code *}. */
    public int uriEnd() {
        return uriEnd < 0 ? -1 : valueStart + uriEnd;
    }

    /** Returns whether this is the Contact wildcard {@code *}. */
    public boolean isWildcard() {
        return uri == null;
    }

    /** Returns whether the URI was enclosed in {@code <>}. */
    public boolean isNameAddr() {
        return uri != null && uriStart > 0 && text.charAt(uriStart - 1) == '<';
    }

    /**
     * Returns the display name as written (with quotes if quoted, UTF-8 decoded), or {@code null} when there is
     * none.
     */
    public String displayName() {
        if (displayStart < 0 || displayStart == displayEnd) {
            return null;
        }
        return SipChars.utf8(text.substring(displayStart, displayEnd));
    }

    /** Returns the URI, or {@code null} for the Contact wildcard. */
    public SipUri uri() {
        return uri;
    }

    /** Returns the {@code tag} parameter, or {@code null}. */
    public String tag() {
        return param("tag");
    }

    /**
     * Returns the value of the header parameter {@code name} (case-insensitive; not a URI parameter): {@code null}
     * when absent, {@code ""} when present without a value.
     */
    public String param(String name) {
        requireNonNull(name, "name");
        return SipChars.paramValue(text, params, SipChars.findParam(text, params, name));
    }

    /** Returns whether the header parameter {@code name} is present. */
    public boolean hasParam(String name) {
        requireNonNull(name, "name");
        return SipChars.findParam(text, params, name) >= 0;
    }

    /** Returns the name of header parameter {@code k} (0-based, in order), as written. */
    String paramName(int k) {
        return text.substring(params[4 * k], params[4 * k + 1]);
    }

    /** Returns the value of header parameter {@code k} as {@link #param(String)} does. */
    String paramValue(int k) {
        return SipChars.paramValue(text, params, 4 * k);
    }

    /** Returns the number of header parameters. */
    public int paramCount() {
        return params.length / 4;
    }

    /** Returns the value as written. */
    @Override
    public String toString() {
        return text;
    }
}
