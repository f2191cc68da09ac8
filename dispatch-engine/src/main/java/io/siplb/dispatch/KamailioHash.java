package io.siplb.dispatch;

/**
 * Kamailio dispatcher's key hash ({@code ds_get_hash(x, y)}), bit for bit, as used by the hash algorithms in
 * {@link HashMode#KAMAILIO} and by Kamailio's {@code dispatcher.hash} RPC. Stateless. Immutable.
 *
 * <p>The algorithm, over the bytes of each non-null key in turn (x, then y), with 32-bit unsigned arithmetic and
 * the bytes read as signed C {@code char}s:
 * <ol>
 *   <li>for every full 4-byte block: {@code v = (p0 << 24) + (p1 << 16) + (p2 << 8) + p3; h += v ^ (v >> 3)};</li>
 *   <li>then the 0 to 3 remaining bytes: {@code v = 0; v = (v << 8) + b ...; h += v ^ (v >> 3)}, even when no
 *       byte remains;</li>
 * </ol>
 * and finally {@code h = (h + (h >> 11)) + ((h >> 13) + (h >> 23))}, returning 1 instead of 0.
 * Characters are hashed as their UTF-8 bytes, which is what Kamailio sees on the wire. Selection takes
 * {@code Integer.remainderUnsigned(hash, n)}.
 */
public final class KamailioHash {

    private KamailioHash() {
    }

    /** Returns {@code ds_get_hash(x, NULL)}. */
    public static int hash(CharSequence x) {
        return finish(update(0, x, 0, x.length()));
    }

    /** Returns {@code ds_get_hash(x, y)}; {@code y} may be {@code null}. */
    public static int hash(CharSequence x, CharSequence y) {
        int h = update(0, x, 0, x.length());
        if (y != null) {
            h = update(h, y, 0, y.length());
        }
        return finish(h);
    }

    /** Returns {@code ds_get_hash} of {@code x[start, end)} ({@code y} absent). Does not allocate. */
    public static int hash(CharSequence x, int start, int end) {
        return finish(update(0, x, start, end));
    }

    /** Returns {@code ds_get_hash} of the bytes {@code b[offset, offset + length)} ({@code y} absent). */
    public static int hash(byte[] b, int offset, int length) {
        return finish(update(0, b, offset, length));
    }

    /**
     * Adds the bytes {@code b[offset, offset + length)} as one key to a running hash {@code h} (start with 0);
     * call {@link #finish(int)} after the last key.
     */
    public static int update(int h, byte[] b, int offset, int length) {
        int p = offset;
        final int end = offset + length;
        for (; p + 4 <= end; p += 4) {
            final int v = (b[p] << 24) + (b[p + 1] << 16) + (b[p + 2] << 8) + b[p + 3];
            h += v ^ (v >>> 3);
        }
        int v = 0;
        for (; p < end; p++) {
            v = (v << 8) + b[p];
        }
        return h + (v ^ (v >>> 3));
    }

    /**
     * Adds the UTF-8 bytes of {@code s[start, end)} as one key to a running hash {@code h} (start with 0); call
     * {@link #finish(int)} after the last key. Does not allocate.
     */
    public static int update(int h, CharSequence s, int start, int end) {
        // Bytes are fed through a 4-byte window: 'v' accumulates, 'n' counts bytes in the current block.
        int v = 0;
        int n = 0;
        for (int i = start; i < end; i++) {
            final char c = s.charAt(i);
            if (c < 0x80) {
                v = (v << 8) + c;
                if (++n == 4) {
                    h += v ^ (v >>> 3);
                    v = 0;
                    n = 0;
                }
                continue;
            }
            int cp = c;
            if (Character.isHighSurrogate(c) && i + 1 < end && Character.isLowSurrogate(s.charAt(i + 1))) {
                cp = Character.toCodePoint(c, s.charAt(++i));
            } else if (Character.isSurrogate(c)) {
                cp = '?'; // what String.getBytes(UTF_8) writes for a lone surrogate
            }
            final int count;
            final int b0;
            if (cp < 0x80) {
                count = 1;
                b0 = cp;
            } else if (cp < 0x800) {
                count = 2;
                b0 = 0xC0 | (cp >> 6);
            } else if (cp < 0x10000) {
                count = 3;
                b0 = 0xE0 | (cp >> 12);
            } else {
                count = 4;
                b0 = 0xF0 | (cp >> 18);
            }
            for (int k = 0; k < count; k++) {
                final int unsigned = k == 0 ? b0 : 0x80 | ((cp >> (6 * (count - 1 - k))) & 0x3F);
                v = (v << 8) + (byte) unsigned; // signed char, as in C on x86
                if (++n == 4) {
                    h += v ^ (v >>> 3);
                    v = 0;
                    n = 0;
                }
            }
        }
        return h + (v ^ (v >>> 3));
    }

    /** Applies Kamailio's final mixing step to a running hash; never returns 0. */
    public static int finish(int h) {
        h = (h + (h >>> 11)) + ((h >>> 13) + (h >>> 23));
        return h != 0 ? h : 1;
    }

    /** Returns the unsigned value of a hash, as Kamailio prints it. */
    public static long unsigned(int hash) {
        return hash & 0xFFFFFFFFL;
    }
}
