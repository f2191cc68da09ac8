package io.siplb.codec;

import static java.util.Objects.requireNonNull;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Holds a decoded {@link SipMessage} to the full RFC 3261 grammar and returns every problem found, not only the
 * first. The decoder ({@link SipMessageParser}) checks only what the proxy reads and forwards everything else as
 * received (RFC 3261 §16.3); this is what {@code siplb parse --strict} reports, and what the RFC 4475 test holds
 * the corpus to. The deliberate differences between the two verdicts are listed in the package documentation
 * ("Where siplb is deliberately liberal").
 *
 * <p>Checked:
 * <ul>
 *   <li>the start line: lines end with CRLF (§7); a Request-URI without headers (§19.1.1); a Status-Line has the SP
 *       before its Reason-Phrase and the Reason-Phrase holds no control characters (§7.2, §25.1);</li>
 *   <li>Via, From, To, Call-ID, CSeq present (§8.1.1); From, To, Call-ID, CSeq, Max-Forwards, Content-Length and
 *       Expires at most once;</li>
 *   <li>every Via value (§20.42); From and To as {@code ( name-addr / addr-spec ) *( SEMI param )} with a token
 *       display name or a quoted string, the tag a token (§20.20, §20.39, §19.3); Call-ID {@code word ["@"
 *       word]} (§20.8); CSeq {@code 1*DIGIT LWS Method} below 2**32 and equal to the request method (§20.16,
 *       §8.1.1.5); Max-Forwards 0..255 (§20.22); Content-Length {@code 1*DIGIT}, all values equal (§20.14);
 *       Expires {@code delta-seconds} (§20.19);</li>
 *   <li>Contact: {@code *} alone, or each value a name-addr / addr-spec (an addr-spec without {@code ,}, {@code ?}
 *       or {@code ;} in its URI), {@code q} a qvalue and {@code expires} delta-seconds (§20.10); Route and
 *       Record-Route: each value a name-addr (§20.34, §20.30); every URI in these by the SIP/SIPS/TEL URI or
 *       absoluteURI grammar ({@link SipUri});</li>
 *   <li>Proxy-Require, Require: {@code option-tag *(COMMA option-tag)}; Supported: the same or empty (§20.29,
 *       §20.32, §20.37); Content-Type {@code m-type "/" m-subtype *(SEMI m-parameter)} (§20.15); Date an
 *       rfc1123-date in GMT (§20.17).</li>
 * </ul>
 * A failure of the decoder that these checks do not cover (a limit exceeded, a header line without a colon,
 * Content-Length beyond the datagram, ...) is reported too, so a message the proxy rejects never passes strict.
 * Headers not listed above are extension-headers, whose value is any text. Static methods only. Thread-safe.
 */
public final class SipStrictValidator {

    /** Decoder failures whose cause these checks always report themselves. */
    private static final Set<SipDecodeError> REPORTED_BY_CHECKS =
            EnumSet.of(SipDecodeError.MISSING_REQUIRED_HEADER, SipDecodeError.DUPLICATE_HEADER);

    private static final SipHeader[] REQUIRED = {
            SipHeader.VIA, SipHeader.FROM, SipHeader.TO, SipHeader.CALL_ID, SipHeader.CSEQ
    };

    private static final SipHeader[] SINGLE = {
            SipHeader.FROM, SipHeader.TO, SipHeader.CALL_ID, SipHeader.CSEQ, SipHeader.MAX_FORWARDS,
            SipHeader.CONTENT_LENGTH, SipHeader.EXPIRES
    };

    /** rfc1123-date = wkday "," SP date1 SP time SP "GMT" (RFC 3261 §20.17, RFC 2616 §3.3.1). */
    private static final Pattern RFC1123_DATE =
            Pattern.compile("(Mon|Tue|Wed|Thu|Fri|Sat|Sun), [0-9]{2} " +
                            "(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) [0-9]{4} " +
                            "[0-9]{2}:[0-9]{2}:[0-9]{2} GMT");

    /** qvalue = ( "0" [ "." 0*3DIGIT ] ) / ( "1" [ "." 0*3("0") ] ) (RFC 3261 §20.10). */
    private static final Pattern QVALUE = Pattern.compile("0(\\.[0-9]{0,3})?|1(\\.0{0,3})?");

    private SipStrictValidator() {}

    /**
     * Returns every problem of {@code msg} against the RFC 3261 grammar, in message order (start line first, then
     * headers as they appear, then a decoder failure not otherwise named); empty when there is none. Reads
     * {@code msg} without retaining or releasing it.
     */
    public static List<SipProblem> validate(SipMessage msg) {
        requireNonNull(msg, "msg");
        final String s = msg.content().toString(StandardCharsets.ISO_8859_1);
        final List<SipProblem> problems = new ArrayList<>();
        checkStartLine(msg, s, problems);
        checkLineEnds(msg, s, problems);
        checkPresence(msg, problems);
        long contentLength = -1;
        for (int i = 0; i < msg.headerCount(); i++) {
            final String name = msg.headerName(i);
            final int vs = msg.headerValueStart(i);
            final int ve = msg.headerValueEnd(i);
            switch (msg.headerType(i)) {
                case VIA:
                    eachValue(s, vs, ve, name, "SIP/2.0/transport host[:port] *(;param), comma-separated",
                              problems, (a, b) -> Via.parse(s, a, b, 0, 0, false) != null);
                    break;
                case FROM:
                case TO:
                    checkFromTo(s, vs, ve, name, problems);
                    break;
                case CALL_ID: {
                    final byte[] bytes = s.substring(vs, ve).getBytes(StandardCharsets.ISO_8859_1);
                    if (!SipMessageParser.isCallId(bytes, 0, bytes.length)) {
                        problems.add(problem(name, s, vs, ve, "word [\"@\" word]"));
                    }
                    break;
                }
                case CSEQ:
                    checkCSeq(msg, s, vs, ve, name, problems);
                    break;
                case MAX_FORWARDS:
                    if (SipChars.parseDecimal(s, vs, ve, 255) < 0) {
                        problems.add(problem(name, s, vs, ve, "1*DIGIT, 0..255"));
                    }
                    break;
                case CONTENT_LENGTH: {
                    final long v = SipChars.parseDecimal(s, vs, ve, Integer.MAX_VALUE);
                    if (v < 0) {
                        problems.add(problem(name, s, vs, ve, "1*DIGIT"));
                    } else if (contentLength >= 0 && v != contentLength) {
                        problems.add(problem(name, s, vs, ve, contentLength + ", the value of the first " +
                                                              "Content-Length"));
                    } else {
                        contentLength = v;
                    }
                    break;
                }
                case EXPIRES:
                    if (!isDeltaSeconds(s, vs, ve)) {
                        problems.add(problem(name, s, vs, ve, "delta-seconds (1*DIGIT)"));
                    }
                    break;
                case CONTACT:
                    checkContact(msg, s, i, vs, ve, name, problems);
                    break;
                case ROUTE:
                case RECORD_ROUTE:
                    eachValue(s, vs, ve, name, "<URI> *(;param), comma-separated", problems,
                              (a, b) -> NameAddr.parse(s, a, b, 0, 0, true, false, false) != null);
                    break;
                case PROXY_REQUIRE:
                case REQUIRE:
                    if (!SipMessageParser.isTokenList(s, vs, ve)) {
                        problems.add(problem(name, s, vs, ve, "option-tag *(\",\" option-tag)"));
                    }
                    break;
                case SUPPORTED:
                    if (ve > vs && !SipMessageParser.isTokenList(s, vs, ve)) {
                        problems.add(problem(name, s, vs, ve, "[option-tag *(\",\" option-tag)]"));
                    }
                    break;
                case CONTENT_TYPE:
                    if (!isMediaType(s, vs, ve)) {
                        problems.add(problem(name, s, vs, ve, "m-type \"/\" m-subtype *(;m-parameter)"));
                    }
                    break;
                case OTHER:
                    if (name.equalsIgnoreCase("Date") && !RFC1123_DATE.matcher(s.substring(vs, ve)).matches()) {
                        problems.add(problem(name, s, vs, ve, "rfc1123-date in GMT, e.g. " +
                                                              "\"Sat, 13 Nov 2010 23:29:00 GMT\""));
                    }
                    break;
                default:
                    break; // an extension or unchecked header: header-value = any text
            }
        }
        addDecoderFailure(msg, problems);
        return problems.isEmpty() ? Collections.emptyList() : Collections.unmodifiableList(problems);
    }

    private static void checkStartLine(SipMessage msg, String s, List<SipProblem> problems) {
        final int lineEnd = msg.startLineEnd();
        if (lineEnd <= 0) {
            return; // no start line: the decoder's failure names it
        }
        if (msg.isRequest() && msg.requestUriStart() >= 0 && msg.requestUriEnd() > msg.requestUriStart()) {
            final int us = msg.requestUriStart();
            final int ue = msg.requestUriEnd();
            if (SipUri.parse(s, us, ue, false, false) == null) {
                problems.add(problem("Request-URI", s, us, ue, "a SIP or SIPS URI without headers, or an absolute " +
                                                                 "URI"));
            }
        } else if (msg.isResponse() && msg.statusCode() > 0) {
            final int sp = s.indexOf(' ');
            final int codeEnd = sp + 4;
            if (codeEnd >= lineEnd || s.charAt(codeEnd) != ' ') {
                problems.add(problem("start line", s, 0, lineEnd, "SIP-Version SP Status-Code SP " +
                                                                  "Reason-Phrase (the SP even before an empty " +
                                                                  "Reason-Phrase)"));
            } else {
                for (int p = codeEnd + 1; p < lineEnd; p++) {
                    final char c = s.charAt(p);
                    if (c < 0x20 && c != '\t' || c == 0x7F) {
                        problems.add(problem("Reason-Phrase", s, codeEnd + 1, lineEnd, "text without control " +
                                                                                       "characters"));
                        break;
                    }
                }
            }
        }
    }

    /** Every line of the start line and header block ends with CRLF (RFC 3261 §7). */
    private static void checkLineEnds(SipMessage msg, String s, List<SipProblem> problems) {
        final int end = Math.min(msg.bodyStart(), s.length());
        int line = 1;
        for (int p = 0; p < end; p++) {
            if (s.charAt(p) == '\n') {
                if (p == 0 || s.charAt(p - 1) != '\r') {
                    final int ls = s.lastIndexOf('\n', p - 1) + 1;
                    problems.add(new SipProblem("message", "line " + line + " \"" +
                                                           SipMessageParser.excerpt(s, ls, p) + "\" ends with LF",
                                                "CRLF at the end of every line"));
                    return;
                }
                line++;
            }
        }
    }

    private static void checkPresence(SipMessage msg, List<SipProblem> problems) {
        if (msg.startLineEnd() <= 0) {
            return;
        }
        for (SipHeader h : REQUIRED) {
            if (msg.firstHeader(h) < 0) {
                problems.add(new SipProblem(h.headerName(), "(absent)", "present in every message"));
            }
        }
        for (SipHeader h : SINGLE) {
            final int n = msg.headerCount(h);
            if (n > 1) {
                problems.add(new SipProblem(h.headerName(), n + " header fields", "at most 1"));
            }
        }
    }

    /**
     * From or To: the grammar as a whole, then, read as the decoder reads it, the display name and each parameter
     * value, so that the part at fault is named (e.g. {@code tag=abc"def}).
     */
    private static void checkFromTo(String s, int vs, int ve, String name, List<SipProblem> problems) {
        final boolean wellFormed = NameAddr.parse(s, vs, ve, 0, 0, false, false, false, false) != null;
        final NameAddr a = NameAddr.parse(s, vs, ve, 0, 0, false, false, true, true);
        final int before = problems.size();
        if (a != null) {
            final String display = a.displayName();
            if (display != null && display.charAt(0) != '"' && !isTokens(display)) {
                problems.add(new SipProblem(name, "display-name " + SipMessageParser.excerpt(display, 0,
                                                                                             display.length()),
                                            "*(token LWS) or a quoted string"));
            }
            for (int k = 0; k < a.paramCount(); k++) {
                final String pname = a.paramName(k);
                final String v = a.paramValue(k);
                final boolean tag = pname.equalsIgnoreCase("tag");
                if (tag ? !isToken(v) : !v.isEmpty() && !isGenValue(v)) {
                    problems.add(new SipProblem(name, pname + '=' + SipMessageParser.excerpt(v, 0, v.length()),
                                                tag ? "tag=token" : pname + "=token / host / quoted-string"));
                }
            }
        }
        if (!wellFormed && problems.size() == before) {
            problems.add(problem(name, s, vs, ve, "( [display-name] <URI> / URI without , ? ; ) *(;param), the " +
                                                  "display-name tokens or a quoted string"));
        }
    }

    private static boolean isToken(String v) {
        return !v.isEmpty() && SipChars.skipToken(v, 0, v.length()) == v.length();
    }

    private static boolean isTokens(String v) {
        for (int i = 0; i < v.length(); i++) {
            if (!SipChars.isToken(v.charAt(i)) && !SipChars.isWs(v.charAt(i))) {
                return false;
            }
        }
        return true;
    }

    /** gen-value = token / host / quoted-string (RFC 3261 §25.1). */
    private static boolean isGenValue(String v) {
        if (v.charAt(0) == '"') {
            return SipChars.skipQuoted(v, 0, v.length()) == v.length();
        }
        if (v.charAt(0) == '[') {
            return v.charAt(v.length() - 1) == ']';
        }
        for (int i = 0; i < v.length(); i++) {
            if (!SipChars.isToken(v.charAt(i)) && v.charAt(i) != ':') {
                return false;
            }
        }
        return true;
    }

    private static void checkCSeq(SipMessage msg, String s, int vs, int ve, String name,
                                  List<SipProblem> problems) {
        int p = vs;
        while (p < ve && s.charAt(p) >= '0' && s.charAt(p) <= '9') {
            p++;
        }
        final long number = SipChars.parseDecimal(s, vs, p, CSeq.MAX_NUMBER);
        final int methodStart = SipChars.skipWs(s, p, ve);
        final int methodEnd = SipChars.skipToken(s, methodStart, ve);
        if (number < 0 || methodStart == p || methodEnd == methodStart || methodEnd != ve) {
            problems.add(problem(name, s, vs, ve, "1*DIGIT LWS Method, the number below 2**32"));
            return;
        }
        final int len = methodEnd - methodStart;
        if (msg.isRequest() && msg.methodEnd() > 0 &&
            (len != msg.methodEnd() || !s.regionMatches(0, s, methodStart, len))) {
            problems.add(problem(name, s, vs, ve, "the request method " +
                                                  SipMessageParser.excerpt(s, 0, msg.methodEnd())));
        }
    }

    private static void checkContact(SipMessage msg, String s, int i, int vs, int ve, String name,
                                     List<SipProblem> problems) {
        final String value = s.substring(vs, ve).trim();
        if (value.equals("*")) {
            if (msg.headerCount(SipHeader.CONTACT) > 1) {
                problems.add(problem(name, s, vs, ve, "\"*\" as the only Contact"));
            }
            return;
        }
        eachValue(s, vs, ve, name, "( [display-name] <URI> / URI without , ? ; ) *(;contact-params), " +
                                   "comma-separated", problems, (a, b) -> {
            final NameAddr c = NameAddr.parse(s, a, b, i, 0, false, false, true);
            if (c == null) {
                return false;
            }
            final String q = c.param("q");
            if (q != null && !QVALUE.matcher(q).matches()) {
                problems.add(new SipProblem(name, "q=" + q, "q=qvalue (0 to 1, at most 3 decimals)"));
            }
            final String expires = c.param("expires");
            if (expires != null && !isDeltaSeconds(expires, 0, expires.length())) {
                problems.add(new SipProblem(name, "expires=" + expires, "expires=delta-seconds (1*DIGIT)"));
            }
            return true;
        });
    }

    /** m-type "/" m-subtype *( SEMI m-parameter ), types and names tokens (RFC 3261 §20.15). */
    private static boolean isMediaType(String s, int vs, int ve) {
        final int typeEnd = SipChars.skipToken(s, vs, ve);
        int p = SipChars.skipWs(s, typeEnd, ve);
        if (typeEnd == vs || p == ve || s.charAt(p) != '/') {
            return false;
        }
        p = SipChars.skipWs(s, p + 1, ve);
        final int subEnd = SipChars.skipToken(s, p, ve);
        return subEnd > p && SipChars.parseParams(s, subEnd, ve, false) != null;
    }

    private static boolean isDeltaSeconds(String s, int start, int end) {
        if (start >= end) {
            return false;
        }
        for (int p = start; p < end; p++) {
            if (s.charAt(p) < '0' || s.charAt(p) > '9') {
                return false;
            }
        }
        return true;
    }

    /** A check of one comma-separated element {@code [start, end)}. */
    private interface ElementCheck {
        boolean ok(int start, int end);
    }

    /** Checks each comma-separated element of {@code [vs, ve)}; reports each malformed or empty one. */
    private static void eachValue(String s, int vs, int ve, String name, String expected,
                                  List<SipProblem> problems, ElementCheck check) {
        for (int p = vs; p <= ve; ) {
            final int e = SipChars.nextComma(s, p, ve);
            if (e < 0) {
                problems.add(problem(name, s, p, ve, expected + " (a quote or angle bracket is not closed)"));
                return;
            }
            final int a = SipChars.skipWs(s, p, e);
            final int b = SipChars.trimEnd(s, a, e);
            if (a == b || !check.ok(a, b)) {
                problems.add(problem(name, s, a == b ? vs : a, a == b ? ve : b, expected));
            }
            p = e + 1;
        }
    }

    /** Adds the decoder's failure unless a problem above already names it. */
    private static void addDecoderFailure(SipMessage msg, List<SipProblem> problems) {
        final SipDecodeError reason = msg.decodeError();
        if (reason == null || REPORTED_BY_CHECKS.contains(reason) && !problems.isEmpty()) {
            return;
        }
        final SipProblem p = fromDecoder(reason, msg.errorText());
        for (SipProblem q : problems) {
            // "CSeq" names the decoder's "CSeq method" too.
            if (q.header().equalsIgnoreCase(p.header()) || p.header().startsWith(q.header() + ' ')) {
                return;
            }
        }
        problems.add(p);
    }

    /** Splits a decoder error text {@code "Name: value (expected: X)"} into a problem. */
    static SipProblem fromDecoder(SipDecodeError reason, String text) {
        if (text != null) {
            final int colon = text.indexOf(": ");
            final int exp = text.lastIndexOf(" (expected: ");
            if (colon > 0 && exp > colon && text.endsWith(")")) {
                return new SipProblem(text.substring(0, colon), text.substring(colon + 2, exp),
                                      text.substring(exp + 12, text.length() - 1));
            }
        }
        return new SipProblem("message", text != null ? text : reason.text(), reason.text() + " not to occur");
    }

    private static SipProblem problem(String header, String s, int start, int end, String expected) {
        return new SipProblem(header, SipMessageParser.excerpt(s, start, end), expected);
    }
}
