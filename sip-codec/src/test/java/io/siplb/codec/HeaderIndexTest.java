package io.siplb.codec;

import static io.siplb.codec.SipTestMessages.INVITE;
import static io.siplb.codec.SipTestMessages.resource;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.buffer.Unpooled;

/**
 * The header index is the same whichever way the parser reads the octets: a heap buffer whose array has room
 * after the message, a heap buffer whose array ends exactly with the message (names near the end are read octet by
 * octet), and a direct buffer (read through the thread's scratch copy, including one larger than the scratch's
 * first size). Every index also obeys the grammar of a header line. Checked on the test INVITE, on every
 * single-octet substitution and insertion of separators and look-alike octets in its header block, and on large
 * messages.
 */
class HeaderIndexTest {

    /** Octets that move line, name or value boundaries, or fold onto name characters ("\r" | 0x20 is '-'). */
    private static final byte[] SPECIALS = { '\r', '\n', ':', ' ', '\t', 0, (byte) 0x80, (byte) 0xFF, 'A', 'z', '-',
                                             '_', '@', 0x0D | 0x40, ';', ',' };

    private final SipMessageParser parser = new SipMessageParser();

    @Test
    void heapDirectAndExactArraysIndexAlikeUnderMutation() {
        final byte[] invite = resource(INVITE);
        final int headerEnd = indexOf(invite, "\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
        final List<byte[]> inputs = new ArrayList<>();
        inputs.add(invite);
        for (int i = 0; i < headerEnd + 2; i++) {
            for (byte c : SPECIALS) {
                final byte[] sub = invite.clone();
                sub[i] = c;
                inputs.add(sub);
                final byte[] ins = new byte[invite.length + 1];
                System.arraycopy(invite, 0, ins, 0, i);
                ins[i] = c;
                System.arraycopy(invite, i, ins, i + 1, invite.length - i);
                inputs.add(ins);
            }
        }
        int successes = 0;
        for (byte[] input : inputs) {
            final String heap = describe(input, Kind.ROOMY_HEAP);
            final String exact = describe(input, Kind.EXACT_HEAP);
            final String direct = describe(input, Kind.DIRECT);
            if (!heap.equals(exact) || !heap.equals(direct)) {
                assertThat(List.of(exact, direct)).as(printable(input)).containsOnly(heap);
            }
            successes += heap.startsWith("ok") ? 1 : 0;
        }
        // Most single-octet changes still leave a valid message (e.g. inside a value); many do not.
        assertThat(successes).isBetween(inputs.size() / 10, inputs.size() - inputs.size() / 10);
    }

    @Test
    void aCrInsideANameIsNotTheHeaderItFoldsTo() {
        // "Call\rID" | 0x20 would read as "call-id": the line is not a header at all.
        final byte[] msg = SipTestMessages.crlf("OPTIONS sip:b@example.com SIP/2.0\n" +
                                                "Via: SIP/2.0/UDP h.example.com;branch=z9hG4bK1\n" +
                                                "From: <sip:a@example.com>;tag=1\nTo: <sip:b@example.com>\n" +
                                                "Call-ID: real\nCSeq: 1 OPTIONS\nContent-Length: 0\n\n");
        final String text = new String(msg, StandardCharsets.ISO_8859_1)
                .replace("Content-Length: 0", "Call\rID: fake\r\nContent-Length: 0");
        final SipMessage m = parse(text.getBytes(StandardCharsets.ISO_8859_1), Kind.POOLED_HEAP);
        try {
            assertThat(m.callId()).isEqualTo("real");
            assertThat(m.headerCount(SipHeader.CALL_ID)).isEqualTo(1);
            assertThat(m.decodeError()).isEqualTo(SipDecodeError.INVALID_HEADER);
        } finally {
            m.release();
        }
    }

    @Test
    void largeMessagesIndexAlikeOnEveryBuffer() {
        for (int headers : new int[] { 10, 120, 240 }) {
            final StringBuilder b = new StringBuilder(new String(resource(INVITE), StandardCharsets.ISO_8859_1));
            final int at = b.indexOf("Content-Type");
            for (int i = 0; i < headers; i++) {
                b.insert(at, "X-Padding-Header-" + i + ": value " + "v".repeat(i % 40) + "\r\n");
            }
            final byte[] big = b.toString().getBytes(StandardCharsets.ISO_8859_1);
            final String heap = describe(big, Kind.POOLED_HEAP);
            assertThat(heap).startsWith("ok");
            assertThat(describe(big, Kind.POOLED_DIRECT)).isEqualTo(heap);
            assertThat(describe(big, Kind.EXACT_HEAP)).isEqualTo(heap);
            // A small message after a large one on the same thread: the scratch copy holds no stale octets.
            assertThat(describe(resource(INVITE), Kind.POOLED_DIRECT))
                    .isEqualTo(describe(resource(INVITE), Kind.EXACT_HEAP));
        }
    }

    private enum Kind { POOLED_HEAP, POOLED_DIRECT, ROOMY_HEAP, EXACT_HEAP, DIRECT }

    /**
     * The mutation loop uses buffers that the leak detector does not track ({@code ROOMY_HEAP}, {@code EXACT_HEAP},
     * {@code DIRECT}: wrapped arrays and NIO buffers; paranoid tracking of ~80,000 parses would take minutes); the
     * other tests use pooled, tracked ones.
     */
    private SipMessage parse(byte[] input, Kind kind) {
        final ByteBuf buf;
        switch (kind) {
            case POOLED_HEAP:
                buf = PooledByteBufAllocator.DEFAULT.heapBuffer(input.length + 64).writeBytes(input);
                break;
            case POOLED_DIRECT:
                buf = PooledByteBufAllocator.DEFAULT.directBuffer(input.length).writeBytes(input);
                break;
            case ROOMY_HEAP:
                buf = Unpooled.wrappedBuffer(java.util.Arrays.copyOf(input, input.length + 64), 0, input.length);
                break;
            case EXACT_HEAP:
                buf = Unpooled.wrappedBuffer(input.clone());
                break;
            default:
                buf = Unpooled.wrappedBuffer(java.nio.ByteBuffer.allocateDirect(input.length).put(input).flip());
                break;
        }
        try {
            return parser.parse(buf);
        } finally {
            buf.release();
        }
    }

    /** The outcome and the whole index, after checking that each indexed line obeys the header grammar. */
    private String describe(byte[] input, Kind kind) {
        final SipMessage m = parse(input, kind);
        try {
            final StringBuilder d = new StringBuilder();
            d.append(m.decoderResult().isSuccess() ? "ok" : "failed " + m.decodeError() + ' ' + m.errorText());
            d.append(" headers=").append(m.headerCount()).append(" body=").append(m.bodyStart()).append('+')
             .append(m.bodyLength());
            final ByteBuf c = m.content();
            for (int i = 0; i < m.headerCount(); i++) {
                final int ls = m.headerLineStart(i);
                final int ne = m.headerNameEnd(i);
                final int vs = m.headerValueStart(i);
                final int ve = m.headerValueEnd(i);
                if (ne <= ls) {
                    fail(m, i, "empty name");
                }
                for (int k = ls; k < ne; k++) {
                    if (!SipChars.TOKEN[c.getByte(k) & 0xFF]) {
                        fail(m, i, "name octet " + k + " is not a token octet");
                    }
                }
                int colon = ne;
                while (c.getByte(colon) == ' ' || c.getByte(colon) == '\t') {
                    colon++;
                }
                if (c.getByte(colon) != ':') {
                    fail(m, i, "no ':' after the name");
                }
                if (vs <= colon || ve < vs || m.headerLineEnd(i) < ve) {
                    fail(m, i, "value outside the line");
                }
                if (ve > vs && (SipChars.isWs((char) c.getByte(vs)) || SipChars.isWs((char) c.getByte(ve - 1)))) {
                    fail(m, i, "value not trimmed");
                }
                if (m.headerType(i) != SipHeader.of(m.headerName(i))) {
                    fail(m, i, "type " + m.headerType(i));
                }
                d.append(" | ").append(m.headerType(i)).append(' ').append(ls).append(',').append(ne).append(',')
                 .append(vs).append(',').append(ve).append(',').append(m.headerLineEnd(i));
            }
            return d.toString();
        } finally {
            m.release();
        }
    }

    /** Plain checks above: the mutation loop runs them hundreds of thousands of times. */
    private static void fail(SipMessage m, int header, String what) {
        throw new AssertionError("header " + header + " (" + m.headerName(header) + "): " + what + " in\n" +
                                 SipTestMessages.text(m));
    }

    private static int indexOf(byte[] a, byte[] pattern) {
        outer:
        for (int i = 0; i + pattern.length <= a.length; i++) {
            for (int k = 0; k < pattern.length; k++) {
                if (a[i + k] != pattern[k]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }

    private static String printable(byte[] a) {
        return new String(a, StandardCharsets.ISO_8859_1).replace("\r", "\\r").replace("\n", "\\n\n");
    }
}
