package io.siplb.loadtests.gen;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.time.Duration;

import org.junit.jupiter.api.Test;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.siplb.codec.SipMessage;
import io.siplb.codec.SipMessageParser;

/** The generator's small parts: templates, byte helpers, schedules, durations, modes. */
class GeneratorPartsTest {

    @Test
    void aTemplateWritesItsLiteralsWithCrlfAndItsSlots() {
        final SipTemplate t = SipTemplate.compile("A {CALL_ID} B\n{ROUTES}C {unknown}\n");
        final ByteBuf out = Unpooled.buffer();
        try {
            t.write(out, (slot, buf) -> buf.writeCharSequence("<" + slot + ">", StandardCharsets.US_ASCII));
            assertThat(out.toString(StandardCharsets.US_ASCII))
                    .isEqualTo("A <CALL_ID> B\r\n<ROUTES>C {unknown}\r\n");
        } finally {
            out.release();
        }
    }

    @Test
    void decimalsAreWrittenWithoutStrings() {
        final ByteBuf out = Unpooled.buffer();
        try {
            for (long v : new long[] { 0, 7, 10, 99, 12345, Long.MAX_VALUE }) {
                out.clear();
                SipBytes.writeDecimal(out, v);
                assertThat(out.toString(StandardCharsets.US_ASCII)).isEqualTo(Long.toString(v));
            }
        } finally {
            out.release();
        }
    }

    @Test
    void theCallIdSequenceAndCSeqMethodAreReadFromAResponse() {
        final SipMessage msg = parse("SIP/2.0 200 OK\r\n" +
                                     "Via: SIP/2.0/UDP 127.0.0.1:5060;branch=z9hG4bKabc\r\n" +
                                     "From: <sip:a@b>;tag=1\r\n" +
                                     "To: <sip:c@d>;tag=2\r\n" +
                                     "Call-ID: run42-1234@127.0.0.1\r\n" +
                                     "CSeq: 2 BYE\r\n" +
                                     "Record-Route: <sip:p1;lr>, \"x,y\" <sip:p2;lr>\r\n" +
                                     "Content-Length: 0\r\n\r\n");
        try {
            assertThat(SipBytes.callIdSequence(msg, SipBytes.ascii("run42-"))).isEqualTo(1234);
            assertThat(SipBytes.callIdSequence(msg, SipBytes.ascii("run43-"))).isEqualTo(-1);
            assertThat(SipBytes.cseqMethod(msg)).isEqualTo(SipBytes.BYE);
            final ByteBuf buf = msg.content();
            final int h = msg.firstHeader(io.siplb.codec.SipHeader.RECORD_ROUTE);
            final int start = msg.headerValueStart(h);
            final int end = msg.headerValueEnd(h);
            final int first = SipBytes.valueEnd(buf, start, end);
            assertThat(buf.toString(start, first - start, StandardCharsets.US_ASCII)).isEqualTo("<sip:p1;lr>");
            final int second = SipBytes.skipSeparator(buf, first, end);
            assertThat(SipBytes.valueEnd(buf, second, end)).isEqualTo(end);
            final long uri = SipBytes.uriRange(buf, second, end);
            assertThat(buf.toString((int) (uri >>> 32), (int) uri - (int) (uri >>> 32), StandardCharsets.US_ASCII))
                    .isEqualTo("sip:p2;lr");
        } finally {
            msg.release();
        }
    }

    @Test
    void hostAndPortComeFromASipUri() {
        assertThat(hostPort("sip:uas@127.0.0.1:5080;transport=udp")).isEqualTo("127.0.0.1:5080");
        assertThat(hostPort("sip:10.0.0.1;lr")).isEqualTo("10.0.0.1:5060");
        assertThat(hostPort("sip:[::1]:5070;lr")).isEqualTo("[::1]:5070");
        assertThat(hostPort("sip:[::1]")).isEqualTo("[::1]:5060");
        assertThat(hostPort("tel:+123")).isNull();
    }

    private static String hostPort(String uri) {
        final byte[] b = SipBytes.ascii(uri);
        return SipBytes.hostPort(b, 0, b.length, 5060);
    }

    @Test
    void aConstantScheduleSpacesCallsEvenly() {
        final Schedule s = Schedule.constant(200, 10);
        assertThat(s.totalCalls()).isEqualTo(10);
        assertThat(s.offsetNanos(0)).isZero();
        assertThat(s.offsetNanos(1)).isEqualTo(5_000_000);
        assertThat(s.offsetNanos(9)).isEqualTo(45_000_000);
        assertThat(Schedule.constant(100, Duration.ofSeconds(3)).totalCalls()).isEqualTo(300);
    }

    @Test
    void aSweepHasOneStepPerRate() {
        final Schedule s = Schedule.sweep(100, 300, 100, Duration.ofSeconds(2));
        assertThat(s.stepCount()).isEqualTo(3);
        assertThat(s.calls(0)).isEqualTo(200);
        assertThat(s.calls(2)).isEqualTo(600);
        assertThat(s.totalCalls()).isEqualTo(1200);
        assertThat(s.stepOf(199)).isZero();
        assertThat(s.stepOf(200)).isEqualTo(1);
        // The first call of step 2 is due when step 2 starts: 4 s in; the next one 1/300 s later.
        assertThat(s.offsetNanos(600)).isEqualTo(4_000_000_000L);
        assertThat(s.offsetNanos(601)).isEqualTo(4_000_000_000L + 3_333_333);
        assertThat(s.totalNanos()).isEqualTo(6_000_000_000L);
        assertThatThrownBy(() -> Schedule.sweep(300, 100, 100, Duration.ofSeconds(1)))
                .hasMessageContaining("FROM <= TO");
    }

    @Test
    void durationsAndModesParse() {
        assertThat(Durations.parse("500ms", "x")).isEqualTo(Duration.ofMillis(500));
        assertThat(Durations.parse("1.5s", "x")).isEqualTo(Duration.ofMillis(1500));
        assertThat(Durations.parse("2m", "x")).isEqualTo(Duration.ofMinutes(2));
        assertThat(Durations.parse("3", "x")).isEqualTo(Duration.ofSeconds(3));
        assertThatThrownBy(() -> Durations.parse("soon", "--hold")).hasMessageContaining("--hold");
        assertThat(UasMode.of("delay=250ms").delay()).isEqualTo(Duration.ofMillis(250));
        assertThat(UasMode.of("ring=2s").kind()).isEqualTo(UasMode.Kind.RING);
        assertThat(UasMode.of("ring=2s").delay()).isEqualTo(Duration.ofSeconds(2));
        assertThat(UasMode.of("ring=2s")).hasToString("ring=2s");
        assertThatThrownBy(() -> UasMode.of("ring=-1s")).hasMessageContaining("ring");
        assertThat(UasMode.of("503").kind()).isEqualTo(UasMode.Kind.REJECT_503);
        assertThat(UasMode.of("silent").kind()).isEqualTo(UasMode.Kind.SILENT);
        assertThatThrownBy(() -> UasMode.of("loud")).hasMessageContaining("expected: answer, 503");
    }

    private static SipMessage parse(String text) {
        final ByteBuf buf = Unpooled.copiedBuffer(text, StandardCharsets.US_ASCII);
        try {
            final SipMessage m = new SipMessageParser().parse(buf);
            assertThat(m.decoderResult().isSuccess()).as(String.valueOf(m.errorText())).isTrue();
            return m;
        } finally {
            buf.release();
        }
    }
}
