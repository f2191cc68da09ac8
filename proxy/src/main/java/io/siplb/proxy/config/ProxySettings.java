package io.siplb.proxy.config;

import static java.util.Objects.requireNonNull;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * The proxy's own settings read from {@code siplb.*} (everything except {@code siplb.dispatcher}, which the dispatch
 * engine reads). Build with {@link #builder()}; every setter validates its argument. Immutable.
 *
 * <table>
 * <caption>Keys</caption>
 * <tr><th>Key</th><th>Type</th><th>Default</th><th>Meaning</th></tr>
 * <tr><td>{@code siplb.listen}</td><td>list of strings</td><td>{@code ["udp:127.0.0.1:5060"]}</td>
 *     <td>listeners, {@code udp:HOST:PORT}</td></tr>
 * <tr><td>{@code siplb.io.threads}</td><td>int</td><td>{@code 0} (one per core)</td>
 *     <td>event loop threads; with epoll one UDP socket per thread (SO_REUSEPORT)</td></tr>
 * <tr><td>{@code siplb.io.transport}</td><td>string</td><td>{@code auto}</td>
 *     <td>{@code auto} (epoll on Linux, else NIO), {@code epoll} or {@code nio}</td></tr>
 * <tr><td>{@code siplb.io.receive-buffer}</td><td>memory size</td><td>{@code 4m}</td>
 *     <td>SO_RCVBUF of each UDP socket ({@code 0}: the OS default; Linux caps it at
 *     {@code net.core.rmem_max})</td></tr>
 * <tr><td>{@code siplb.io.send-buffer}</td><td>memory size</td><td>{@code 0} (OS default)</td>
 *     <td>SO_SNDBUF of each UDP socket</td></tr>
 * <tr><td>{@code siplb.proxy.mode}</td><td>string</td><td>{@code stateful}</td>
 *     <td>{@code stateful} (transactions, failover) or {@code stateless}</td></tr>
 * <tr><td>{@code siplb.proxy.*} timers, failover, limits</td><td colspan="3">see {@link TransactionSettings}</td></tr>
 * <tr><td>{@code siplb.proxy.default-set}</td><td>int</td><td>{@code 1}</td>
 *     <td>destination set for initial requests</td></tr>
 * <tr><td>{@code siplb.proxy.advertised-address}</td><td>string</td><td>{@code ""}</td>
 *     <td>{@code HOST} or {@code HOST:PORT} written in Via and Record-Route instead of the listener's</td></tr>
 * <tr><td>{@code siplb.proxy.record-route}</td><td>boolean</td><td>{@code true}</td>
 *     <td>add Record-Route to dialog-creating requests</td></tr>
 * <tr><td>{@code siplb.proxy.retry-after}</td><td>duration</td><td>{@code 5s}</td>
 *     <td>Retry-After of the 503 sent when no destination is available</td></tr>
 * <tr><td>{@code siplb.dns.servers}</td><td>list of strings</td><td>{@code []} (the system's)</td>
 *     <td>DNS servers ({@code IP} or {@code IP:PORT}) for next hops named by host name</td></tr>
 * <tr><td>{@code siplb.dns.timeout}</td><td>duration</td><td>{@code 2s}</td>
 *     <td>how long one DNS query may take</td></tr>
 * <tr><td>{@code siplb.shutdown.quiet-period}</td><td>duration</td><td>{@code 100ms}</td>
 *     <td>quiet period of the event loops' graceful shutdown</td></tr>
 * <tr><td>{@code siplb.shutdown.timeout}</td><td>duration</td><td>{@code 3s}</td>
 *     <td>upper bound of the graceful shutdown</td></tr>
 * </table>
 */
public final class ProxySettings {

    /** Which Netty transport the listeners use. */
    public enum IoTransport {
        /** Native epoll when available (Linux), NIO otherwise. */
        AUTO,
        /** Native epoll; start-up fails when it is unavailable. */
        EPOLL,
        /** Java NIO. */
        NIO
    }

    /** How requests are forwarded. */
    public enum Mode {
        /** Transaction-stateful (RFC 3261 §16, §17): retransmissions, failover, CANCEL, call load. */
        STATEFUL,
        /** Stateless (RFC 3261 §16.11): every copy of a request is routed alike, nothing is kept. */
        STATELESS
    }

    /** Default SO_RCVBUF: room for a few thousand datagrams while an event loop is busy. */
    public static final int DEFAULT_RECEIVE_BUFFER_SIZE = 4 * 1024 * 1024;

    private final List<ListenAddress> listen;
    private final int ioThreads;
    private final IoTransport ioTransport;
    private final int receiveBufferSize;
    private final int sendBufferSize;
    private final int defaultSet;
    private final String advertisedHost;
    private final int advertisedPort;
    private final boolean recordRoute;
    private final Duration retryAfter;
    private final Duration shutdownQuietPeriod;
    private final Duration shutdownTimeout;
    private final List<InetSocketAddress> dnsServers;
    private final Duration dnsTimeout;
    private final Mode mode;
    private final TransactionSettings transactions;
    private final ProbeSettings probing;
    private final ConnectionSettings connections;

    private ProxySettings(Builder b) {
        probing = b.probing;
        connections = b.connections;
        mode = b.mode;
        transactions = b.transactions;
        listen = List.copyOf(b.listen);
        ioThreads = b.ioThreads;
        ioTransport = b.ioTransport;
        receiveBufferSize = b.receiveBufferSize;
        sendBufferSize = b.sendBufferSize;
        defaultSet = b.defaultSet;
        advertisedHost = b.advertisedHost;
        advertisedPort = b.advertisedPort;
        recordRoute = b.recordRoute;
        retryAfter = b.retryAfter;
        shutdownQuietPeriod = b.shutdownQuietPeriod;
        shutdownTimeout = b.shutdownTimeout;
        dnsServers = List.copyOf(b.dnsServers);
        dnsTimeout = b.dnsTimeout;
    }

    /** Returns a builder with every default. */
    public static Builder builder() {
        return new Builder();
    }

    /** Returns the listeners, in configuration order. */
    public List<ListenAddress> listen() {
        return listen;
    }

    /** Returns the configured event loop thread count; {@code 0} means one per available core. */
    public int ioThreads() {
        return ioThreads;
    }

    /** Returns the event loop thread count to use (resolving {@code 0}). */
    public int effectiveIoThreads() {
        return ioThreads > 0 ? ioThreads : Math.max(1, Runtime.getRuntime().availableProcessors());
    }

    /** Returns which Netty transport to use. */
    public IoTransport ioTransport() {
        return ioTransport;
    }

    /** Returns the SO_RCVBUF of each UDP socket in bytes; {@code 0} leaves the OS default. */
    public int receiveBufferSize() {
        return receiveBufferSize;
    }

    /** Returns the SO_SNDBUF of each UDP socket in bytes; {@code 0} leaves the OS default. */
    public int sendBufferSize() {
        return sendBufferSize;
    }

    /** Returns the destination set initial requests go to. */
    public int defaultSet() {
        return defaultSet;
    }

    /** Returns the host written in Via and Record-Route instead of the listener's address, or {@code null}. */
    public String advertisedHost() {
        return advertisedHost;
    }

    /** Returns the port written with {@link #advertisedHost()}, or {@code -1} for the listener's port. */
    public int advertisedPort() {
        return advertisedPort;
    }

    /** Returns whether dialog-creating requests get a Record-Route. */
    public boolean recordRoute() {
        return recordRoute;
    }

    /** Returns the Retry-After of the 503 sent when no destination can take a request. */
    public Duration retryAfter() {
        return retryAfter;
    }

    /** Returns the quiet period of the graceful shutdown. */
    public Duration shutdownQuietPeriod() {
        return shutdownQuietPeriod;
    }

    /** Returns the upper bound of the graceful shutdown. */
    public Duration shutdownTimeout() {
        return shutdownTimeout;
    }

    /** Returns the DNS servers for next hops named by host name; empty: the system's ({@code /etc/resolv.conf}). */
    public List<InetSocketAddress> dnsServers() {
        return dnsServers;
    }

    /** Returns how long one DNS query may take. */
    public Duration dnsTimeout() {
        return dnsTimeout;
    }

    /** Returns how requests are forwarded. */
    public Mode mode() {
        return mode;
    }

    /** Returns the transaction settings of the stateful mode. */
    public TransactionSettings transactions() {
        return transactions;
    }

    /** Returns the stream connection settings ({@code siplb.connections}, {@code siplb.websocket}). */
    public ConnectionSettings connections() {
        return connections;
    }

    /** Returns the keepalive probing settings ({@code siplb.dispatcher.probing}). */
    public ProbeSettings probing() {
        return probing;
    }

    @Override
    public String toString() {
        return "ProxySettings{mode=" + mode + ", listen=" + listen + ", ioThreads=" + ioThreads + ", ioTransport=" + ioTransport +
               ", defaultSet=" + defaultSet + ", advertised=" + advertisedHost + ':' + advertisedPort +
               ", recordRoute=" + recordRoute + ", retryAfter=" + retryAfter + '}';
    }

    /** Builds {@link ProxySettings}. Not thread-safe; confined to the thread building the settings. */
    public static final class Builder {

        private final List<ListenAddress> listen = new ArrayList<>();
        private int ioThreads;
        private IoTransport ioTransport = IoTransport.AUTO;
        private int receiveBufferSize = DEFAULT_RECEIVE_BUFFER_SIZE;
        private int sendBufferSize;
        private int defaultSet = 1;
        private String advertisedHost;
        private int advertisedPort = -1;
        private boolean recordRoute = true;
        private Duration retryAfter = Duration.ofSeconds(5);
        private Duration shutdownQuietPeriod = Duration.ofMillis(100);
        private Duration shutdownTimeout = Duration.ofSeconds(3);
        private List<InetSocketAddress> dnsServers = List.of();
        private Duration dnsTimeout = Duration.ofSeconds(2);
        private Mode mode = Mode.STATEFUL;
        private TransactionSettings transactions = TransactionSettings.defaults();
        private ProbeSettings probing = ProbeSettings.defaults();
        private ConnectionSettings connections = ConnectionSettings.defaults();

        /** Sets the stream connection settings. */
        public Builder connections(ConnectionSettings connections) {
            this.connections = requireNonNull(connections, "connections");
            return this;
        }

        /** Sets the keepalive probing settings. */
        public Builder probing(ProbeSettings probing) {
            this.probing = requireNonNull(probing, "probing");
            return this;
        }

        private Builder() {}

        /** Sets how requests are forwarded. */
        public Builder mode(Mode mode) {
            this.mode = requireNonNull(mode, "mode");
            return this;
        }

        /** Sets the transaction settings of the stateful mode. */
        public Builder transactions(TransactionSettings transactions) {
            this.transactions = requireNonNull(transactions, "transactions");
            return this;
        }

        /** Adds a listener. */
        public Builder addListen(ListenAddress address) {
            requireNonNull(address, "address");
            listen.add(address);
            return this;
        }

        /** Returns the listeners added so far. */
        List<ListenAddress> listenSoFar() {
            return listen;
        }

        /** Returns the advertised host set so far, or {@code null}. */
        String advertisedHostOrNull() {
            return advertisedHost;
        }

        /** Sets the event loop thread count; {@code 0} means one per core. */
        public Builder ioThreads(int ioThreads) {
            if (ioThreads < 0 || ioThreads > 1024) {
                throw new IllegalArgumentException("ioThreads: " + ioThreads + " (expected: 0..1024)");
            }
            this.ioThreads = ioThreads;
            return this;
        }

        /** Sets which Netty transport to use. */
        public Builder ioTransport(IoTransport ioTransport) {
            this.ioTransport = requireNonNull(ioTransport, "ioTransport");
            return this;
        }

        /**
         * Sets SO_RCVBUF and SO_SNDBUF of each UDP socket in bytes; {@code 0} leaves the OS default.
         */
        public Builder socketBuffers(int receiveBufferSize, int sendBufferSize) {
            if (receiveBufferSize < 0) {
                throw new IllegalArgumentException("receiveBufferSize: " + receiveBufferSize + " (expected: >= 0)");
            }
            if (sendBufferSize < 0) {
                throw new IllegalArgumentException("sendBufferSize: " + sendBufferSize + " (expected: >= 0)");
            }
            this.receiveBufferSize = receiveBufferSize;
            this.sendBufferSize = sendBufferSize;
            return this;
        }

        /** Sets the destination set initial requests go to. */
        public Builder defaultSet(int defaultSet) {
            if (defaultSet < 0) {
                throw new IllegalArgumentException("defaultSet: " + defaultSet + " (expected: >= 0)");
            }
            this.defaultSet = defaultSet;
            return this;
        }

        /**
         * Sets the address written in Via and Record-Route.
         *
         * @param host the host, or {@code null} for the listener's address
         * @param port the port, or {@code -1} for the listener's port
         */
        public Builder advertisedAddress(String host, int port) {
            if (port < -1 || port == 0 || port > 65535) {
                throw new IllegalArgumentException("advertisedPort: " + port + " (expected: 1..65535 or -1)");
            }
            if (host != null && host.isEmpty()) {
                throw new IllegalArgumentException("advertisedHost: \"\" (expected: a host name or IP address)");
            }
            advertisedHost = host;
            advertisedPort = host != null ? port : -1;
            return this;
        }

        /** Sets whether dialog-creating requests get a Record-Route. */
        public Builder recordRoute(boolean recordRoute) {
            this.recordRoute = recordRoute;
            return this;
        }

        /** Sets the Retry-After of the 503 sent when no destination can take a request (whole seconds). */
        public Builder retryAfter(Duration retryAfter) {
            requireNonNull(retryAfter, "retryAfter");
            if (retryAfter.isNegative() || retryAfter.getSeconds() > 86400) {
                throw new IllegalArgumentException("retryAfter: " + retryAfter + " (expected: 0s..1d)");
            }
            this.retryAfter = retryAfter;
            return this;
        }

        /** Sets the DNS servers for next hops named by host name (resolved addresses); empty: the system's. */
        public Builder dnsServers(List<InetSocketAddress> servers) {
            for (InetSocketAddress a : requireNonNull(servers, "servers")) {
                if (a.isUnresolved() || a.getPort() <= 0) {
                    throw new IllegalArgumentException("dnsServers: " + a + " (expected: IP:PORT)");
                }
            }
            dnsServers = List.copyOf(servers);
            return this;
        }

        /** Sets how long one DNS query may take: 1 ms .. 60 s. */
        public Builder dnsTimeout(Duration timeout) {
            requireNonNull(timeout, "timeout");
            if (timeout.toMillis() < 1 || timeout.getSeconds() > 60) {
                throw new IllegalArgumentException("dnsTimeout: " + timeout + " (expected: 1ms..60s)");
            }
            dnsTimeout = timeout;
            return this;
        }

        /** Sets the graceful shutdown's quiet period and upper bound. */
        public Builder shutdown(Duration quietPeriod, Duration timeout) {
            requireNonNull(quietPeriod, "quietPeriod");
            requireNonNull(timeout, "timeout");
            if (quietPeriod.isNegative()) {
                throw new IllegalArgumentException("quietPeriod: " + quietPeriod + " (expected: >= 0)");
            }
            if (timeout.compareTo(quietPeriod) < 0) {
                throw new IllegalArgumentException(
                        "timeout: " + timeout + " (expected: >= quietPeriod " + quietPeriod + ')');
            }
            shutdownQuietPeriod = quietPeriod;
            shutdownTimeout = timeout;
            return this;
        }

        /** Returns the settings. */
        public ProxySettings build() {
            if (listen.isEmpty()) {
                throw new IllegalArgumentException("listen: [] (expected: at least one udp:HOST:PORT)");
            }
            return new ProxySettings(this);
        }
    }
}
