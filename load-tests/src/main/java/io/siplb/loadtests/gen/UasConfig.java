package io.siplb.loadtests.gen;

import static java.util.Objects.requireNonNull;

import java.io.File;
import java.net.InetSocketAddress;
import java.time.Duration;

/**
 * What a {@link Uas} does: where it listens, over what, how it answers ({@link UasMode}), the name it gives itself
 * in its {@code Server} header (so a UAC counts the calls each UAS got), and its sockets and threads. Built by
 * {@link #builder(InetSocketAddress)}; setters validate at call time. Immutable.
 *
 * <table>
 *   <caption>Settings</caption>
 *   <tr><th>Name</th><th>Default</th><th>Meaning</th></tr>
 *   <tr><td>listen</td><td>(required)</td><td>address and port (0: ephemeral) to listen on</td></tr>
 *   <tr><td>transport</td><td>UDP</td><td>UDP, TCP or TLS (TLS needs certificate and key PEM files)</td></tr>
 *   <tr><td>mode</td><td>answer</td><td>see {@link UasMode}</td></tr>
 *   <tr><td>name</td><td>uas-PORT</td><td>the {@code Server} header's value is {@code siplb-load-uas NAME}</td></tr>
 *   <tr><td>sockets</td><td>1</td><td>UDP sockets on the port ({@code SO_REUSEPORT}, epoll only)</td></tr>
 *   <tr><td>threads</td><td>1</td><td>event loop threads</td></tr>
 *   <tr><td>t1</td><td>500 ms</td><td>first 2xx (and non-2xx final) retransmission interval over UDP, until
 *       the ACK; the UAS gives up after 64 x T1 (RFC 3261 §13.3.1.4, §17.2.1)</td></tr>
 * </table>
 */
public final class UasConfig {

    private final InetSocketAddress listen;
    private final LoadTransport transport;
    private final UasMode mode;
    private final String name;
    private final int sockets;
    private final int threads;
    private final Duration t1;
    private final File certPem;
    private final File keyPem;
    private final LoadIo io;

    private UasConfig(Builder b) {
        listen = b.listen;
        transport = b.transport;
        mode = b.mode;
        name = b.name;
        sockets = b.sockets;
        threads = b.threads;
        t1 = b.t1;
        certPem = b.certPem;
        keyPem = b.keyPem;
        io = b.io;
    }

    public static Builder builder(InetSocketAddress listen) {
        return new Builder(listen);
    }

    public InetSocketAddress listen() {
        return listen;
    }

    public LoadTransport transport() {
        return transport;
    }

    public UasMode mode() {
        return mode;
    }

    /** Returns the name, or {@code null} for {@code uas-PORT} (the bound port). */
    public String name() {
        return name;
    }

    public int sockets() {
        return sockets;
    }

    public int threads() {
        return threads;
    }

    public Duration t1() {
        return t1;
    }

    public File certPem() {
        return certPem;
    }

    public File keyPem() {
        return keyPem;
    }

    public LoadIo io() {
        return io;
    }

    /** Builds a {@link UasConfig}. Not thread-safe. */
    public static final class Builder {
        private final InetSocketAddress listen;
        private LoadTransport transport = LoadTransport.UDP;
        private UasMode mode = UasMode.ANSWER;
        private String name;
        private int sockets = 1;
        private int threads = 1;
        private Duration t1 = Duration.ofMillis(500);
        private File certPem;
        private File keyPem;
        private LoadIo io = LoadIo.of("auto");

        private Builder(InetSocketAddress listen) {
            this.listen = requireNonNull(listen, "listen");
            if (listen.isUnresolved()) {
                throw new IllegalArgumentException("listen: " + listen + " does not resolve");
            }
        }

        public Builder transport(LoadTransport transport) {
            this.transport = requireNonNull(transport, "transport");
            return this;
        }

        public Builder mode(UasMode mode) {
            this.mode = requireNonNull(mode, "mode");
            return this;
        }

        public Builder name(String name) {
            requireNonNull(name, "name");
            if (name.isEmpty() || !name.chars().allMatch(c -> c > ' ' && c < 127)) {
                throw new IllegalArgumentException("name: '" + name + "' (expected: printable ASCII, no spaces)");
            }
            this.name = name;
            return this;
        }

        public Builder sockets(int sockets) {
            if (sockets <= 0 || sockets > 256) {
                throw new IllegalArgumentException("sockets: " + sockets + " (expected: 1..256)");
            }
            this.sockets = sockets;
            return this;
        }

        public Builder threads(int threads) {
            if (threads <= 0 || threads > 256) {
                throw new IllegalArgumentException("threads: " + threads + " (expected: 1..256)");
            }
            this.threads = threads;
            return this;
        }

        public Builder t1(Duration t1) {
            requireNonNull(t1, "t1");
            if (t1.isNegative() || t1.isZero()) {
                throw new IllegalArgumentException("t1: " + t1 + " (expected: > 0)");
            }
            this.t1 = t1;
            return this;
        }

        public Builder tls(File certPem, File keyPem) {
            this.certPem = certPem;
            this.keyPem = keyPem;
            return this;
        }

        public Builder io(LoadIo io) {
            this.io = requireNonNull(io, "io");
            return this;
        }

        public UasConfig build() {
            if (transport == LoadTransport.TLS && (certPem == null || keyPem == null)) {
                throw new IllegalArgumentException("tls: the UAS needs a certificate and a key (--cert, --key)");
            }
            if (sockets > 1 && (transport != LoadTransport.UDP || io != LoadIo.EPOLL)) {
                throw new IllegalArgumentException("sockets: " + sockets +
                                                   " (expected: 1, or UDP on epoll, which shares a port between " +
                                                   "sockets with SO_REUSEPORT)");
            }
            return new UasConfig(this);
        }
    }
}
