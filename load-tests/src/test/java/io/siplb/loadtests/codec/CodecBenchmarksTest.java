package io.siplb.loadtests.codec;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.openjdk.jmh.infra.Blackhole;

/**
 * Runs every codec benchmark method once outside JMH, with the paranoid leak detector of the test JVM: the
 * benchmarks must measure real work on their messages and release every buffer they make.
 */
class CodecBenchmarksTest {

    private static final String BLACKHOLE_CHALLENGE =
            "Today's password is swordfish. I understand instantiating Blackholes directly is dangerous.";

    @ParameterizedTest
    @ValueSource(strings = { "heap", "direct" })
    void parseBenchmarkIndexesTheInviteAndReleasesIt(String buffer) {
        final ParseBenchmark benchmark = new ParseBenchmark();
        benchmark.buffer = buffer;
        final Blackhole bh = new Blackhole(BLACKHOLE_CHALLENGE);
        benchmark.setUp();
        try {
            // invite.sip has 14 header fields.
            assertThat(benchmark.parse()).isEqualTo(14);
            benchmark.parseAndRoutingFields(bh);
            final ParseBenchmark.ParsedInvite parsed = new ParseBenchmark.ParsedInvite();
            parsed.parse(benchmark);
            try {
                benchmark.routingFieldsOfParsedMessage(parsed, bh);
            } finally {
                parsed.release();
            }
        } finally {
            benchmark.tearDown();
        }
    }

    @Test
    void parserComparisonReadsTheSameRoutingFieldsWithBothParsersAndReleasesTheInvite() throws Exception {
        final ParserComparisonBenchmark benchmark = new ParserComparisonBenchmark();
        final Blackhole bh = new Blackhole(BLACKHOLE_CHALLENGE);
        benchmark.setUp();
        try {
            final String expected = "branch=z9hG4bK2d4790.1 call-id=3848276298220188511@atlanta.example.com" +
                                    " cseq=31862 INVITE from-tag=9fxced76sl to-tag=null max-forwards=68 routes=2" +
                                    " route[0]=lb.example.com;lr request-uri-host=biloxi.example.com";
            assertThat(benchmark.siplbRoutingFields()).isEqualTo(expected);
            assertThat(benchmark.jainSipRoutingFields()).isEqualTo(expected);
            benchmark.siplbParse(bh);
            benchmark.siplbParseAndRoutingViews(bh);
            benchmark.jainSipParse(bh);
            benchmark.jainSipParseAndRoutingViews(bh);
        } finally {
            benchmark.tearDown();
        }
    }

    @ParameterizedTest
    @ValueSource(strings = { "heap", "direct" })
    void rewriteBenchmarkBuildsTheForwardedMessagesAndReleasesThem(String buffer) {
        final RewriteBenchmark benchmark = new RewriteBenchmark();
        benchmark.buffer = buffer;
        benchmark.setUp();
        try {
            final int invite = BenchmarkMessages.bytes(BenchmarkMessages.INVITE).length;
            final int response = BenchmarkMessages.bytes(BenchmarkMessages.RESPONSE).length;
            // Via line added, first Route value removed, Record-Route line added; Max-Forwards 68 -> 67.
            assertThat(benchmark.forwardRequest()).isGreaterThan(invite);
            assertThat(benchmark.forwardRequestStatelessBranch()).isEqualTo(benchmark.forwardRequest());
            assertThat(benchmark.parseAndForwardRequest()).isEqualTo(benchmark.forwardRequest());
            // The top Via line removed.
            assertThat(benchmark.forwardResponse()).isEqualTo(
                    response - "Via: SIP/2.0/UDP 192.0.2.5:5060;branch=z9hG4bKXv3kR0aT9fQmLcEwYpZs2g\r\n".length());
        } finally {
            benchmark.tearDown();
        }
    }
}
