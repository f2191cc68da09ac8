package io.siplb.proxy.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * A plain UDP socket on loopback standing in for a SIP user agent (a UAC or a UAS) in tests: sends and receives whole
 * datagrams, with bounded waits. Not thread-safe; confined to the test thread.
 */
public final class SipPeer implements AutoCloseable {

    private final DatagramSocket socket;
    private InetSocketAddress lastSender;

    private SipPeer(DatagramSocket socket) {
        this.socket = socket;
    }

    /** Binds a new peer to an ephemeral port of 127.0.0.1. */
    public static SipPeer bind() {
        try {
            return new SipPeer(new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0)));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Binds a new peer to {@code address} (a loopback address; port 0 for an ephemeral one). */
    public static SipPeer bind(InetSocketAddress address) {
        try {
            return new SipPeer(new DatagramSocket(address));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Binds a new peer to an ephemeral port of ::1. */
    public static SipPeer bindIpv6() {
        try {
            return new SipPeer(new DatagramSocket(new InetSocketAddress(InetAddress.getByName("::1"), 0)));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Returns the bound port. */
    public int port() {
        return socket.getLocalPort();
    }

    /** Returns the bound address. */
    public InetSocketAddress address() {
        return (InetSocketAddress) socket.getLocalSocketAddress();
    }

    /** Returns the sender of the last datagram received. */
    public InetSocketAddress lastSender() {
        return lastSender;
    }

    /** Sends {@code text} (UTF-8) as one datagram. */
    public void send(String text, InetSocketAddress to) {
        send(text.getBytes(StandardCharsets.UTF_8), to);
    }

    /** Sends {@code bytes} as one datagram. */
    public void send(byte[] bytes, InetSocketAddress to) {
        try {
            socket.send(new DatagramPacket(bytes, bytes.length, to));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Waits up to {@code timeoutMillis} for a datagram; returns its bytes, or {@code null} on timeout. */
    public byte[] receiveBytes(int timeoutMillis) {
        final byte[] buf = new byte[65536];
        final DatagramPacket p = new DatagramPacket(buf, buf.length);
        try {
            socket.setSoTimeout(Math.max(1, timeoutMillis));
            socket.receive(p);
        } catch (SocketTimeoutException e) {
            return null;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        lastSender = (InetSocketAddress) p.getSocketAddress();
        return Arrays.copyOf(buf, p.getLength());
    }

    /** Waits up to {@code timeoutMillis} for a datagram; returns it as UTF-8 text, or {@code null} on timeout. */
    public String receive(int timeoutMillis) {
        final byte[] b = receiveBytes(timeoutMillis);
        return b == null ? null : new String(b, StandardCharsets.UTF_8);
    }

    /** Reads and discards every datagram already queued. */
    public void drain() {
        while (receiveBytes(20) != null) {
            // discard
        }
    }

    @Override
    public void close() {
        socket.close();
    }
}
