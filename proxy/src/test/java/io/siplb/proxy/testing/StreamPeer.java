package io.siplb.proxy.testing;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One TCP (or TLS, given a connected {@link javax.net.ssl.SSLSocket}) connection standing in for a SIP user agent in
 * tests: writes text, and a reader thread frames what arrives by Content-Length (RFC 3261 §18.3) into a queue of
 * whole messages, counting bare CRLF keep-alive pongs and noticing when the peer closes. Thread-safe: the queue and
 * counters are concurrent; writes are synchronized.
 */
public final class StreamPeer implements AutoCloseable {

    private static final Pattern CONTENT_LENGTH =
            Pattern.compile("(?im)^(?:content-length|l)[ \\t]*:[ \\t]*(\\d+)[ \\t]*$");

    private final Socket socket;
    private final OutputStream out;
    private final BlockingQueue<String> messages = new LinkedBlockingQueue<>();
    private final AtomicInteger pongs = new AtomicInteger();
    private final CountDownLatch closed = new CountDownLatch(1);
    private final Thread reader;

    private StreamPeer(Socket socket) throws IOException {
        this.socket = socket;
        socket.setTcpNoDelay(true);
        out = socket.getOutputStream();
        final InputStream in = socket.getInputStream();
        reader = new Thread(() -> read(in), "stream-peer-" + socket.getLocalPort());
        reader.setDaemon(true);
        reader.start();
    }

    /** Connects to {@code to} from 127.0.0.1 (or ::1 for an IPv6 target). */
    public static StreamPeer connect(InetSocketAddress to) {
        try {
            final Socket s = new Socket();
            s.connect(to, 3000);
            return new StreamPeer(s);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Wraps a connected socket (a TLS socket whose handshake the caller started). */
    public static StreamPeer of(Socket connected) {
        try {
            return new StreamPeer(connected);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Returns the local address. */
    public InetSocketAddress localAddress() {
        return (InetSocketAddress) socket.getLocalSocketAddress();
    }

    /** Returns the local port. */
    public int port() {
        return socket.getLocalPort();
    }

    /** Writes {@code text}. */
    public synchronized void send(String text) {
        sendRaw(text.getBytes(StandardCharsets.UTF_8));
    }

    /** Writes {@code bytes}. */
    public synchronized void sendRaw(byte[] bytes) {
        try {
            out.write(bytes);
            out.flush();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Returns the next whole message, or {@code null} after {@code timeoutMillis}. */
    public String receive(int timeoutMillis) {
        try {
            return messages.poll(timeoutMillis, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
    }

    /** Returns the CRLF pongs received so far. */
    public int pongs() {
        return pongs.get();
    }

    /** Waits until the peer closes the connection; returns whether it did within {@code timeoutMillis}. */
    public boolean awaitClosed(int timeoutMillis) {
        try {
            return closed.await(timeoutMillis, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** Returns whether the peer has closed the connection. */
    public boolean isClosed() {
        return closed.getCount() == 0;
    }

    /** Stops reading: the reader thread ends, so that the peer's writes pile up in the kernel (a stalled peer). */
    public void stopReading() {
        reader.interrupt();
    }

    private void read(InputStream in) {
        final ByteArrayOutputStream buf = new ByteArrayOutputStream();
        final byte[] chunk = new byte[65536];
        try {
            while (!Thread.currentThread().isInterrupted()) {
                final int n = in.read(chunk);
                if (n < 0) {
                    break;
                }
                buf.write(chunk, 0, n);
                byte[] all = buf.toByteArray();
                int start = 0;
                while (true) {
                    int p = start;
                    while (p + 1 < all.length && all[p] == '\r' && all[p + 1] == '\n') {
                        pongs.incrementAndGet();
                        p += 2;
                    }
                    start = p;
                    final String text = new String(all, start, all.length - start, StandardCharsets.ISO_8859_1);
                    final int head = text.indexOf("\r\n\r\n");
                    if (head < 0) {
                        break;
                    }
                    final Matcher m = CONTENT_LENGTH.matcher(text.substring(0, head));
                    final int body = m.find() ? Integer.parseInt(m.group(1)) : 0;
                    if (text.length() < head + 4 + body) {
                        break;
                    }
                    messages.add(new String(all, start, head + 4 + body, StandardCharsets.UTF_8));
                    start += head + 4 + body;
                }
                buf.reset();
                buf.write(all, start, all.length - start);
            }
        } catch (IOException e) {
            // closed or reset
        } finally {
            if (!Thread.currentThread().isInterrupted()) {
                closed.countDown();
            }
        }
    }

    /** Closes the connection. */
    @Override
    public void close() {
        try {
            socket.close();
        } catch (IOException e) {
            // closing
        }
        closed.countDown();
    }

    /** Resets the connection (RST instead of FIN). */
    public void reset() {
        try {
            socket.setSoLinger(true, 0);
        } catch (IOException e) {
            // closing anyway
        }
        close();
    }

    /** A listening TCP socket standing in for a backend that accepts siplb's connections. */
    public static final class Server implements AutoCloseable {
        private final ServerSocket socket;

        private Server(ServerSocket socket) {
            this.socket = socket;
        }

        /** Listens on an ephemeral port of 127.0.0.1. */
        public static Server listen() {
            try {
                return new Server(new ServerSocket(0, 50, InetAddress.getLoopbackAddress()));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        /** Wraps a bound server socket (a TLS one). */
        public static Server of(ServerSocket bound) {
            return new Server(bound);
        }

        /** Returns the port. */
        public int port() {
            return socket.getLocalPort();
        }

        /** Accepts the next connection, or returns {@code null} after {@code timeoutMillis}. */
        public StreamPeer accept(int timeoutMillis) {
            try {
                socket.setSoTimeout(timeoutMillis);
                return new StreamPeer(socket.accept());
            } catch (SocketTimeoutException e) {
                return null;
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        @Override
        public void close() {
            try {
                socket.close();
            } catch (IOException e) {
                // closing
            }
        }
    }
}
