package io.siplb.codec;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

import io.netty.buffer.ByteBuf;
import io.netty.handler.codec.DecoderResult;

/**
 * The {@link SipMessage} built by {@link SipMessageParser}: the header index in one {@code int[]} and lazily built,
 * cached typed values. Not thread-safe; confined to the channel's EventLoop.
 */
final class DefaultSipMessage implements SipMessage {

    /** Ints per header in {@link #index}. */
    static final int STRIDE = 5;
    static final int LINE_START = 0;
    static final int LINE_END = 1;
    static final int NAME_END = 2;
    static final int VALUE_START = 3;
    static final int VALUE_END = 4;

    private static final SipHeader[] TYPES = SipHeader.values();

    // Filled by SipMessageParser.
    ByteBuf content;
    SipDecoderException cause;
    boolean framingError;
    boolean request;
    boolean response;
    boolean answerable;
    SipMethod method;
    int methodEnd = -1;
    int uriStart = -1;
    int uriEnd = -1;
    int versionStart = -1;
    int versionEnd = -1;
    int statusCode;
    int reasonStart = -1;
    int reasonEnd = -1;
    int startLineEnd;
    int headerCount;
    int[] index;
    byte[] types;
    int headersEnd;
    int bodyStart;
    int bodyLength;
    int contentLength = -1;
    int maxForwards = -1;
    long cseqNumber = -1;
    int cseqMethodStart = -1;
    int cseqMethodEnd = -1;

    // Lazily computed.
    private ByteBufChars chars;
    private SipUri requestUri;
    private List<Via> vias;
    private NameAddr from;
    private NameAddr to;
    private boolean fromDone;
    private boolean toDone;
    private CSeq cseq;
    private String callId;
    private List<NameAddr> routes;
    private List<NameAddr> recordRoutes;
    private List<NameAddr> contacts;

    DefaultSipMessage() {
        this(new int[16 * STRIDE], new byte[16]);
    }

    private DefaultSipMessage(int[] index, byte[] types) {
        this.index = index;
        this.types = types;
    }

    void addHeader(int lineStart, int lineEnd, int nameEnd, int valueStart, int valueEnd, SipHeader type) {
        if (headerCount == types.length) {
            types = java.util.Arrays.copyOf(types, headerCount * 2);
            index = java.util.Arrays.copyOf(index, headerCount * 2 * STRIDE);
        }
        final int o = headerCount * STRIDE;
        index[o + LINE_START] = lineStart;
        index[o + LINE_END] = lineEnd;
        index[o + NAME_END] = nameEnd;
        index[o + VALUE_START] = valueStart;
        index[o + VALUE_END] = valueEnd;
        types[headerCount] = (byte) type.ordinal();
        headerCount++;
    }

    /**
     * Records the first failure; a later, more specific failure replaces {@link SipDecodeError#INCOMPLETE_HEADERS}
     * (a datagram missing only its final empty line is better described by what else is wrong with it).
     */
    void fail(SipDecodeError reason, String message) {
        if (cause == null || cause.reason() == SipDecodeError.INCOMPLETE_HEADERS) {
            cause = reason == SipDecodeError.MESSAGE_TOO_LARGE || reason == SipDecodeError.START_LINE_TOO_LONG ||
                    reason == SipDecodeError.HEADER_TOO_LONG || reason == SipDecodeError.TOO_MANY_HEADERS ?
                    new TooLongSipMessageException(reason, message) : new SipDecoderException(reason, message);
        }
    }

    CharSequence chars() {
        // The view may read memory directly: never after the content was released.
        final int refCnt = content.refCnt();
        if (refCnt == 0) {
            throw new io.netty.util.IllegalReferenceCountException(0);
        }
        ByteBufChars c = chars;
        if (c == null) {
            chars = c = new ByteBufChars(content, 0, content.readableBytes());
        }
        return c;
    }

    @Override
    public ByteBuf content() {
        return content;
    }

    @Override
    public SipMessage compactCopy() {
        final ByteBuf c = content;
        final int n = c.readableBytes();
        final ByteBuf bytes = io.netty.buffer.Unpooled.buffer(n, n);
        bytes.writeBytes(c, c.readerIndex(), n);
        final DefaultSipMessage m = new DefaultSipMessage(java.util.Arrays.copyOf(index, headerCount * STRIDE),
                                                          java.util.Arrays.copyOf(types, headerCount));
        m.content = bytes;
        m.cause = cause;
        m.framingError = framingError;
        m.request = request;
        m.response = response;
        m.answerable = answerable;
        m.method = method;
        m.methodEnd = methodEnd;
        m.uriStart = uriStart;
        m.uriEnd = uriEnd;
        m.versionStart = versionStart;
        m.versionEnd = versionEnd;
        m.statusCode = statusCode;
        m.reasonStart = reasonStart;
        m.reasonEnd = reasonEnd;
        m.startLineEnd = startLineEnd;
        m.headerCount = headerCount;
        m.headersEnd = headersEnd;
        m.bodyStart = bodyStart;
        m.bodyLength = bodyLength;
        m.contentLength = contentLength;
        m.maxForwards = maxForwards;
        m.cseqNumber = cseqNumber;
        m.cseqMethodStart = cseqMethodStart;
        m.cseqMethodEnd = cseqMethodEnd;
        return m;
    }

    @Override
    public DecoderResult decoderResult() {
        return cause == null ? DecoderResult.SUCCESS : DecoderResult.failure(cause);
    }

    @Override
    public SipDecodeError decodeError() {
        return cause == null ? null : cause.reason();
    }

    @Override
    public boolean isAnswerable() {
        return answerable;
    }

    @Override
    public int errorStatus() {
        return answerable ? cause.reason().status() : 0;
    }

    @Override
    public String errorText() {
        return cause == null ? null : cause.getMessage();
    }

    @Override
    public boolean isRequest() {
        return request;
    }

    @Override
    public boolean isResponse() {
        return response;
    }

    @Override
    public SipMethod method() {
        return method;
    }

    @Override
    public String methodName() {
        return methodEnd < 0 ? null : string(0, methodEnd);
    }

    @Override
    public int methodEnd() {
        return methodEnd;
    }

    @Override
    public SipUri requestUri() {
        SipUri u = requestUri;
        if (u == null && uriStart >= 0) {
            requestUri = u = SipUri.parse(chars(), uriStart, uriEnd, false, true);
        }
        return u;
    }

    @Override
    public int requestUriStart() {
        return uriStart;
    }

    @Override
    public int requestUriEnd() {
        return uriEnd;
    }

    @Override
    public String version() {
        return versionStart < 0 ? null : string(versionStart, versionEnd);
    }

    @Override
    public int statusCode() {
        return statusCode;
    }

    @Override
    public String reasonPhrase() {
        if (!response) {
            return null;
        }
        return reasonStart < 0 ? "" : content.toString(reasonStart, reasonEnd - reasonStart, StandardCharsets.UTF_8);
    }

    @Override
    public int startLineEnd() {
        return startLineEnd;
    }

    @Override
    public int headerCount() {
        return headerCount;
    }

    @Override
    public SipHeader headerType(int i) {
        checkHeader(i);
        return TYPES[types[i]];
    }

    @Override
    public int headerLineStart(int i) {
        checkHeader(i);
        return index[i * STRIDE + LINE_START];
    }

    @Override
    public int headerLineEnd(int i) {
        checkHeader(i);
        return index[i * STRIDE + LINE_END];
    }

    @Override
    public int headerNameEnd(int i) {
        checkHeader(i);
        return index[i * STRIDE + NAME_END];
    }

    @Override
    public int headerValueStart(int i) {
        checkHeader(i);
        return index[i * STRIDE + VALUE_START];
    }

    @Override
    public int headerValueEnd(int i) {
        checkHeader(i);
        return index[i * STRIDE + VALUE_END];
    }

    @Override
    public String headerName(int i) {
        return string(headerLineStart(i), headerNameEnd(i));
    }

    @Override
    public String headerValue(int i) {
        return string(headerValueStart(i), headerValueEnd(i));
    }

    @Override
    public int firstHeader(SipHeader type) {
        return nextHeader(type, -1);
    }

    @Override
    public int nextHeader(SipHeader type, int after) {
        final byte t = (byte) type.ordinal();
        for (int i = Math.max(0, after + 1); i < headerCount; i++) {
            if (types[i] == t) {
                return i;
            }
        }
        return -1;
    }

    @Override
    public int headerCount(SipHeader type) {
        final byte t = (byte) type.ordinal();
        int n = 0;
        for (int i = 0; i < headerCount; i++) {
            if (types[i] == t) {
                n++;
            }
        }
        return n;
    }

    @Override
    public int headersEnd() {
        return headersEnd;
    }

    @Override
    public int bodyStart() {
        return bodyStart;
    }

    @Override
    public int bodyLength() {
        return bodyLength;
    }

    @Override
    public List<Via> vias() {
        List<Via> v = vias;
        if (v == null) {
            final List<Via> list = new ArrayList<>(4);
            final CharSequence s = chars();
            boolean ok = true;
            for (int i = firstHeader(SipHeader.VIA); i >= 0 && ok; i = nextHeader(SipHeader.VIA, i)) {
                final int end = headerValueEnd(i);
                for (int p = headerValueStart(i); p <= end && ok; ) {
                    final int e = SipChars.nextComma(s, p, end);
                    final Via via = e < 0 ? null : Via.parse(s, SipChars.skipWs(s, p, e),
                                                             SipChars.trimEnd(s, p, e), i, 0, true);
                    ok = via != null;
                    if (ok) {
                        list.add(via);
                        p = e + 1;
                    }
                }
            }
            vias = v = ok ? Collections.unmodifiableList(list) : Collections.emptyList();
        }
        return v;
    }

    @Override
    public Via topVia() {
        final List<Via> v = vias();
        return v.isEmpty() ? null : v.get(0);
    }

    @Override
    public NameAddr from() {
        if (!fromDone) {
            from = nameAddr(SipHeader.FROM);
            fromDone = true;
        }
        return from;
    }

    @Override
    public NameAddr to() {
        if (!toDone) {
            to = nameAddr(SipHeader.TO);
            toDone = true;
        }
        return to;
    }

    private NameAddr nameAddr(SipHeader type) {
        final int i = firstHeader(type);
        if (i < 0) {
            return null;
        }
        // Read as the decoder checks it: leniently where a proxy does not look (display name, parameter octets).
        return NameAddr.parse(chars(), headerValueStart(i), headerValueEnd(i), i, 0, false, false, true, true);
    }

    @Override
    public String callId() {
        String c = callId;
        if (c == null) {
            final int i = firstHeader(SipHeader.CALL_ID);
            if (i >= 0) {
                callId = c = string(headerValueStart(i), headerValueEnd(i));
            }
        }
        return c;
    }

    @Override
    public int callIdStart() {
        final int i = firstHeader(SipHeader.CALL_ID);
        return i < 0 ? -1 : headerValueStart(i);
    }

    @Override
    public int callIdEnd() {
        final int i = firstHeader(SipHeader.CALL_ID);
        return i < 0 ? -1 : headerValueEnd(i);
    }

    @Override
    public CSeq cseq() {
        CSeq c = cseq;
        if (c == null && cseqNumber >= 0) {
            cseq = c = new CSeq(cseqNumber, string(cseqMethodStart, cseqMethodEnd));
        }
        return c;
    }

    @Override
    public int maxForwards() {
        return maxForwards;
    }

    @Override
    public List<NameAddr> routes() {
        List<NameAddr> r = routes;
        if (r == null) {
            routes = r = nameAddrs(SipHeader.ROUTE, true, false);
        }
        return r;
    }

    @Override
    public List<NameAddr> recordRoutes() {
        List<NameAddr> r = recordRoutes;
        if (r == null) {
            recordRoutes = r = nameAddrs(SipHeader.RECORD_ROUTE, true, false);
        }
        return r;
    }

    @Override
    public List<NameAddr> contacts() {
        List<NameAddr> r = contacts;
        if (r == null) {
            contacts = r = nameAddrs(SipHeader.CONTACT, false, true);
        }
        return r;
    }

    private List<NameAddr> nameAddrs(SipHeader type, boolean requireBrackets, boolean allowWildcard) {
        int i = firstHeader(type);
        if (i < 0) {
            return Collections.emptyList();
        }
        final List<NameAddr> list = new ArrayList<>(4);
        final CharSequence s = chars();
        for (; i >= 0; i = nextHeader(type, i)) {
            final int end = headerValueEnd(i);
            for (int p = headerValueStart(i); p <= end; ) {
                final int e = SipChars.nextComma(s, p, end);
                if (e < 0) {
                    break;
                }
                final NameAddr n = NameAddr.parse(s, p, e, i, 0, requireBrackets, allowWildcard, true);
                if (n != null) {
                    list.add(n);
                }
                p = e + 1;
            }
        }
        return Collections.unmodifiableList(list);
    }

    @Override
    public int contentLength() {
        return contentLength;
    }

    @Override
    public String authorizationUsername() {
        int i = firstHeader(SipHeader.AUTHORIZATION);
        if (i < 0) {
            i = firstHeader(SipHeader.PROXY_AUTHORIZATION);
        }
        while (i >= 0) {
            final String u = SipMessageParser.authUsername(chars(), headerValueStart(i), headerValueEnd(i));
            if (u != null) {
                return u;
            }
            // An Authorization header without username: try Proxy-Authorization.
            i = headerType(i) == SipHeader.AUTHORIZATION ? firstHeader(SipHeader.PROXY_AUTHORIZATION) : -1;
        }
        return null;
    }

    private String string(int start, int end) {
        return content.toString(start, end - start, StandardCharsets.ISO_8859_1);
    }

    private void checkHeader(int i) {
        if (i < 0 || i >= headerCount) {
            throw new IndexOutOfBoundsException("header: " + i + " (expected: 0.." + (headerCount - 1) + ')');
        }
    }

    @Override
    public int refCnt() {
        return content.refCnt();
    }

    @Override
    public SipMessage retain() {
        content.retain();
        return this;
    }

    @Override
    public SipMessage retain(int increment) {
        content.retain(increment);
        return this;
    }

    @Override
    public SipMessage touch() {
        content.touch();
        return this;
    }

    @Override
    public SipMessage touch(Object hint) {
        content.touch(hint);
        return this;
    }

    @Override
    public boolean release() {
        return content.release();
    }

    @Override
    public boolean release(int decrement) {
        return content.release(decrement);
    }

    @Override
    public String toString() {
        final StringBuilder b = new StringBuilder(64).append("SipMessage(");
        if (content != null && content.refCnt() > 0) {
            b.append(content.toString(0, startLineEnd, StandardCharsets.ISO_8859_1));
        }
        b.append(", headers=").append(headerCount).append(", body=").append(bodyLength);
        if (cause != null) {
            b.append(", failure=").append(cause.reason()).append(answerable ? " (answerable)" : "");
        }
        return b.append(')').toString();
    }
}
