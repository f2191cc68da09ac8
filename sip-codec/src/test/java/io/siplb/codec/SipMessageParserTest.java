package io.siplb.codec;

import static io.siplb.codec.SipTestMessages.INVITE;
import static io.siplb.codec.SipTestMessages.crlf;
import static io.siplb.codec.SipTestMessages.resource;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.function.Consumer;

import org.junit.jupiter.api.Test;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;

class SipMessageParserTest {

    private static final String HEAD = "INVITE sip:bob@example.com SIP/2.0\n" +
                                       "Via: SIP/2.0/UDP 192.0.2.1;branch=z9hG4bK1\n" +
                                       "From: <sip:alice@example.com>;tag=a1\n" +
                                       "To: <sip:bob@example.com>\n" +
                                       "Call-ID: c1@192.0.2.1\n" +
                                       "CSeq: 1 INVITE\n";

    private final SipMessageParser parser = new SipMessageParser();

    private void parse(byte[] bytes, Consumer<SipMessage> assertions) {
        parse(parser, bytes, assertions);
    }

    private static void parse(SipMessageParser parser, byte[] bytes, Consumer<SipMessage> assertions) {
        final ByteBuf buf = Unpooled.buffer(bytes.length).writeBytes(bytes);
        final SipMessage m = parser.parse(buf);
        try {
            // parse() neither consumes nor releases its argument.
            assertThat(buf.readerIndex()).isZero();
            assertThat(buf.refCnt()).isPositive();
            assertions.accept(m);
        } finally {
            m.release();
            assertThat(buf.release()).isTrue();
        }
    }

    private static String text(SipMessage m, int start, int end) {
        return m.content().toString(start, end - start, StandardCharsets.ISO_8859_1);
    }

    @Test
    void sampleInvite() {
        final byte[] bytes = resource(INVITE);
        parse(bytes, m -> {
            assertThat(m.decoderResult().isSuccess()).as("%s", m.errorText()).isTrue();
            assertThat(m.isRequest()).isTrue();
            assertThat(m.method()).isEqualTo(SipMethod.INVITE);
            assertThat(m.methodName()).isEqualTo("INVITE");
            assertThat(m.version()).isEqualTo("SIP/2.0");
            assertThat(text(m, m.requestUriStart(), m.requestUriEnd())).isEqualTo("sip:bob@biloxi.example.com");
            assertThat(m.requestUri().user()).isEqualTo("bob");
            assertThat(m.headerCount()).isEqualTo(14);
            final List<Via> vias = m.vias();
            assertThat(vias).hasSize(3);
            assertThat(vias).extracting(Via::headerIndex).containsExactly(0, 1, 1);
            assertThat(m.topVia().host()).isEqualTo("edge2.example.net");
            assertThat(m.topVia().port()).isEqualTo(5060);
            assertThat(m.topVia().branch()).isEqualTo("z9hG4bK2d4790.1");
            assertThat(vias.get(2).rport()).isEqualTo(5062);
            assertThat(text(m, vias.get(1).valueStart(), vias.get(1).valueEnd()))
                    .isEqualTo("SIP/2.0/TCP edge1.example.net;branch=z9hG4bK77asjd");
            assertThat(text(m, vias.get(2).valueStart(), vias.get(2).valueEnd()))
                    .isEqualTo("SIP/2.0/UDP 198.51.100.23:5062;rport=5062;branch=z9hG4bK74bf9");
            assertThat(m.maxForwards()).isEqualTo(68);
            assertThat(m.recordRoutes()).extracting(r -> r.uri().host())
                                        .containsExactly("edge2.example.net", "edge1.example.net");
            assertThat(m.recordRoutes().get(1).uri().transport()).isEqualTo("tcp");
            assertThat(m.routes()).extracting(r -> r.uri().host()).containsExactly("lb.example.com",
                                                                                  "core.example.com");
            assertThat(m.routes()).allMatch(r -> r.uri().lr());
            assertThat(text(m, m.routes().get(1).uriStart(), m.routes().get(1).uriEnd()))
                    .isEqualTo("sip:core.example.com;lr");
            assertThat(m.from().displayName()).isEqualTo("\"Alice\"");
            assertThat(m.from().tag()).isEqualTo("9fxced76sl");
            assertThat(m.to().displayName()).isEqualTo("Bob");
            assertThat(m.to().tag()).isNull();
            assertThat(m.callId()).isEqualTo("3848276298220188511@atlanta.example.com");
            assertThat(text(m, m.callIdStart(), m.callIdEnd())).isEqualTo(m.callId());
            assertThat(m.cseq().number()).isEqualTo(31862);
            assertThat(m.cseq().methodType()).isEqualTo(SipMethod.INVITE);
            assertThat(m.contacts()).hasSize(1);
            assertThat(m.contacts().get(0).uri().port()).isEqualTo(5062);
            assertThat(m.authorizationUsername()).isEqualTo("alice");
            assertThat(m.contentLength()).isEqualTo(m.bodyLength());
            assertThat(m.bodyStart() + m.bodyLength()).isEqualTo(bytes.length);
            assertThat(text(m, m.headersEnd(), m.bodyStart())).isEqualTo("\r\n");
            assertThat(text(m, m.bodyStart(), m.bodyStart() + 4)).isEqualTo("v=0\r");
            assertThat(m.startLineEnd()).isEqualTo("INVITE sip:bob@biloxi.example.com SIP/2.0".length());
        });
    }

    @Test
    void headerIndexOffsets() {
        parse(crlf(HEAD + "Subject:   hello  \nContent-Length: 0\n\n"), m -> {
            final int i = m.firstHeader(SipHeader.SUBJECT);
            assertThat(text(m, m.headerLineStart(i), m.headerNameEnd(i))).isEqualTo("Subject");
            assertThat(text(m, m.headerValueStart(i), m.headerValueEnd(i))).isEqualTo("hello");
            assertThat(text(m, m.headerLineStart(i), m.headerLineEnd(i))).isEqualTo("Subject:   hello  \r\n");
            assertThat(m.headerLineEnd(i)).isEqualTo(m.headerLineStart(i + 1));
            assertThat(m.headerLineEnd(m.headerCount() - 1)).isEqualTo(m.headersEnd());
            assertThat(m.headerLineStart(0)).isEqualTo(m.startLineEnd() + 2);
        });
    }

    @Test
    void compactFormsAreTheirLongNames() {
        final String compact = "INVITE sip:bob@example.com SIP/2.0\n" +
                               "v: SIP/2.0/UDP 192.0.2.1;branch=z9hG4bK1\n" +
                               "f: <sip:alice@example.com>;tag=a1\n" +
                               "t: <sip:bob@example.com>\n" +
                               "i: c1@192.0.2.1\n" +
                               "CSeq: 1 INVITE\n" +
                               "m: <sip:alice@192.0.2.1>\n" +
                               "c: application/sdp\n" +
                               "e: gzip\n" +
                               "s: subject\n" +
                               "k: 100rel\n" +
                               "o: presence\n" +
                               "u: dialog\n" +
                               "r: <sip:carol@example.com>\n" +
                               "b: <sip:alice@example.com>\n" +
                               "a: *;audio\n" +
                               "j: *;video\n" +
                               "d: proxy\n" +
                               "x: 1800\n" +
                               "y: abc\n" +
                               "n: <https://example.com/cert>\n" +
                               "l: 0\n\n";
        parse(crlf(compact), m -> {
            assertThat(m.decoderResult().isSuccess()).as("%s", m.errorText()).isTrue();
            assertThat(m.headerCount(SipHeader.OTHER)).isZero();
            final SipHeader[] expected = {
                    SipHeader.VIA, SipHeader.FROM, SipHeader.TO, SipHeader.CALL_ID, SipHeader.CSEQ, SipHeader.CONTACT,
                    SipHeader.CONTENT_TYPE, SipHeader.CONTENT_ENCODING, SipHeader.SUBJECT, SipHeader.SUPPORTED,
                    SipHeader.EVENT, SipHeader.ALLOW_EVENTS, SipHeader.REFER_TO, SipHeader.REFERRED_BY,
                    SipHeader.ACCEPT_CONTACT, SipHeader.REJECT_CONTACT, SipHeader.REQUEST_DISPOSITION,
                    SipHeader.SESSION_EXPIRES, SipHeader.IDENTITY, SipHeader.IDENTITY_INFO, SipHeader.CONTENT_LENGTH
            };
            for (int i = 0; i < expected.length; i++) {
                assertThat(m.headerType(i)).as("header %d", i).isEqualTo(expected[i]);
                if (expected[i] != SipHeader.CSEQ) {
                    assertThat(m.headerName(i)).hasSize(1).isEqualTo(String.valueOf(expected[i].compactForm()));
                }
            }
            assertThat(m.callId()).isEqualTo("c1@192.0.2.1");
            assertThat(m.contacts().get(0).uri().host()).isEqualTo("192.0.2.1");
            assertThat(m.contentLength()).isZero();
        });
    }

    @Test
    void headerNamesAreCaseInsensitive() {
        for (SipHeader h : SipHeader.values()) {
            if (h == SipHeader.OTHER) {
                continue;
            }
            final String name = h.headerName();
            assertThat(SipHeader.of(name)).isEqualTo(h);
            assertThat(SipHeader.of(name.toUpperCase())).isEqualTo(h);
            assertThat(SipHeader.of(name.toLowerCase())).isEqualTo(h);
            final byte[] b = name.toUpperCase().getBytes(StandardCharsets.US_ASCII);
            assertThat(SipHeader.of(Unpooled.wrappedBuffer(b), 0, b.length)).isEqualTo(h);
            if (h.compactForm() != '\0') {
                assertThat(SipHeader.of(String.valueOf(Character.toUpperCase(h.compactForm())))).isEqualTo(h);
            }
        }
        assertThat(SipHeader.of("Vias")).isEqualTo(SipHeader.OTHER);
        assertThat(SipHeader.of("C%6Fntact")).isEqualTo(SipHeader.OTHER);
        assertThat(SipHeader.of("q")).isEqualTo(SipHeader.OTHER);
        assertThat(SipHeader.of("")).isEqualTo(SipHeader.OTHER);
        assertThat(SipHeader.of("Call_ID")).isEqualTo(SipHeader.OTHER);
    }

    @Test
    void foldedHeadersAreOneField() {
        parse(crlf("INVITE sip:bob@example.com SIP/2.0\n" +
                   "Via: SIP/2.0/UDP\n" +
                   "  192.0.2.1\n" +
                   "\t;branch=z9hG4bK1\n" +
                   "From:\n" +
                   " <sip:alice@example.com>;tag=a1\n" +
                   "To: <sip:bob@example.com>\n" +
                   "Call-ID: c1@192.0.2.1\n" +
                   "CSeq: 1\n" +
                   "   INVITE\n" +
                   "Content-Length: 0\n\n"), m -> {
            assertThat(m.decoderResult().isSuccess()).as("%s", m.errorText()).isTrue();
            assertThat(m.headerCount()).isEqualTo(6);
            assertThat(m.topVia().host()).isEqualTo("192.0.2.1");
            assertThat(m.topVia().branch()).isEqualTo("z9hG4bK1");
            assertThat(m.headerValue(0)).isEqualTo("SIP/2.0/UDP\r\n  192.0.2.1\r\n\t;branch=z9hG4bK1");
            assertThat(text(m, m.headerLineStart(1), m.headerLineEnd(1)))
                    .isEqualTo("From:\r\n <sip:alice@example.com>;tag=a1\r\n");
            assertThat(m.headerValue(1)).isEqualTo("<sip:alice@example.com>;tag=a1");
            assertThat(m.from().tag()).isEqualTo("a1");
            assertThat(m.cseq().method()).isEqualTo("INVITE");
        });
    }

    @Test
    void multiValueHeadersSplitOutsideQuotesAndBrackets() {
        parse(crlf(HEAD +
                   "Contact: \"Smith, John\" <sip:j@192.0.2.1;x=a,b>;q=0.5, <sip:k@192.0.2.2>,sip:l@192.0.2.3\n" +
                   "Contact: *\n" +
                   "Route: <sip:p1.example.com;lr>,<sip:p2.example.com;lr>\n" +
                   "Route: <sip:p3.example.com;lr>\n" +
                   "Record-Route: <sip:rr1.example.com;lr>, \"x,y\" <sip:rr2.example.com>\n" +
                   "Content-Length: 0\n\n"), m -> {
            assertThat(m.decoderResult().isSuccess()).as("%s", m.errorText()).isTrue();
            final List<NameAddr> contacts = m.contacts();
            assertThat(contacts).hasSize(4);
            assertThat(contacts.get(0).displayName()).isEqualTo("\"Smith, John\"");
            assertThat(contacts.get(0).uri().param("x")).isEqualTo("a,b");
            assertThat(contacts.get(0).param("q")).isEqualTo("0.5");
            assertThat(contacts.get(1).uri().user()).isEqualTo("k");
            assertThat(contacts.get(2).uri().user()).isEqualTo("l");
            assertThat(contacts.get(2).isNameAddr()).isFalse();
            assertThat(contacts.get(3).isWildcard()).isTrue();
            assertThat(m.routes()).extracting(r -> r.uri().host())
                                  .containsExactly("p1.example.com", "p2.example.com", "p3.example.com");
            assertThat(m.recordRoutes()).hasSize(2);
            assertThat(m.recordRoutes().get(1).displayName()).isEqualTo("\"x,y\"");
        });
    }

    @Test
    void viaDetails() {
        parse(crlf("INVITE sip:bob@example.com SIP/2.0\n" +
                   "Via: SIP/2.0/TLS [2001:db8::9]:5061;branch=z9hG4bK1;received=2001:db8::1;rport=6000" +
                   ";maddr=224.2.0.1;ttl=16\n" +
                   "Via: SIP/2.0/UDP host.example.com;rport;branch=z9hG4bK0\n" +
                   "From: <sip:alice@example.com>;tag=a1\nTo: <sip:bob@example.com>\nCall-ID: c1\nCSeq: 1 INVITE\n" +
                   "Content-Length: 0\n\n"), m -> {
            assertThat(m.decoderResult().isSuccess()).as("%s", m.errorText()).isTrue();
            final Via top = m.topVia();
            assertThat(top.protocolName()).isEqualTo("SIP");
            assertThat(top.protocolVersion()).isEqualTo("2.0");
            assertThat(top.transport()).isEqualTo("TLS");
            assertThat(top.host()).isEqualTo("[2001:db8::9]");
            assertThat(top.port()).isEqualTo(5061);
            assertThat(top.received()).isEqualTo("2001:db8::1");
            assertThat(top.hasRport()).isTrue();
            assertThat(top.rport()).isEqualTo(6000);
            assertThat(top.maddr()).isEqualTo("224.2.0.1");
            assertThat(top.ttl()).isEqualTo("16");
            assertThat(top.param("BRANCH")).isEqualTo("z9hG4bK1");
            assertThat(top.param("nope")).isNull();
            final Via second = m.vias().get(1);
            assertThat(second.port()).isEqualTo(-1);
            assertThat(second.hasRport()).isTrue();
            assertThat(second.rport()).isEqualTo(-1);
            assertThat(second.param("rport")).isEmpty();
        });
    }

    @Test
    void callIdBytesCanBeHashedWithoutAllocation() {
        parse(resource(INVITE), m -> {
            int h = 0;
            for (int i = m.callIdStart(); i < m.callIdEnd(); i++) {
                h = 31 * h + m.content().getByte(i);
            }
            assertThat(h).isEqualTo(m.callId().hashCode());
        });
    }

    @Test
    void proxyAuthorizationUsernameWhenNoAuthorization() {
        parse(crlf(HEAD + "Proxy-Authorization: Digest realm=\"x\", username=\"b\\\"ob\", nonce=\"n\"\n" +
                   "Content-Length: 0\n\n"),
              m -> assertThat(m.authorizationUsername()).isEqualTo("b\"ob"));
        parse(crlf(HEAD + "Content-Length: 0\n\n"), m -> assertThat(m.authorizationUsername()).isNull());
        parse(crlf(HEAD + "Authorization: Digest username=carol,realm=x\nContent-Length: 0\n\n"),
              m -> assertThat(m.authorizationUsername()).isEqualTo("carol"));
    }

    @Test
    void leadingCrlfAndBareLfAreAccepted() {
        parse(("\r\n\r\n" + HEAD.replace("\n", "\r\n") + "Content-Length: 0\r\n\r\n").getBytes(StandardCharsets.US_ASCII),
              m -> {
                  assertThat(m.decoderResult().isSuccess()).isTrue();
                  assertThat(text(m, 0, 6)).isEqualTo("INVITE");
              });
        parse((HEAD + "Content-Length: 0\n\n").getBytes(StandardCharsets.US_ASCII), m -> {
            assertThat(m.decoderResult().isSuccess()).as("%s", m.errorText()).isTrue();
            assertThat(m.headerCount()).isEqualTo(6);
            assertThat(m.callId()).isEqualTo("c1@192.0.2.1");
        });
    }

    @Test
    void responses() {
        parse(crlf("SIP/2.0 180 Ringing\n" +
                   "Via: SIP/2.0/UDP 192.0.2.1;branch=z9hG4bK1\n" +
                   "From: <sip:alice@example.com>;tag=a1\nTo: <sip:bob@example.com>;tag=b2\n" +
                   "Call-ID: c1\nCSeq: 1 INVITE\nContent-Length: 0\n\n"), m -> {
            assertThat(m.isResponse()).isTrue();
            assertThat(m.isRequest()).isFalse();
            assertThat(m.statusCode()).isEqualTo(180);
            assertThat(m.reasonPhrase()).isEqualTo("Ringing");
            assertThat(m.method()).isNull();
            assertThat(m.requestUri()).isNull();
            assertThat(m.cseq().method()).isEqualTo("INVITE");
        });
        for (String bad : new String[] { "SIP/2.0 99 Low", "SIP/2.0 700 High", "SIP/2.0 2000 Long",
                                         "SIP/2.0 abc Letters", "SIP/2.0 4294967496 Overflow",
                                         "SIP/2.0 99999999999999999999999 Overflow", "SIP/2.0" }) {
            parse(crlf(bad + "\nVia: SIP/2.0/UDP h;branch=z9hG4bK1\nFrom: <sip:a@b>;tag=1\nTo: <sip:a@b>\n" +
                       "Call-ID: c\nCSeq: 1 INVITE\n\n"), m -> {
                assertThat(m.decodeError()).as(bad).isEqualTo(SipDecodeError.INVALID_STATUS_CODE);
                assertThat(m.isAnswerable()).isFalse();
            });
        }
    }

    @Test
    void overlargeNumbersNeverOverflow() {
        parse(crlf(HEAD.replace("CSeq: 1 INVITE", "CSeq: 4294967295 INVITE") + "Content-Length: 0\n\n"),
              m -> assertThat(m.cseq().number()).isEqualTo(4294967295L));
        parse(crlf(HEAD.replace("CSeq: 1 INVITE", "CSeq: 4294967296 INVITE") + "Content-Length: 0\n\n"),
              m -> assertThat(m.decodeError()).isEqualTo(SipDecodeError.INVALID_CSEQ));
        parse(crlf(HEAD + "Content-Length: 99999999999999999999999999\n\n"), m -> {
            assertThat(m.decodeError()).isEqualTo(SipDecodeError.INVALID_CONTENT_LENGTH);
            assertThat(m.contentLength()).isEqualTo(-1);
        });
        parse(crlf(HEAD + "Content-Length: 2147483647\n\n"),
              m -> assertThat(m.decodeError()).isEqualTo(SipDecodeError.CONTENT_LENGTH_EXCEEDS_MESSAGE));
        parse(crlf(HEAD + "Max-Forwards: 256\nContent-Length: 0\n\n"),
              m -> assertThat(m.decodeError()).isEqualTo(SipDecodeError.INVALID_MAX_FORWARDS));
        parse(crlf(HEAD.replace("192.0.2.1;", "192.0.2.1:65536;") + "Content-Length: 0\n\n"),
              m -> assertThat(m.decodeError()).isEqualTo(SipDecodeError.INVALID_VIA));
    }

    @Test
    void datagramFramingByContentLength() {
        parse(crlf(HEAD + "Content-Length: 4\n\nabcdTRAILING"), m -> {
            assertThat(m.bodyLength()).isEqualTo(4);
            assertThat(m.content().readableBytes()).isEqualTo(m.bodyStart() + 4);
            assertThat(m.content().capacity()).isEqualTo(m.bodyStart() + 4);
        });
        parse(crlf(HEAD + "\nrest of datagram"), m -> {
            assertThat(m.contentLength()).isEqualTo(-1);
            assertThat(m.bodyLength()).isEqualTo("rest of datagram".length());
        });
    }

    @Test
    void answerableFailures() {
        // Missing Via: nowhere to send an answer.
        parse(crlf(HEAD.replace("Via: SIP/2.0/UDP 192.0.2.1;branch=z9hG4bK1\n", "") + "Content-Length: 0\n\n"),
              m -> {
                  assertThat(m.decodeError()).isEqualTo(SipDecodeError.MISSING_REQUIRED_HEADER);
                  assertThat(m.isAnswerable()).isFalse();
              });
        // Header line without a colon: answerable, and the rest of the index is still built.
        parse(crlf(HEAD + "Garbage line\nSubject: s\nContent-Length: 0\n\n"), m -> {
            assertThat(m.decodeError()).isEqualTo(SipDecodeError.INVALID_HEADER);
            assertThat(m.isAnswerable()).isTrue();
            assertThat(m.errorStatus()).isEqualTo(400);
            assertThat(m.errorText()).contains("Garbage line");
            assertThat(m.firstHeader(SipHeader.SUBJECT)).isNotNegative();
        });
        // A header block that never ends.
        parse(crlf(HEAD), m -> {
            assertThat(m.decodeError()).isEqualTo(SipDecodeError.INCOMPLETE_HEADERS);
            assertThat(m.isAnswerable()).isTrue();
            assertThat(m.headerCount()).isEqualTo(5);
        });
        // Lower-case method name is an unknown method; CSeq must match it case-sensitively.
        parse(crlf(HEAD.replace("INVITE sip", "invite sip") + "Content-Length: 0\n\n"), m -> {
            assertThat(m.method()).isEqualTo(SipMethod.EXTENSION);
            assertThat(m.decodeError()).isEqualTo(SipDecodeError.UNKNOWN_METHOD_CSEQ_MISMATCH);
            assertThat(m.errorStatus()).isEqualTo(501);
        });
    }

    @Test
    void limits() {
        final byte[] msg = crlf(HEAD + "Subject: " + "s".repeat(100) + "\nContent-Length: 0\n\n");
        final SipDecoderConfig defaults = SipDecoderConfig.defaults();
        parse(new SipMessageParser(defaults.toBuilder().maxHeaderCount(6).build()), msg, m -> {
            assertThat(m.decodeError()).isEqualTo(SipDecodeError.TOO_MANY_HEADERS);
            assertThat(m.decoderResult().cause()).isInstanceOf(TooLongSipMessageException.class);
            assertThat(m.isAnswerable()).isFalse();
        });
        parse(new SipMessageParser(defaults.toBuilder().maxHeaderCount(7).build()), msg,
              m -> assertThat(m.decoderResult().isSuccess()).isTrue());
        parse(new SipMessageParser(defaults.toBuilder().maxHeaderSize(100).build()), msg,
              m -> assertThat(m.decodeError()).isEqualTo(SipDecodeError.HEADER_TOO_LONG));
        parse(new SipMessageParser(defaults.toBuilder().maxHeaderSize(111).build()), msg,
              m -> assertThat(m.decoderResult().isSuccess()).isTrue());
        parse(new SipMessageParser(defaults.toBuilder().maxStartLineLength(33).build()), msg,
              m -> assertThat(m.decodeError()).isEqualTo(SipDecodeError.START_LINE_TOO_LONG));
        parse(new SipMessageParser(defaults.toBuilder().maxStartLineLength(34).build()), msg,
              m -> assertThat(m.decoderResult().isSuccess()).isTrue());
        parse(new SipMessageParser(defaults.toBuilder().maxMessageSize(msg.length - 1).build()), msg, m -> {
            assertThat(m.decodeError()).isEqualTo(SipDecodeError.MESSAGE_TOO_LARGE);
            assertThat(m.content().readableBytes()).isZero();
        });
        parse(new SipMessageParser(defaults.toBuilder().maxMessageSize(msg.length).build()), msg,
              m -> assertThat(m.decoderResult().isSuccess()).isTrue());
        // A start line without any line end, longer than the limit.
        parse(new SipMessageParser(defaults.toBuilder().maxStartLineLength(16).build()),
              "INVITE sip:a@b SIP/2.0 and more".getBytes(StandardCharsets.US_ASCII),
              m -> assertThat(m.decodeError()).isEqualTo(SipDecodeError.START_LINE_TOO_LONG));
    }

    @Test
    void emptyInput() {
        parse(new byte[0], m -> assertThat(m.decodeError()).isEqualTo(SipDecodeError.EMPTY_MESSAGE));
        parse("\r\n\r\n".getBytes(StandardCharsets.US_ASCII),
              m -> assertThat(m.decodeError()).isEqualTo(SipDecodeError.EMPTY_MESSAGE));
    }

    @Test
    void indexAccessorsCheckBounds() {
        parse(resource(INVITE), m -> {
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> m.headerType(m.headerCount()))
                                           .isInstanceOf(IndexOutOfBoundsException.class);
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> m.headerLineStart(-1))
                                           .isInstanceOf(IndexOutOfBoundsException.class);
        });
    }

    @Test
    void retainAndReleaseDelegateToContent() {
        final ByteBuf buf = Unpooled.wrappedBuffer(resource(INVITE));
        final SipMessage m = parser.parse(buf);
        assertThat(buf.release()).isFalse();
        assertThat(m.refCnt()).isEqualTo(1);
        assertThat(m.retain()).isSameAs(m);
        assertThat(m.refCnt()).isEqualTo(2);
        assertThat(m.release()).isFalse();
        assertThat(m.release()).isTrue();
        assertThat(buf.refCnt()).isZero();
    }

    /** Everything an index gives of {@code m}, as text, to compare a message with its copy. */
    private static String describe(SipMessage m) {
        final StringBuilder b = new StringBuilder()
                .append(m.decoderResult().isSuccess()).append(' ').append(m.errorText()).append(' ')
                .append(m.isRequest()).append(' ').append(m.method()).append(' ').append(m.statusCode()).append(' ')
                .append(m.isRequest() ? m.requestUri() : m.reasonPhrase()).append(' ').append(m.callId()).append(' ')
                .append(m.cseq()).append(' ').append(m.maxForwards()).append(' ').append(m.contentLength())
                .append(' ').append(m.topVia() != null ? m.topVia().branch() : null).append(' ')
                .append(m.from() != null ? m.from().tag() : null).append('|');
        for (int i = 0; i < m.headerCount(); i++) {
            b.append(m.headerType(i)).append(':').append(m.headerName(i)).append('=').append(m.headerValue(i))
             .append(' ').append(m.headerValueStart(i)).append('|');
        }
        return b.append(m.headersEnd()).append(' ').append(m.bodyStart()).append(' ').append(m.bodyLength())
                .toString();
    }

    @Test
    void compactCopyHasTheSameIndexInABufferOfItsOwn() {
        // A request (with a body) and a response, each framed in a larger buffer, as a datagram is.
        final byte[] response = crlf("SIP/2.0 180 Ringing\nVia: SIP/2.0/UDP 192.0.2.1;branch=z9hG4bK1\n" +
                                     "From: <sip:alice@example.com>;tag=a1\nTo: <sip:bob@example.com>;tag=b2\n" +
                                     "Call-ID: c1@192.0.2.1\nCSeq: 1 INVITE\nContent-Length: 0\n\n");
        for (byte[] bytes : List.of(resource(INVITE), response)) {
            final ByteBuf framed = Unpooled.directBuffer(bytes.length + 64).writeZero(16).writeBytes(bytes)
                                           .writeZero(48).readerIndex(16);
            framed.writerIndex(16 + bytes.length);
            final SipMessage m = parser.parse(framed);
            final String original = describe(m);
            final SipMessage copy = m.compactCopy();
            try {
                assertThat(m.decoderResult().isSuccess()).as("%s", m.errorText()).isTrue();
                assertThat(copy.content()).isNotSameAs(m.content());
                assertThat(copy.content().hasArray()).isTrue();
                assertThat(copy.content().capacity()).isEqualTo(m.content().readableBytes());
                assertThat(ByteBufEquals.bytes(copy.content())).isEqualTo(ByteBufEquals.bytes(m.content()));
                // Independent reference counts: the copy outlives the buffer it came from.
                assertThat(m.release()).isFalse();
                assertThat(framed.release()).isTrue();
                assertThat(copy.refCnt()).isEqualTo(1);
                assertThat(describe(copy)).isEqualTo(original);
            } finally {
                assertThat(copy.release()).isTrue();
            }
        }
    }

    @Test
    void compactCopyKeepsAFailedVerdict() {
        parse(crlf(HEAD.replace("CSeq: 1 INVITE", "CSeq: one INVITE") + "Content-Length: 0\n\n"), m -> {
            assertThat(m.decoderResult().isSuccess()).isFalse();
            final SipMessage copy = m.compactCopy();
            try {
                assertThat(copy.decodeError()).isEqualTo(m.decodeError());
                assertThat(copy.errorStatus()).isEqualTo(m.errorStatus());
                assertThat(describe(copy)).isEqualTo(describe(m));
            } finally {
                copy.release();
            }
        });
    }
}
