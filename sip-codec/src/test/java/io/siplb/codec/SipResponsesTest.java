package io.siplb.codec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.function.BiFunction;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.PooledByteBufAllocator;

class SipResponsesTest {

    private static final ByteBufAllocator ALLOC = PooledByteBufAllocator.DEFAULT;

    private static final String VIAS =
            "Via: SIP/2.0/UDP pc33.atlanta.example.com;branch=z9hG4bK776asdhds;received=192.0.2.5\n"
            + "v: SIP/2.0/TCP edge1.example.net;branch=z9hG4bK77asjd,SIP/2.0/UDP 198.51.100.23:5062;branch=z9hG4bK7\n";

    private static final String INVITE =
            "INVITE sip:bob@biloxi.example.com SIP/2.0\n"
            + VIAS
            + "Max-Forwards: 70\n"
            + "To: Bob <sip:bob@biloxi.example.com>\n"
            + "From: Alice <sip:alice@atlanta.example.com>;tag=1928301774\n"
            + "Call-ID: a84b4c76e66710@pc33.atlanta.example.com\n"
            + "CSeq: 314159 INVITE\n"
            + "Timestamp: 54.2 0.5\n"
            + "Contact: <sip:alice@pc33.atlanta.example.com>\n"
            + "Content-Type: application/sdp\n"
            + "Content-Length: 5\n"
            + "\n"
            + "v=0\n";

    /** The copied header lines of every response to {@link #INVITE}, up to the To value (tag excluded). */
    private static final String COPIED_VIAS = VIAS + "From: Alice <sip:alice@atlanta.example.com>;tag=1928301774\n";
    private static final String TO = "To: Bob <sip:bob@biloxi.example.com>";
    private static final String AFTER_TO = "Call-ID: a84b4c76e66710@pc33.atlanta.example.com\n"
                                           + "CSeq: 314159 INVITE\n";
    private static final Pattern TO_TAG = Pattern.compile("\r\nTo: Bob <sip:bob@biloxi\\.example\\.com>;tag="
                                                          + "([A-Za-z0-9_-]{11})\r\n");

    private final SipResponses responses = SipResponses.ofDefaults();

    private static SipMessage decode(String text) {
        return SipTestMessages.decodeDatagram(SipTestMessages.crlf(text));
    }

    private static String crlf(String text) {
        return new String(SipTestMessages.crlf(text), StandardCharsets.UTF_8);
    }

    /** Builds a response to {@code request}, checks that it parses as a response and returns it as a string. */
    private static String respond(String request, BiFunction<ByteBufAllocator, SipMessage, ByteBuf> build) {
        final SipMessage m = decode(request);
        try {
            return respond(m, build);
        } finally {
            m.release();
        }
    }

    private static String respond(SipMessage m, BiFunction<ByteBufAllocator, SipMessage, ByteBuf> build) {
        final ByteBuf out = build.apply(ALLOC, m);
        assertThat(out).as("a response").isNotNull();
        try {
            final SipMessage parsed = new SipMessageParser().parse(out);
            try {
                if (m.decoderResult().isSuccess()) {
                    assertThat(parsed.decoderResult().isSuccess()).as("re-parse: %s", parsed.errorText()).isTrue();
                } else if (!parsed.decoderResult().isSuccess()) {
                    // The response repeats the request's header lines (§8.2.6.2), so a malformed From, To, CSeq
                    // or Via of the request is still there: it may fail only for the request's own reason.
                    assertThat(parsed.decodeError()).as("re-parse: %s", parsed.errorText())
                                                    .isEqualTo(m.decodeError());
                }
                assertThat(parsed.isResponse()).isTrue();
                assertThat(parsed.contentLength()).isZero();
                assertThat(parsed.headerCount(SipHeader.VIA)).isEqualTo(m.headerCount(SipHeader.VIA));
            } finally {
                parsed.release();
            }
            return out.toString(StandardCharsets.UTF_8);
        } finally {
            assertThat(out.release()).isTrue();
        }
    }

    private static String tagOf(String response) {
        final Matcher matcher = TO_TAG.matcher(response);
        assertThat(matcher.find()).as("To with an 11-character tag in %s", response).isTrue();
        return matcher.group(1);
    }

    private static String expected(String statusLine, String toTag, String tail) {
        return crlf(statusLine + "\n" + COPIED_VIAS + TO + (toTag == null ? "" : ";tag=" + toTag) + "\n"
                    + AFTER_TO + tail + "Content-Length: 0\n\n");
    }

    @Test
    void tryingCopiesViasFromToCallIdCSeqAndTimestampWithoutAddingATag() {
        assertThat(respond(INVITE, responses::trying))
                .isEqualTo(expected("SIP/2.0 100 Trying", null, "Timestamp: 54.2 0.5\n"));
    }

    @Test
    void badRequestCarriesAWarningAndADeterministicToTag() {
        final String out = respond(INVITE, (a, m) -> responses.badRequest(a, m, "Malformed \"Route\" \\ header"));
        final String tag = tagOf(out);
        assertThat(out).isEqualTo(expected(
                "SIP/2.0 400 Bad Request", tag,
                "Warning: 399 siplb \"Malformed \\\"Route\\\" \\\\ header\"\n"));
        // A retransmission gets the same tag; another transaction a different one.
        assertThat(tagOf(respond(INVITE, (a, m) -> responses.badRequest(a, m, "x")))).isEqualTo(tag);
        assertThat(tagOf(respond(INVITE.replace("z9hG4bK776asdhds", "z9hG4bK776asdhdt"), responses::tooManyHops)))
                .isNotEqualTo(tag);
        assertThat(tagOf(respond(INVITE.replace("tag=1928301774", "tag=1928301775"), responses::tooManyHops)))
                .isNotEqualTo(tag);
        assertThat(tagOf(respond(INVITE.replace("a84b4c76e66710@", "b84b4c76e66710@"), responses::tooManyHops)))
                .isNotEqualTo(tag);
    }

    @Test
    void warningTextStaysOnOneLine() {
        final String out = respond(INVITE, (a, m) -> responses.badRequest(a, m, "bad\r\nX-Injected: 1"));
        assertThat(out).contains("\r\nWarning: 399 siplb \"bad  X-Injected: 1\"\r\n");
    }

    @Test
    void anExistingToTagIsKept() {
        final String inDialog = INVITE.replace(TO + "\n", TO + ";tag=a6c85cf\n");
        final String out = respond(inDialog, responses::serverInternalError);
        assertThat(out).isEqualTo(crlf("SIP/2.0 500 Server Internal Error\n" + COPIED_VIAS + TO + ";tag=a6c85cf\n"
                                       + AFTER_TO + "Content-Length: 0\n\n"));
    }

    @Test
    void eachStatusHasItsReasonPhraseAndExtraHeader() {
        final String tag = tagOf(respond(INVITE, responses::tooManyHops));
        assertThat(respond(INVITE, responses::tooManyHops)).isEqualTo(expected("SIP/2.0 483 Too Many Hops", tag, ""));
        assertThat(respond(INVITE, responses::serverInternalError))
                .isEqualTo(expected("SIP/2.0 500 Server Internal Error", tag, ""));
        assertThat(respond(INVITE, responses::notImplemented))
                .isEqualTo(expected("SIP/2.0 501 Not Implemented", tag, ""));
        assertThat(respond(INVITE, responses::versionNotSupported))
                .isEqualTo(expected("SIP/2.0 505 Version Not Supported", tag, ""));
        assertThat(respond(INVITE, responses::unsupportedUriScheme))
                .isEqualTo(expected("SIP/2.0 416 Unsupported URI Scheme", tag, ""));
        assertThat(respond(INVITE, (a, m) -> responses.serviceUnavailable(a, m, 30)))
                .isEqualTo(expected("SIP/2.0 503 Service Unavailable", tag, "Retry-After: 30\n"));
        assertThat(respond(INVITE, (a, m) -> responses.serviceUnavailable(a, m, -1)))
                .isEqualTo(expected("SIP/2.0 503 Service Unavailable", tag, ""));
        assertThat(respond(INVITE, (a, m) -> responses.badExtension(a, m, "foo, 100rel")))
                .isEqualTo(expected("SIP/2.0 420 Bad Extension", tag, "Unsupported: foo, 100rel\n"));
    }

    @Test
    void genericResponses() {
        final String tag = tagOf(respond(INVITE, responses::tooManyHops));
        assertThat(respond(INVITE, (a, m) -> responses.response(a, m, 404, null)))
                .isEqualTo(expected("SIP/2.0 404 Not Found", tag, ""));
        assertThat(respond(INVITE, (a, m) -> responses.response(a, m, 486, "Busy Here Now")))
                .isEqualTo(expected("SIP/2.0 486 Busy Here Now", tag, ""));
        assertThat(respond(INVITE, (a, m) -> responses.response(a, m, 699, null)))
                .isEqualTo(expected("SIP/2.0 699 Unknown", tag, ""));
        assertThat(respond(INVITE, (a, m) -> responses.response(a, m, 480, null, "no destination in set 3")))
                .isEqualTo(expected("SIP/2.0 480 Temporarily Unavailable", tag,
                                    "Warning: 399 siplb \"no destination in set 3\"\n"));
        assertThat(respond(INVITE, (a, m) -> responses.response(a, m, 180, null)))
                .isEqualTo(expected("SIP/2.0 180 Ringing", tag, ""));
        final SipMessage m = decode(INVITE);
        try {
            assertThatThrownBy(() -> responses.response(ALLOC, m, 99, null))
                    .isInstanceOf(IllegalArgumentException.class).hasMessage("status: 99 (expected: 100..699)");
            assertThatThrownBy(() -> responses.response(ALLOC, m, 700, "x"))
                    .isInstanceOf(IllegalArgumentException.class);
        } finally {
            m.release();
        }
    }

    @Test
    void serverHeaderAndWarningAgentAreConfigurable() {
        final SipResponses configured = SipResponses.builder()
                                                    .server("siplb/0.1")
                                                    .warningAgent("lb1.example.com:5060")
                                                    .build();
        final String tag = tagOf(respond(INVITE, responses::tooManyHops));
        assertThat(respond(INVITE, (a, m) -> configured.badRequest(a, m, "why")))
                .isEqualTo(expected("SIP/2.0 400 Bad Request", tag,
                                    "Server: siplb/0.1\nWarning: 399 lb1.example.com:5060 \"why\"\n"));
        assertThat(respond(INVITE, configured::trying)).isEqualTo(
                expected("SIP/2.0 100 Trying", null, "Timestamp: 54.2 0.5\nServer: siplb/0.1\n"));
    }

    @Test
    void builderRefusesValuesThatWouldBreakTheHeader() {
        assertThatThrownBy(() -> SipResponses.builder().server("a\r\nb"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("server: ")
                .hasMessageContaining("expected: non-blank text without control characters");
        assertThatThrownBy(() -> SipResponses.builder().warningAgent("two words"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("warningAgent: \"two words\" (expected: a host[:port] or a token)");
        assertThatThrownBy(() -> SipResponses.builder().warningAgent(null))
                .isInstanceOf(NullPointerException.class).hasMessage("warningAgent");
        assertThat(SipResponses.builder().server(null).build()).isNotNull();
    }

    @Test
    void anAckIsNeverAnswered() {
        final String ack = INVITE.replace("INVITE sip:", "ACK sip:").replace("314159 INVITE", "314159 ACK");
        final SipMessage m = decode(ack);
        try {
            assertThat(m.decoderResult().isSuccess()).isTrue();
            assertThat(m.method()).isEqualTo(SipMethod.ACK);
            assertThat(SipResponses.canRespond(m)).isFalse();
            assertThat(responses.trying(ALLOC, m)).isNull();
            assertThat(responses.badRequest(ALLOC, m, "x")).isNull();
            assertThat(responses.tooManyHops(ALLOC, m)).isNull();
            assertThat(responses.serviceUnavailable(ALLOC, m, 5)).isNull();
            assertThat(responses.response(ALLOC, m, 500, null)).isNull();
        } finally {
            m.release();
        }
    }

    @Test
    void aMalformedAckIsNeverAnsweredEither() {
        final String ack = INVITE.replace("INVITE sip:", "ACK sip:").replace("314159 INVITE", "314159 ACK")
                                 .replace("CSeq: 314159 ACK", "CSeq: 314159x ACK");
        final SipMessage m = decode(ack);
        try {
            assertThat(m.decoderResult().isSuccess()).isFalse();
            assertThat(SipResponses.canRespond(m)).isFalse();
            assertThat(responses.decodeFailure(ALLOC, m)).isNull();
        } finally {
            m.release();
        }
    }

    @Test
    void responsesAreNeverAnswered() {
        final SipMessage m = decode("SIP/2.0 200 OK\n" + VIAS + "To: <sip:b@h>;tag=1\nFrom: <sip:a@h>;tag=2\n"
                                    + "Call-ID: c\nCSeq: 1 INVITE\nContent-Length: 0\n\n");
        try {
            assertThat(m.decoderResult().isSuccess()).isTrue();
            assertThat(SipResponses.canRespond(m)).isFalse();
            assertThat(responses.serverInternalError(ALLOC, m)).isNull();
        } finally {
            m.release();
        }
    }

    @Test
    void aFailedButAnswerableRequestIsAnsweredFromItsIndex() {
        // Malformed CSeq number: the parser marks the request answerable with 400.
        final String bad = INVITE.replace("CSeq: 314159 INVITE", "CSeq: 31415x INVITE");
        final SipMessage m = decode(bad);
        try {
            assertThat(m.decoderResult().isSuccess()).isFalse();
            assertThat(m.isAnswerable()).isTrue();
            final String out = respond(m, responses::decodeFailure);
            final String tag = tagOf(out);
            assertThat(out).isEqualTo(crlf(
                    "SIP/2.0 400 Bad Request\n" + COPIED_VIAS + TO + ";tag=" + tag + "\n" + AFTER_TO.replace(
                            "314159", "31415x") + "Warning: 399 siplb \"" + m.errorText() + "\"\n"
                    + "Content-Length: 0\n\n"));
            assertThat(tag).isEqualTo(tagOf(respond(INVITE, responses::tooManyHops)));
        } finally {
            m.release();
        }
    }

    @Test
    void decodeFailureRefusesASuccessfulRequest() {
        final SipMessage m = decode(INVITE);
        try {
            assertThatThrownBy(() -> responses.decodeFailure(ALLOC, m))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("expected: a failed request");
        } finally {
            m.release();
        }
    }

    @Test
    void withTheSourceTheCopiedTopViaGetsReceivedAndRport() {
        final InetSocketAddress source = new InetSocketAddress("192.0.2.5", 5070);
        final String rport = INVITE.replace("UDP pc33.atlanta.example.com;branch=z9hG4bK776asdhds;received=192.0.2.5",
                                            "UDP 192.0.2.5:5060;rport;branch=z9hG4bK776asdhds");
        final String out = respond(rport, (a, m) -> responses.response(a, m, source, 503, null, null));
        assertThat(out).startsWith(crlf("SIP/2.0 503 Service Unavailable\n"
                                        + "Via: SIP/2.0/UDP 192.0.2.5:5060;rport=5070;branch=z9hG4bK776asdhds"
                                        + ";received=192.0.2.5\n"
                                        + VIAS.substring(VIAS.indexOf("v: "))));
        // received written before rport: replaced in place, rport filled after it.
        final String receivedFirst = INVITE.replace(
                "UDP pc33.atlanta.example.com;branch=z9hG4bK776asdhds;received=192.0.2.5",
                "UDP pc33.atlanta.example.com;received=10.0.0.9;rport;branch=z9hG4bK776asdhds");
        assertThat(respond(receivedFirst, (a, m) -> responses.response(a, m, source, 500, null, "x")))
                .contains("\r\nVia: SIP/2.0/UDP pc33.atlanta.example.com;received=192.0.2.5;rport=5070"
                          + ";branch=z9hG4bK776asdhds\r\nv: SIP/2.0/TCP edge1");
        // A valueless received gets the value.
        final String valueless = INVITE.replace(
                "UDP pc33.atlanta.example.com;branch=z9hG4bK776asdhds;received=192.0.2.5",
                "UDP pc33.atlanta.example.com;received;branch=z9hG4bK776asdhds");
        assertThat(respond(valueless, (a, m) -> responses.response(a, m, source, 500, null, null)))
                .contains("\r\nVia: SIP/2.0/UDP pc33.atlanta.example.com;received=192.0.2.5"
                          + ";branch=z9hG4bK776asdhds\r\nv: ");
        // Same address and no rport: unchanged; no source: unchanged.
        final String sameHost = INVITE.replace(
                "UDP pc33.atlanta.example.com;branch=z9hG4bK776asdhds;received=192.0.2.5",
                "UDP 192.0.2.5;branch=z9hG4bK776asdhds");
        assertThat(respond(sameHost, (a, m) -> responses.response(a, m, source, 500, null, null)))
                .contains("\r\nVia: SIP/2.0/UDP 192.0.2.5;branch=z9hG4bK776asdhds\r\nv: ");
        assertThat(respond(rport, (a, m) -> responses.response(a, m, null, 500, null, null)))
                .contains("\r\nVia: SIP/2.0/UDP 192.0.2.5:5060;rport;branch=z9hG4bK776asdhds\r\nv: ");
    }

    @Test
    void nextHopFollowsRfc3261Section18_2_2AndRfc3581() throws Exception {
        assertThat(nextHop("SIP/2.0/UDP 192.0.2.1;branch=z9hG4bK1"))
                .isEqualTo(new InetSocketAddress(InetAddress.getByName("192.0.2.1"), 5060));
        assertThat(nextHop("SIP/2.0/UDP 192.0.2.1:5070;branch=z9hG4bK1"))
                .isEqualTo(new InetSocketAddress(InetAddress.getByName("192.0.2.1"), 5070));
        assertThat(nextHop("SIP/2.0/UDP [2001:db8::1]:5070;branch=z9hG4bK1"))
                .isEqualTo(new InetSocketAddress(InetAddress.getByName("2001:db8::1"), 5070));
        final InetSocketAddress name = nextHop("SIP/2.0/TLS client.example.com;branch=z9hG4bK1");
        assertThat(name.isUnresolved()).isTrue();
        assertThat(name.getHostString()).isEqualTo("client.example.com");
        assertThat(name.getPort()).isEqualTo(5061);
        assertThat(nextHop("SIP/2.0/UDP client.example.com:5062;branch=z9hG4bK1;received=192.0.2.7"))
                .isEqualTo(new InetSocketAddress(InetAddress.getByName("192.0.2.7"), 5062));
        assertThat(nextHop("SIP/2.0/UDP 10.0.0.2:5062;rport=40123;branch=z9hG4bK1;received=192.0.2.7"))
                .isEqualTo(new InetSocketAddress(InetAddress.getByName("192.0.2.7"), 40123));
        assertThat(nextHop("SIP/2.0/UDP 10.0.0.2:5062;branch=z9hG4bK1;received=192.0.2.7;maddr=239.255.255.1"))
                .isEqualTo(new InetSocketAddress(InetAddress.getByName("239.255.255.1"), 5062));
    }

    private static InetSocketAddress nextHop(String via) {
        final SipMessage m = decode("SIP/2.0 200 OK\nVia: " + via + "\nTo: <sip:b@h>;tag=1\nFrom: <sip:a@h>;tag=2\n"
                                    + "Call-ID: c\nCSeq: 1 INVITE\nContent-Length: 0\n\n");
        try {
            assertThat(m.decoderResult().isSuccess()).as(m.errorText()).isTrue();
            return SipResponses.nextHop(m.topVia());
        } finally {
            m.release();
        }
    }

    /**
     * Every RFC 4475 torture message: answerable failures get their {@link SipMessage#errorStatus()}, other
     * failures, responses and ACKs get nothing, and every successful request can be answered; every response built
     * re-parses and repeats the request's Via lines.
     */
    @Test
    void tortureCorpus() {
        int answered = 0;
        int refused = 0;
        for (String name : SipRewriteTortureNames.all()) {
            final SipMessage m = SipTestMessages.decodeDatagram(SipTestMessages.torture(name));
            try {
                if (!m.decoderResult().isSuccess()) {
                    if (m.isAnswerable() && m.method() != SipMethod.ACK) {
                        final String out = respond(m, responses::decodeFailure);
                        assertThat(out).as(name).startsWith("SIP/2.0 " + m.errorStatus() + " ");
                        assertCopiedVias(name, m, out);
                        answered++;
                    } else {
                        assertThat(responses.decodeFailure(ALLOC, m)).as(name).isNull();
                        refused++;
                    }
                } else if (m.isRequest() && m.method() != SipMethod.ACK) {
                    final String out = respond(m, (a, r) -> responses.serviceUnavailable(a, r, 10));
                    assertThat(out).as(name).startsWith("SIP/2.0 503 Service Unavailable\r\n")
                                   .contains("\r\nRetry-After: 10\r\n");
                    assertCopiedVias(name, m, out);
                    answered++;
                } else {
                    assertThat(responses.serverInternalError(ALLOC, m)).as(name).isNull();
                    refused++;
                }
            } finally {
                m.release();
            }
        }
        assertThat(answered).isGreaterThan(30);
        assertThat(refused).isGreaterThan(3);
    }

    private static void assertCopiedVias(String name, SipMessage request, String response) {
        final List<String> lines = new java.util.ArrayList<>();
        for (int i = 0; i < request.headerCount(); i++) {
            if (request.headerType(i) == SipHeader.VIA) {
                lines.add(request.content().toString(request.headerLineStart(i),
                                                     request.headerValueEnd(i) - request.headerLineStart(i),
                                                     StandardCharsets.UTF_8) + "\r\n");
            }
        }
        assertThat(lines).as(name).isNotEmpty();
        final String joined = String.join("", lines);
        assertThat(response).as(name).contains("\r\n" + joined);
    }
}
