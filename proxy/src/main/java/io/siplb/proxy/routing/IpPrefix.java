package io.siplb.proxy.routing;

import java.net.InetAddress;

import io.netty.util.NetUtil;

/**
 * An IPv4 or IPv6 address block, {@code ADDRESS/BITS}, or one address (all bits). An IPv4-mapped IPv6 source
 * ({@code ::ffff:192.0.2.1}, as a dual-stack socket may report it) matches the IPv4 blocks. Immutable.
 */
final class IpPrefix {

    private final String text;
    private final byte[] network;
    private final int bits;

    private IpPrefix(String text, byte[] network, int bits) {
        this.text = text;
        this.network = network;
        this.bits = bits;
    }

    /**
     * Parses {@code IP} or {@code IP/BITS} (IPv6 without brackets; bits 0..32 for IPv4, 0..128 for IPv6). Host bits
     * set below the prefix are accepted and ignored ({@code 192.0.2.7/24} is {@code 192.0.2.0/24}).
     *
     * @return the block, or {@code null} when {@code text} is not of that form
     */
    static IpPrefix parse(String text) {
        final String t = text.trim();
        final int slash = t.indexOf('/');
        final String ip = slash < 0 ? t : t.substring(0, slash);
        final byte[] address = NetUtil.createByteArrayFromIpAddressString(ip);
        if (address == null || ip.startsWith("[")) {
            return null;
        }
        final int max = address.length * 8;
        int bits = max;
        if (slash >= 0) {
            final String b = t.substring(slash + 1);
            if (b.isEmpty() || b.length() > 3 || !b.chars().allMatch(c -> c >= '0' && c <= '9')) {
                return null;
            }
            bits = Integer.parseInt(b);
            if (bits > max) {
                return null;
            }
        }
        for (int i = 0; i < address.length; i++) {
            address[i] &= mask(bits, i);
        }
        return new IpPrefix(t, address, bits);
    }

    /** The mask of octet {@code i} for a prefix of {@code bits}. */
    private static byte mask(int bits, int i) {
        final int n = bits - i * 8;
        return n >= 8 ? (byte) 0xFF : n <= 0 ? 0 : (byte) (0xFF << (8 - n));
    }

    /** Returns {@code true} when {@code address} (4 or 16 octets, from {@link InetAddress#getAddress()}) is inside. */
    boolean contains(byte[] address) {
        int offset = 0;
        if (address.length != network.length) {
            if (network.length == 4 && isIpv4Mapped(address)) {
                offset = 12;
            } else {
                return false;
            }
        }
        for (int i = 0; i < network.length; i++) {
            if ((address[offset + i] & mask(bits, i)) != network[i]) {
                return false;
            }
        }
        return true;
    }

    private static boolean isIpv4Mapped(byte[] a) {
        if (a.length != 16) {
            return false;
        }
        for (int i = 0; i < 10; i++) {
            if (a[i] != 0) {
                return false;
            }
        }
        return a[10] == (byte) 0xFF && a[11] == (byte) 0xFF;
    }

    @Override
    public String toString() {
        return text;
    }
}
