package io.siplb.codec;

import java.nio.charset.StandardCharsets;

import io.netty.buffer.ByteBuf;

/**
 * A {@link CharSequence} view of a {@link ByteBuf} region, one char per octet (ISO-8859-1), so that char indexes
 * are byte offsets. Nothing is copied until {@link #subSequence(int, int)} or {@link #toString()}. Not thread-safe;
 * confined to the channel's EventLoop (it reads the buffer without changing its indexes, so concurrent readers of an
 * unchanging buffer are safe).
 */
final class ByteBufChars implements CharSequence {

    private final ByteBuf buf;
    private final int offset;
    private final int length;

    ByteBufChars(ByteBuf buf, int offset, int length) {
        this.buf = buf;
        this.offset = offset;
        this.length = length;
    }

    @Override
    public int length() {
        return length;
    }

    @Override
    public char charAt(int index) {
        return (char) (buf.getByte(offset + index) & 0xFF);
    }

    @Override
    public CharSequence subSequence(int start, int end) {
        return buf.toString(offset + start, end - start, StandardCharsets.ISO_8859_1);
    }

    @Override
    public String toString() {
        return buf.toString(offset, length, StandardCharsets.ISO_8859_1);
    }
}
