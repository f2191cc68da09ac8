package io.siplb.codec;

import java.util.List;

import io.netty.buffer.ByteBuf;
import io.netty.handler.codec.DecoderResult;
import io.netty.util.ReferenceCounted;

/**
 * One SIP request or response over one retained {@link ByteBuf} slice, with an index of its header fields as
 * offsets into that slice and typed accessors, computed on first use, for what routing and hashing need. Typed
 * accessors are computed lazily and cached without synchronization, so a message is Not thread-safe; confined to
 * the channel's EventLoop.
 *
 * <p>Offsets: every {@code int} offset is an index into {@link #content()}, whose readerIndex is 0 and whose
 * readable bytes are exactly the message (start line to end of body; trailing datagram octets are not included).
 * No header is copied while parsing; Strings are made only when a typed accessor is called.
 *
 * <p>Failures: a message that failed to decode has a failed {@link #decoderResult()} whose cause is a
 * {@link SipDecoderException}; {@link #decodeError()} gives its reason. A failed request whose Via, From, To,
 * Call-ID and CSeq are usable is {@link #isAnswerable() answerable}: send {@link #errorStatus()} (400, 414, 501,
 * 505 or 513) with {@link #errorText()}; everything else is dropped and counted by reason. Whatever part of the
 * index could be built is available on a failed message.
 *
 * <p>Ownership: the message holds one reference to its content; the last handler that uses it calls
 * {@link #release()}; an accessor called after the last release throws
 * {@link io.netty.util.IllegalReferenceCountException}.
 */
public interface SipMessage extends ReferenceCounted {

    /** Returns the message bytes: readerIndex 0, start line to end of body. */
    ByteBuf content();

    /**
     * Returns a copy of this message in a heap buffer of exactly its size, with this message's index and verdict:
     * nothing is parsed again. For a message kept beyond the buffer it arrived in (a transaction's request, a
     * failed branch's final). The copy has its own reference count; the caller releases it.
     */
    SipMessage compactCopy();

    /** Returns success, or a failure whose cause is a {@link SipDecoderException}. */
    DecoderResult decoderResult();

    /** Returns why decoding failed, or {@code null} when it succeeded. */
    SipDecodeError decodeError();

    /**
     * Returns whether this is a failed request that can still be answered: its start line is a request line and
     * its top Via, From, To, Call-ID and CSeq are usable. Always {@code false} for successful messages and for
     * responses.
     */
    boolean isAnswerable();

    /** Returns the status to answer an {@link #isAnswerable() answerable} failed request with, otherwise 0. */
    int errorStatus();

    /** Returns a human-readable description of the failure (printable ASCII), or {@code null} on success. */
    String errorText();

    // Start line

    /** Returns whether the start line is (or looks like) a Request-Line. */
    boolean isRequest();

    /** Returns whether the start line is a Status-Line. */
    boolean isResponse();

    /** Returns the request method, or {@code null} for a response. */
    SipMethod method();

    /** Returns the request method name as written (case-sensitive), or {@code null} for a response. */
    String methodName();

    /** Returns the offset after the method token (the method starts at 0), or -1 for a response. */
    int methodEnd();

    /**
     * Returns the Request-URI, or {@code null} for a response or when the Request-URI is malformed (then
     * {@link #decodeError()} is {@link SipDecodeError#INVALID_REQUEST_URI}).
     */
    SipUri requestUri();

    /** Returns the offset of the Request-URI's first byte, or -1. */
    int requestUriStart();

    /** Returns the offset after the Request-URI's last byte, or -1. */
    int requestUriEnd();

    /** Returns the SIP-Version as written, e.g. {@code "SIP/2.0"}, or {@code null} when the start line lacks one. */
    String version();

    /** Returns the Status-Code of a response, or 0 for a request. */
    int statusCode();

    /** Returns the Reason-Phrase of a response (UTF-8, possibly empty), or {@code null} for a request. */
    String reasonPhrase();

    /** Returns the offset of the start line's line terminator (its CR, or its LF when bare). */
    int startLineEnd();

    // Header index

    /** Returns the number of header fields (lines with their continuation lines, not comma-separated values). */
    int headerCount();

    /** Returns the type of header {@code i} ({@link SipHeader#OTHER} for unknown names). */
    SipHeader headerType(int i);

    /** Returns the offset of header {@code i}'s first byte (the start of its name). */
    int headerLineStart(int i);

    /** Returns the offset after header {@code i}'s line terminator, including folded continuation lines. */
    int headerLineEnd(int i);

    /** Returns the offset after header {@code i}'s name (the name starts at {@link #headerLineStart(int)}). */
    int headerNameEnd(int i);

    /** Returns the offset of header {@code i}'s value, after the colon and whitespace. */
    int headerValueStart(int i);

    /** Returns the offset after header {@code i}'s value, trailing whitespace trimmed. */
    int headerValueEnd(int i);

    /** Returns header {@code i}'s name as written (allocates). */
    String headerName(int i);

    /** Returns header {@code i}'s value as written, folding kept (allocates). */
    String headerValue(int i);

    /** Returns the index of the first header of type {@code type}, or -1. */
    int firstHeader(SipHeader type);

    /** Returns the index of the next header of type {@code type} after index {@code after}, or -1. */
    int nextHeader(SipHeader type, int after);

    /** Returns how many header fields are of type {@code type}. */
    int headerCount(SipHeader type);

    /** Returns the offset of the empty line that ends the header block. */
    int headersEnd();

    /** Returns the offset of the body's first byte. */
    int bodyStart();

    /** Returns the body length in bytes. */
    int bodyLength();

    // Typed accessors (lazy, cached)

    /** Returns every Via value in order, across headers and commas; empty when there is none or one is malformed. */
    List<Via> vias();

    /** Returns the top Via value, or {@code null} when absent or malformed. */
    Via topVia();

    /** Returns the (first) From value, or {@code null} when absent or malformed. */
    NameAddr from();

    /** Returns the (first) To value, or {@code null} when absent or malformed. */
    NameAddr to();

    /** Returns the (first) Call-ID, or {@code null} when absent. */
    String callId();

    /** Returns the offset of the (first) Call-ID value, or -1; hash {@code [callIdStart(), callIdEnd())}. */
    int callIdStart();

    /** Returns the offset after the (first) Call-ID value, or -1. */
    int callIdEnd();

    /** Returns the (first) CSeq, or {@code null} when absent or malformed. */
    CSeq cseq();

    /** Returns the Max-Forwards value 0..255, or -1 when absent or malformed. */
    int maxForwards();

    /** Returns every Route value in order; values that are malformed are left out. */
    List<NameAddr> routes();

    /** Returns every Record-Route value in order; values that are malformed are left out. */
    List<NameAddr> recordRoutes();

    /** Returns every Contact value in order (the wildcard as {@link NameAddr#isWildcard()}); malformed ones left out. */
    List<NameAddr> contacts();

    /** Returns the Content-Length value, or -1 when absent or malformed. */
    int contentLength();

    /**
     * Returns the {@code username} of the first Authorization header, else of the first Proxy-Authorization header
     * (quotes removed), or {@code null}.
     */
    String authorizationUsername();

    @Override
    SipMessage retain();

    @Override
    SipMessage retain(int increment);

    @Override
    SipMessage touch();

    @Override
    SipMessage touch(Object hint);
}
