package io.siplb.codec;

import static java.util.Objects.requireNonNull;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.CompositeByteBuf;
import io.netty.util.NetUtil;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;

/**
 * Rewrites a parsed {@link SipMessage} for forwarding without copying its untouched bytes: the edits are collected
 * (each one a byte range of the original replaced by a few new bytes), sorted by offset, and {@link #build} returns
 * one {@link CompositeByteBuf} made of retained slices of {@link SipMessage#content()} interleaved with slices of a
 * single small buffer holding all the new bytes. Several operations apply to one message in one pass. The body is
 * never touched, so the Content-Length of the message stays valid. Keep one instance per EventLoop and reuse it:
 * it allocates nothing per message except the output. Not thread-safe; confined to the channel's EventLoop.
 *
 * <h2>Operations (RFC 3261 §16.6 request forwarding, §16.7 response forwarding, RFC 3581)</h2>
 * <table>
 *   <caption>Operations</caption>
 *   <tr><th>Method</th><th>Effect</th></tr>
 *   <tr><td>{@link #addVia(CharSequence)}</td><td>a new {@code Via:} header line before the first Via line
 *       (§16.6 step 8)</td></tr>
 *   <tr><td>{@link #removeTopVia()}</td><td>the whole first Via line, or only the first value and its comma when
 *       the line holds several comma-separated values (§16.7 step 3)</td></tr>
 *   <tr><td>{@link #setReceivedRport(InetSocketAddress)}</td><td>{@code received} and {@code rport} on the top
 *       Via of a received request (§18.2.1, RFC 3581 §4)</td></tr>
 *   <tr><td>{@link #decrementMaxForwards()}</td><td>Max-Forwards value minus one; when absent a
 *       {@code Max-Forwards: 70} line is inserted (§16.6 step 3: "SHOULD be 70")</td></tr>
 *   <tr><td>{@link #removeFirstRoute()}</td><td>the whole first Route line, or only its first value and comma
 *       (§16.4 loose routing)</td></tr>
 *   <tr><td>{@link #removeFirstRoutes(int)}</td><td>the first n Route values, across lines (RFC 5658 §4: both
 *       values of a proxy that double record-routed)</td></tr>
 *   <tr><td>{@link #removeLastRoute()}</td><td>the last Route value (§16.4 strict-routing step, with
 *       {@link #replaceRequestUri(CharSequence)})</td></tr>
 *   <tr><td>{@link #addRecordRoute(CharSequence)}, {@link #addRecordRoute(CharSequence, CharSequence)}</td>
 *       <td>one or two {@code Record-Route:} lines before the first existing Record-Route (§16.6 step 4;
 *       two for double record-routing when the transport or interface changes)</td></tr>
 *   <tr><td>{@link #replaceRequestUri(CharSequence)}</td><td>the Request-URI (§16.6 step 2)</td></tr>
 *   <tr><td>{@link #ensureContentLength()}</td><td>a {@code Content-Length} line when the message has none
 *       (§16.6 step 9, needed when forwarding to a stream transport)</td></tr>
 * </table>
 * Inserted header lines use the long header names. Each operation may be used once per message (except
 * {@code addVia} and {@code addRecordRoute}, which stack: the first call gives the topmost line). Two operations
 * that touch overlapping bytes (e.g. {@code removeTopVia} and {@code setReceivedRport}) make {@link #build} throw
 * {@link IllegalStateException}.
 *
 * <h2>Ownership</h2>
 * The rewriter never retains or releases the message it is given. {@link #build} returns a new composite whose
 * components are retained slices: the caller owns the composite and must release it, normally by writing it to a
 * channel (the transport releases it after the write). The input {@link SipMessage} keeps its own reference and is
 * still released by its owner (e.g. in a {@code finally}); the composite stays valid after that release because its
 * slices hold their own references to the same memory.
 *
 * <h2>Example: stateless proxy</h2>
 * <pre>{@code
 * // request: received from `sender`, forwarded to a destination
 * CompositeByteBuf out = rewriter.rewrite(request)
 *         .setReceivedRport(sender)
 *         .addVia(localSentBy, SipBranches.stateless(request))
 *         .decrementMaxForwards()        // after checking request.maxForwards() != 0 (else 483)
 *         .removeFirstRoute()            // when the first Route names this proxy
 *         .build(ctx.alloc());
 * // response: remove this proxy's Via and forward to the next Via
 * CompositeByteBuf out = rewriter.rewrite(response).removeTopVia().build(ctx.alloc());
 * }</pre>
 */
public final class SipRewriter {

    /** The Max-Forwards value inserted when a request has none (RFC 3261 §16.6 step 3). */
    public static final int DEFAULT_MAX_FORWARDS = 70;

    private static final byte[] VIA_PREFIX = "Via: ".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] RECORD_ROUTE_PREFIX = "Record-Route: ".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] MAX_FORWARDS_PREFIX = "Max-Forwards: ".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] CONTENT_LENGTH_PREFIX = "Content-Length: ".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] BRANCH_PARAM = ";branch=".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] RECEIVED_PARAM = ";received=".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] CRLF = { '\r', '\n' };

    /** Initial capacity of the edit arrays; most proxies use at most six edits per message. */
    private static final int INITIAL_EDITS = 8;

    private SipMessage message;
    private ByteBuf content;

    private int count;
    private int[] editStart = new int[INITIAL_EDITS];
    private int[] editEnd = new int[INITIAL_EDITS];
    private int[] textStart = new int[INITIAL_EDITS];
    private int[] textEnd = new int[INITIAL_EDITS];
    private int[] order = new int[INITIAL_EDITS];

    private byte[] text = new byte[256];
    private int textLength;

    /** Bit set of the ONCE_* operations already applied to the current message. */
    private int applied;
    private static final int ONCE_REMOVE_TOP_VIA = 1;
    private static final int ONCE_RECEIVED = 1 << 1;
    private static final int ONCE_MAX_FORWARDS = 1 << 2;
    private static final int ONCE_REMOVE_ROUTE = 1 << 3;
    private static final int ONCE_REQUEST_URI = 1 << 4;
    private static final int ONCE_CONTENT_LENGTH = 1 << 5;
    private static final int ONCE_REMOVE_LAST_ROUTE = 1 << 6;
    /** removeFirstRoutes(n) with n > 1: its edits cannot be merged with removeLastRoute's. */
    private static final int REMOVED_SEVERAL_ROUTES = 1 << 7;

    /** Index of the edit made by the first of removeFirstRoute/removeLastRoute on this message, or -1. */
    private int routeEdit = -1;

    private final SipRewriteParams params = new SipRewriteParams();

    /**
     * Starts rewriting {@code message}, discarding any edits collected for a previous message that was not built.
     * The message must have decoded successfully; it is neither retained nor released.
     */
    public SipRewriter rewrite(SipMessage message) {
        requireNonNull(message, "message");
        if (!message.decoderResult().isSuccess()) {
            throw new IllegalArgumentException("message: failed to decode (expected: a successfully decoded message)");
        }
        clear();
        this.message = message;
        content = message.content();
        return this;
    }

    /** Discards the collected edits and forgets the current message. */
    public void clear() {
        message = null;
        content = null;
        count = 0;
        textLength = 0;
        applied = 0;
        routeEdit = -1;
    }

    /**
     * Inserts a new {@code Via: value} header line before the first Via line (RFC 3261 §16.6 step 8). Calling it
     * twice stacks two lines, the first call's on top.
     *
     * @param value a whole via-parm, e.g. {@code "SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bK..."}
     */
    public SipRewriter addVia(CharSequence value) {
        requireNonNull(value, "value");
        final SipMessage m = current();
        final int at = firstViaLineStart(m);
        final int from = textLength;
        appendBytes(VIA_PREFIX);
        appendText(value, "value");
        appendBytes(CRLF);
        addEdit(at, at, from);
        return this;
    }

    /**
     * Inserts a new {@code Via: sentProtocolAndBy;branch=branch} header line before the first Via line.
     *
     * @param sentProtocolAndBy e.g. {@code "SIP/2.0/UDP 192.0.2.1:5060"} (precompute it per listening socket)
     * @param branch the branch, e.g. from {@link SipBranches#stateless(SipMessage)}
     */
    public SipRewriter addVia(CharSequence sentProtocolAndBy, CharSequence branch) {
        requireNonNull(sentProtocolAndBy, "sentProtocolAndBy");
        requireNonNull(branch, "branch");
        final SipMessage m = current();
        final int at = firstViaLineStart(m);
        final int from = textLength;
        appendBytes(VIA_PREFIX);
        appendText(sentProtocolAndBy, "sentProtocolAndBy");
        appendBytes(BRANCH_PARAM);
        appendText(branch, "branch");
        appendBytes(CRLF);
        addEdit(at, at, from);
        return this;
    }

    /**
     * Removes the topmost Via value (RFC 3261 §16.7 step 3): the whole header line when it holds only that value,
     * otherwise the value and the comma (and whitespace) that follow it, keeping the rest of the line.
     *
     * @throws IllegalStateException when the message has no Via
     */
    public SipRewriter removeTopVia() {
        final SipMessage m = current();
        final List<Via> vias = m.vias();
        if (vias.isEmpty()) {
            throw new IllegalStateException("removeTopVia: the message has no Via");
        }
        once(ONCE_REMOVE_TOP_VIA, "removeTopVia");
        final Via top = vias.get(0);
        final Via next = vias.size() > 1 ? vias.get(1) : null;
        removeFirstValue(m, top.headerIndex(), top.valueStart(),
                         next != null && next.headerIndex() == top.headerIndex() ? next.valueStart() : -1);
        return this;
    }

    /**
     * Adds {@code received} and fills {@code rport} on the top Via of a request received from {@code source}
     * (RFC 3261 §18.2.1, RFC 3581 §4):
     * <ul>
     *   <li>when the Via has an {@code rport} parameter without value, its value becomes the source port and
     *       {@code received} is always set;</li>
     *   <li>otherwise {@code received} is set when the sent-by host is not the source IP address (a host name
     *       always differs; no name is resolved);</li>
     *   <li>{@code received} is appended at the end of the Via value, or becomes the value of an existing
     *       {@code received} parameter. The address is written without brackets, as in the RFC 3261 grammar
     *       ({@code received = "received" EQUAL (IPv4address / IPv6address)}).</li>
     * </ul>
     * Nothing is changed when neither applies.
     *
     * @param source the resolved address the request came from
     * @throws IllegalStateException when the message has no Via
     */
    public SipRewriter setReceivedRport(InetSocketAddress source) {
        requireNonNull(source, "source");
        final InetAddress address = source.getAddress();
        if (address == null) {
            throw new IllegalArgumentException("source: " + source + " (expected: a resolved address)");
        }
        final SipMessage m = current();
        final Via top = m.topVia();
        if (top == null) {
            throw new IllegalStateException("setReceivedRport: the message has no Via");
        }
        once(ONCE_RECEIVED, "setReceivedRport");
        final ByteBuf buf = content;
        final int base = buf.readerIndex();
        final int start = base + top.valueStart();
        final int end = base + top.valueEnd();
        final boolean rportWithoutValue = params.find(buf, start, end, "rport") && !params.hasValue();
        if (rportWithoutValue) {
            final int at = params.nameEnd - base;
            final int from = textLength;
            appendByte('=');
            appendDecimal(source.getPort());
            addEdit(at, at, from);
        }
        if (rportWithoutValue || !sameAddress(top.host(), address)) {
            final int from = textLength;
            if (params.find(buf, start, end, "received") && params.hasValue()) {
                appendAscii(NetUtil.toAddressString(address));
                addEdit(params.valueStart - base, params.valueEnd - base, from);
            } else if (params.nameStart >= 0) {
                // A valueless "received": give it the value rather than adding a second one.
                appendByte('=');
                appendAscii(NetUtil.toAddressString(address));
                addEdit(params.nameEnd - base, params.nameEnd - base, from);
            } else {
                appendBytes(RECEIVED_PARAM);
                appendAscii(NetUtil.toAddressString(address));
                final int at = top.valueEnd();
                addEdit(at, at, from);
            }
        }
        return this;
    }

    /**
     * Decrements the Max-Forwards value of a request (RFC 3261 §16.6 step 3), or inserts
     * {@code Max-Forwards: 70} ({@value #DEFAULT_MAX_FORWARDS}) before the empty line when the request has none.
     * A request with Max-Forwards 0 must be answered with 483 instead of forwarded (§16.3 step 2; see
     * {@link SipResponses#tooManyHops}), so this method refuses it.
     *
     * @throws IllegalStateException when Max-Forwards is 0, or the message is a response
     */
    public SipRewriter decrementMaxForwards() {
        final SipMessage m = currentRequest("decrementMaxForwards");
        final int value = m.maxForwards();
        final int header = m.firstHeader(SipHeader.MAX_FORWARDS);
        if (header >= 0 && value < 0) {
            throw new IllegalStateException("Max-Forwards: malformed (expected: 0..255)");
        }
        if (header >= 0 && value == 0) {
            throw new IllegalStateException("Max-Forwards: 0 (expected: > 0; answer 483 Too Many Hops instead)");
        }
        once(ONCE_MAX_FORWARDS, "decrementMaxForwards");
        final int from = textLength;
        if (header < 0) {
            final int at = m.headersEnd();
            appendBytes(MAX_FORWARDS_PREFIX);
            appendDecimal(DEFAULT_MAX_FORWARDS);
            appendBytes(CRLF);
            addEdit(at, at, from);
            return this;
        }
        appendDecimal(value - 1);
        addEdit(m.headerValueStart(header), m.headerValueEnd(header), from);
        return this;
    }

    /**
     * Removes the first Route value (RFC 3261 §16.4: a loose-routing proxy removes the Route value that names
     * itself): the whole header line when it holds only that value, otherwise the value and the comma (and
     * whitespace) that follow it, keeping the rest of the line. Checking that the value names this proxy is the
     * caller's job.
     *
     * @throws IllegalStateException when the message has no Route
     */
    public SipRewriter removeFirstRoute() {
        final SipMessage m = current();
        final List<NameAddr> routes = m.routes();
        if (routes.isEmpty()) {
            throw new IllegalStateException("removeFirstRoute: the message has no Route");
        }
        once(ONCE_REMOVE_ROUTE, "removeFirstRoute");
        if (mergeRouteRemoval(m, routes)) {
            return this;
        }
        final NameAddr first = routes.get(0);
        final NameAddr next = routes.size() > 1 ? routes.get(1) : null;
        routeEdit = count;
        removeFirstValue(m, first.headerIndex(), first.valueStart(),
                         next != null && next.headerIndex() == first.headerIndex() ? next.valueStart() : -1);
        return this;
    }

    /**
     * Removes the first {@code n} Route values, as a proxy that double record-routed removes both of its own values
     * (RFC 5658 §4), in one pass over the message: every header line whose values are all among them goes whole; on
     * the line where the kept values start, the removed values and the comma (and whitespace) after the last of them
     * go. {@code removeFirstRoutes(1)} is {@link #removeFirstRoute()}; with {@code n > 1} it cannot be combined with
     * {@link #removeLastRoute()}. Checking that the values name this proxy is the caller's job.
     *
     * @throws IllegalArgumentException when {@code n < 1}
     * @throws IllegalStateException when the message has fewer than {@code n} Route values, or {@code n > 1} after
     *                               {@link #removeLastRoute()}
     */
    public SipRewriter removeFirstRoutes(int n) {
        if (n < 1) {
            throw new IllegalArgumentException("n: " + n + " (expected: >= 1)");
        }
        if (n == 1) {
            return removeFirstRoute();
        }
        final SipMessage m = current();
        final List<NameAddr> routes = m.routes();
        if (routes.size() < n) {
            throw new IllegalStateException("removeFirstRoutes: " + n + " of " + routes.size() + " Route values");
        }
        if ((applied & ONCE_REMOVE_LAST_ROUTE) != 0) {
            throw new IllegalStateException("removeFirstRoutes: " + n + " values after removeLastRoute");
        }
        once(ONCE_REMOVE_ROUTE, "removeFirstRoute");
        applied |= REMOVED_SEVERAL_ROUTES;
        for (int i = 0; i < n; ) {
            final int line = routes.get(i).headerIndex();
            int j = i + 1;
            while (j < n && routes.get(j).headerIndex() == line) {
                j++;
            }
            if (j < routes.size() && routes.get(j).headerIndex() == line) {
                addEdit(routes.get(i).valueStart(), routes.get(j).valueStart(), textLength);
            } else {
                addEdit(m.headerLineStart(line), m.headerLineEnd(line), textLength);
            }
            i = j;
        }
        return this;
    }

    /**
     * Removes the last Route value: the whole header line when it holds only that value, otherwise the value and
     * the comma (and whitespace) before it. It may be combined with {@link #removeFirstRoute()}: when both name the
     * same value it is removed once, and when they are the only two values of one line the line goes. With
     * {@link #replaceRequestUri(CharSequence)} this is the strict-routing step of RFC 3261 §16.4: when the Request-URI is a value this proxy put into a Record-Route (the previous hop
     * was a strict router), the proxy replaces the Request-URI with the last Route value and removes that value.
     *
     * @throws IllegalStateException when the message has no Route
     */
    public SipRewriter removeLastRoute() {
        final SipMessage m = current();
        final List<NameAddr> routes = m.routes();
        final int n = routes.size();
        if (n == 0) {
            throw new IllegalStateException("removeLastRoute: the message has no Route");
        }
        if ((applied & REMOVED_SEVERAL_ROUTES) != 0) {
            throw new IllegalStateException("removeLastRoute: after removeFirstRoutes of several values");
        }
        once(ONCE_REMOVE_LAST_ROUTE, "removeLastRoute");
        if (mergeRouteRemoval(m, routes)) {
            return this;
        }
        final NameAddr last = routes.get(n - 1);
        final NameAddr previous = n > 1 ? routes.get(n - 2) : null;
        routeEdit = count;
        if (previous != null && previous.headerIndex() == last.headerIndex()) {
            addEdit(previous.valueEnd(), last.valueEnd(), textLength);
        } else {
            addEdit(m.headerLineStart(last.headerIndex()), m.headerLineEnd(last.headerIndex()), textLength);
        }
        return this;
    }

    /**
     * Inserts a {@code Record-Route: value} line before the first existing Record-Route line, or before the empty
     * line when there is none (RFC 3261 §16.6 step 4). Calling it twice stacks two lines, the first call's on top.
     *
     * @param value a name-addr with the {@code lr} parameter, e.g. {@code "<sip:192.0.2.1;lr>"}; the same value
     *              must be used for retransmissions (§16.11)
     */
    public SipRewriter addRecordRoute(CharSequence value) {
        requireNonNull(value, "value");
        final SipMessage m = currentRequest("addRecordRoute");
        final int first = m.firstHeader(SipHeader.RECORD_ROUTE);
        final int at = first < 0 ? m.headersEnd() : m.headerLineStart(first);
        final int from = textLength;
        appendBytes(RECORD_ROUTE_PREFIX);
        appendText(value, "value");
        appendBytes(CRLF);
        addEdit(at, at, from);
        return this;
    }

    /**
     * Double record-routing: inserts two Record-Route lines when the request leaves through another transport or
     * interface than it came in on. {@code outbound} (the address of the interface facing the next hop) becomes the
     * topmost value, followed by {@code inbound} (the interface the request was received on), so that requests of
     * the dialog from either side enter through the interface facing that side.
     */
    public SipRewriter addRecordRoute(CharSequence outbound, CharSequence inbound) {
        requireNonNull(outbound, "outbound");
        requireNonNull(inbound, "inbound");
        return addRecordRoute(outbound).addRecordRoute(inbound);
    }

    /** Replaces the Request-URI of a request (RFC 3261 §16.6 step 2). */
    public SipRewriter replaceRequestUri(CharSequence uri) {
        requireNonNull(uri, "uri");
        final SipMessage m = currentRequest("replaceRequestUri");
        if (uri.length() == 0) {
            throw new IllegalArgumentException("uri: \"\" (expected: a non-empty URI)");
        }
        for (int i = 0; i < uri.length(); i++) {
            final char c = uri.charAt(i);
            if (c == ' ' || c == '\t' || c == '\r' || c == '\n') {
                throw new IllegalArgumentException("uri: \"" + uri + "\" (expected: no whitespace)");
            }
        }
        once(ONCE_REQUEST_URI, "replaceRequestUri");
        final int from = textLength;
        appendText(uri, "uri");
        addEdit(m.requestUriStart(), m.requestUriEnd(), from);
        return this;
    }

    /**
     * Inserts {@code Content-Length: <body length>} before the empty line when the message has no Content-Length
     * (RFC 3261 §16.6 step 9, §18.3: mandatory on stream transports); does nothing otherwise.
     */
    public SipRewriter ensureContentLength() {
        final SipMessage m = current();
        once(ONCE_CONTENT_LENGTH, "ensureContentLength");
        if (m.firstHeader(SipHeader.CONTENT_LENGTH) < 0) {
            final int at = m.headersEnd();
            final int from = textLength;
            appendBytes(CONTENT_LENGTH_PREFIX);
            appendDecimal(m.bodyLength());
            appendBytes(CRLF);
            addEdit(at, at, from);
        }
        return this;
    }

    /** Returns the number of edits collected so far for the current message. */
    public int editCount() {
        return count;
    }

    /**
     * Builds the rewritten message and forgets the current one. The result has one component per untouched region
     * (a retained slice of {@link SipMessage#content()}) and one per run of new bytes (a retained slice of one
     * buffer allocated from {@code alloc}, direct when the message is direct); with no edits it is a single
     * retained slice of the whole message. The caller owns (and must release) the returned buffer; the message keeps
     * its own reference.
     *
     * @throws IllegalStateException when two edits overlap
     */
    public CompositeByteBuf build(ByteBufAllocator alloc) {
        requireNonNull(alloc, "alloc");
        final SipMessage m = current();
        final ByteBuf buf = content;
        try {
            sortAndCheckEdits();
            final int base = buf.readerIndex();
            final int length = m.bodyStart() + Math.max(m.bodyLength(), 0);
            final CompositeByteBuf out = alloc.compositeBuffer(2 * count + 1);
            ByteBuf added = null;
            try {
                if (textLength > 0) {
                    // Same memory kind as the message, so that a composite of direct memory stays writable by
                    // gathering writes (epoll's sendmsg) without a copy.
                    added = buf.isDirect() ? alloc.directBuffer(textLength) : alloc.heapBuffer(textLength);
                    for (int k = 0; k < count; k++) {
                        final int e = order[k];
                        added.writeBytes(text, textStart[e], textEnd[e] - textStart[e]);
                    }
                }
                int cursor = 0;
                int addedIndex = 0;
                int pending = 0;
                for (int k = 0; k < count; k++) {
                    final int e = order[k];
                    if (editStart[e] > cursor) {
                        if (pending > 0) {
                            out.addComponent(true, added.retainedSlice(addedIndex, pending));
                            addedIndex += pending;
                            pending = 0;
                        }
                        out.addComponent(true, buf.retainedSlice(base + cursor, editStart[e] - cursor));
                    }
                    pending += textEnd[e] - textStart[e];
                    cursor = editEnd[e];
                }
                if (pending > 0) {
                    out.addComponent(true, added.retainedSlice(addedIndex, pending));
                }
                if (length > cursor) {
                    out.addComponent(true, buf.retainedSlice(base + cursor, length - cursor));
                }
                return out;
            } catch (Throwable t) {
                out.release();
                throw t;
            } finally {
                if (added != null) {
                    added.release();
                }
            }
        } finally {
            clear();
        }
    }

    /**
     * Builds the rewritten message as one new direct buffer of exactly its size, allocated from {@code alloc}, and
     * forgets the current one: the untouched regions of {@link SipMessage#content()} and the new bytes are copied
     * into it in order. Where {@link #build} shares the message's memory through a composite of slices, this costs
     * one copy of the message (a memcpy of a few hundred octets) and saves the composite's bookkeeping (a slice and a
     * component per region), the reference the slices keep on the received buffer, and, when the message is a heap
     * copy, the merge the native transports make of a composite that is not all direct before they can write it.
     * The caller owns (and must release) the returned buffer; the message keeps its own reference.
     *
     * @throws IllegalStateException when two edits overlap
     */
    public ByteBuf buildCopy(ByteBufAllocator alloc) {
        requireNonNull(alloc, "alloc");
        final SipMessage m = current();
        final ByteBuf buf = content;
        try {
            sortAndCheckEdits();
            final int base = buf.readerIndex();
            final int length = m.bodyStart() + Math.max(m.bodyLength(), 0);
            int size = length + textLength;
            for (int k = 0; k < count; k++) {
                size -= editEnd[k] - editStart[k];
            }
            final ByteBuf out = alloc.directBuffer(size, size);
            try {
                int cursor = 0;
                for (int k = 0; k < count; k++) {
                    final int e = order[k];
                    if (editStart[e] > cursor) {
                        out.writeBytes(buf, base + cursor, editStart[e] - cursor);
                    }
                    out.writeBytes(text, textStart[e], textEnd[e] - textStart[e]);
                    cursor = editEnd[e];
                }
                if (length > cursor) {
                    out.writeBytes(buf, base + cursor, length - cursor);
                }
                return out;
            } catch (Throwable t) {
                out.release();
                throw t;
            }
        } finally {
            clear();
        }
    }

    /** Sorts the edits by offset and checks that no two overlap. */
    private void sortAndCheckEdits() {
        sortEdits();
        int previousEnd = 0;
        for (int k = 0; k < count; k++) {
            final int e = order[k];
            if (editStart[e] < previousEnd) {
                throw new IllegalStateException(
                        "edits overlap at offset " + editStart[e] + " (expected: each operation to touch "
                        + "different bytes, e.g. not removeTopVia together with setReceivedRport)");
            }
            previousEnd = editEnd[e];
        }
    }

    // --- edits --------------------------------------------------------------------------------------------------

    private SipMessage current() {
        final SipMessage m = message;
        if (m == null) {
            throw new IllegalStateException("no message (expected: rewrite(message) first)");
        }
        return m;
    }

    private SipMessage currentRequest(String operation) {
        final SipMessage m = current();
        if (!m.isRequest()) {
            throw new IllegalStateException(operation + ": the message is a response (expected: a request)");
        }
        return m;
    }

    private void once(int bit, String operation) {
        if ((applied & bit) != 0) {
            throw new IllegalStateException(operation + ": already applied to this message");
        }
        applied |= bit;
    }

    /**
     * When both the first and the last Route value are removed and they are the same value, or the only two values
     * of one header line, the second removal widens the first one's edit to the whole line (two separate edits
     * would overlap) and returns {@code true}; otherwise returns {@code false} and adds nothing.
     */
    private boolean mergeRouteRemoval(SipMessage m, List<NameAddr> routes) {
        if (routeEdit < 0) {
            return false;
        }
        final int n = routes.size();
        final int line = routes.get(0).headerIndex();
        if (n == 1 || n == 2 && routes.get(1).headerIndex() == line) {
            editStart[routeEdit] = m.headerLineStart(line);
            editEnd[routeEdit] = m.headerLineEnd(line);
            return true;
        }
        return false;
    }

    /**
     * Removes a value that starts at {@code valueStart} in header {@code headerIndex}: up to {@code nextStart} (the
     * next value of the same line) when there is one, otherwise the whole line.
     */
    private void removeFirstValue(SipMessage m, int headerIndex, int valueStart, int nextStart) {
        if (nextStart >= 0) {
            addEdit(valueStart, nextStart, textLength);
        } else {
            addEdit(m.headerLineStart(headerIndex), m.headerLineEnd(headerIndex), textLength);
        }
    }

    /** Records that {@code [start, end)} of the message becomes the text appended since {@code from}. */
    private void addEdit(int start, int end, int from) {
        if (count == editStart.length) {
            final int n = count * 2;
            editStart = Arrays.copyOf(editStart, n);
            editEnd = Arrays.copyOf(editEnd, n);
            textStart = Arrays.copyOf(textStart, n);
            textEnd = Arrays.copyOf(textEnd, n);
            order = Arrays.copyOf(order, n);
        }
        editStart[count] = start;
        editEnd[count] = end;
        textStart[count] = from;
        textEnd[count] = textLength;
        count++;
    }

    /**
     * Sorts {@link #order} by (start, end, call order): insertions at one offset keep their call order and come
     * before a removal starting at the same offset. Insertion sort: there are only a handful of edits.
     */
    private void sortEdits() {
        for (int k = 0; k < count; k++) {
            order[k] = k;
        }
        for (int k = 1; k < count; k++) {
            final int e = order[k];
            int j = k - 1;
            while (j >= 0 && after(order[j], e)) {
                order[j + 1] = order[j];
                j--;
            }
            order[j + 1] = e;
        }
    }

    private boolean after(int a, int b) {
        if (editStart[a] != editStart[b]) {
            return editStart[a] > editStart[b];
        }
        if (editEnd[a] != editEnd[b]) {
            return editEnd[a] > editEnd[b];
        }
        return a > b;
    }

    private static int firstViaLineStart(SipMessage m) {
        final int via = m.firstHeader(SipHeader.VIA);
        if (via >= 0) {
            return m.headerLineStart(via);
        }
        return m.headerCount() > 0 ? m.headerLineStart(0) : m.headersEnd();
    }

    /** Compares a sent-by host with an address without resolving names: only an equal IP literal matches. */
    static boolean sameAddress(String host, InetAddress address) {
        if (host == null || host.isEmpty()) {
            return false;
        }
        String literal = host;
        if (literal.charAt(0) == '[' && literal.charAt(literal.length() - 1) == ']') {
            literal = literal.substring(1, literal.length() - 1);
        }
        final byte[] bytes = NetUtil.createByteArrayFromIpAddressString(literal);
        return bytes != null && Arrays.equals(bytes, address.getAddress());
    }

    // --- new bytes ----------------------------------------------------------------------------------------------

    private void ensureText(int more) {
        if (textLength + more > text.length) {
            text = Arrays.copyOf(text, Math.max(text.length * 2, textLength + more));
        }
    }

    private void appendByte(int b) {
        ensureText(1);
        text[textLength++] = (byte) b;
    }

    private void appendBytes(byte[] bytes) {
        ensureText(bytes.length);
        System.arraycopy(bytes, 0, text, textLength, bytes.length);
        textLength += bytes.length;
    }

    private void appendAscii(String s) {
        final int len = s.length();
        ensureText(len);
        for (int i = 0; i < len; i++) {
            text[textLength++] = (byte) s.charAt(i);
        }
    }

    /**
     * Appends a caller-supplied value as UTF-8, refusing CR and LF, which would end the header line early
     * (header injection).
     */
    private void appendText(CharSequence s, String name) {
        final int len = s.length();
        boolean ascii = true;
        for (int i = 0; i < len; i++) {
            final char c = s.charAt(i);
            if (c == '\r' || c == '\n') {
                throw new IllegalArgumentException(name + ": contains CR or LF (expected: one header value)");
            }
            ascii &= c < 0x80;
        }
        if (!ascii) {
            appendBytes(s.toString().getBytes(StandardCharsets.UTF_8));
            return;
        }
        ensureText(len);
        for (int i = 0; i < len; i++) {
            text[textLength++] = (byte) s.charAt(i);
        }
    }

    private void appendDecimal(int value) {
        ensureText(11);
        if (value < 0) {
            text[textLength++] = '-';
            value = -value;
        }
        final int from = textLength;
        do {
            text[textLength++] = (byte) ('0' + value % 10);
            value /= 10;
        } while (value != 0);
        for (int i = from, j = textLength - 1; i < j; i++, j--) {
            final byte t = text[i];
            text[i] = text[j];
            text[j] = t;
        }
    }
}
