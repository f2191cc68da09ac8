package io.siplb.codec;

import static io.siplb.codec.SipTestMessages.crlf;
import static io.siplb.codec.SipTestMessages.decodeDatagram;
import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import io.netty.buffer.CompositeByteBuf;
import io.netty.buffer.PooledByteBufAllocator;

/**
 * The decoder checks what the proxy reads and nothing else (RFC 3261 §16.3): a real phone's odd From tag, display
 * name, Contact or unknown header decodes, reads as the proxy needs it and is forwarded byte for byte, while a
 * malformed Via, From/To URI, Call-ID, CSeq, Max-Forwards, Content-Length, Route or Proxy-Require is still
 * rejected. {@link SipStrictValidator} names each of the odd headers.
 */
class ProxyReadsTest {

    private static final String HEAD =
            "INVITE sip:bob@example.com SIP/2.0\n" +
            "Via: SIP/2.0/UDP 192.0.2.7:5060;branch=z9hG4bK-phone;rport\n" +
            "Max-Forwards: 70\n" +
            "To: <sip:bob@example.com>\n" +
            "Call-ID: 3c26700de8b1-ak3w@192.0.2.7\n" +
            "CSeq: 101 INVITE\n";

    private static final String TAIL = "Content-Length: 0\n\n";

    /** Decodes HEAD + {@code lines} + TAIL; the caller releases the message. */
    private static SipMessage decode(String lines) {
        return decodeDatagram(crlf(HEAD + lines + TAIL));
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "From: \"Alice\" <sip:alice@example.com>;tag=abc\"def | abc\"def",
            "From: <sip:alice@example.com>;tag=ab\u00e9 | ab\u00e9",
            "From: J\u00fcrgen M\u00fcller <sip:juergen@example.com>;tag=9f2 | 9f2",
            "From: Bell, Alexander <sip:a.g.bell@example.com>;tag=43 | 43",
            "From: <sip:alice@example.com>;tag=a b;x=1 | a b",
    })
    void fromTagsWithNonTokenOctetsDecodeAndReadAsReceived(String from, String tag) {
        final SipMessage m = decode(from + "\n");
        try {
            assertThat(m.decoderResult().isSuccess()).as(m.errorText()).isTrue();
            assertThat(m.from()).isNotNull();
            assertThat(m.from().tag()).isEqualTo(tag);
            assertThat(m.from().uri().host()).isEqualTo("example.com");
            assertThat(SipStrictValidator.validate(m)).extracting(SipProblem::header).containsExactly("From");
        } finally {
            assertThat(m.release()).isTrue();
        }
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {
            "Contact: <sip:x@192.0.2.7;transport=udp>;+sip.instance=\"<urn:uuid:0c8b8a3e-3f1a-4c9e-9a7b-1f2e3d4c5b6a>\"" +
            ";expires=soon",
            "Contact: <sip:broken@192.0.2.7;transport=udp",
            "Contact: sip:user@example.com?Route=%3Csip:sip.example.com%3E",
            "Contact: ,,",
            "Record-Route: sip:no-brackets.example.com;lr",
            "X-Vendor-Odd: ;;,,\"<unterminated",
            "Expires: in an hour",
            "Content-Type: sdp",
            "Supported: timer replaces",
            "Date: Fri, 01 Jan 2010 16:00:00 EST",
    })
    void headersTheProxyDoesNotReadAreForwardedByteForByte(String line) {
        final SipMessage m = decode("From: <sip:alice@example.com>;tag=1\n" + line + "\n");
        final SipRewriter rewriter = new SipRewriter();
        try {
            assertThat(m.decoderResult().isSuccess()).as(m.errorText()).isTrue();
            // What a proxy does to a request: its Via on top, received/rport, Max-Forwards decremented.
            rewriter.rewrite(m).setReceivedRport(new InetSocketAddress("198.51.100.1", 40000))
                    .decrementMaxForwards().addVia("SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bK-lb");
            final CompositeByteBuf out = rewriter.build(PooledByteBufAllocator.DEFAULT);
            try {
                final String fwd = out.toString(StandardCharsets.UTF_8);
                assertThat(fwd).contains("\r\n" + line + "\r\n", "\r\nMax-Forwards: 69\r\n");
            } finally {
                out.release();
            }
            final List<SipProblem> problems = SipStrictValidator.validate(m);
            final String name = line.substring(0, line.indexOf(':'));
            if (name.startsWith("X-")) {
                assertThat(problems).as("an extension header's value is any text").isEmpty();
            } else {
                assertThat(problems).isNotEmpty().allMatch(p -> p.header().equals(name));
            }
        } finally {
            assertThat(m.release()).isTrue();
        }
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "Via: SIP/2.0/UDP 192.0.2.7;;branch=x | INVALID_VIA",
            "From: \"Alice <sip:alice@example.com>;tag=1 | INVALID_FROM",
            "From: <sip:alice@example.com;tag=1 | INVALID_FROM",
            "From: < sip:alice@example.com >;tag=1 | INVALID_FROM",
            "From: <sip:alice@example.com>;;tag=1 | INVALID_FROM",
            "From: <sip:alice@example.com>;tag= | INVALID_FROM",
            "Call-ID: two words | INVALID_CALL_ID",
            "CSeq: one INVITE | INVALID_CSEQ",
            "Max-Forwards: 256 | INVALID_MAX_FORWARDS",
            "Content-Length: ten | INVALID_CONTENT_LENGTH",
            "Route: sip:no-brackets.example.com;lr | INVALID_ROUTE",
            "Proxy-Require: foo bar | INVALID_PROXY_REQUIRE",
            "Proxy-Require: , | INVALID_PROXY_REQUIRE",
    })
    void whatTheProxyReadsIsStillChecked(String line, SipDecodeError reason) {
        String text = HEAD + (line.startsWith("From") ? "" : "From: <sip:alice@example.com>;tag=1\n") + line + "\n" +
                      TAIL;
        if (line.startsWith("Call-ID") || line.startsWith("CSeq") || line.startsWith("Max-Forwards")) {
            final String name = line.substring(0, line.indexOf(':') + 1);
            text = text.replaceFirst(name + " [^\n]*\n", ""); // one of each, the malformed one
        }
        if (line.startsWith("Content-Length")) {
            text = text.replace(TAIL, line + "\n\n");
        }
        final SipMessage m = decodeDatagram(crlf(text));
        try {
            assertThat(m.decodeError()).as(m.errorText()).isEqualTo(reason);
            assertThat(m.isAnswerable()).isTrue();
            assertThat(m.errorStatus()).isEqualTo(400);
            assertThat(SipStrictValidator.validate(m)).as("what the decoder rejects, strict rejects").isNotEmpty();
        } finally {
            assertThat(m.release()).isTrue();
        }
    }

    @Test
    void aResponseToTagWithANonTokenOctetIsReadForMatching() {
        final SipMessage m = decodeDatagram(crlf(
                "SIP/2.0 200 OK\n" +
                "Via: SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bK-lb\n" +
                "Via: SIP/2.0/UDP 192.0.2.7:5060;branch=z9hG4bK-phone\n" +
                "From: <sip:alice@example.com>;tag=1\n" +
                "To: \"Bob\" <sip:bob@example.com>;tag=ab\u00e9\n" +
                "Call-ID: c@192.0.2.7\nCSeq: 101 INVITE\n" + TAIL));
        try {
            assertThat(m.decoderResult().isSuccess()).as(m.errorText()).isTrue();
            assertThat(m.to().tag()).isEqualTo("ab\u00e9");
            assertThat(m.vias()).hasSize(2);
            assertThat(SipStrictValidator.validate(m)).singleElement()
                    .satisfies(p -> assertThat(p.toString()).isEqualTo("To: tag=ab? (expected: tag=token)"));
        } finally {
            assertThat(m.release()).isTrue();
        }
    }
}
