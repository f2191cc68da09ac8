package io.siplb.loadtests.codec;

import java.text.ParseException;
import java.util.ListIterator;
import java.util.concurrent.TimeUnit;

import javax.sip.header.MaxForwardsHeader;
import javax.sip.header.RouteHeader;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;

import gov.nist.javax.sip.address.SipUri;
import gov.nist.javax.sip.header.Route;
import gov.nist.javax.sip.message.SIPMessage;
import gov.nist.javax.sip.message.SIPRequest;
import gov.nist.javax.sip.parser.StringMsgParser;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.siplb.codec.CSeq;
import io.siplb.codec.NameAddr;
import io.siplb.codec.SipMessage;
import io.siplb.codec.SipMessageParser;
import io.siplb.codec.Via;

/**
 * siplb's parser against JAIN-SIP RI's ({@code gov.nist.javax.sip.parser.StringMsgParser}, the parser of the
 * reference implementation of JSR 32), in one JMH run, on the same octets: the 926-byte INVITE
 * ({@link BenchmarkMessages#INVITE}) as one {@code byte[]}; siplb reads it through a heap {@link ByteBuf} wrapping
 * that very array ({@link Unpooled#wrappedBuffer(byte[])}, no copy), JAIN-SIP is given the array itself. Not
 * thread-safe; confined to the JMH benchmark thread ({@code Scope.Thread}).
 *
 * <p>What each side does per operation:
 * <ul>
 *   <li>{@code siplbParse}: {@link SipMessageParser#parse(ByteBuf)}: the start line, the index of every header
 *       line (name, value offsets, type) and the decode-time checks that give the RFC 4475 verdicts (Request-URI,
 *       every Via, From, To, Contact, Route and Record-Route value, Call-ID, CSeq, Max-Forwards, Content-Length);
 *       no header object and no String is made. The views are built on first use;</li>
 *   <li>{@code siplbParseAndRoutingViews}: the same, then every view the proxy reads when it routes this request:
 *       the top Via (its branch), Call-ID, CSeq (number and method), the From and To tags, Max-Forwards, the
 *       Route values (the first one's URI: host and {@code lr}) and the Request-URI's host, each as a String or a
 *       number, as {@code RequestRouter} and the transaction layer use them;</li>
 *   <li>{@code jainSipParse}: {@link StringMsgParser#parseSIPMessage(byte[], boolean, boolean,
 *       gov.nist.javax.sip.parser.ParseExceptionListener) parseSIPMessage(bytes, true, false, null)}: splits the
 *       octets into lines as Strings and parses every header into its object at once (there is no lazy mode):
 *       {@code Via} lists, addresses, URIs with their parameters, the Digest credentials, and copies the body;</li>
 *   <li>{@code jainSipParseAndRoutingViews}: the same, then the same routing fields read from its objects (plain
 *       getters on what the parse built).</li>
 * </ul>
 * So {@code jainSipParse} does more than {@code siplbParse} (every header as objects), and about as much as
 * {@code siplbParseAndRoutingViews} in what a router can use; the fair ratio for a proxy is
 * {@code jainSipParseAndRoutingViews / siplbParseAndRoutingViews}, with {@code jainSipParse / siplbParse} the one
 * for a message nobody reads past its index (a retransmission, a stateless response). Both sides' results are
 * consumed by the {@link Blackhole}; {@link #siplbRoutingFields()} and {@link #jainSipRoutingFields()} give what each
 * read, and the codec benchmarks' test checks that they agree.
 *
 * <p>Run (results in load-tests/BENCHMARKS.md, "siplb's parser against JAIN-SIP RI's"):
 * <pre>{@code
 * java -jar load-tests/target/benchmarks.jar ParserComparisonBenchmark -f 1 -wi 5 -i 5 -w 1s -r 1s -prof gc \
 *     -prof io.siplb.loadtests.CpuTimeProfiler
 * }</pre>
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 5, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(2)
public class ParserComparisonBenchmark {

    private final SipMessageParser siplb = new SipMessageParser();
    private final StringMsgParser jainSip = new StringMsgParser();
    private byte[] bytes;
    private ByteBuf invite;

    @Setup(Level.Trial)
    public void setUp() {
        bytes = BenchmarkMessages.bytes(BenchmarkMessages.INVITE);
        invite = Unpooled.wrappedBuffer(bytes);
        final String siplbFields = siplbRoutingFields();
        final String jainSipFields = jainSipRoutingFields();
        if (!siplbFields.equals(jainSipFields)) {
            throw new IllegalStateException("the parsers read " + BenchmarkMessages.INVITE + " differently: siplb " +
                                            siplbFields + ", JAIN-SIP " + jainSipFields);
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        invite.release();
    }

    @Benchmark
    public void siplbParse(Blackhole bh) {
        final SipMessage message = siplb.parse(invite);
        try {
            bh.consume(message.headerCount());
            bh.consume(message.callIdStart());
        } finally {
            message.release();
        }
    }

    @Benchmark
    public void siplbParseAndRoutingViews(Blackhole bh) {
        final SipMessage message = siplb.parse(invite);
        try {
            final Via via = message.topVia();
            bh.consume(via.branch());
            bh.consume(message.callId());
            final CSeq cseq = message.cseq();
            bh.consume(cseq.number());
            bh.consume(cseq.method());
            bh.consume(message.from().tag());
            bh.consume(message.to().tag());
            bh.consume(message.maxForwards());
            final NameAddr route = message.routes().get(0);
            bh.consume(route.uri().host());
            bh.consume(route.uri().lr());
            bh.consume(message.requestUri().host());
        } finally {
            message.release();
        }
    }

    @Benchmark
    public void jainSipParse(Blackhole bh) throws ParseException {
        bh.consume(jainSip.parseSIPMessage(bytes, true, false, null));
    }

    @Benchmark
    public void jainSipParseAndRoutingViews(Blackhole bh) throws ParseException {
        final SIPMessage message = jainSip.parseSIPMessage(bytes, true, false, null);
        bh.consume(message.getTopmostVia().getBranch());
        bh.consume(message.getCallId().getCallId());
        bh.consume(message.getCSeq().getSeqNumber());
        bh.consume(message.getCSeq().getMethod());
        bh.consume(message.getFrom().getTag());
        bh.consume(message.getTo().getTag());
        bh.consume(((MaxForwardsHeader) message.getHeader(MaxForwardsHeader.NAME)).getMaxForwards());
        final SipUri route = firstRoute(message);
        bh.consume(route.getHost());
        bh.consume(route.hasLrParam());
        bh.consume(((SipUri) ((SIPRequest) message).getRequestURI()).getHost());
    }

    /** What {@code siplbParseAndRoutingViews} reads, as one line. */
    String siplbRoutingFields() {
        final SipMessage message = siplb.parse(invite);
        try {
            if (!message.decoderResult().isSuccess()) {
                throw new IllegalStateException("siplb does not parse " + BenchmarkMessages.INVITE + ": " +
                                                message.errorText());
            }
            final NameAddr route = message.routes().get(0);
            return fields(message.topVia().branch(), message.callId(), message.cseq().number(),
                          message.cseq().method(), message.from().tag(), message.to().tag(), message.maxForwards(),
                          message.routes().size(), route.uri().host(), route.uri().lr(),
                          message.requestUri().host());
        } finally {
            message.release();
        }
    }

    /** What {@code jainSipParseAndRoutingViews} reads, as one line. */
    String jainSipRoutingFields() {
        final SIPMessage message;
        try {
            message = jainSip.parseSIPMessage(bytes, true, false, null);
        } catch (ParseException e) {
            throw new IllegalStateException("JAIN-SIP does not parse " + BenchmarkMessages.INVITE, e);
        }
        final SipUri route = firstRoute(message);
        int routes = 0;
        for (ListIterator<?> it = message.getHeaders(RouteHeader.NAME); it.hasNext(); it.next()) {
            routes++;
        }
        return fields(message.getTopmostVia().getBranch(), message.getCallId().getCallId(),
                      message.getCSeq().getSeqNumber(), message.getCSeq().getMethod(), message.getFrom().getTag(),
                      message.getTo().getTag(),
                      ((MaxForwardsHeader) message.getHeader(MaxForwardsHeader.NAME)).getMaxForwards(), routes,
                      route.getHost(), route.hasLrParam(), ((SipUri) ((SIPRequest) message).getRequestURI()).getHost());
    }

    private static SipUri firstRoute(SIPMessage message) {
        return (SipUri) ((Route) message.getHeader(RouteHeader.NAME)).getAddress().getURI();
    }

    private static String fields(String branch, String callId, long cseq, String method, String fromTag, String toTag,
                                 int maxForwards, int routes, String routeHost, boolean lr, String requestUriHost) {
        return "branch=" + branch + " call-id=" + callId + " cseq=" + cseq + " " + method + " from-tag=" + fromTag +
               " to-tag=" + toTag + " max-forwards=" + maxForwards + " routes=" + routes + " route[0]=" + routeHost +
               (lr ? ";lr" : "") + " request-uri-host=" + requestUriHost;
    }
}
