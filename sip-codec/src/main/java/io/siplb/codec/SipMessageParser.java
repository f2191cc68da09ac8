package io.siplb.codec;

import static java.util.Objects.requireNonNull;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;

/**
 * Parses one SIP message held in a {@link ByteBuf} into a {@link SipMessage}: the start line, an index of every
 * header field as offsets (no per-header copies), and the checks that decide whether the message is usable, must
 * be answered with an error, or dropped. Used by {@link DatagramSipDecoder} and {@link StreamSipDecoder}, and
 * directly by tools and tests. Never throws on bad input: the returned message carries a failed
 * {@link io.netty.handler.codec.DecoderResult} instead. It holds only its immutable configuration, so one instance
 * may serve every channel. Thread-safe (lock-free).
 *
 * <p>Rules applied (RFC 3261 unless noted): leading CRLFs are skipped (§7.5); lines end with CRLF (a bare LF is
 * accepted); header names are case-insensitive and compact forms are their long names (§7.3.1, §7.3.3); a line
 * starting with SP or HT continues the previous header (folding, §7.3.1); Via, From, To, Call-ID and CSeq are
 * required (§8.1.1); From, To, Call-ID, CSeq and Max-Forwards appear once; the CSeq method equals the request
 * method (§8.1.1.5) and its number fits 32 bits; Content-Length values agree and, in a datagram, octets after the
 * body are dropped while a missing Content-Length means the rest of the datagram (§18.3).
 *
 * <p>What is checked at decode time is what the proxy reads (RFC 3261 §16.3): the start line and Request-URI,
 * every Via (responses are routed by them, §16.7), From and To as far as their URI and tag (the display name and
 * the octets of parameter values are not held to the grammar), Call-ID, CSeq, Max-Forwards, Content-Length, Route
 * and Proxy-Require (a list of option-tags). Contact, Record-Route and every other header are indexed and
 * forwarded as received, well-formed or not; {@link SipStrictValidator} holds them to the RFC 3261 grammar.
 * {@link SipSyntax} decides the common shapes in one pass over the bytes without building objects; only a value it
 * leaves undecided goes through the full grammar of {@link Via}, {@link NameAddr} and {@link SipUri}, which alone
 * rejects. Typed objects are built by the message's accessors, on first use.
 *
 * <p>How the octets are read: the scanners work on a {@code byte[]} ({@link ByteBufChars#forScan}): a heap buffer's
 * own backing array, or, for a direct or composite buffer, one bulk copy into the calling thread's reusable scratch
 * array, so every check reads plain array elements with no per-octet buffer access. The message keeps only
 * offsets into its own slice of the input; nothing of the scratch array outlives the parse. A typical header line
 * costs two searches eight octets at a time (for ":" or LF, then for LF) and one recognition of its name from
 * three words of its octets ({@link SipHeader}); only unknown names are checked octet by octet.
 */
public final class SipMessageParser {

    private static final int EXCERPT = 64;

    private final SipDecoderConfig config;

    /** Creates a parser with {@link SipDecoderConfig#defaults()}. */
    public SipMessageParser() {
        this(SipDecoderConfig.defaults());
    }

    /** Creates a parser with the given limits. */
    public SipMessageParser(SipDecoderConfig config) {
        this.config = requireNonNull(config, "config");
    }

    /** Returns the limits in use. */
    public SipDecoderConfig config() {
        return config;
    }

    /**
     * Parses the readable bytes of {@code oneMessage} as one message framed like a datagram (RFC 3261 §18.3):
     * octets after Content-Length are dropped, no Content-Length means the rest. Neither the indexes nor the
     * reference count of {@code oneMessage} change; the returned message holds its own retained slice and the
     * caller must release it.
     */
    public SipMessage parse(ByteBuf oneMessage) {
        requireNonNull(oneMessage, "oneMessage");
        int start = oneMessage.readerIndex();
        final int end = oneMessage.writerIndex();
        // RFC 3261 §7.5: CRLFs before the start line are ignored.
        while (start < end) {
            final byte b = oneMessage.getByte(start);
            if (b != '\r' && b != '\n') {
                break;
            }
            start++;
        }
        final int n = end - start;
        final DefaultSipMessage m = new DefaultSipMessage();
        if (n == 0) {
            m.content = Unpooled.buffer(0);
            m.fail(SipDecodeError.EMPTY_MESSAGE, "no start line");
            return m;
        }
        if (n > config.maxMessageSize()) {
            // The oversized bytes are not kept: the message is empty and releases on its own.
            m.content = Unpooled.buffer(0);
            m.framingError = true;
            m.fail(SipDecodeError.MESSAGE_TOO_LARGE,
                   "message: " + n + " bytes (expected: <= " + config.maxMessageSize() + ')');
            return m;
        }
        ByteBuf content = oneMessage.retainedSlice(start, n);
        m.content = content;
        parseHead(content, n, m, false);
        int length = n;
        {
            final int available = n - m.bodyStart;
            if (m.contentLength >= 0 && m.contentLength > available) {
                m.fail(SipDecodeError.CONTENT_LENGTH_EXCEEDS_MESSAGE,
                       "Content-Length: " + m.contentLength + " (expected: <= " + available +
                       ", the octets after the header block)");
                m.bodyLength = available;
            } else if (m.contentLength >= 0) {
                m.bodyLength = m.contentLength;
                length = m.bodyStart + m.contentLength;
            } else {
                m.bodyLength = available;
            }
        }
        if (length < n) {
            // RFC 3261 §18.3: octets past Content-Length are discarded; the message never exposes them.
            m.content = content.retainedSlice(0, length);
            content.release();
        }
        finish(m);
        return m;
    }

    /**
     * Parses the header block {@code [0, n)} of {@code buf} (a view starting at the start line) into {@code m}:
     * start line, header index and validation. In stream mode {@code n} ends just after the empty line and a
     * missing Content-Length is an error. Does not keep {@code buf}.
     */
    void parseHead(ByteBuf buf, int n, DefaultSipMessage m, boolean stream) {
        final ByteBufChars s = ByteBufChars.forScan(buf, 0, n);
        if (indexHead(buf, s, n, m)) {
            validate(s, m, stream);
        }
    }

    /** Sets {@link DefaultSipMessage#answerable} once the message is complete. */
    static void finish(DefaultSipMessage m) {
        m.answerable = m.cause != null && m.cause.reason().status() != 0 && m.answerable;
    }

    /** Indexes start line and headers; returns false when indexing had to stop (a limit was exceeded). */
    private boolean indexHead(ByteBuf b, ByteBufChars s, int n, DefaultSipMessage m) {
        final int maxStart = config.maxStartLineLength();
        final int window = (int) Math.min(n, maxStart + 2L); // don't remove the long: no overflow
        int lf = s.indexOf(0, window, '\n');
        if (lf < 0) {
            m.headersEnd = m.bodyStart = n;
            if (window < n) {
                m.framingError = true;
                m.fail(SipDecodeError.START_LINE_TOO_LONG, "start line: more than " + maxStart +
                                                           " bytes (expected: <= " + maxStart + ')');
            } else {
                m.fail(SipDecodeError.INVALID_START_LINE, "start line: " + excerpt(s, 0, n) +
                                                          " (expected: a line ending with CRLF)");
            }
            return false;
        }
        int lineEnd = lf > 0 && s.at(lf - 1) == '\r' ? lf - 1 : lf;
        if (lineEnd > maxStart) {
            return stop(m, n, SipDecodeError.START_LINE_TOO_LONG,
                              "start line: " + lineEnd + " bytes (expected: <= " + maxStart + ')');
        }
        m.startLineEnd = lineEnd;
        parseStartLine(b, s, lineEnd, m);

        final int maxHeaderSize = config.maxHeaderSize();
        final int maxHeaderCount = config.maxHeaderCount();
        // The scan view is array-backed: octet i of the message is a[base + i].
        final byte[] a = s.scanArray();
        final int base = s.scanBase();
        final byte[] cls = SipSyntax.CLASS;
        int p = lf + 1;
        int cur = -1;
        boolean skipping = false;
        for (;;) {
            if (p >= n) {
                m.headersEnd = m.bodyStart = n;
                m.fail(SipDecodeError.INCOMPLETE_HEADERS, "header block: no empty line before the end");
                return true;
            }
            final int winEnd = (int) Math.min(n, (long) p + maxHeaderSize + 2);
            // Fast path, the common line: name, optional SP/HT, ":", value, LF within the size limit. Two
            // searches eight octets at a time (":" or LF, then LF) and a name recognised without a per-octet loop.
            final int ap = base + p;
            if ((cls[a[ap] & 0xFF] & SipSyntax.TOKEN) != 0) {
                final int aWinEnd = base + winEnd;
                final int colon = ByteBufChars.indexOfColonOrLf(a, ap + 1, aWinEnd);
                final int alf = colon < 0 || a[colon] != ':'
                                ? -1 : ByteBufChars.indexOf(a, colon + 1, aWinEnd, (byte) '\n');
                if (alf >= 0) {
                    int nameEnd = colon;
                    while (a[nameEnd - 1] == ' ' || a[nameEnd - 1] == '\t') {
                        nameEnd--; // stops at a[ap], a token octet
                    }
                    final SipHeader type = SipHeader.ofName(a, ap, nameEnd);
                    if (type != null) {
                        if (m.headerCount == maxHeaderCount) {
                            return tooManyHeaders(m, n, maxHeaderCount);
                        }
                        final int ale = a[alf - 1] == '\r' ? alf - 1 : alf;
                        final int vs = SipSyntax.skipWs(a, colon + 1, ale);
                        final int ve = SipSyntax.trimEnd(a, vs, ale);
                        final int next = alf + 1 - base;
                        m.addHeader(p, next, nameEnd - base, vs - base, ve - base, type);
                        cur = m.headerCount - 1;
                        skipping = false;
                        if (next - p > maxHeaderSize) {
                            return headerTooLong(m, n, m.headerName(cur), maxHeaderSize);
                        }
                        p = next;
                        continue;
                    }
                }
            }
            // Any other line: the empty line, a continuation, a malformed or unterminated one.
            lf = s.indexOf(p, winEnd, '\n');
            if (lf < 0) {
                if (winEnd < n) {
                    return headerTooLong(m, n, excerpt(s, p, Math.min(p + 20, n)), maxHeaderSize);
                }
                lf = n; // last line has no terminator
            }
            int le = lf;
            if (le > p && a[base + le - 1] == '\r') {
                le--;
            }
            final int next = Math.min(lf + 1, n);
            if (le == p) {
                m.headersEnd = p;
                m.bodyStart = next;
                return true;
            }
            final byte c0 = a[base + p];
            if (c0 == ' ' || c0 == '\t') {
                // RFC 3261 §7.3.1: a line starting with whitespace continues the previous header field.
                if (cur < 0) {
                    if (!skipping) {
                        m.fail(SipDecodeError.INVALID_HEADER, "continuation line without a header: " +
                                                              excerpt(s, p, le));
                    }
                } else {
                    final int o = cur * DefaultSipMessage.STRIDE;
                    final int[] idx = m.index;
                    idx[o + DefaultSipMessage.LINE_END] = next;
                    final int t = SipSyntax.trimEnd(a, base + p, base + le) - base;
                    if (t > p) {
                        if (idx[o + DefaultSipMessage.VALUE_START] == idx[o + DefaultSipMessage.VALUE_END]) {
                            idx[o + DefaultSipMessage.VALUE_START] = SipSyntax.skipWs(a, base + p, base + le) - base;
                        }
                        idx[o + DefaultSipMessage.VALUE_END] = t;
                    }
                    if (next - idx[o + DefaultSipMessage.LINE_START] > maxHeaderSize) {
                        return headerTooLong(m, n, m.headerName(cur), maxHeaderSize);
                    }
                }
            } else {
                // header-name HCOLON header-value; HCOLON = *( SP / HTAB ) ":" SWS
                final int ale = base + le;
                int nameEnd = base + p;
                while (nameEnd < ale && (cls[a[nameEnd] & 0xFF] & SipSyntax.TOKEN) != 0) {
                    nameEnd++;
                }
                int colon = nameEnd;
                while (colon < ale && (a[colon] == ' ' || a[colon] == '\t')) {
                    colon++;
                }
                if (nameEnd == base + p || colon == ale || a[colon] != ':') {
                    m.fail(SipDecodeError.INVALID_HEADER, "header line: " + excerpt(s, p, le) +
                                                          " (expected: name \":\" value)");
                    cur = -1;
                    skipping = true;
                } else {
                    if (m.headerCount == maxHeaderCount) {
                        return tooManyHeaders(m, n, maxHeaderCount);
                    }
                    final int vs = SipSyntax.skipWs(a, colon + 1, ale);
                    final int ve = SipSyntax.trimEnd(a, vs, ale);
                    m.addHeader(p, next, nameEnd - base, vs - base, ve - base,
                                SipHeader.of(a, base + p, nameEnd));
                    cur = m.headerCount - 1;
                    skipping = false;
                    if (next - p > maxHeaderSize) {
                        return headerTooLong(m, n, m.headerName(cur), maxHeaderSize);
                    }
                }
            }
            if (lf >= n) {
                m.headersEnd = m.bodyStart = n;
                m.fail(SipDecodeError.INCOMPLETE_HEADERS, "header block: no empty line before the end");
                return true;
            }
            p = lf + 1;
        }
    }

    /**
     * Records a failure after which indexing stops (a limit was exceeded): the rest of the message is not looked at
     * and the message is a framing error. Returns {@code false}, what {@link #indexHead} then returns.
     */
    private static boolean stop(DefaultSipMessage m, int n, SipDecodeError reason, String message) {
        m.headersEnd = m.bodyStart = n;
        m.framingError = true;
        m.fail(reason, message);
        return false;
    }

    private static boolean tooManyHeaders(DefaultSipMessage m, int n, int max) {
        return stop(m, n, SipDecodeError.TOO_MANY_HEADERS, "headers: more than " + max + " (expected: <= " + max + ')');
    }

    private static boolean headerTooLong(DefaultSipMessage m, int n, String header, int max) {
        return stop(m, n, SipDecodeError.HEADER_TOO_LONG,
                    "header " + header + ": more than " + max + " bytes (expected: <= " + max + ')');
    }

    /** Request-Line = Method SP Request-URI SP SIP-Version; Status-Line = SIP-Version SP Status-Code SP Reason. */
    private static void parseStartLine(ByteBuf b, ByteBufChars s, int lineEnd, DefaultSipMessage m) {
        if (lineEnd >= 4 && (s.charAt(0) | 0x20) == 's' && (s.charAt(1) | 0x20) == 'i' &&
            (s.charAt(2) | 0x20) == 'p' && s.charAt(3) == '/') {
            m.response = true;
            final int sp = s.indexOf(0, lineEnd, ' ');
            final int vEnd = sp < 0 ? lineEnd : sp;
            m.versionStart = 0;
            m.versionEnd = vEnd;
            if (!checkVersion(s, 0, vEnd, m)) {
                return;
            }
            if (sp < 0) {
                m.fail(SipDecodeError.INVALID_STATUS_CODE, "status line: " + excerpt(s, 0, lineEnd) +
                                                           " (expected: SIP-Version SP Status-Code SP Reason)");
                return;
            }
            int q = sp + 1;
            while (q < lineEnd && s.charAt(q) >= '0' && s.charAt(q) <= '9') {
                q++;
            }
            final long code = q - (sp + 1) == 3 ? SipChars.parseDecimal(s, sp + 1, q, 999) : -1;
            if (code < 100 || code > 699 || (q < lineEnd && s.charAt(q) != ' ')) {
                m.fail(SipDecodeError.INVALID_STATUS_CODE, "status code: " + excerpt(s, sp + 1, lineEnd) +
                                                           " (expected: three digits 100..699)");
                return;
            }
            m.statusCode = (int) code;
            if (q < lineEnd) {
                m.reasonStart = q + 1;
                m.reasonEnd = lineEnd;
            }
            return;
        }
        m.request = true;
        final int methodEnd = SipSyntax.skipToken(s, 0, lineEnd);
        if (methodEnd == 0 || methodEnd == lineEnd || s.charAt(methodEnd) != ' ') {
            m.fail(SipDecodeError.INVALID_START_LINE, "request line: " + excerpt(s, 0, lineEnd) +
                                                      " (expected: Method SP Request-URI SP SIP-Version)");
            return;
        }
        m.methodEnd = methodEnd;
        m.method = SipMethod.of(s.scanArray(), s.scanBase(), s.scanBase() + methodEnd);
        final int uriStart = methodEnd + 1;
        final int uriEnd = s.indexOf(uriStart, lineEnd, ' ');
        if (uriEnd <= uriStart) {
            // No second SP, or two SPs in a row (RFC 4475 §3.1.2.9): not a Request-Line.
            m.fail(SipDecodeError.INVALID_START_LINE, "request line: " + excerpt(s, 0, lineEnd) +
                                                      " (expected: Method SP Request-URI SP SIP-Version)");
            return;
        }
        m.uriStart = uriStart;
        m.uriEnd = uriEnd;
        m.versionStart = uriEnd + 1;
        m.versionEnd = lineEnd;
        if (!checkVersion(s, uriEnd + 1, lineEnd, m)) {
            return;
        }
        // Request-URI = SIP-URI / SIPS-URI / absoluteURI; no headers component in a SIP Request-URI (§19.1.1).
        if (SipSyntax.sipUri(s, uriStart, uriEnd) != uriEnd && SipUri.parse(s, uriStart, uriEnd, false, false) == null) {
            m.fail(SipDecodeError.INVALID_REQUEST_URI, "Request-URI: " + excerpt(s, uriStart, uriEnd) +
                                                       " (expected: a SIP URI without headers, or an absolute URI)");
        }
    }

    /** SIP-Version = "SIP" "/" 1*DIGIT "." 1*DIGIT; only 2.0 is supported (505 otherwise). */
    private static boolean checkVersion(ByteBufChars s, int start, int end, DefaultSipMessage m) {
        int p = start + 4;
        boolean ok = end - start >= 7 && (s.charAt(start) | 0x20) == 's' && (s.charAt(start + 1) | 0x20) == 'i' &&
                     (s.charAt(start + 2) | 0x20) == 'p' && s.charAt(start + 3) == '/';
        int major = p;
        while (ok && p < end && s.charAt(p) >= '0' && s.charAt(p) <= '9') {
            p++;
        }
        final int majorEnd = p;
        ok = ok && majorEnd > major && p < end && s.charAt(p) == '.';
        final int minor = ++p;
        while (ok && p < end && s.charAt(p) >= '0' && s.charAt(p) <= '9') {
            p++;
        }
        ok = ok && p > minor && p == end;
        if (!ok) {
            m.fail(SipDecodeError.INVALID_START_LINE, "SIP-Version: " + excerpt(s, start, end) +
                                                      " (expected: SIP/2.0)");
            return false;
        }
        if (majorEnd - major != 1 || s.charAt(major) != '2' || end - minor != 1 || s.charAt(minor) != '0') {
            m.fail(SipDecodeError.UNSUPPORTED_VERSION, "SIP-Version: " + excerpt(s, start, end) +
                                                       " (expected: SIP/2.0)");
        }
        return true;
    }

    /** Checks the headers a proxy relies on and decides whether a failed request can be answered. */
    private void validate(ByteBufChars s, DefaultSipMessage m, boolean stream) {
        // One pass over the index: where each checked header is, how often the single-valued ones occur, and
        // whether the single-pass syntax checks accept every Via, Contact, Route and Record-Route value. Failures
        // are reported below, in a fixed order, by the full checks.
        int via = -1;
        int from = -1;
        int to = -1;
        int callId = -1;
        int cseq = -1;
        int mf = -1;
        int firstCl = -1;
        int singles = 0;
        boolean viasValid = true;
        boolean routesValid = true;
        int proxyRequire = -1;
        final int[] idx = m.index;
        final byte[] types = m.types;
        final int count = m.headerCount;
        for (int i = 0, o = 0; i < count; i++, o += DefaultSipMessage.STRIDE) {
            final int t = types[i];
            if (t == VIA) {
                if (via < 0) {
                    via = i;
                }
                viasValid = viasValid && SipSyntax.viaList(s, idx[o + DefaultSipMessage.VALUE_START],
                                                           idx[o + DefaultSipMessage.VALUE_END]);
            } else if (t == FROM) {
                singles += from < 0 ? 0 : 1;
                from = from < 0 ? i : from;
            } else if (t == TO) {
                singles += to < 0 ? 0 : 1;
                to = to < 0 ? i : to;
            } else if (t == CALL_ID) {
                singles += callId < 0 ? 0 : 1;
                callId = callId < 0 ? i : callId;
            } else if (t == CSEQ) {
                singles += cseq < 0 ? 0 : 1;
                cseq = cseq < 0 ? i : cseq;
            } else if (t == MAX_FORWARDS) {
                singles += mf < 0 ? 0 : 1;
                mf = mf < 0 ? i : mf;
            } else if (t == CONTENT_LENGTH) {
                firstCl = firstCl < 0 ? i : firstCl;
            } else if (t == ROUTE) {
                routesValid = routesValid && SipSyntax.nameAddrs(s, idx[o + DefaultSipMessage.VALUE_START],
                                                                 idx[o + DefaultSipMessage.VALUE_END], true);
            } else if (t == PROXY_REQUIRE) {
                proxyRequire = proxyRequire < 0 ? i : proxyRequire;
            }
            // Contact, Record-Route and every other header: not read by the proxy, forwarded as received
            // (RFC 3261 §16.3); SipStrictValidator holds them to the grammar.
        }

        // Framing first: Content-Length (RFC 3261 §20.14, §18.3).
        long cl = -1;
        for (int i = firstCl; i >= 0; i = m.nextHeader(SipHeader.CONTENT_LENGTH, i)) {
            final int vs = m.headerValueStart(i);
            final int ve = m.headerValueEnd(i);
            final long v = SipChars.parseDecimal(s, vs, ve, Integer.MAX_VALUE);
            if (v < 0) {
                m.framingError = true;
                m.fail(SipDecodeError.INVALID_CONTENT_LENGTH, "Content-Length: " + excerpt(s, vs, ve) +
                                                              " (expected: a number 0.." + Integer.MAX_VALUE + ')');
                cl = -1;
                break;
            }
            if (cl >= 0 && cl != v) {
                m.framingError = true;
                m.fail(SipDecodeError.CONFLICTING_CONTENT_LENGTH, "Content-Length: " + cl + " and " + v +
                                                                  " (expected: one value)");
                cl = -1;
                break;
            }
            cl = v;
        }
        m.contentLength = (int) cl;
        if (stream) {
            if (firstCl < 0) {
                m.framingError = true;
                m.fail(SipDecodeError.MISSING_CONTENT_LENGTH,
                       "Content-Length: absent (expected: present on stream transports, RFC 3261 §18.3)");
            } else if (cl >= 0 && m.bodyStart + cl > config.maxMessageSize()) {
                m.framingError = true;
                m.fail(SipDecodeError.MESSAGE_TOO_LARGE, "message: " + (m.bodyStart + cl) + " bytes (expected: <= " +
                                                         config.maxMessageSize() + ')');
            }
        }

        // Required and single-valued headers (RFC 3261 §8.1.1, §20).
        if (via < 0 || from < 0 || to < 0 || callId < 0 || cseq < 0) {
            final StringBuilder missing = new StringBuilder();
            appendIf(missing, via < 0, "Via");
            appendIf(missing, from < 0, "From");
            appendIf(missing, to < 0, "To");
            appendIf(missing, callId < 0, "Call-ID");
            appendIf(missing, cseq < 0, "CSeq");
            m.fail(SipDecodeError.MISSING_REQUIRED_HEADER, "missing " + missing + " (expected: Via, From, To, " +
                                                           "Call-ID and CSeq in every message)");
        }
        for (int k = 0; singles > 0 && k < SINGLE.length; k++) {
            final SipHeader single = SINGLE[k];
            if (m.headerCount(single) > 1) {
                m.fail(SipDecodeError.DUPLICATE_HEADER, single.headerName() + ": " + m.headerCount(single) +
                                                        " header fields (expected: 1)");
            }
        }

        // Via values (RFC 3261 §20.42). The top one must at least give sent-protocol and sent-by to answer.
        boolean topViaUsable = false;
        if (via >= 0 && viasValid) {
            topViaUsable = true;
        } else if (via >= 0) {
            final int vs = m.headerValueStart(via);
            int ve = m.headerValueEnd(via);
            int firstEnd = vs;
            while (firstEnd < ve && s.charAt(firstEnd) != ',' && s.charAt(firstEnd) != ';') {
                firstEnd++;
            }
            topViaUsable = Via.parse(s, vs, firstEnd, via, 0, false) != null;
            for (int i = via; i >= 0; i = m.nextHeader(SipHeader.VIA, i)) {
                final int hs = m.headerValueStart(i);
                final int he = m.headerValueEnd(i);
                if (!eachValue(s, hs, he, i, VIA_CHECK)) {
                    m.fail(SipDecodeError.INVALID_VIA, "Via: " + excerpt(s, hs, he) +
                                                       " (expected: SIP/2.0/transport host[:port] *(;param))");
                    break;
                }
            }
        }
        if (from >= 0) {
            checkNameAddr(s, m, from, SipDecodeError.INVALID_FROM, "From");
        }
        if (to >= 0) {
            checkNameAddr(s, m, to, SipDecodeError.INVALID_TO, "To");
        }
        if (callId >= 0) {
            checkCallId(s, m, callId);
        }
        if (cseq >= 0) {
            checkCSeq(s, m, cseq);
        }
        if (mf >= 0) {
            final int vs = m.headerValueStart(mf);
            final int ve = m.headerValueEnd(mf);
            final long v = SipChars.parseDecimal(s, vs, ve, 255);
            if (v < 0) {
                m.fail(SipDecodeError.INVALID_MAX_FORWARDS, "Max-Forwards: " + excerpt(s, vs, ve) +
                                                            " (expected: 0..255)");
            } else {
                m.maxForwards = (int) v;
            }
        }
        if (!routesValid) {
            checkRoutes(s, m);
        }
        for (int i = proxyRequire; i >= 0; i = m.nextHeader(SipHeader.PROXY_REQUIRE, i)) {
            final int vs = m.headerValueStart(i);
            final int ve = m.headerValueEnd(i);
            if (!isTokenList(s, vs, ve)) {
                m.fail(SipDecodeError.INVALID_PROXY_REQUIRE, "Proxy-Require: " + excerpt(s, vs, ve) +
                                                             " (expected: option-tag *(\",\" option-tag))");
                break;
            }
        }

        m.answerable = m.request && m.methodEnd > 0 && topViaUsable && nonEmpty(m, from) && nonEmpty(m, to) &&
                       nonEmpty(m, callId) && nonEmpty(m, cseq);
    }

    private static final int VIA = SipHeader.VIA.ordinal();
    private static final int FROM = SipHeader.FROM.ordinal();
    private static final int TO = SipHeader.TO.ordinal();
    private static final int CALL_ID = SipHeader.CALL_ID.ordinal();
    private static final int CSEQ = SipHeader.CSEQ.ordinal();
    private static final int MAX_FORWARDS = SipHeader.MAX_FORWARDS.ordinal();
    private static final int CONTENT_LENGTH = SipHeader.CONTENT_LENGTH.ordinal();
    private static final int ROUTE = SipHeader.ROUTE.ordinal();
    private static final int PROXY_REQUIRE = SipHeader.PROXY_REQUIRE.ordinal();

    private static final int VIA_CHECK = 0;
    private static final int ROUTE_CHECK = 1;

    /**
     * Checks every comma-separated value of {@code [start, end)} with the grammar {@code kind}; false when one is
     * empty or malformed. Allocates nothing.
     */
    private static boolean eachValue(ByteBufChars s, int start, int end, int headerIndex, int kind) {
        for (int p = start; p <= end; ) {
            final int e = SipChars.nextComma(s, p, end);
            if (e < 0) {
                return false;
            }
            final int a = SipChars.skipWs(s, p, e);
            final int b = SipChars.trimEnd(s, a, e);
            if (a == b) {
                return false;
            }
            final boolean ok = kind == VIA_CHECK ? Via.parse(s, a, b, headerIndex, 0, false) != null
                                                 : NameAddr.parse(s, a, b, headerIndex, 0, true, false, false) != null;
            if (!ok) {
                return false;
            }
            p = e + 1;
        }
        return true;
    }

    private static final SipHeader[] SINGLE = {
            SipHeader.FROM, SipHeader.TO, SipHeader.CALL_ID, SipHeader.CSEQ, SipHeader.MAX_FORWARDS
    };

    private static boolean nonEmpty(DefaultSipMessage m, int i) {
        return i >= 0 && m.headerValueEnd(i) > m.headerValueStart(i);
    }

    private static void appendIf(StringBuilder b, boolean cond, String name) {
        if (cond) {
            if (b.length() > 0) {
                b.append(", ");
            }
            b.append(name);
        }
    }

    /**
     * From or To: the URI and the parameters (where the tag is) must be found; the display name and the octets of
     * parameter values are read leniently ({@link NameAddr#parse(CharSequence, int, int, int, int, boolean,
     * boolean, boolean, boolean)}), as the proxy reads only the URI and the tag, and forwards the field as received.
     */
    private static void checkNameAddr(ByteBufChars s, DefaultSipMessage m, int i, SipDecodeError reason,
                                      String name) {
        final int vs = m.headerValueStart(i);
        final int ve = m.headerValueEnd(i);
        if (!SipSyntax.nameAddrs(s, vs, ve, false) &&
            NameAddr.parse(s, vs, ve, i, 0, false, false, true, false) == null) {
            m.fail(reason, name + ": " + excerpt(s, vs, ve) + " (expected: [display-name] <URI> or URI, then " +
                           "*(;param))");
        }
    }

    private static void checkRoutes(ByteBufChars s, DefaultSipMessage m) {
        for (int i = m.firstHeader(SipHeader.ROUTE); i >= 0; i = m.nextHeader(SipHeader.ROUTE, i)) {
            final int vs = m.headerValueStart(i);
            final int ve = m.headerValueEnd(i);
            if (!SipSyntax.nameAddrs(s, vs, ve, true) && !eachValue(s, vs, ve, i, ROUTE_CHECK)) {
                m.fail(SipDecodeError.INVALID_ROUTE, "Route: " + excerpt(s, vs, ve) +
                                                     " (expected: <URI> *(;param), comma-separated)");
                return;
            }
        }
    }

    /** {@code token *(COMMA token)} (option-tag lists, RFC 3261 §20.29); false when empty. */
    static boolean isTokenList(CharSequence s, int start, int end) {
        int p = SipChars.skipWs(s, start, end);
        for (;;) {
            final int t = SipChars.skipToken(s, p, end);
            if (t == p) {
                return false;
            }
            p = SipChars.skipWs(s, t, end);
            if (p == end) {
                return true;
            }
            if (s.charAt(p) != ',') {
                return false;
            }
            p = SipChars.skipWs(s, p + 1, end);
        }
    }

    /** callid = word [ "@" word ] (RFC 3261 §20.8). */
    private static void checkCallId(ByteBufChars s, DefaultSipMessage m, int i) {
        final int vs = m.headerValueStart(i);
        final int ve = m.headerValueEnd(i);
        final byte[] a = s.scanArray();
        final int base = s.scanBase();
        if (!isCallId(a, base + vs, base + ve)) {
            m.fail(SipDecodeError.INVALID_CALL_ID, "Call-ID: " + excerpt(s, vs, ve) +
                                                   " (expected: word [\"@\" word])");
        }
    }

    /** callid = word [ "@" word ] over {@code a[start, end)}. */
    static boolean isCallId(byte[] a, int start, int end) {
        int at = -1;
        boolean ok = end > start;
        for (int p = start; ok && p < end; p++) {
            final byte c = a[p];
            if (c == '@') {
                ok = at < 0 && p > start && p + 1 < end;
                at = p;
            } else {
                ok = SipChars.WORD[c & 0xFF];
            }
        }
        return ok;
    }

    /** CSeq = 1*DIGIT LWS Method (RFC 3261 §20.16); the method must equal the request method (§8.1.1.5). */
    private static void checkCSeq(ByteBufChars s, DefaultSipMessage m, int i) {
        final int vs = m.headerValueStart(i);
        final int ve = m.headerValueEnd(i);
        int p = vs;
        while (p < ve && s.charAt(p) >= '0' && s.charAt(p) <= '9') {
            p++;
        }
        final long number = SipChars.parseDecimal(s, vs, p, CSeq.MAX_NUMBER);
        final int methodStart = SipChars.skipWs(s, p, ve);
        final int methodEnd = SipChars.skipToken(s, methodStart, ve);
        if (number < 0 || methodStart == p || methodEnd == methodStart || methodEnd != ve) {
            m.fail(SipDecodeError.INVALID_CSEQ, "CSeq: " + excerpt(s, vs, ve) + " (expected: number <= " +
                                                CSeq.MAX_NUMBER + " and a method)");
            return;
        }
        m.cseqNumber = number;
        m.cseqMethodStart = methodStart;
        m.cseqMethodEnd = methodEnd;
        if (m.request && m.methodEnd > 0) {
            boolean same = methodEnd - methodStart == m.methodEnd;
            for (int k = 0; same && k < m.methodEnd; k++) {
                same = s.charAt(k) == s.charAt(methodStart + k);
            }
            if (!same) {
                // RFC 4475 §3.1.2.18: an unknown method with a mismatched CSeq is best answered 501.
                m.fail(m.method == SipMethod.EXTENSION ? SipDecodeError.UNKNOWN_METHOD_CSEQ_MISMATCH
                                                       : SipDecodeError.CSEQ_METHOD_MISMATCH,
                       "CSeq method: " + excerpt(s, methodStart, methodEnd) + " (expected: " +
                       excerpt(s, 0, m.methodEnd) + ", the request method)");
            }
        }
    }

    /**
     * Returns the {@code username} auth-param of a credentials value ({@code scheme LWS auth-param *(COMMA
     * auth-param)}, RFC 3261 §25.1) with quotes and quoted-pairs removed, or {@code null}.
     */
    static String authUsername(CharSequence s, int start, int end) {
        int p = SipChars.skipToken(s, SipChars.skipWs(s, start, end), end);
        while (p < end) {
            p = SipChars.skipWs(s, p, end);
            if (p < end && s.charAt(p) == ',') {
                p = SipChars.skipWs(s, p + 1, end);
            }
            final int nameStart = p;
            p = SipChars.skipToken(s, p, end);
            final int nameEnd = p;
            p = SipChars.skipWs(s, p, end);
            if (nameEnd == nameStart || p == end || s.charAt(p) != '=') {
                return null;
            }
            p = SipChars.skipWs(s, p + 1, end);
            final boolean isUser = nameEnd - nameStart == 8 &&
                                   "username".regionMatches(true, 0, s.subSequence(nameStart, nameEnd).toString(),
                                                            0, 8);
            if (p < end && s.charAt(p) == '"') {
                final int q = SipChars.skipQuoted(s, p, end);
                if (q < 0) {
                    return null;
                }
                if (isUser) {
                    final StringBuilder b = new StringBuilder(q - p);
                    for (int k = p + 1; k < q - 1; k++) {
                        char c = s.charAt(k);
                        if (c == '\\') {
                            c = s.charAt(++k);
                        }
                        b.append(c);
                    }
                    return SipChars.utf8(b.toString());
                }
                p = q;
            } else {
                final int vs = p;
                while (p < end && s.charAt(p) != ',' && !SipChars.isWs(s.charAt(p))) {
                    p++;
                }
                if (isUser) {
                    return s.subSequence(vs, p).toString();
                }
            }
        }
        return null;
    }

    /** Returns at most {@value #EXCERPT} chars of {@code [start, end)} as printable ASCII, others as '?'. */
    static String excerpt(CharSequence s, int start, int end) {
        final int stop = Math.min(end, start + EXCERPT);
        final StringBuilder b = new StringBuilder(stop - start + 3);
        for (int i = start; i < stop; i++) {
            final char c = s.charAt(i);
            b.append(c >= 0x20 && c < 0x7F ? c : c == '\r' || c == '\n' || c == '\t' ? ' ' : '?');
        }
        if (stop < end) {
            b.append("...");
        }
        return b.toString();
    }
}
