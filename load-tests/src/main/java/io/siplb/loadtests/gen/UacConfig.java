package io.siplb.loadtests.gen;

import static java.util.Objects.requireNonNull;

import java.io.File;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;

/**
 * What a {@link Uac} run does: where it sends, over what, in which mode, on which schedule, and its limits.
 * Built by {@link #builder(InetSocketAddress)}; setters validate at call time. Immutable.
 *
 * <table>
 *   <caption>Settings</caption>
 *   <tr><th>Name</th><th>Default</th><th>Meaning</th></tr>
 *   <tr><td>target</td><td>(required)</td><td>where out-of-dialog requests go (a proxy or a UAS)</td></tr>
 *   <tr><td>transport</td><td>UDP</td><td>UDP, TCP or TLS</td></tr>
 *   <tr><td>mode</td><td>INVITE</td><td>INVITE calls, or OPTIONS, MESSAGE, REGISTER transactions</td></tr>
 *   <tr><td>schedule</td><td>100 calls at 10/s</td><td>when calls are due (open model)</td></tr>
 *   <tr><td>hold</td><td>0</td><td>between the ACK and the BYE</td></tr>
 *   <tr><td>maxConcurrent</td><td>{@value #DEFAULT_MAX_CONCURRENT}</td><td>calls in flight beyond which a due
 *       call is not started and fails as {@link FailureReason#MAX_CONCURRENT}</td></tr>
 *   <tr><td>timeout</td><td>32 s (64 x T1)</td><td>wait for a final response (Timer B, Timer F)</td></tr>
 *   <tr><td>t1</td><td>500 ms</td><td>RFC 3261 T1: the first retransmission interval over UDP</td></tr>
 *   <tr><td>sockets</td><td>1</td><td>UDP sockets or TCP/TLS connections, calls spread evenly</td></tr>
 *   <tr><td>threads</td><td>1</td><td>event loop threads the sockets are spread over</td></tr>
 * </table>
 */
public final class UacConfig {

    /** Default cap on calls in flight. */
    public static final int DEFAULT_MAX_CONCURRENT = 100_000;
    /** RFC 3261 T2: the longest retransmission interval of a non-INVITE request. */
    static final Duration T2 = Duration.ofSeconds(4);

    private final InetSocketAddress target;
    private final LoadTransport transport;
    private final CallMode mode;
    private final Schedule schedule;
    private final Duration hold;
    private final int maxConcurrent;
    private final Duration timeout;
    private final Duration t1;
    private final int sockets;
    private final int threads;
    private final InetAddress localAddress;
    private final String service;
    private final File caPem;
    private final boolean insecure;
    private final LoadIo io;

    private UacConfig(Builder b) {
        target = b.target;
        transport = b.transport;
        mode = b.mode;
        schedule = b.schedule;
        hold = b.hold;
        maxConcurrent = b.maxConcurrent;
        timeout = b.timeout;
        t1 = b.t1;
        sockets = b.sockets;
        threads = b.threads;
        localAddress = b.localAddress;
        service = b.service;
        caPem = b.caPem;
        insecure = b.insecure;
        io = b.io;
    }

    /** Returns a builder for a run against {@code target}. */
    public static Builder builder(InetSocketAddress target) {
        return new Builder(target);
    }

    public InetSocketAddress target() {
        return target;
    }

    public LoadTransport transport() {
        return transport;
    }

    public CallMode mode() {
        return mode;
    }

    public Schedule schedule() {
        return schedule;
    }

    public Duration hold() {
        return hold;
    }

    public int maxConcurrent() {
        return maxConcurrent;
    }

    public Duration timeout() {
        return timeout;
    }

    public Duration t1() {
        return t1;
    }

    public int sockets() {
        return sockets;
    }

    public int threads() {
        return threads;
    }

    /** Returns the address the sockets bind to, or {@code null} for the one the system routes the target from. */
    public InetAddress localAddress() {
        return localAddress;
    }

    /** Returns the user part of the Request-URI, e.g. {@code "service"}. */
    public String service() {
        return service;
    }

    public File caPem() {
        return caPem;
    }

    public boolean insecure() {
        return insecure;
    }

    public LoadIo io() {
        return io;
    }

    /** Builds a {@link UacConfig}. Not thread-safe. */
    public static final class Builder {
        private final InetSocketAddress target;
        private LoadTransport transport = LoadTransport.UDP;
        private CallMode mode = CallMode.INVITE;
        private Schedule schedule = Schedule.constant(10, 100);
        private Duration hold = Duration.ZERO;
        private int maxConcurrent = DEFAULT_MAX_CONCURRENT;
        private Duration timeout = Duration.ofMillis(32_000);
        private Duration t1 = Duration.ofMillis(500);
        private int sockets = 1;
        private int threads = 1;
        private InetAddress localAddress;
        private String service = "service";
        private File caPem;
        private boolean insecure;
        private LoadIo io = LoadIo.of("auto");

        private Builder(InetSocketAddress target) {
            this.target = requireNonNull(target, "target");
            if (target.isUnresolved()) {
                throw new IllegalArgumentException("target: " + target + " does not resolve");
            }
        }

        public Builder transport(LoadTransport transport) {
            this.transport = requireNonNull(transport, "transport");
            return this;
        }

        public Builder mode(CallMode mode) {
            this.mode = requireNonNull(mode, "mode");
            return this;
        }

        public Builder schedule(Schedule schedule) {
            this.schedule = requireNonNull(schedule, "schedule");
            return this;
        }

        public Builder hold(Duration hold) {
            requireNonNull(hold, "hold");
            if (hold.isNegative()) {
                throw new IllegalArgumentException("hold: " + hold + " (expected: >= 0)");
            }
            this.hold = hold;
            return this;
        }

        public Builder maxConcurrent(int maxConcurrent) {
            if (maxConcurrent <= 0) {
                throw new IllegalArgumentException("maxConcurrent: " + maxConcurrent + " (expected: > 0)");
            }
            this.maxConcurrent = maxConcurrent;
            return this;
        }

        public Builder timeout(Duration timeout) {
            this.timeout = positive(timeout, "timeout");
            return this;
        }

        public Builder t1(Duration t1) {
            this.t1 = positive(t1, "t1");
            return this;
        }

        public Builder sockets(int sockets) {
            if (sockets <= 0 || sockets > 4096) {
                throw new IllegalArgumentException("sockets: " + sockets + " (expected: 1..4096)");
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

        public Builder localAddress(InetAddress localAddress) {
            this.localAddress = localAddress;
            return this;
        }

        public Builder service(String service) {
            requireNonNull(service, "service");
            if (service.isEmpty() || !service.chars().allMatch(c -> Character.isLetterOrDigit(c) ||
                                                                    "-_.!~*'()".indexOf(c) >= 0)) {
                throw new IllegalArgumentException("service: '" + service + "' (expected: a SIP user, e.g. service)");
            }
            this.service = service;
            return this;
        }

        public Builder caPem(File caPem) {
            this.caPem = caPem;
            return this;
        }

        public Builder insecure(boolean insecure) {
            this.insecure = insecure;
            return this;
        }

        public Builder io(LoadIo io) {
            this.io = requireNonNull(io, "io");
            return this;
        }

        public UacConfig build() {
            if (transport == LoadTransport.TLS && caPem == null && !insecure) {
                throw new IllegalArgumentException("tls: no CA file and not insecure (expected: --ca FILE or --insecure)");
            }
            return new UacConfig(this);
        }

        private static Duration positive(Duration d, String name) {
            requireNonNull(d, name);
            if (d.isNegative() || d.isZero()) {
                throw new IllegalArgumentException(name + ": " + d + " (expected: > 0)");
            }
            return d;
        }
    }
}
