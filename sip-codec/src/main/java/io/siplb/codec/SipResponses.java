package io.siplb.codec;

import static java.util.Objects.requireNonNull;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.util.NetUtil;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;

/**
 * Builds the responses siplb sends itself (RFC 3261 §8.2.6), as one new buffer per response. Configured once (the
 * optional {@code Server} header and the warn-agent of {@code Warning} headers) with {@link #builder()}, then used
 * from any thread. Immutable.
 *
 * <h2>What a response contains (§8.2.6.2)</h2>
 * <ol>
 *   <li>{@code SIP/2.0 <status> <reason>};</li>
 *   <li>every Via header line of the request, in order, as written (so every Via value, comma-separated or not);</li>
 *   <li>the From, To, Call-ID and CSeq lines as written (the first of each). When the To has no {@code tag} and the
 *       status is not 100, {@code ;tag=} is appended with a tag derived from the Call-ID, the From tag and the top
 *       Via branch, so a retransmitted request gets the same tag (a 100 Trying gets no tag, §8.2.6.2);</li>
 *   <li>for 100 Trying, the Timestamp line of the request (§8.2.6.1);</li>
 *   <li>{@code Server}, when configured;</li>
 *   <li>the extra header of the status: {@code Warning: 399 <agent> "<text>"} (400 and any status given a warning
 *       text), {@code Retry-After} (503), {@code Unsupported} (420);</li>
 *   <li>{@code Content-Length: 0} and the empty line.</li>
 * </ol>
 * Only the header index of the request is used (not its typed values, except the top Via when the
 * received/rport step below is asked for), so a request that failed to decode but is
 * {@link SipMessage#isAnswerable() answerable} is answered from whatever index the parser built.
 *
 * <h2>When no response is built</h2>
 * Every method returns {@code null}, and builds nothing, when {@link #canRespond(SipMessage)} is false: for an ACK
 * (no response is ever sent to an ACK, RFC 3261 §17), for a response, for a failed request the parser did not mark
 * answerable, and for a request without a Via (there is nowhere to send the response).
 *
 * <h2>Where responses go</h2>
 * {@link #nextHop(Via)} applies RFC 3261 §18.2.2 and RFC 3581 §4 to a top Via: for a local response the request's,
 * for a forwarded response the one below the Via this proxy removed.
 * {@link #response(ByteBufAllocator, SipMessage, InetSocketAddress, int, CharSequence, CharSequence)} also fills
 * {@code received}/{@code rport} into the copied top Via, as RFC 3581 §4 asks of a server.
 *
 * <h2>Ownership</h2>
 * A returned buffer is new and owned by the caller, who releases it (normally by writing it). The request is
 * neither retained nor released.
 */
public final class SipResponses {

    /** The default warn-agent of {@code Warning} headers (RFC 3261 §20.43: a host or a pseudonym). */
    public static final String DEFAULT_WARNING_AGENT = "siplb";

    /** The warn-code of {@code Warning} headers: "miscellaneous warning" (RFC 3261 §20.43). */
    public static final int WARNING_CODE = 399;

    /** Domain separator of To-tag hashes (see {@link SipRewriteHash}). */
    private static final int TAG_DOMAIN = 'T';

    private static final byte[] VERSION = "SIP/2.0 ".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] CRLF = { '\r', '\n' };
    private static final byte[] TAG_PARAM = ";tag=".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] CONTENT_LENGTH_0 = "Content-Length: 0\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] TIMESTAMP = "timestamp".getBytes(StandardCharsets.US_ASCII);

    private final byte[] serverLine;
    private final String warningAgent;

    SipResponses(String server, String warningAgent) {
        serverLine = server == null ? null : ("Server: " + server + "\r\n").getBytes(StandardCharsets.UTF_8);
        this.warningAgent = warningAgent;
    }

    /** Returns a builder; its defaults are no {@code Server} header and warn-agent {@value #DEFAULT_WARNING_AGENT}. */
    public static SipResponsesBuilder builder() {
        return new SipResponsesBuilder();
    }

    /** Returns responses with the defaults of {@link #builder()}. */
    public static SipResponses ofDefaults() {
        return builder().build();
    }

    /**
     * Returns whether a response may be sent to {@code message}: it is a request, not an ACK, decoded successfully
     * or {@link SipMessage#isAnswerable() answerable}, and has a Via.
     */
    public static boolean canRespond(SipMessage message) {
        requireNonNull(message, "message");
        if (!message.isRequest() || message.method() == SipMethod.ACK) {
            return false;
        }
        if (!message.decoderResult().isSuccess() && !message.isAnswerable()) {
            return false;
        }
        return message.firstHeader(SipHeader.VIA) >= 0;
    }

    /** Returns the RFC 3261 §21 reason phrase of {@code status}, or {@code "Unknown"} for an unregistered code. */
    public static String reasonPhrase(int status) {
        switch (status) {
            case 100: return "Trying";
            case 180: return "Ringing";
            case 181: return "Call Is Being Forwarded";
            case 182: return "Queued";
            case 183: return "Session Progress";
            case 200: return "OK";
            case 202: return "Accepted";
            case 300: return "Multiple Choices";
            case 301: return "Moved Permanently";
            case 302: return "Moved Temporarily";
            case 305: return "Use Proxy";
            case 380: return "Alternative Service";
            case 400: return "Bad Request";
            case 401: return "Unauthorized";
            case 402: return "Payment Required";
            case 403: return "Forbidden";
            case 404: return "Not Found";
            case 405: return "Method Not Allowed";
            case 406: return "Not Acceptable";
            case 407: return "Proxy Authentication Required";
            case 408: return "Request Timeout";
            case 410: return "Gone";
            case 413: return "Request Entity Too Large";
            case 414: return "Request-URI Too Long";
            case 415: return "Unsupported Media Type";
            case 416: return "Unsupported URI Scheme";
            case 420: return "Bad Extension";
            case 421: return "Extension Required";
            case 423: return "Interval Too Brief";
            case 480: return "Temporarily Unavailable";
            case 481: return "Call/Transaction Does Not Exist";
            case 482: return "Loop Detected";
            case 483: return "Too Many Hops";
            case 484: return "Address Incomplete";
            case 485: return "Ambiguous";
            case 486: return "Busy Here";
            case 487: return "Request Terminated";
            case 488: return "Not Acceptable Here";
            case 491: return "Request Pending";
            case 493: return "Undecipherable";
            case 500: return "Server Internal Error";
            case 501: return "Not Implemented";
            case 502: return "Bad Gateway";
            case 503: return "Service Unavailable";
            case 504: return "Server Time-out";
            case 505: return "Version Not Supported";
            case 513: return "Message Too Large";
            case 600: return "Busy Everywhere";
            case 603: return "Decline";
            case 604: return "Does Not Exist Anywhere";
            case 606: return "Not Acceptable";
            default: return "Unknown";
        }
    }

    /** 100 Trying (§8.2.6.1): no To tag added; the Timestamp of the request is copied. */
    public ByteBuf trying(ByteBufAllocator alloc, SipMessage request) {
        return build(alloc, request, 100, null, null, null, null);
    }

    /** 400 Bad Request with {@code Warning: 399 <agent> "<warning>"} saying what was wrong. */
    public ByteBuf badRequest(ByteBufAllocator alloc, SipMessage request, CharSequence warning) {
        requireNonNull(warning, "warning");
        return build(alloc, request, 400, null, warning, null, null);
    }

    /**
     * The response to a request that failed to decode but is {@link SipMessage#isAnswerable() answerable}:
     * {@link SipMessage#errorStatus()} (400, 414, 501, 505 or 513) with its reason phrase and a Warning carrying
     * {@link SipMessage#errorText()}.
     *
     * @throws IllegalArgumentException when {@code request} decoded successfully
     */
    public ByteBuf decodeFailure(ByteBufAllocator alloc, SipMessage request) {
        requireNonNull(request, "request");
        if (request.decoderResult().isSuccess()) {
            throw new IllegalArgumentException("request: decoded successfully (expected: a failed request)");
        }
        final int status = request.errorStatus();
        if (status < 300 || status > 699) {
            return null;
        }
        final String text = request.errorText();
        return build(alloc, request, status, null, text == null ? reasonPhrase(status) : text, null, null);
    }

    /** 416 Unsupported URI Scheme (§8.2.2.1). */
    public ByteBuf unsupportedUriScheme(ByteBufAllocator alloc, SipMessage request) {
        return build(alloc, request, 416, null, null, null, null);
    }

    /**
     * 420 Bad Extension with {@code Unsupported: <optionTags>} (§8.2.2.3).
     *
     * @param optionTags the option tags of Require/Proxy-Require that are not supported, e.g. {@code "foo, bar"}
     */
    public ByteBuf badExtension(ByteBufAllocator alloc, SipMessage request, CharSequence optionTags) {
        return badExtension(alloc, request, null, optionTags);
    }

    /**
     * 420 Bad Extension with {@code Unsupported: <optionTags>}, with the top Via of the copy completed for
     * {@code source} as {@link #response(ByteBufAllocator, SipMessage, InetSocketAddress, int, CharSequence,
     * CharSequence)} does (RFC 3581 §4).
     *
     * @param source the resolved address the request came from, or {@code null} to copy the Via lines unchanged
     */
    public ByteBuf badExtension(ByteBufAllocator alloc, SipMessage request, InetSocketAddress source,
                                CharSequence optionTags) {
        requireNonNull(optionTags, "optionTags");
        checkResolved(source);
        return build(alloc, request, source, 420, null, null, "Unsupported: ", optionTags);
    }

    /** 483 Too Many Hops, for a request received with Max-Forwards 0 (§16.3 step 2). */
    public ByteBuf tooManyHops(ByteBufAllocator alloc, SipMessage request) {
        return build(alloc, request, 483, null, null, null, null);
    }

    /** 500 Server Internal Error. */
    public ByteBuf serverInternalError(ByteBufAllocator alloc, SipMessage request) {
        return build(alloc, request, 500, null, null, null, null);
    }

    /** 501 Not Implemented (§8.2.1). */
    public ByteBuf notImplemented(ByteBufAllocator alloc, SipMessage request) {
        return build(alloc, request, 501, null, null, null, null);
    }

    /**
     * 503 Service Unavailable with {@code Retry-After: <seconds>} (§21.5.4).
     *
     * @param retryAfterSeconds seconds after which the client may retry, or a negative value for no Retry-After
     */
    public ByteBuf serviceUnavailable(ByteBufAllocator alloc, SipMessage request, int retryAfterSeconds) {
        return serviceUnavailable(alloc, request, null, retryAfterSeconds);
    }

    /**
     * 503 Service Unavailable with {@code Retry-After: <seconds>}, with the top Via of the copy completed for
     * {@code source} as {@link #response(ByteBufAllocator, SipMessage, InetSocketAddress, int, CharSequence,
     * CharSequence)} does (RFC 3581 §4).
     *
     * @param source the resolved address the request came from, or {@code null} to copy the Via lines unchanged
     * @param retryAfterSeconds seconds after which the client may retry, or a negative value for no Retry-After
     */
    public ByteBuf serviceUnavailable(ByteBufAllocator alloc, SipMessage request, InetSocketAddress source,
                                      int retryAfterSeconds) {
        checkResolved(source);
        return build(alloc, request, source, 503, null, null, retryAfterSeconds < 0 ? null : "Retry-After: ",
                     retryAfterSeconds < 0 ? null : Integer.toString(retryAfterSeconds));
    }

    /** 505 Version Not Supported (§21.5.7). */
    public ByteBuf versionNotSupported(ByteBufAllocator alloc, SipMessage request) {
        return build(alloc, request, 505, null, null, null, null);
    }

    /**
     * Any response: {@code status} with {@code reason} (the §21 phrase when {@code null}).
     *
     * @throws IllegalArgumentException when {@code status} is not in 100..699
     */
    public ByteBuf response(ByteBufAllocator alloc, SipMessage request, int status, CharSequence reason) {
        return build(alloc, request, status, reason, null, null, null);
    }

    /**
     * Any response with a {@code Warning: 399 <agent> "<warning>"} header.
     *
     * @throws IllegalArgumentException when {@code status} is not in 100..699
     */
    public ByteBuf response(ByteBufAllocator alloc, SipMessage request, int status, CharSequence reason,
                            CharSequence warning) {
        requireNonNull(warning, "warning");
        return build(alloc, request, status, reason, warning, null, null);
    }

    /**
     * Any response, with the top Via of the copy completed as a server that received the request from
     * {@code source} must (RFC 3261 §18.2.1, RFC 3581 §4): an {@code rport} without value gets the source port and
     * {@code received} is then always set; otherwise {@code received} is set when the sent-by host is not the
     * source address (see {@link SipRewriter#setReceivedRport(InetSocketAddress)}, which applies the same rule to
     * a forwarded request).
     *
     * @param source the resolved address the request came from, or {@code null} to copy the Via lines unchanged
     * @param reason the reason phrase, or {@code null} for the §21 phrase of {@code status}
     * @param warning the text of a {@code Warning: 399} header, or {@code null} for none
     * @throws IllegalArgumentException when {@code status} is not in 100..699 or {@code source} is unresolved
     */
    public ByteBuf response(ByteBufAllocator alloc, SipMessage request, InetSocketAddress source, int status,
                            CharSequence reason, CharSequence warning) {
        checkResolved(source);
        return build(alloc, request, source, status, reason, warning, null, null);
    }

    private static void checkResolved(InetSocketAddress source) {
        if (source != null && source.getAddress() == null) {
            throw new IllegalArgumentException("source: " + source + " (expected: a resolved address)");
        }
    }

    /**
     * Returns where a response whose topmost Via is {@code via} is sent over an unreliable unicast transport such
     * as UDP (RFC 3261 §18.2.2, RFC 3581 §4): to {@code maddr} if present, else to {@code received} (at the
     * {@code rport} value when there is one), else to the sent-by host; the port is the sent-by port, or 5060
     * (5061 for TLS) when absent. For a local response pass the request's top Via; for a forwarded response the
     * Via below the one this proxy removed. An IP address is returned resolved (no lookup is made); a host name is
     * returned {@linkplain InetSocketAddress#isUnresolved() unresolved}, for the caller to resolve (RFC 3263 §6).
     * Over a reliable transport (TCP, TLS) the response goes back on the connection the request came in on instead.
     */
    public static InetSocketAddress nextHop(Via via) {
        requireNonNull(via, "via");
        final int defaultPort = "TLS".equalsIgnoreCase(via.transport()) ? 5061 : 5060;
        final int sentByPort = via.port() > 0 ? via.port() : defaultPort;
        final String maddr = via.maddr();
        if (maddr != null && !maddr.isEmpty()) {
            return address(maddr, sentByPort);
        }
        final String received = via.received();
        if (received != null && !received.isEmpty()) {
            final int rport = via.rport();
            return address(received, rport > 0 ? rport : sentByPort);
        }
        return address(via.host(), sentByPort);
    }

    private static InetSocketAddress address(String host, int port) {
        String literal = host;
        if (literal.length() > 1 && literal.charAt(0) == '[' && literal.charAt(literal.length() - 1) == ']') {
            literal = literal.substring(1, literal.length() - 1);
        }
        final byte[] bytes = NetUtil.createByteArrayFromIpAddressString(literal);
        if (bytes == null) {
            return InetSocketAddress.createUnresolved(literal, port);
        }
        try {
            return new InetSocketAddress(InetAddress.getByAddress(bytes), port);
        } catch (UnknownHostException e) {
            // Cannot happen: NetUtil returns 4 or 16 bytes.
            throw new IllegalStateException(e);
        }
    }

    private ByteBuf build(ByteBufAllocator alloc, SipMessage request, int status, CharSequence reason,
                          CharSequence warning, String extraName, CharSequence extraValue) {
        return build(alloc, request, null, status, reason, warning, extraName, extraValue);
    }

    private ByteBuf build(ByteBufAllocator alloc, SipMessage request, InetSocketAddress source, int status,
                          CharSequence reason, CharSequence warning, String extraName, CharSequence extraValue) {
        requireNonNull(alloc, "alloc");
        requireNonNull(request, "request");
        if (status < 100 || status > 699) {
            throw new IllegalArgumentException("status: " + status + " (expected: 100..699)");
        }
        if (!canRespond(request)) {
            return null;
        }
        final ByteBuf in = request.content();
        final ByteBuf out = alloc.buffer(request.headersEnd() + 128);
        try {
            out.writeBytes(VERSION);
            writeDecimal(out, status);
            out.writeByte(' ');
            writeText(out, reason == null ? reasonPhrase(status) : reason);
            out.writeBytes(CRLF);

            final int n = request.headerCount();
            final Via top = source == null ? null : request.topVia();
            for (int i = 0; i < n; i++) {
                if (request.headerType(i) == SipHeader.VIA) {
                    if (top != null && top.headerIndex() == i) {
                        copyTopViaLine(out, request, i, top, source);
                    } else {
                        copyLine(out, request, i);
                    }
                }
            }
            final int from = request.firstHeader(SipHeader.FROM);
            if (from >= 0) {
                copyLine(out, request, from);
            }
            final int to = request.firstHeader(SipHeader.TO);
            if (to >= 0) {
                final int toEnd = request.headerValueEnd(to);
                copyTo(out, in, request.headerLineStart(to), toEnd);
                final SipRewriteParams params = new SipRewriteParams();
                if (status != 100 && !params.find(in, request.headerValueStart(to), toEnd, "tag")) {
                    out.writeBytes(TAG_PARAM);
                    writeTag(out, request, from, params);
                }
                out.writeBytes(CRLF);
            }
            final int callId = request.firstHeader(SipHeader.CALL_ID);
            if (callId >= 0) {
                copyLine(out, request, callId);
            }
            final int cseq = request.firstHeader(SipHeader.CSEQ);
            if (cseq >= 0) {
                copyLine(out, request, cseq);
            }
            if (status == 100) {
                final int timestamp = findOther(request, TIMESTAMP);
                if (timestamp >= 0) {
                    copyLine(out, request, timestamp);
                }
            }
            if (serverLine != null) {
                out.writeBytes(serverLine);
            }
            if (warning != null) {
                out.writeCharSequence("Warning: ", StandardCharsets.US_ASCII);
                writeDecimal(out, WARNING_CODE);
                out.writeByte(' ');
                out.writeCharSequence(warningAgent, StandardCharsets.US_ASCII);
                out.writeByte(' ');
                writeQuoted(out, warning);
                out.writeBytes(CRLF);
            }
            if (extraName != null) {
                out.writeCharSequence(extraName, StandardCharsets.US_ASCII);
                writeText(out, extraValue);
                out.writeBytes(CRLF);
            }
            out.writeBytes(CONTENT_LENGTH_0);
            return out;
        } catch (Throwable t) {
            out.release();
            throw t;
        }
    }

    /** Copies header {@code i} from its name to the end of its (trimmed) value, then CRLF. */
    private static void copyLine(ByteBuf out, SipMessage request, int i) {
        final int start = request.headerLineStart(i);
        out.writeBytes(request.content(), start, request.headerValueEnd(i) - start);
        out.writeBytes(CRLF);
    }

    /**
     * Copies the Via line {@code i} holding the top Via, adding {@code rport} and {@code received} for
     * {@code source} as {@link SipRewriter#setReceivedRport(InetSocketAddress)} does.
     */
    private static void copyTopViaLine(ByteBuf out, SipMessage request, int i, Via top, InetSocketAddress source) {
        final ByteBuf in = request.content();
        final InetAddress address = source.getAddress();
        final SipRewriteParams params = new SipRewriteParams();
        final boolean rportWithoutValue =
                params.find(in, top.valueStart(), top.valueEnd(), "rport") && !params.hasValue();
        final int rportAt = rportWithoutValue ? params.nameEnd : -1;
        int receivedStart = -1;
        int receivedEnd = -1;
        String receivedPrefix = "";
        if (rportWithoutValue || !SipRewriter.sameAddress(top.host(), address)) {
            if (params.find(in, top.valueStart(), top.valueEnd(), "received") && params.hasValue()) {
                receivedStart = params.valueStart;
                receivedEnd = params.valueEnd;
            } else if (params.nameStart >= 0) {
                receivedStart = receivedEnd = params.nameEnd;
                receivedPrefix = "=";
            } else {
                receivedStart = receivedEnd = top.valueEnd();
                receivedPrefix = ";received=";
            }
        }
        final String ip = NetUtil.toAddressString(address);
        int cursor = request.headerLineStart(i);
        if (rportAt >= 0 && (receivedStart < 0 || rportAt <= receivedStart)) {
            cursor = copyTo(out, in, cursor, rportAt);
            out.writeByte('=');
            writeDecimal(out, source.getPort());
        }
        if (receivedStart >= 0) {
            cursor = copyTo(out, in, cursor, receivedStart);
            out.writeCharSequence(receivedPrefix, StandardCharsets.US_ASCII);
            out.writeCharSequence(ip, StandardCharsets.US_ASCII);
            cursor = receivedEnd;
        }
        if (rportAt >= 0 && receivedStart >= 0 && rportAt > receivedStart) {
            cursor = copyTo(out, in, cursor, rportAt);
            out.writeByte('=');
            writeDecimal(out, source.getPort());
        }
        copyTo(out, in, cursor, request.headerValueEnd(i));
        out.writeBytes(CRLF);
    }

    /** Copies {@code in[from, to)} to {@code out}; returns {@code to}. */
    private static int copyTo(ByteBuf out, ByteBuf in, int from, int to) {
        out.writeBytes(in, from, to - from);
        return to;
    }

    /**
     * Writes the To tag: 11 base64url characters of a hash of the Call-ID, the From tag and the top Via branch,
     * which a retransmission of the request repeats.
     */
    private static void writeTag(ByteBuf out, SipMessage request, int from, SipRewriteParams params) {
        final ByteBuf in = request.content();
        final SipRewriteHash hash = new SipRewriteHash().reset(0).update(TAG_DOMAIN);
        final int callId = request.firstHeader(SipHeader.CALL_ID);
        if (callId >= 0) {
            hash.field(in, request.headerValueStart(callId), request.headerValueEnd(callId));
        } else {
            hash.field(null);
        }
        if (from >= 0 && params.find(in, request.headerValueStart(from), request.headerValueEnd(from), "tag")) {
            hash.field(in, params.valueStart, params.valueEnd);
        } else {
            hash.field(null);
        }
        final int via = request.firstHeader(SipHeader.VIA);
        final int viaStart = request.headerValueStart(via);
        final int viaEnd = SipRewriteParams.valueEnd(in, viaStart, request.headerValueEnd(via));
        if (params.find(in, viaStart, viaEnd, "branch")) {
            hash.field(in, params.valueStart, params.valueEnd);
        } else {
            hash.field(null);
        }
        hash.finish();
        final StringBuilder tag = SipRewriteHash.appendBase64Url(new StringBuilder(11), hash.high());
        out.writeCharSequence(tag, StandardCharsets.US_ASCII);
    }

    /** Returns the index of the first header whose name is {@code lowerName} (case-insensitive), or -1. */
    private static int findOther(SipMessage request, byte[] lowerName) {
        final ByteBuf in = request.content();
        final int n = request.headerCount();
        outer:
        for (int i = 0; i < n; i++) {
            if (request.headerType(i) != SipHeader.OTHER) {
                continue;
            }
            final int start = request.headerLineStart(i);
            if (request.headerNameEnd(i) - start != lowerName.length) {
                continue;
            }
            for (int k = 0; k < lowerName.length; k++) {
                if ((in.getByte(start + k) | 0x20) != lowerName[k]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }

    private static void writeDecimal(ByteBuf out, int value) {
        out.writeCharSequence(Integer.toString(value), StandardCharsets.US_ASCII);
    }

    /** Writes UTF-8 text on one line: control characters (CR and LF included) become spaces. */
    private static void writeText(ByteBuf out, CharSequence text) {
        final int len = text.length();
        for (int i = 0; i < len; i++) {
            final char c = text.charAt(i);
            if (c < 0x20 || c == 0x7F) {
                out.writeByte(' ');
            } else if (c < 0x80) {
                out.writeByte(c);
            } else {
                // Rare: encode the rest as UTF-8, still without control characters.
                out.writeCharSequence(text.subSequence(i, len).toString().replaceAll("\\p{Cntrl}", " "),
                                      StandardCharsets.UTF_8);
                return;
            }
        }
    }

    /** Writes {@code text} as a quoted-string (RFC 3261 §25.1): {@code "} and {@code \} escaped. */
    private static void writeQuoted(ByteBuf out, CharSequence text) {
        out.writeByte('"');
        final StringBuilder escaped = new StringBuilder(text.length() + 8);
        for (int i = 0; i < text.length(); i++) {
            final char c = text.charAt(i);
            if (c == '"' || c == '\\') {
                escaped.append('\\');
            }
            escaped.append(c);
        }
        writeText(out, escaped);
        out.writeByte('"');
    }
}
