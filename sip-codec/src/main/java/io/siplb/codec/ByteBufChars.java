package io.siplb.codec;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

import io.netty.buffer.ByteBuf;
import io.netty.util.concurrent.FastThreadLocal;
import io.netty.util.internal.PlatformDependent;

/**
 * A {@link CharSequence} view of a {@link ByteBuf} region, one char per octet (ISO-8859-1), so that char indexes
 * are byte offsets. Nothing is copied until {@link #subSequence(int, int)} or {@link #toString()}. A heap buffer's
 * bytes are read straight from its backing array, a direct buffer's from its native memory address when Netty can
 * read native memory ({@link PlatformDependent#hasUnsafe()}), as Netty's own direct buffers do (the caller
 * guarantees that the region stays readable while the view is used); any other buffer's through
 * {@link ByteBuf#getByte(int)} and {@link ByteBuf#indexOf(int, int, byte)}. It never changes the buffer's indexes.
 *
 * <p>A <em>scan view</em> ({@link #forScan(ByteBuf, int, int)}) is always array-backed, so that the parser's
 * scanners can read octets from a plain {@code byte[]} ({@link #scanArray()}): a heap buffer's own backing array,
 * or, for a direct or composite buffer, the calling thread's scratch array holding a copy of the region. The copy
 * is one bulk transfer into an array reused by every parse on the thread (no allocation); it lives only while
 * that parse runs, and the parsed message keeps offsets into its own buffer, never into the scratch array.
 * Not thread-safe; confined to the channel's EventLoop.
 */
final class ByteBufChars implements CharSequence {

    /** Eight octets of a byte[] as one little-endian long. */
    private static final VarHandle LONGS = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);

    private final ByteBuf buf;
    private final int length;
    /** The backing array of a heap buffer (read directly: no bounds or leak-tracking overhead), else null. */
    private final byte[] array;
    /**
     * Where octet 0 of the region is: with {@link #array}, its index in the array; else, when positive, its native
     * address; else {@code ~offset}, its index in {@link #buf} (read through the buffer). One field for the three,
     * so that the view stays as small as an object with two references and two ints.
     */
    private final long base;
    /** Initial size of a thread's scratch array; it grows to the largest region scanned on the thread. */
    private static final int SCRATCH_SIZE = 4096;
    private static final FastThreadLocal<byte[]> SCRATCH = new FastThreadLocal<>() {
        @Override
        protected byte[] initialValue() {
            return new byte[SCRATCH_SIZE];
        }
    };

    /**
     * Returns an array-backed view of {@code [offset, offset + length)} of {@code buf}: over the backing array of
     * a heap buffer, else over a copy in the calling thread's scratch array, valid until the next
     * {@code forScan} on the same thread. The caller must not keep the view past its own use.
     */
    static ByteBufChars forScan(ByteBuf buf, int offset, int length) {
        if (buf.hasArray()) {
            return new ByteBufChars(buf, offset, length);
        }
        byte[] scratch = SCRATCH.get();
        if (scratch.length < length) {
            scratch = new byte[Math.max(length, Math.min(scratch.length * 2, Integer.MAX_VALUE - 8))];
            SCRATCH.set(scratch);
        }
        buf.getBytes(offset, scratch, 0, length);
        return new ByteBufChars(buf, scratch, length);
    }

    private ByteBufChars(ByteBuf buf, byte[] copy, int length) {
        this.buf = buf;
        this.length = length;
        this.array = copy;
        this.base = 0;
    }

    ByteBufChars(ByteBuf buf, int offset, int length) {
        this.buf = buf;
        this.length = length;
        if (buf.hasArray()) {
            array = buf.array();
            base = buf.arrayOffset() + offset;
        } else {
            array = null;
            final long address = PlatformDependent.hasUnsafe() && buf.hasMemoryAddress() ? buf.memoryAddress() : 0;
            base = address > 0 && address + offset > 0 ? address + offset : ~(long) offset;
        }
    }

    /** The index in {@link #buf} of octet 0 of the region, for a view without an array. */
    private int offset() {
        final long b = base;
        return b > 0 ? (int) (b - buf.memoryAddress()) : (int) ~b;
    }

    /** The array holding the region's octets (a heap buffer's, or a scratch copy), or null. */
    byte[] scanArray() {
        return array;
    }

    /** The index in {@link #scanArray()} of octet 0 of the region. */
    int scanBase() {
        return (int) base;
    }

    @Override
    public int length() {
        return length;
    }

    @Override
    public char charAt(int index) {
        return (char) at(index);
    }

    /**
     * Returns the octet at {@code index} as 0..255: the same as {@link #charAt(int)}, but callable without an
     * interface dispatch by scanners that know this class.
     */
    int at(int index) {
        // Kept below the JIT's small-method size so that every scanning loop inlines it.
        final byte[] a = array;
        return a != null ? a[(int) base + index] & 0xFF : direct(index);
    }

    /**
     * A direct buffer: from native memory, after the one bounds check that keeps the read inside the region; a
     * buffer without a usable address: through the buffer's own bounds- and reference-checked access.
     */
    private int direct(int index) {
        final long addr = base;
        if (addr > 0) {
            if (index < 0 || index >= length) {
                throw new IndexOutOfBoundsException("index: " + index + " (expected: 0.." + (length - 1) + ')');
            }
            return PlatformDependent.getByte(addr + index) & 0xFF;
        }
        return buf.getByte((int) ~addr + index) & 0xFF;
    }

    /**
     * Returns the index of the first {@code c} in {@code [from, to)}, or -1. An array-backed view (every scan view)
     * is searched eight octets at a time, any other with {@link ByteBuf#indexOf(int, int, byte)}.
     */
    int indexOf(int from, int to, char c) {
        final byte[] a = array;
        final byte v = (byte) c;
        if (a != null) {
            final int base = (int) this.base;
            final int r = indexOf(a, base + from, base + to, v);
            return r < 0 ? -1 : r - base;
        }
        final int offset = offset();
        final int r = buf.indexOf(offset + from, offset + to, v);
        return r < 0 ? -1 : r - offset;
    }

    /**
     * Returns the first array index of {@code v} in {@code [from, to)} of {@code a}, or -1; searches eight octets at
     * a time.
     */
    static int indexOf(byte[] a, int from, int to, byte v) {
        int i = from;
        if (to - i >= 8) {
            final long pattern = 0x0101010101010101L * (v & 0xFF);
            for (; i <= to - 8; i += 8) {
                final long w = (long) LONGS.get(a, i) ^ pattern;
                // Lowest octet of w that is zero: the first match (little-endian view).
                final long t = (w - 0x0101010101010101L) & ~w & 0x8080808080808080L;
                if (t != 0) {
                    return i + (Long.numberOfTrailingZeros(t) >>> 3);
                }
            }
        }
        for (; i < to; i++) {
            if (a[i] == v) {
                return i;
            }
        }
        return -1;
    }

    /**
     * Returns the first array index of ':' or LF in {@code [from, to)} of {@code a}, or -1; searches eight octets
     * at a time.
     */
    static int indexOfColonOrLf(byte[] a, int from, int to) {
        int i = from;
        for (; i <= to - 8; i += 8) {
            final long w = (long) LONGS.get(a, i);
            final long c = w ^ 0x3A3A3A3A3A3A3A3AL;
            final long l = w ^ 0x0A0A0A0A0A0A0A0AL;
            final long t = ((c - 0x0101010101010101L) & ~c | (l - 0x0101010101010101L) & ~l) & 0x8080808080808080L;
            if (t != 0) {
                return i + (Long.numberOfTrailingZeros(t) >>> 3);
            }
        }
        for (; i < to; i++) {
            if (a[i] == ':' || a[i] == '\n') {
                return i;
            }
        }
        return -1;
    }

    @Override
    public CharSequence subSequence(int start, int end) {
        if (start < 0 || end > length || start > end) {
            throw new IndexOutOfBoundsException("[" + start + ", " + end + ") (expected: within 0.." + length + ')');
        }
        if (array != null) {
            return new String(array, (int) base + start, end - start, StandardCharsets.ISO_8859_1);
        }
        return buf.toString(offset() + start, end - start, StandardCharsets.ISO_8859_1);
    }

    @Override
    public String toString() {
        return (String) subSequence(0, length);
    }
}
