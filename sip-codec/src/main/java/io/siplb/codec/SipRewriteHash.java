package io.siplb.codec;

import io.netty.buffer.ByteBuf;

/**
 * A streaming 128-bit MurmurHash3 (x64 variant) over message bytes and strings, used for the deterministic
 * stateless branch of {@link SipBranches} and the deterministic To tag of {@link SipResponses}. Fed byte by byte so
 * that several regions of a message can be hashed without copying them; each {@code field} call prefixes the bytes
 * with their length, so that {@code ("ab", "c")} and {@code ("a", "bc")} differ. The result is the same on every JVM
 * and every run for the same input and seed. Not thread-safe; confined to the channel's EventLoop.
 */
final class SipRewriteHash {

    private static final long C1 = 0x87c37b91114253d5L;
    private static final long C2 = 0x4cf5ad432745937fL;

    /** URL- and token-safe alphabet of RFC 4648 §5; every character is a SIP {@code token} character. */
    private static final char[] BASE64URL =
            "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_".toCharArray();

    private long h1;
    private long h2;
    private long k1;
    private long k2;
    private int pending;
    private long length;

    /** Starts a new hash with {@code seed}. */
    SipRewriteHash reset(long seed) {
        h1 = seed;
        h2 = seed;
        k1 = k2 = 0;
        pending = 0;
        length = 0;
        return this;
    }

    /** Adds one byte. */
    SipRewriteHash update(int b) {
        final long v = b & 0xFFL;
        if (pending < 8) {
            k1 |= v << (pending << 3);
        } else {
            k2 |= v << ((pending - 8) << 3);
        }
        length++;
        if (++pending == 16) {
            mixBlock();
        }
        return this;
    }

    /** Adds a 32-bit value (little-endian). */
    SipRewriteHash updateInt(int v) {
        update(v);
        update(v >>> 8);
        update(v >>> 16);
        return update(v >>> 24);
    }

    /** Adds a 64-bit value (little-endian). */
    SipRewriteHash updateLong(long v) {
        updateInt((int) v);
        return updateInt((int) (v >>> 32));
    }

    /** Adds the length of {@code buf[from, to)} and then its bytes; a negative range adds an absent field. */
    SipRewriteHash field(ByteBuf buf, int from, int to) {
        if (from < 0 || to < from) {
            return updateInt(-1);
        }
        updateInt(to - from);
        for (int i = from; i < to; i++) {
            update(buf.getByte(i));
        }
        return this;
    }

    /** Adds the length of {@code s} and then its characters (low byte of each); {@code null} adds an absent field. */
    SipRewriteHash field(CharSequence s) {
        if (s == null) {
            return updateInt(-1);
        }
        final int len = s.length();
        updateInt(len);
        for (int i = 0; i < len; i++) {
            update(s.charAt(i));
        }
        return this;
    }

    /** Finishes the hash; read the result with {@link #high()} and {@link #low()} and call {@link #reset} again. */
    SipRewriteHash finish() {
        if (pending > 0) {
            // Tail as in MurmurHash3_x64_128.
            k2 *= C2;
            k2 = Long.rotateLeft(k2, 33);
            k2 *= C1;
            h2 ^= k2;
            k1 *= C1;
            k1 = Long.rotateLeft(k1, 31);
            k1 *= C2;
            h1 ^= k1;
            k1 = k2 = 0;
            pending = 0;
        }
        h1 ^= length;
        h2 ^= length;
        h1 += h2;
        h2 += h1;
        h1 = fmix64(h1);
        h2 = fmix64(h2);
        h1 += h2;
        h2 += h1;
        return this;
    }

    /** First 64 bits of the finished hash. */
    long high() {
        return h1;
    }

    /** Last 64 bits of the finished hash. */
    long low() {
        return h2;
    }

    /** Appends {@code v} as 11 base64url characters (64 bits, most significant first). */
    static StringBuilder appendBase64Url(StringBuilder out, long v) {
        for (int i = 1; i <= 11; i++) {
            final int shift = 64 - 6 * i;
            final int sextet = (int) (shift >= 0 ? v >>> shift : v << -shift) & 63;
            out.append(BASE64URL[sextet]);
        }
        return out;
    }

    private void mixBlock() {
        k1 *= C1;
        k1 = Long.rotateLeft(k1, 31);
        k1 *= C2;
        h1 ^= k1;
        h1 = Long.rotateLeft(h1, 27);
        h1 += h2;
        h1 = h1 * 5 + 0x52dce729;
        k2 *= C2;
        k2 = Long.rotateLeft(k2, 33);
        k2 *= C1;
        h2 ^= k2;
        h2 = Long.rotateLeft(h2, 31);
        h2 += h1;
        h2 = h2 * 5 + 0x38495ab5;
        k1 = k2 = 0;
        pending = 0;
    }

    private static long fmix64(long k) {
        k ^= k >>> 33;
        k *= 0xff51afd7ed558ccdL;
        k ^= k >>> 33;
        k *= 0xc4ceb9fe1a85ec53L;
        k ^= k >>> 33;
        return k;
    }
}
