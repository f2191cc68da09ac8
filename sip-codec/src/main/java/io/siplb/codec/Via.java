package io.siplb.codec;

import static java.util.Objects.requireNonNull;

/**
 * One Via value (RFC 3261 §20.42): {@code sent-protocol LWS sent-by *( SEMI via-params )}. A Via header holding
 * several comma-separated values yields one {@code Via} per value; {@link #headerIndex()}, {@link #valueStart()} and
 * {@link #valueEnd()} locate it in {@link SipMessage#content()}. Parameter values are returned as written. Immutable.
 */
public final class Via {

    /** Returned by the validating parse when no object is wanted. */
    private static final Via VALID = new Via("", -1, 0, 0, 0, 0, 0, 0, 0, 0, 0, -1, new int[0]);

    private final String text;
    private final int headerIndex;
    private final int valueStart;
    private final int protocolStart;
    private final int protocolEnd;
    private final int versionStart;
    private final int versionEnd;
    private final int transportStart;
    private final int transportEnd;
    private final int hostStart;
    private final int hostEnd;
    private final int port;
    private final int[] params;

    private Via(String text, int headerIndex, int valueStart, int protocolStart, int protocolEnd, int versionStart,
                int versionEnd, int transportStart, int transportEnd, int hostStart, int hostEnd, int port, int[] params) {
        this.text = text;
        this.headerIndex = headerIndex;
        this.valueStart = valueStart;
        this.protocolStart = protocolStart;
        this.protocolEnd = protocolEnd;
        this.versionStart = versionStart;
        this.versionEnd = versionEnd;
        this.transportStart = transportStart;
        this.transportEnd = transportEnd;
        this.hostStart = hostStart;
        this.hostEnd = hostEnd;
        this.port = port;
        this.params = params;
    }

    /**
     * Parses one Via value {@code [start, end)} of {@code s}; returns {@code null} when malformed, or a shared
     * placeholder when {@code build} is false. {@code bufferOffset} is the offset in the message of {@code s}'s
     * index 0.
     */
    static Via parse(CharSequence s, int start, int end, int headerIndex, int bufferOffset, boolean build) {
        // sent-protocol = protocol-name SLASH protocol-version SLASH transport; SLASH = SWS "/" SWS
        int p = SipChars.skipWs(s, start, end);
        final int protocolStart = p;
        p = SipChars.skipToken(s, p, end);
        final int protocolEnd = p;
        if (protocolEnd == protocolStart) {
            return null;
        }
        p = slash(s, p, end);
        if (p < 0) {
            return null;
        }
        final int versionStart = p;
        p = SipChars.skipToken(s, p, end);
        final int versionEnd = p;
        if (versionEnd == versionStart) {
            return null;
        }
        p = slash(s, p, end);
        if (p < 0) {
            return null;
        }
        final int transportStart = p;
        p = SipChars.skipToken(s, p, end);
        final int transportEnd = p;
        if (transportEnd == transportStart) {
            return null;
        }
        // LWS sent-by
        final int hostStart = SipChars.skipWs(s, p, end);
        if (hostStart == p) {
            return null;
        }
        p = hostStart;
        if (p < end && s.charAt(p) == '[') {
            while (p < end && s.charAt(p) != ']') {
                final char c = s.charAt(p);
                if (c != '[' && c != ':' && c != '.' && (c >= 256 || !SipChars.HEX[c])) {
                    return null;
                }
                p++;
            }
            if (p == end) {
                return null;
            }
            p++;
        } else {
            while (p < end) {
                final char c = s.charAt(p);
                if (c >= 256 || !SipChars.HOST[c] || c == ':' || c == '[' || c == ']') {
                    break;
                }
                p++;
            }
        }
        final int hostEnd = p;
        if (hostEnd == hostStart) {
            return null;
        }
        int port = -1;
        int q = SipChars.skipWs(s, p, end);
        if (q < end && s.charAt(q) == ':') {
            q = SipChars.skipWs(s, q + 1, end);
            final int portStart = q;
            while (q < end && s.charAt(q) >= '0' && s.charAt(q) <= '9') {
                q++;
            }
            final long v = SipChars.parseDecimal(s, portStart, q, 65535);
            if (v < 0) {
                return null;
            }
            port = (int) v;
            p = q;
        }
        final int[] params = SipChars.parseParams(s, p, end, build);
        if (params == null) {
            return null;
        }
        if (!build) {
            return VALID;
        }
        final String text = s.subSequence(start, end).toString();
        for (int i = 0; i < params.length; i++) {
            if (params[i] >= 0) {
                params[i] -= start;
            }
        }
        return new Via(text, headerIndex, bufferOffset + start, protocolStart - start, protocolEnd - start,
                       versionStart - start, versionEnd - start, transportStart - start, transportEnd - start,
                       hostStart - start, hostEnd - start, port, params);
    }

    private static int slash(CharSequence s, int p, int end) {
        p = SipChars.skipWs(s, p, end);
        if (p == end || s.charAt(p) != '/') {
            return -1;
        }
        return SipChars.skipWs(s, p + 1, end);
    }

    /** Returns the index of the header field holding this value, see {@link SipMessage#headerType(int)}. */
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

    /** Returns the protocol name, normally {@code "SIP"}. */
    public String protocolName() {
        return text.substring(protocolStart, protocolEnd);
    }

    /** Returns the protocol version, normally {@code "2.0"}. */
    public String protocolVersion() {
        return text.substring(versionStart, versionEnd);
    }

    /** Returns the transport as written, e.g. {@code "UDP"}, {@code "TLS"} or an extension token. */
    public String transport() {
        return text.substring(transportStart, transportEnd);
    }

    /** Returns the sent-by host as written (IPv6 with brackets). */
    public String host() {
        return text.substring(hostStart, hostEnd);
    }

    /** Returns the sent-by port, or {@code -1} when absent. */
    public int port() {
        return port;
    }

    /**
     * Returns the value of the via-param {@code name} (case-insensitive): {@code null} when absent, {@code ""}
     * when present without a value.
     */
    public String param(String name) {
        requireNonNull(name, "name");
        return SipChars.paramValue(text, params, SipChars.findParam(text, params, name));
    }

    /** Returns whether the via-param {@code name} is present. */
    public boolean hasParam(String name) {
        requireNonNull(name, "name");
        return SipChars.findParam(text, params, name) >= 0;
    }

    /** Returns the number of via-params. */
    public int paramCount() {
        return params.length / 4;
    }

    /** Returns the {@code branch} parameter, or {@code null}. */
    public String branch() {
        return param("branch");
    }

    /** Returns the {@code received} parameter, or {@code null}. */
    public String received() {
        return param("received");
    }

    /** Returns whether the {@code rport} parameter is present (RFC 3581), with or without a value. */
    public boolean hasRport() {
        return hasParam("rport");
    }

    /** Returns the {@code rport} value, or {@code -1} when absent, empty or not a port number. */
    public int rport() {
        final String v = param("rport");
        if (v == null || v.isEmpty()) {
            return -1;
        }
        return (int) SipChars.parseDecimal(v, 0, v.length(), 65535);
    }

    /** Returns the {@code maddr} parameter, or {@code null}. */
    public String maddr() {
        return param("maddr");
    }

    /** Returns the {@code ttl} parameter, or {@code null}. */
    public String ttl() {
        return param("ttl");
    }

    /** Returns the value as written (may include folding whitespace). */
    @Override
    public String toString() {
        return text;
    }
}
