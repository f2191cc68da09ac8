package io.siplb.loadtests.gen;

import static java.util.Objects.requireNonNull;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import io.netty.buffer.ByteBuf;

/**
 * A SIP message pre-encoded as byte literals with a few substitution slots between them: {@link #write} copies the
 * literals and asks a {@link Values} to write each slot straight into the output buffer, so encoding a message costs
 * a handful of bulk copies and no Strings. Templates are written with {@code {SLOT}} placeholders whose names are
 * those of {@link Slot}; line ends are written as {@code \n} and encoded as CRLF (RFC 3261 §7). Everything that is
 * the same for every message of a socket (local address, target, transport, body and its Content-Length) is put into
 * the text before it is compiled. Immutable.
 */
final class SipTemplate {

    /** What a slot holds; a {@link Values} writes them. */
    enum Slot {
        /** The Via branch, {@code z9hG4bK...} (RFC 3261 §8.1.1.7). */
        BRANCH,
        /** The From tag. */
        FROM_TAG,
        /** The Call-ID. */
        CALL_ID,
        /** The Request-URI of an in-dialog request: the remote target, or the INVITE's for a non-2xx ACK. */
        REQUEST_URI,
        /** The To header value (with its tag) of the response that established the dialog. */
        TO,
        /** The Route header lines (each ending in CRLF), possibly none. */
        ROUTES,
        /** The user part of a REGISTER's address of record. */
        USER,
    }

    /** Writes the slots of one message. Implementations are confined to the thread that writes. */
    interface Values {
        /** Writes slot {@code slot} into {@code out}. */
        void write(Slot slot, ByteBuf out);
    }

    private static final Slot[] SLOTS = Slot.values();

    /** {@code literals.length == slots.length + 1}: literal 0, slot 0, literal 1, ..., literal n. */
    private final byte[][] literals;
    private final Slot[] slots;
    private final int literalLength;

    private SipTemplate(byte[][] literals, Slot[] slots) {
        this.literals = literals;
        this.slots = slots;
        int n = 0;
        for (byte[] l : literals) {
            n += l.length;
        }
        literalLength = n;
    }

    /**
     * Compiles {@code text}: every {@code \n} not preceded by {@code \r} becomes CRLF, and every {@code {NAME}} whose
     * NAME is a {@link Slot} becomes that slot; other braces are kept as they are.
     */
    static SipTemplate compile(String text) {
        requireNonNull(text, "text");
        final String crlf = text.replace("\r\n", "\n").replace("\n", "\r\n");
        final List<byte[]> literals = new ArrayList<>();
        final List<Slot> slots = new ArrayList<>();
        final StringBuilder literal = new StringBuilder();
        int i = 0;
        while (i < crlf.length()) {
            final char c = crlf.charAt(i);
            if (c == '{') {
                final int close = crlf.indexOf('}', i);
                final Slot slot = close < 0 ? null : slotNamed(crlf.substring(i + 1, close));
                if (slot != null) {
                    literals.add(literal.toString().getBytes(StandardCharsets.UTF_8));
                    literal.setLength(0);
                    slots.add(slot);
                    i = close + 1;
                    continue;
                }
            }
            literal.append(c);
            i++;
        }
        literals.add(literal.toString().getBytes(StandardCharsets.UTF_8));
        return new SipTemplate(literals.toArray(new byte[0][]), slots.toArray(new Slot[0]));
    }

    private static Slot slotNamed(String name) {
        for (Slot s : SLOTS) {
            if (s.name().equals(name)) {
                return s;
            }
        }
        return null;
    }

    /** Returns the number of literal bytes: a message is at least this long. */
    int literalLength() {
        return literalLength;
    }

    /** Writes the message into {@code out}, slot values from {@code values}. */
    void write(ByteBuf out, Values values) {
        out.ensureWritable(literalLength + 64 * slots.length);
        for (int i = 0; i < slots.length; i++) {
            out.writeBytes(literals[i]);
            values.write(slots[i], out);
        }
        out.writeBytes(literals[slots.length]);
    }
}
