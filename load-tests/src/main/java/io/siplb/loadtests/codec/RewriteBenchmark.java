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

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.CompositeByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.siplb.codec.SipBranches;
import io.siplb.codec.SipMessage;
import io.siplb.codec.SipMessageParser;
import io.siplb.codec.SipRewriter;

/**
 * The forwarding rewrites of a stateless proxy with {@link SipRewriter} (RFC 3261 §16.6, §16.7): the output is a
 * composite of retained slices of the received message and one small buffer of new bytes, released at the end of
 * each operation as a transport would after writing it. Not thread-safe; confined to the JMH benchmark thread
 * ({@code Scope.Thread}).
 *
 * <ul>
 *   <li>{@code forwardRequest}: on a parsed INVITE ({@link BenchmarkMessages#INVITE}), {@code addVia} (a fixed
 *       branch), {@code decrementMaxForwards}, {@code removeFirstRoute}, {@code addRecordRoute}, {@code build};</li>
 *   <li>{@code forwardRequestStatelessBranch}: the same with the branch derived from the request
 *       ({@link SipBranches#stateless(SipMessage)}), as siplb does;</li>
 *   <li>{@code forwardResponse}: on a parsed 200 OK with four Via values ({@link BenchmarkMessages#RESPONSE}),
 *       {@code removeTopVia}, {@code build};</li>
 *   <li>{@code parseAndForwardRequest}: parse the INVITE, then {@code forwardRequestStatelessBranch}, then release
 *       both (the codec's whole per-request cost in a stateless proxy).</li>
 * </ul>
 *
 * <p>{@code buffer}: {@code heap} or {@code direct}, for both the received message and the allocator that builds the
 * output (pooled, as a Netty channel's).
 *
 * <p>Run:
 * <pre>{@code
 * java -jar load-tests/target/benchmarks.jar RewriteBenchmark -prof gc
 * # short run, as in BENCHMARKS.md (CpuTimeProfiler: CPU time per operation, steadier on a shared machine):
 * java -jar load-tests/target/benchmarks.jar RewriteBenchmark -f 1 -wi 3 -i 5 -w 1s -r 1s -prof gc \
 *     -prof io.siplb.loadtests.CpuTimeProfiler
 * }</pre>
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 5, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(2)
public class RewriteBenchmark {

    /** This proxy's sent-by, written in its Via. */
    private static final String SENT_BY = "SIP/2.0/UDP 192.0.2.5:5060";
    /** A fixed branch for {@code forwardRequest}, as long as a stateless one. */
    private static final String BRANCH = "z9hG4bKXv3kR0aT9fQmLcEwYpZs2g";
    /** This proxy's Record-Route value. */
    private static final String RECORD_ROUTE = "<sip:192.0.2.5:5060;lr>";

    @Param({ "heap", "direct" })
    public String buffer;

    private final SipMessageParser parser = new SipMessageParser();
    private final SipRewriter rewriter = new SipRewriter();
    private ByteBufAllocator alloc;
    private ByteBuf inviteBytes;
    private ByteBuf responseBytes;
    private SipMessage invite;
    private SipMessage response;

    @Setup(Level.Trial)
    public void setUp() {
        final boolean direct = "direct".equals(buffer);
        alloc = new PooledByteBufAllocator(direct);
        inviteBytes = BenchmarkMessages.buffer(BenchmarkMessages.INVITE, alloc, direct);
        responseBytes = BenchmarkMessages.buffer(BenchmarkMessages.RESPONSE, alloc, direct);
        invite = parsed(inviteBytes, BenchmarkMessages.INVITE);
        response = parsed(responseBytes, BenchmarkMessages.RESPONSE);
        // The rewrites must produce what a proxy sends, or the figures mean nothing.
        final int inviteOut = forwardRequestStatelessBranch();
        final int responseOut = forwardResponse();
        if (inviteOut <= invite.content().readableBytes() || responseOut >= response.content().readableBytes()) {
            throw new IllegalStateException("unexpected rewrite sizes: request " + invite.content().readableBytes() +
                                            " -> " + inviteOut + ", response " +
                                            response.content().readableBytes() + " -> " + responseOut);
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        invite.release();
        response.release();
        inviteBytes.release();
        responseBytes.release();
    }

    @Benchmark
    public int forwardRequest() {
        return sizeAndRelease(rewriter.rewrite(invite)
                                      .addVia(SENT_BY, BRANCH)
                                      .decrementMaxForwards()
                                      .removeFirstRoute()
                                      .addRecordRoute(RECORD_ROUTE)
                                      .build(alloc));
    }

    @Benchmark
    public int forwardRequestStatelessBranch() {
        return sizeAndRelease(rewriter.rewrite(invite)
                                      .addVia(SENT_BY, SipBranches.stateless(invite))
                                      .decrementMaxForwards()
                                      .removeFirstRoute()
                                      .addRecordRoute(RECORD_ROUTE)
                                      .build(alloc));
    }

    @Benchmark
    public int forwardResponse() {
        return sizeAndRelease(rewriter.rewrite(response).removeTopVia().build(alloc));
    }

    @Benchmark
    public int parseAndForwardRequest() {
        final SipMessage message = parser.parse(inviteBytes);
        try {
            return sizeAndRelease(rewriter.rewrite(message)
                                          .addVia(SENT_BY, SipBranches.stateless(message))
                                          .decrementMaxForwards()
                                          .removeFirstRoute()
                                          .addRecordRoute(RECORD_ROUTE)
                                          .build(alloc));
        } finally {
            message.release();
        }
    }

    private SipMessage parsed(ByteBuf bytes, String name) {
        final SipMessage message = parser.parse(bytes);
        if (!message.decoderResult().isSuccess()) {
            final String error = message.errorText();
            message.release();
            throw new IllegalStateException(name + " does not parse: " + error);
        }
        return message;
    }

    private static int sizeAndRelease(CompositeByteBuf out) {
        try {
            return out.readableBytes();
        } finally {
            out.release();
        }
    }
}
