package io.siplb.codec;

import io.netty.buffer.ByteBuf;

/**
 * Finds one {@code ;name[=value]} parameter inside a single header value (a {@code via-parm}, a {@code name-addr}
 * or an {@code addr-spec}) by scanning the bytes of the message, without building strings. Parameters start at
 * the first {@code ;} that is outside a quoted string and outside {@code <...>} (RFC 3261 §20.10: parameters of a
 * URI inside angle brackets belong to the URI, not to the header); quoted parameter values may contain {@code ;}.
 * Used by {@link SipRewriter} and {@link SipResponses} so that both also work on a partially indexed message. Each
 * instance holds the last match. Not thread-safe; confined to the channel's EventLoop.
 */
final class SipRewriteParams {

    /** Offset of the first byte of the matched parameter's name. */
    int nameStart = -1;
    /** Offset after the last byte of the matched parameter's name. */
    int nameEnd = -1;
    /** Offset of the first byte of the matched parameter's value (trimmed), or -1 when it has no {@code =}. */
    int valueStart = -1;
    /** Offset after the last byte of the matched parameter's value (trimmed), or -1 when it has no {@code =}. */
    int valueEnd = -1;

    /** Returns {@code true} when the last match carried a value ({@code name=value}). */
    boolean hasValue() {
        return valueStart >= 0;
    }

    /**
     * Looks for the parameter {@code lowerName} (ASCII lower case; compared case-insensitively, RFC 3261 §7.3.1)
     * in {@code buf[from, to)}; on success records its offsets in this instance.
     *
     * @return {@code true} when found
     */
    boolean find(ByteBuf buf, int from, int to, String lowerName) {
        nameStart = nameEnd = valueStart = valueEnd = -1;
        int i = firstParam(buf, from, to);
        while (i < to) {
            // i is just after a ';'
            final int ns = skipWs(buf, i, to);
            int ne = ns;
            while (ne < to) {
                final byte b = buf.getByte(ne);
                if (b == '=' || b == ';' || isWs(b)) {
                    break;
                }
                ne++;
            }
            int j = skipWs(buf, ne, to);
            int vs = -1;
            int ve = -1;
            if (j < to && buf.getByte(j) == '=') {
                vs = skipWs(buf, j + 1, to);
                j = vs;
                while (j < to) {
                    final byte b = buf.getByte(j);
                    if (b == '"') {
                        j = skipQuoted(buf, j, to);
                        continue;
                    }
                    if (b == ';') {
                        break;
                    }
                    j++;
                }
                ve = j;
                while (ve > vs && isWs(buf.getByte(ve - 1))) {
                    ve--;
                }
            } else {
                while (j < to && buf.getByte(j) != ';') {
                    j++;
                }
            }
            if (nameEquals(buf, ns, ne, lowerName)) {
                nameStart = ns;
                nameEnd = ne;
                valueStart = vs;
                valueEnd = ve;
                return true;
            }
            i = j + 1;
        }
        return false;
    }

    /** Returns the offset just after the first parameter-starting {@code ;} of {@code [from, to)}, or {@code to}. */
    static int firstParam(ByteBuf buf, int from, int to) {
        final int semi = firstUnquoted(buf, from, to, (byte) ';');
        return semi < to ? semi + 1 : to;
    }

    /**
     * Returns the offset of the first comma of {@code [from, to)} that separates two header values (outside quoted
     * strings and {@code <...>}), or {@code to} when there is none.
     */
    static int valueEnd(ByteBuf buf, int from, int to) {
        return firstUnquoted(buf, from, to, (byte) ',');
    }

    /**
     * Returns the offset of the first {@code target} of {@code [from, to)} outside quoted strings and
     * {@code <...>}, or {@code to}.
     */
    private static int firstUnquoted(ByteBuf buf, int from, int to, byte target) {
        int i = from;
        while (i < to) {
            final byte b = buf.getByte(i);
            if (b == '"') {
                i = skipQuoted(buf, i, to);
                continue;
            }
            if (b == '<') {
                final int gt = buf.indexOf(i + 1, to, (byte) '>');
                i = gt < 0 ? to : gt + 1;
                continue;
            }
            if (b == target) {
                return i;
            }
            i++;
        }
        return to;
    }

    /** Returns the offset after the closing quote of the quoted string opening at {@code start}, or {@code to}. */
    static int skipQuoted(ByteBuf buf, int start, int to) {
        int i = start + 1;
        while (i < to) {
            final byte b = buf.getByte(i);
            if (b == '\\') {
                i += 2; // quoted-pair (RFC 3261 §25.1)
                continue;
            }
            if (b == '"') {
                return i + 1;
            }
            i++;
        }
        return to;
    }

    private static int skipWs(ByteBuf buf, int i, int to) {
        while (i < to && isWs(buf.getByte(i))) {
            i++;
        }
        return i;
    }

    private static boolean isWs(byte b) {
        return b == ' ' || b == '\t' || b == '\r' || b == '\n';
    }

    private static boolean nameEquals(ByteBuf buf, int start, int end, String lowerName) {
        final int len = lowerName.length();
        if (end - start != len) {
            return false;
        }
        for (int k = 0; k < len; k++) {
            byte b = buf.getByte(start + k);
            if (b >= 'A' && b <= 'Z') {
                b += 'a' - 'A';
            }
            if (b != lowerName.charAt(k)) {
                return false;
            }
        }
        return true;
    }
}
