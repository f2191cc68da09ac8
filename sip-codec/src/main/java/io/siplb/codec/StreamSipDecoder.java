package io.siplb.codec;

import static java.util.Objects.requireNonNull;

import java.util.List;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;

/**
 * Frames SIP messages on a TCP or TLS byte stream and emits one {@link SipMessage} per message (RFC 3261 §18.3:
 * Content-Length is mandatory on streams). Not {@code @Sharable}: it keeps per-connection framing state. Not
 * thread-safe; confined to the channel's EventLoop.
 *
 * <ul>
 *   <li>CRLFs before a start line are skipped (RFC 3261 §7.5); a double CRLF keep-alive "ping" is answered with a
 *       single CRLF "pong" written to the channel (RFC 5626 §3.5.1, §4.4.1).</li>
 *   <li>A partial message waits for more bytes without moving the reader index.</li>
 *   <li>A message that fails to parse but whose framing is sound (e.g. a bad Via) is emitted with a failed
 *       {@link SipMessage#decoderResult()} and decoding continues with the next message.</li>
 *   <li>A framing failure (missing, malformed, negative or conflicting Content-Length; a limit of
 *       {@link SipDecoderConfig} exceeded) emits a failed message holding what could be indexed, after which all
 *       further input is discarded: the connection cannot be resynchronised, so the owner should answer if
 *       {@link SipMessage#isAnswerable()} and close it.</li>
 * </ul>
 *
 * <p>Ownership: inbound buffers are managed by {@link ByteToMessageDecoder}; each emitted message owns a retained
 * slice of the cumulation, which the last handler that uses it releases.
 */
public final class StreamSipDecoder extends ByteToMessageDecoder {

    private static final ByteBuf PONG = Unpooled.unreleasableBuffer(
            Unpooled.directBuffer(2).writeByte('\r').writeByte('\n')).asReadOnly();

    private enum State {
        SKIP_LEADING_CRLF,
        READ_HEADERS,
        READ_BODY,
        BAD_MESSAGE
    }

    private final SipMessageParser parser;
    private final int maxMessageSize;
    private State state = State.SKIP_LEADING_CRLF;
    /** Bytes of the current header block already searched for the empty line. */
    private int scanned;
    /** The message whose header block is parsed while its body is awaited. */
    private DefaultSipMessage pending;
    private int frameLength;

    /** Creates a decoder with {@link SipDecoderConfig#defaults()}. */
    public StreamSipDecoder() {
        this(SipDecoderConfig.defaults());
    }

    /** Creates a decoder with the given limits. */
    public StreamSipDecoder(SipDecoderConfig config) {
        parser = new SipMessageParser(requireNonNull(config, "config"));
        maxMessageSize = config.maxMessageSize();
    }

    /**
     * Returns whether a framing failure stopped decoding: every further byte is discarded and the connection
     * should be closed once the failed message was answered.
     */
    public boolean isBroken() {
        return state == State.BAD_MESSAGE;
    }

    /**
     * Returns whether part of a message is buffered: a start line began and the message has not ended (CRLF
     * keep-alives between messages do not count).
     */
    public boolean hasPartialMessage() {
        return state == State.READ_BODY || state == State.READ_HEADERS && actualReadableBytes() > 0
               || state == State.SKIP_LEADING_CRLF && actualReadableBytes() > 0 && !onlyCrlf();
    }

    private boolean onlyCrlf() {
        final io.netty.buffer.ByteBuf in = internalBuffer();
        for (int i = in.readerIndex(); i < in.writerIndex(); i++) {
            final byte b = in.getByte(i);
            if (b != '\r' && b != '\n') {
                return false;
            }
        }
        return true;
    }

    @Override
    @SuppressWarnings("fallthrough")
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        switch (state) {
            case SKIP_LEADING_CRLF:
                if (!skipLeadingCrlf(ctx, in)) {
                    return;
                }
                state = State.READ_HEADERS;
                scanned = 0;
                // fall-through
            case READ_HEADERS: {
                final int headLength = findHeadEnd(in);
                if (headLength < 0) {
                    if (in.readableBytes() > maxMessageSize) {
                        fail(in, out, SipDecodeError.MESSAGE_TOO_LARGE);
                    }
                    return;
                }
                final DefaultSipMessage m = new DefaultSipMessage();
                parser.parseHead(in.slice(in.readerIndex(), headLength), headLength, m, true);
                if (m.framingError) {
                    // Keep what was indexed (the header block) so an answer can be built, then stop decoding.
                    m.content = in.readRetainedSlice(headLength);
                    m.bodyStart = Math.min(m.bodyStart, headLength);
                    m.bodyLength = 0;
                    SipMessageParser.finish(m);
                    out.add(m);
                    state = State.BAD_MESSAGE;
                    in.skipBytes(in.readableBytes());
                    return;
                }
                pending = m;
                frameLength = m.bodyStart + m.contentLength;
                state = State.READ_BODY;
            }
                // fall-through
            case READ_BODY: {
                if (in.readableBytes() < frameLength) {
                    return;
                }
                final DefaultSipMessage m = pending;
                pending = null;
                m.content = in.readRetainedSlice(frameLength);
                m.bodyLength = m.contentLength;
                SipMessageParser.finish(m);
                out.add(m);
                state = State.SKIP_LEADING_CRLF;
                return;
            }
            case BAD_MESSAGE:
                in.skipBytes(in.readableBytes());
                return;
            default:
                throw new IllegalStateException("state: " + state);
        }
    }

    /**
     * Skips CRLFs before a start line, answering each CRLFCRLF ping with a CRLF pong. Returns true when a start
     * line begins at the reader index, false when more bytes are needed.
     */
    private static boolean skipLeadingCrlf(ChannelHandlerContext ctx, ByteBuf in) {
        for (;;) {
            final int r = in.readerIndex();
            final int n = in.readableBytes();
            if (n == 0) {
                return false;
            }
            final byte b0 = in.getByte(r);
            if (b0 == '\n') {
                in.skipBytes(1);
                continue;
            }
            if (b0 != '\r') {
                return true;
            }
            // A CR: maybe the start of a CRLFCRLF ping; wait until it can be told apart.
            final int known = Math.min(n, 4);
            for (int i = 1; i < known; i++) {
                final byte expected = (i & 1) == 0 ? (byte) '\r' : (byte) '\n';
                if (in.getByte(r + i) != expected) {
                    // Not a ping: skip the CRLF (or lone CR) before it, RFC 3261 §7.5.
                    in.skipBytes(i >= 2 ? 2 : 1);
                    break;
                }
                if (i == 3) {
                    in.skipBytes(4);
                    ctx.writeAndFlush(PONG.duplicate());
                }
            }
            if (in.readerIndex() == r) {
                return false; // a prefix of CRLFCRLF; wait for more bytes
            }
        }
    }

    /**
     * Returns the length of the header block (up to and including its empty line) starting at the reader index,
     * or -1 when not yet complete. Resumes from {@link #scanned}.
     */
    private int findHeadEnd(ByteBuf in) {
        final int r = in.readerIndex();
        final int limit = r + Math.min(in.readableBytes(), maxMessageSize);
        int p = r + scanned;
        while (p < limit) {
            final int lf = in.indexOf(p, limit, (byte) '\n');
            if (lf < 0) {
                scanned = limit - r;
                return -1;
            }
            // An empty line is LF or CR LF right after the previous LF.
            if (lf + 1 < limit) {
                final byte next = in.getByte(lf + 1);
                if (next == '\n') {
                    return lf + 2 - r;
                }
                if (next == '\r') {
                    if (lf + 2 >= limit) {
                        scanned = lf - r;
                        return -1;
                    }
                    if (in.getByte(lf + 2) == '\n') {
                        return lf + 3 - r;
                    }
                }
            } else {
                scanned = lf - r;
                return -1;
            }
            p = lf + 1;
        }
        scanned = Math.max(0, limit - r - 1);
        return -1;
    }

    private void fail(ByteBuf in, List<Object> out, SipDecodeError reason) {
        final DefaultSipMessage m = new DefaultSipMessage();
        m.content = Unpooled.buffer(0);
        m.framingError = true;
        m.fail(reason, "header block: more than " + maxMessageSize + " bytes (expected: <= " + maxMessageSize +
                       ')');
        out.add(m);
        state = State.BAD_MESSAGE;
        in.skipBytes(in.readableBytes());
    }

    @Override
    protected void handlerRemoved0(ChannelHandlerContext ctx) {
        // A pending message holds no buffer until its body arrives, so there is nothing to release.
        pending = null;
    }
}
