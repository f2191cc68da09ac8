package io.siplb.loadtests.codec;

import java.util.concurrent.TimeUnit;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.siplb.codec.NameAddr;
import io.siplb.codec.SipMessage;
import io.siplb.codec.SipMessageParser;
import io.siplb.codec.Via;

/**
 * Parsing and indexing a typical 926-byte INVITE ({@link BenchmarkMessages#INVITE}) with {@link SipMessageParser},
 * and reading what a router needs from it: the Call-ID (hashed over its bytes, as the dispatcher's hash algorithms
 * do, without making a String), the top Via branch and the To tag. Each operation parses the same buffer again and
 * releases the message, so the figures include the retained slice and the index of one message. Not thread-safe;
 * confined to the JMH benchmark thread ({@code Scope.Thread}).
 *
 * <ul>
 *   <li>{@code parse}: start line and header index only (what every received datagram costs);</li>
 *   <li>{@code parseAndRoutingFields}: plus Call-ID hash, top Via branch and To tag (an initial INVITE's routing);</li>
 *   <li>{@code routingFieldsOfParsedMessage}: the typed accessors alone, on a message parsed in a per-invocation
 *       set-up of its own state ({@link ParsedInvite}), so their first-use cost is measured (Via and To values are
 *       parsed lazily); the set-up is outside the timing but, as with every {@code Level.Invocation} fixture, adds
 *       timer overhead to a short operation.</li>
 * </ul>
 *
 * <p>{@code buffer}: {@code heap} or {@code direct} pooled buffers (datagrams from an epoll channel are direct).
 *
 * <p>Run:
 * <pre>{@code
 * java -jar load-tests/target/benchmarks.jar ParseBenchmark -prof gc
 * # short run, as in BENCHMARKS.md (CpuTimeProfiler: CPU time per operation, steadier on a shared machine):
 * java -jar load-tests/target/benchmarks.jar ParseBenchmark -f 1 -wi 3 -i 5 -w 1s -r 1s -prof gc \
 *     -prof io.siplb.loadtests.CpuTimeProfiler
 * }</pre>
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 5, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(2)
public class ParseBenchmark {

    @Param({ "heap", "direct" })
    public String buffer;

    private final SipMessageParser parser = new SipMessageParser();
    private ByteBuf invite;

    @Setup(Level.Trial)
    public void setUp() {
        invite = BenchmarkMessages.buffer(BenchmarkMessages.INVITE, PooledByteBufAllocator.DEFAULT,
                                          "direct".equals(buffer));
        final SipMessage check = parser.parse(invite);
        try {
            if (!check.decoderResult().isSuccess() || check.topVia() == null || check.to() == null ||
                check.callIdStart() < 0) {
                throw new IllegalStateException(BenchmarkMessages.INVITE + " does not parse: " +
                                                check.errorText());
            }
        } finally {
            check.release();
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        invite.release();
    }

    @Benchmark
    public int parse() {
        final SipMessage message = parser.parse(invite);
        try {
            return message.headerCount();
        } finally {
            message.release();
        }
    }

    @Benchmark
    public void parseAndRoutingFields(Blackhole bh) {
        final SipMessage message = parser.parse(invite);
        try {
            readRoutingFields(message, bh);
        } finally {
            message.release();
        }
    }

    @Benchmark
    public void routingFieldsOfParsedMessage(ParsedInvite invite, Blackhole bh) {
        readRoutingFields(invite.message, bh);
    }

    private static void readRoutingFields(SipMessage message, Blackhole bh) {
        bh.consume(callIdHash(message));
        final Via via = message.topVia();
        bh.consume(via.branch());
        final NameAddr to = message.to();
        bh.consume(to.tag());
    }

    /**
     * A freshly parsed INVITE for each invocation of {@code routingFieldsOfParsedMessage}; its own state, so that
     * its per-invocation fixtures do not run around the other benchmarks. Not thread-safe; confined to the JMH
     * benchmark thread ({@code Scope.Thread}).
     */
    @State(Scope.Thread)
    public static class ParsedInvite {

        SipMessage message;

        @Setup(Level.Invocation)
        public void parse(ParseBenchmark benchmark) {
            message = benchmark.parser.parse(benchmark.invite);
        }

        @TearDown(Level.Invocation)
        public void release() {
            message.release();
        }
    }

    /** A hash of the Call-ID's bytes, read in place. */
    private static int callIdHash(SipMessage message) {
        final ByteBuf content = message.content();
        final int end = message.callIdEnd();
        int h = 0;
        for (int i = message.callIdStart(); i < end; i++) {
            h = 31 * h + content.getByte(i);
        }
        return h;
    }
}
