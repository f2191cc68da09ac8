package io.siplb.codec;

import static io.siplb.codec.SipTestMessages.decodeDatagram;
import static io.siplb.codec.SipTestMessages.torture;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;

/**
 * Every message of RFC 4475 (resources {@code torture/*.dat}, each fed as one UDP datagram) with the outcome the RFC
 * expects: VALID ones parse with the right values, INVALID ones are answered (400, 501, 505) or dropped with the
 * right reason, SEMANTIC ones parse without breaking and expose what a proxy needs.
 */
class TortureTest {

    /** What the parser does with a message. */
    enum Outcome {
        /** Decoded successfully. */
        ACCEPT,
        /** Failed; a request that can be answered with {@link Expect#status}. */
        ANSWER,
        /** Failed; cannot be answered, the proxy drops and counts it. */
        DROP
    }

    static final class Expect {
        final String rfcClass;
        final Outcome outcome;
        final int status;
        final SipDecodeError reason;
        /** Whether {@link SipStrictValidator} finds no problem. */
        final boolean strict;

        Expect(String rfcClass, Outcome outcome, int status, SipDecodeError reason, boolean strict) {
            this.rfcClass = rfcClass;
            this.outcome = outcome;
            this.status = status;
            this.reason = reason;
            this.strict = strict;
        }

        @Override
        public String toString() {
            return rfcClass + ' ' + outcome + (status > 0 ? " " + status : "") + (reason != null ? " " + reason : "") +
                   (strict ? " strict" : " not-strict");
        }
    }

    /** The package documentation, where the deliberate liberal accepts are listed (the one list). */
    private static final Path PACKAGE_INFO = Paths.get("src/main/java/io/siplb/codec/package-info.java");

    /** A liberal-accept item naming an RFC 4475 file: {@code <li>{@code name} (RFC 4475 §...}. */
    private static final Pattern LIBERAL_ITEM = Pattern.compile("<li>\\{@code (\\w+)\\} \\(RFC 4475 §");

    static final Map<String, Expect> EXPECTED = new TreeMap<>();

    static {
        for (String f : List.of("wsinv", "intmeth", "esc01", "escnull", "esc02", "lwsdisp", "longreq", "dblreq",
                                "semiuri", "transports", "mpart01", "unreason", "noreason", "inv2543")) {
            EXPECTED.put(f, accept("VALID"));
        }
        EXPECTED.put("badinv01", answer(400, SipDecodeError.INVALID_VIA));
        EXPECTED.put("clerr", answer(400, SipDecodeError.CONTENT_LENGTH_EXCEEDS_MESSAGE));
        EXPECTED.put("ncl", answer(400, SipDecodeError.INVALID_CONTENT_LENGTH));
        EXPECTED.put("scalar02", answer(400, SipDecodeError.INVALID_CSEQ));
        EXPECTED.put("scalarlg", drop("INVALID", SipDecodeError.INVALID_CSEQ));
        EXPECTED.put("quotbal", answer(400, SipDecodeError.INVALID_TO));
        EXPECTED.put("ltgtruri", answer(400, SipDecodeError.INVALID_REQUEST_URI));
        EXPECTED.put("lwsruri", answer(400, SipDecodeError.INVALID_START_LINE));
        EXPECTED.put("lwsstart", answer(400, SipDecodeError.INVALID_START_LINE));
        EXPECTED.put("trws", answer(400, SipDecodeError.INVALID_START_LINE));
        EXPECTED.put("escruri", answer(400, SipDecodeError.INVALID_REQUEST_URI));
        EXPECTED.put("baddate", accept("INVALID"));
        // Contact is not read by the proxy: forwarded as received (RFC 3261 §16.3); a deliberate liberal accept.
        EXPECTED.put("regbadct", accept("INVALID"));
        EXPECTED.put("badaspec", answer(400, SipDecodeError.INVALID_TO));
        // The proxy does not hold the From/To display name to the grammar (a deliberate liberal accept), but the
        // file's header block has no terminating empty line (the RFC 4475 archive's bytes), so it is still rejected.
        EXPECTED.put("baddn", answer(400, SipDecodeError.INCOMPLETE_HEADERS));
        EXPECTED.put("badvers", answer(505, SipDecodeError.UNSUPPORTED_VERSION));
        EXPECTED.put("mismatch01", answer(400, SipDecodeError.CSEQ_METHOD_MISMATCH));
        EXPECTED.put("mismatch02", answer(501, SipDecodeError.UNKNOWN_METHOD_CSEQ_MISMATCH));
        EXPECTED.put("bigcode", drop("INVALID", SipDecodeError.INVALID_STATUS_CODE));
        for (String f : List.of("badbranch", "unkscm", "novelsc", "unksm2", "bext01", "invut", "regaut01", "bcast",
                                "zeromf", "cparam01", "cparam02", "regescrt", "sdp01")) {
            EXPECTED.put(f, accept("SEMANTIC"));
        }
        EXPECTED.put("insuf", drop("SEMANTIC", SipDecodeError.MISSING_REQUIRED_HEADER));
        EXPECTED.put("multi01", new Expect("SEMANTIC", Outcome.ANSWER, 400, SipDecodeError.DUPLICATE_HEADER,
                                           false));
        EXPECTED.put("mcl01", new Expect("SEMANTIC", Outcome.ANSWER, 400,
                                         SipDecodeError.CONFLICTING_CONTENT_LENGTH, false));
        EXPECTED.put("test", drop("UNCLASSIFIED", SipDecodeError.INVALID_START_LINE));
    }

    /**
     * Accepted by the decoder; strict passes unless RFC 4475 calls the message INVALID (the deliberate liberal
     * accepts).
     */
    private static Expect accept(String rfcClass) {
        return new Expect(rfcClass, Outcome.ACCEPT, 0, null, !rfcClass.equals("INVALID"));
    }

    /** Rejected by the decoder, so by strict too. */
    private static Expect answer(int status, SipDecodeError reason) {
        return new Expect("INVALID", Outcome.ANSWER, status, reason, false);
    }

    /** Rejected by the decoder, so by strict too. */
    private static Expect drop(String rfcClass, SipDecodeError reason) {
        return new Expect(rfcClass, Outcome.DROP, 0, reason, false);
    }

    /** The RFC 4475 files named by the liberal-accept list of the package documentation. */
    static Set<String> documentedLiberalAccepts() throws IOException {
        final String doc = Files.readString(PACKAGE_INFO, StandardCharsets.UTF_8);
        final int start = doc.indexOf("<h2>Where siplb is deliberately liberal</h2>");
        final int end = doc.indexOf("</ul>", start);
        assertThat(start).as("liberal section of %s", PACKAGE_INFO).isNotNegative();
        final Matcher m = LIBERAL_ITEM.matcher(doc.substring(start, end));
        final Set<String> files = new TreeSet<>();
        while (m.find()) {
            files.add(m.group(1));
        }
        return files;
    }

    static Stream<String> files() {
        return EXPECTED.keySet().stream();
    }

    @Test
    void everyCorpusFileHasAnExpectation() throws IOException, URISyntaxException {
        final Path dir = Paths.get(TortureTest.class.getClassLoader().getResource("torture/README.md").toURI())
                              .getParent();
        try (Stream<Path> s = Files.list(dir)) {
            final List<String> names = s.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".dat"))
                                        .map(n -> n.substring(0, n.length() - 4)).sorted()
                                        .collect(Collectors.toList());
            assertThat(names).hasSize(50).containsExactlyElementsOf(EXPECTED.keySet());
        }
    }

    /**
     * The files the proxy accepts although strict rejects them are exactly the RFC 4475 files named in the package
     * documentation's liberal list; each is INVALID by RFC 4475. Every other INVALID file fails both verdicts,
     * and every VALID file passes both.
     */
    @Test
    void liberalAcceptsAreTheDocumentedOnes() throws IOException {
        final Set<String> liberal = new TreeSet<>();
        EXPECTED.forEach((name, e) -> {
            if (e.outcome == Outcome.ACCEPT && !e.strict) {
                liberal.add(name);
            }
            if (e.rfcClass.equals("INVALID")) {
                assertThat(e.strict).as(name).isFalse();
            }
            if (e.rfcClass.equals("VALID")) {
                assertThat(e.outcome).as(name).isEqualTo(Outcome.ACCEPT);
                assertThat(e.strict).as(name).isTrue();
            }
            if (e.outcome != Outcome.ACCEPT) {
                assertThat(e.strict).as("%s: what the decoder rejects, strict rejects", name).isFalse();
            }
        });
        assertThat(liberal).containsExactly("baddate", "regbadct")
                           .containsExactlyElementsOf(documentedLiberalAccepts());
        liberal.forEach(name -> assertThat(EXPECTED.get(name).rfcClass).isEqualTo("INVALID"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("files")
    void strictVerdictMatchesRfc4475(String name) {
        final Expect e = EXPECTED.get(name);
        final SipMessage msg = decodeDatagram(torture(name));
        try {
            final List<SipProblem> problems = SipStrictValidator.validate(msg);
            if (e.strict) {
                assertThat(problems).as(name).isEmpty();
            } else {
                assertThat(problems).as(name).isNotEmpty();
                problems.forEach(p -> assertThat(p.toString()).matches("[\\x20-\\x7e]+"));
            }
        } finally {
            assertThat(msg.release()).isTrue();
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("files")
    void outcomeMatchesRfc4475(String name) {
        final Expect e = EXPECTED.get(name);
        final SipMessage msg = decodeDatagram(torture(name));
        try {
            switch (e.outcome) {
                case ACCEPT:
                    assertThat(msg.decoderResult().isSuccess()).as("%s: %s", name, msg.errorText()).isTrue();
                    assertThat(msg.decodeError()).isNull();
                    assertThat(msg.isAnswerable()).isFalse();
                    assertThat(msg.errorStatus()).isZero();
                    break;
                case ANSWER:
                    assertThat(msg.decoderResult().isFailure()).isTrue();
                    assertThat(msg.decoderResult().cause()).isInstanceOf(SipDecoderException.class);
                    assertThat(msg.decodeError()).as("%s: %s", name, msg.errorText()).isEqualTo(e.reason);
                    assertThat(msg.isRequest()).isTrue();
                    assertThat(msg.isAnswerable()).isTrue();
                    assertThat(msg.errorStatus()).isEqualTo(e.status);
                    assertThat(msg.errorText()).isNotBlank().matches("[\\x20-\\x7e]+");
                    // What an answer needs is indexed.
                    assertThat(msg.firstHeader(SipHeader.VIA)).isNotNegative();
                    assertThat(msg.callIdEnd()).isGreaterThan(msg.callIdStart());
                    break;
                case DROP:
                    assertThat(msg.decoderResult().isFailure()).isTrue();
                    assertThat(msg.decodeError()).as("%s: %s", name, msg.errorText()).isEqualTo(e.reason);
                    assertThat(msg.isAnswerable()).isFalse();
                    assertThat(msg.errorStatus()).isZero();
                    break;
                default:
                    throw new AssertionError(e.outcome);
            }
        } finally {
            assertThat(msg.release()).isTrue();
        }
    }

    /**
     * The parser reads heap buffers through their array and direct buffers through their native address: both
     * paths must reach the same verdict and the same index for every corpus file.
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("files")
    void heapAndDirectBuffersGiveTheSameResult(String name) {
        final byte[] bytes = torture(name);
        final SipMessageParser parser = new SipMessageParser(SipDecoderConfig.defaults());
        final ByteBuf heap = Unpooled.wrappedBuffer(bytes);
        final ByteBuf direct = Unpooled.directBuffer(bytes.length).writeBytes(bytes);
        assertThat(heap.hasArray()).isTrue();
        assertThat(direct.hasMemoryAddress()).isTrue();
        final SipMessage h = parser.parse(heap);
        final SipMessage d = parser.parse(direct);
        try {
            assertThat(d.decodeError()).isEqualTo(h.decodeError());
            assertThat(d.isAnswerable()).isEqualTo(h.isAnswerable());
            assertThat(d.errorStatus()).isEqualTo(h.errorStatus());
            assertThat(d.errorText()).isEqualTo(h.errorText());
            assertThat(d.headerCount()).isEqualTo(h.headerCount());
            for (int i = 0; i < h.headerCount(); i++) {
                assertThat(d.headerType(i)).isEqualTo(h.headerType(i));
                assertThat(d.headerLineStart(i)).isEqualTo(h.headerLineStart(i));
                assertThat(d.headerValueStart(i)).isEqualTo(h.headerValueStart(i));
                assertThat(d.headerValueEnd(i)).isEqualTo(h.headerValueEnd(i));
                assertThat(d.headerLineEnd(i)).isEqualTo(h.headerLineEnd(i));
            }
            assertThat(d.bodyStart()).isEqualTo(h.bodyStart());
            assertThat(d.bodyLength()).isEqualTo(h.bodyLength());
            assertThat(d.content().toString(StandardCharsets.ISO_8859_1))
                    .isEqualTo(h.content().toString(StandardCharsets.ISO_8859_1));
            // And the verdict is the one the datagram decoder gives (which the outcome test checks against RFC 4475).
            assertThat(h.decodeError()).isEqualTo(EXPECTED.get(name).reason);
        } finally {
            h.release();
            d.release();
            heap.release();
            direct.release();
        }
    }

    private static void check(String name, Consumer<SipMessage> assertions) {
        final SipMessage msg = decodeDatagram(torture(name));
        try {
            assertions.accept(msg);
        } finally {
            msg.release();
        }
    }

    // VALID (RFC 4475 §3.1.1)

    @Test
    void wsinv() {
        check("wsinv", m -> {
            assertThat(m.method()).isEqualTo(SipMethod.INVITE);
            assertThat(m.requestUri().user()).isEqualTo("vivekg");
            assertThat(m.requestUri().host()).isEqualTo("chair-dnrc.example.com");
            assertThat(m.requestUri().hasParam("unknownparam")).isTrue();
            assertThat(m.to().uri().toString()).isEqualTo("sip:vivekg@chair-dnrc.example.com");
            assertThat(m.to().tag()).isEqualTo("1918181833n");
            assertThat(m.from().displayName()).isEqualTo("\"J Rosenberg \\\\\\\"\"");
            assertThat(m.from().tag()).isEqualTo("98asjd8");
            assertThat(m.maxForwards()).isEqualTo(68);
            assertThat(m.callId()).isEqualTo("wsinv.ndaksdj@192.0.2.1");
            assertThat(m.contentLength()).isEqualTo(150);
            assertThat(m.bodyLength()).isEqualTo(150);
            assertThat(m.cseq().number()).isEqualTo(9);
            assertThat(m.cseq().method()).isEqualTo("INVITE");
            final List<Via> vias = m.vias();
            assertThat(vias).hasSize(3);
            assertThat(vias.get(0).transport()).isEqualTo("UDP");
            assertThat(vias.get(0).host()).isEqualTo("192.0.2.2");
            assertThat(vias.get(0).branch()).isEqualTo("390skdjuw");
            assertThat(vias.get(1).transport()).isEqualTo("TCP");
            assertThat(vias.get(1).host()).isEqualTo("spindle.example.com");
            assertThat(vias.get(1).branch()).isEqualTo("z9hG4bK9ikj8");
            assertThat(vias.get(2).host()).isEqualTo("192.168.255.111");
            assertThat(vias.get(2).branch()).isEqualTo("z9hG4bK30239");
            assertThat(vias.get(1).headerIndex()).isEqualTo(vias.get(2).headerIndex());
            final int subject = m.firstHeader(SipHeader.SUBJECT);
            assertThat(m.headerName(subject)).isEqualTo("s");
            assertThat(m.headerValue(subject)).isEmpty();
            final int unknown = m.nextHeader(SipHeader.OTHER, m.firstHeader(SipHeader.OTHER));
            assertThat(m.headerName(unknown)).isEqualTo("UnknownHeaderWithUnusualValue");
            assertThat(m.headerValue(unknown)).isEqualTo(";;,,;;,;");
            assertThat(m.routes()).hasSize(1);
            assertThat(m.routes().get(0).uri().lr()).isTrue();
            assertThat(m.routes().get(0).uri().param("unknownwith")).isEqualTo("value");
            assertThat(m.contacts()).hasSize(1);
            assertThat(m.contacts().get(0).param("newparam")).isEqualTo("newvalue");
            assertThat(m.contacts().get(0).param("q")).isEqualTo("0.33");
            assertThat(m.contacts().get(0).hasParam("secondparam")).isTrue();
        });
    }

    @Test
    void intmeth() {
        check("intmeth", m -> {
            assertThat(m.method()).isEqualTo(SipMethod.EXTENSION);
            assertThat(m.methodName()).isEqualTo("!interesting-Method0123456789_*+`.%indeed'~");
            assertThat(m.requestUri().user()).isEqualTo("1_unusual.URI~(to-be!sure)&isn't+it$/crazy?,/;;*");
            assertThat(m.requestUri().password()).isEqualTo("&it+has=1,weird!*pas$wo~d_too.(doesn't-it)");
            assertThat(m.requestUri().host()).isEqualTo("example.com");
            assertThat(m.topVia().branch()).isEqualTo("z9hG4bK-.!%66*_+`'~");
            assertThat(m.to().displayName()).isEqualTo("\"BEL:\\\u0007 NUL:\\\u0000 DEL:\\\u007f\"");
            assertThat(m.to().uri().user()).isEqualTo("1_unusual.URI~(to-be!sure)&isn't+it$/crazy?,/;;*");
            assertThat(m.from().displayName()).isEqualTo("token1~` token2'+_ token3*%!.-");
            assertThat(m.from().tag()).isEqualTo("_token~1'+`*%!-.");
            // A UTF-8 quoted parameter value is returned decoded, quotes kept.
            assertThat(m.from().param("fromParam''~+*_!.-%"))
                    .isEqualTo("\"\u0440\u0430\u0431\u043e\u0442\u0430\u044e\u0449\u0438\u0439\"");
            assertThat(m.callId()).isEqualTo("intmeth.word%ZK-!.*_+'@word`~)(><:\\/\"][?}{");
            assertThat(m.cseq().number()).isEqualTo(139122385);
            assertThat(m.cseq().method()).isEqualTo(m.methodName());
            assertThat(m.maxForwards()).isEqualTo(255);
            assertThat(m.headerName(m.headerCount() - 2)).isEqualTo("extensionHeader-!.%*+_`'~");
        });
    }

    @Test
    void esc01() {
        check("esc01", m -> {
            assertThat(m.requestUri().user()).isEqualTo("sips%3Auser%40example.com");
            assertThat(m.requestUri().host()).isEqualTo("example.net");
            assertThat(m.to().uri().user()).isEqualTo("%75se%72");
            assertThat(m.from().uri().user()).isEqualTo("I%20have%20spaces");
            assertThat(m.callId()).isEqualTo("esc01.239409asdfakjkn23onasd0-3234");
            final SipUri contact = m.contacts().get(0).uri();
            assertThat(contact.user()).isEqualTo("cal%6Cer");
            assertThat(contact.hasParam("%6C%72")).isTrue();
            assertThat(contact.hasParam("lr")).isFalse();
            assertThat(contact.param("n%61me")).isEqualTo("v%61lue%25%34%31");
            assertThat(m.headerType(m.firstHeader(SipHeader.CONTENT_TYPE))).isEqualTo(SipHeader.CONTENT_TYPE);
            assertThat(m.headerName(m.firstHeader(SipHeader.CONTENT_TYPE))).isEqualTo("C");
        });
    }

    @Test
    void escnull() {
        check("escnull", m -> {
            assertThat(m.method()).isEqualTo(SipMethod.REGISTER);
            assertThat(m.to().uri().user()).isEqualTo("null-%00-null");
            assertThat(m.contacts()).hasSize(2);
            assertThat(m.contacts().get(0).uri().user()).isEqualTo("%00");
            assertThat(m.contacts().get(1).uri().user()).isEqualTo("%00%00");
            assertThat(m.contentLength()).isZero();
        });
    }

    @Test
    void esc02() {
        check("esc02", m -> {
            assertThat(m.method()).isEqualTo(SipMethod.EXTENSION);
            assertThat(m.methodName()).isEqualTo("RE%47IST%45R");
            assertThat(m.cseq().methodType()).isEqualTo(SipMethod.EXTENSION);
            assertThat(m.to().displayName()).isEqualTo("\"%Z%45\"");
            assertThat(m.topVia().branch()).isEqualTo("z9hG4bK209%fzsnel234");
            assertThat(m.contacts()).extracting(c -> c.uri().host())
                                    .containsExactly("host1.example.com", "host3.example.com");
            assertThat(m.headerCount(SipHeader.CONTACT)).isEqualTo(2);
            assertThat(m.headerCount(SipHeader.OTHER)).isEqualTo(1);
        });
    }

    @Test
    void lwsdisp() {
        check("lwsdisp", m -> {
            assertThat(m.from().displayName()).isEqualTo("caller");
            assertThat(m.from().uri().toString()).isEqualTo("sip:caller@example.com");
            assertThat(m.from().tag()).isEqualTo("323");
        });
    }

    @Test
    void longreq() {
        check("longreq", m -> {
            assertThat(m.content().readableBytes()).isEqualTo(torture("longreq").length);
            assertThat(m.vias()).hasSize(34);
            assertThat(m.topVia().host()).isEqualTo("sip33.example.com");
            assertThat(m.vias().get(33).host()).isEqualTo("host.example.com");
            assertThat(m.vias().get(33).received()).isEqualTo("192.0.2.5");
            assertThat(m.vias().get(33).branch()).startsWith("verylonglonglong");
            assertThat(m.to().displayName()).startsWith("\"I have a user name of extreme").endsWith("proportion\"");
            assertThat(m.to().uri().port()).isEqualTo(6000);
            assertThat(m.to().uri().param("longparam" + "name".repeat(25))).isEqualTo("shortvalue");
            assertThat(m.from().tag()).hasSize(155).startsWith("12982982");
            assertThat(m.callId()).startsWith("longreq.onereally").endsWith("longcallid");
            assertThat(m.contacts()).hasSize(1);
            assertThat(m.bodyLength()).isEqualTo(150);
        });
    }

    @Test
    void dblreqKeepsOnlyTheRegister() {
        final byte[] bytes = torture("dblreq");
        check("dblreq", m -> {
            assertThat(m.method()).isEqualTo(SipMethod.REGISTER);
            assertThat(m.callId()).isEqualTo("dblreq.0ha0isndaksdj99sdfafnl3lk233412");
            assertThat(m.contentLength()).isZero();
            assertThat(m.bodyLength()).isZero();
            // RFC 3261 §18.3: the trailing INVITE-looking octets are not part of the message.
            assertThat(m.content().readableBytes()).isEqualTo(m.bodyStart()).isLessThan(bytes.length);
            assertThat(SipTestMessages.text(m)).doesNotContain("INVITE");
            assertThat(m.contacts().get(0).uri().host()).isEqualTo("host.example.com");
        });
    }

    @Test
    void semiuri() {
        check("semiuri", m -> {
            assertThat(m.requestUri().user()).isEqualTo("user;par=u%40example.net");
            assertThat(m.requestUri().host()).isEqualTo("example.com");
            assertThat(m.requestUri().paramCount()).isZero();
            assertThat(m.headerValue(m.firstHeader(SipHeader.OTHER))).startsWith("application/sdp")
                                                                     .endsWith("message/sipfrag");
        });
    }

    @Test
    void transports() {
        check("transports", m -> {
            assertThat(m.vias()).extracting(Via::transport).containsExactly("UDP", "SCTP", "TLS", "UNKNOWN", "TCP");
            assertThat(m.vias()).extracting(Via::host).containsExactly("t1.example.com", "t2.example.com",
                                                                       "t3.example.com", "t4.example.com",
                                                                       "t5.example.com");
        });
    }

    @Test
    void mpart01() {
        check("mpart01", m -> {
            assertThat(m.method()).isEqualTo(SipMethod.MESSAGE);
            assertThat(m.topVia().hasRport()).isTrue();
            assertThat(m.topVia().rport()).isEqualTo(-1);
            assertThat(m.topVia().port()).isEqualTo(5070);
            assertThat(m.routes()).hasSize(1);
            assertThat(m.routes().get(0).uri().port()).isEqualTo(5080);
            assertThat(m.routes().get(0).uri().hostType()).isEqualTo(SipUri.HostType.IPV4);
            assertThat(m.headerType(m.firstHeader(SipHeader.IDENTITY))).isEqualTo(SipHeader.IDENTITY);
            assertThat(m.contentLength()).isEqualTo(553);
            assertThat(m.bodyLength()).isEqualTo(553);
            assertThat(m.bodyStart() + 553).isEqualTo(m.content().readableBytes());
        });
    }

    @Test
    void unreason() {
        check("unreason", m -> {
            assertThat(m.isResponse()).isTrue();
            assertThat(m.statusCode()).isEqualTo(200);
            assertThat(m.reasonPhrase()).startsWith("= 2**3 * 5**2 \u043d\u043e").endsWith("\u043f\u0440\u043e\u0441\u0442\u043e\u0435");
            assertThat(m.method()).isNull();
            assertThat(m.to().tag()).isEqualTo("2229");
            assertThat(m.cseq().method()).isEqualTo("INVITE");
        });
    }

    @Test
    void noreason() {
        check("noreason", m -> {
            assertThat(m.statusCode()).isEqualTo(100);
            assertThat(m.reasonPhrase()).isEmpty();
            assertThat(m.version()).isEqualTo("SIP/2.0");
        });
    }

    @Test
    void inv2543() {
        check("inv2543", m -> {
            assertThat(m.topVia().branch()).isNull();
            assertThat(m.topVia().host()).isEqualTo("iftgw.example.com");
            assertThat(m.from().tag()).isNull();
            assertThat(m.maxForwards()).isEqualTo(-1);
            assertThat(m.contentLength()).isEqualTo(-1);
            // No Content-Length over UDP: the body is the rest of the datagram.
            assertThat(m.bodyStart() + m.bodyLength()).isEqualTo(torture("inv2543").length);
            assertThat(m.recordRoutes().get(0).uri().maddr()).isEqualTo("ss1.example.com");
            assertThat(m.to().param("user")).isEqualTo("phone");
            assertThat(m.from().uri().param("user")).isEqualTo("phone");
        });
    }

    // INVALID (RFC 4475 §3.1.2): outcome asserted above; facts a proxy uses to answer or count

    @Test
    void invalidMessagesKeepTheirIndex() {
        check("scalar02", m -> {
            assertThat(m.cseq()).isNull();
            assertThat(m.callId()).isEqualTo("scalar02.23o0pd9vanlq3wnrlnewofjas9ui32");
            assertThat(m.topVia().transport()).isEqualTo("TCP");
        });
        check("badvers", m -> {
            assertThat(m.version()).isEqualTo("SIP/7.0");
            assertThat(m.topVia().protocolVersion()).isEqualTo("7.0");
            assertThat(m.method()).isEqualTo(SipMethod.OPTIONS);
        });
        check("ncl", m -> {
            assertThat(m.contentLength()).isEqualTo(-1);
            assertThat(m.bodyStart() + m.bodyLength()).isEqualTo(m.content().readableBytes());
        });
        check("clerr", m -> assertThat(m.bodyLength()).isLessThan(9999));
        check("bigcode", m -> {
            assertThat(m.isResponse()).isTrue();
            assertThat(m.statusCode()).isZero();
        });
        check("mismatch02", m -> assertThat(m.methodName()).isEqualTo("NEWMETHOD"));
        check("badinv01", m -> {
            assertThat(m.topVia()).isNull();
            assertThat(m.contacts()).isEmpty();
        });
        check("quotbal", m -> assertThat(m.to()).isNull());
        check("baddate", m -> assertThat(m.headerValue(m.firstHeader(SipHeader.OTHER)))
                .isEqualTo("Fri, 01 Jan 2010 16:00:00 EST"));
    }

    // SEMANTIC (RFC 4475 §3.2, §3.3)

    @Test
    void semanticMessagesExposeWhatAProxyNeeds() {
        check("badbranch", m -> assertThat(m.topVia().branch()).isEqualTo("z9hG4bK"));
        check("insuf", m -> {
            assertThat(m.errorText()).contains("From", "To", "Call-ID");
            assertThat(m.callIdStart()).isEqualTo(-1);
            assertThat(m.cseq().number()).isEqualTo(193942);
        });
        check("unkscm", m -> {
            assertThat(m.requestUri().scheme()).isEqualTo(SipUri.Scheme.OTHER);
            assertThat(m.requestUri().schemeName()).isEqualTo("nobodyKnowsThisScheme");
            assertThat(m.requestUri().host()).isNull();
        });
        check("novelsc", m -> {
            assertThat(m.requestUri().schemeName()).isEqualTo("soap.beep");
            assertThat(m.requestUri().opaquePart()).isEqualTo("//192.0.2.103:3002");
        });
        check("unksm2", m -> {
            assertThat(m.to().uri().schemeName()).isEqualTo("isbn");
            assertThat(m.from().uri().schemeName()).isEqualTo("http");
            assertThat(m.contacts().get(0).uri().toString()).isEqualTo("name:John_Smith");
            assertThat(m.topVia().port()).isEqualTo(5060);
        });
        check("bext01", m -> {
            assertThat(m.headerValue(m.firstHeader(SipHeader.PROXY_REQUIRE)))
                    .isEqualTo("noProxiesSupportThis, norDoAnyProxiesSupportThis");
            assertThat(m.topVia().transport()).isEqualTo("TLS");
        });
        check("invut", m -> {
            assertThat(m.headerValue(m.firstHeader(SipHeader.CONTENT_TYPE))).isEqualTo("application/unknownformat");
            assertThat(m.bodyLength()).isEqualTo(40);
        });
        check("regaut01", m -> {
            assertThat(m.headerValue(m.firstHeader(SipHeader.AUTHORIZATION)))
                    .isEqualTo("NoOneKnowsThisScheme opaque-data=here");
            assertThat(m.authorizationUsername()).isNull();
        });
        check("multi01", m -> {
            assertThat(m.headerCount(SipHeader.CALL_ID)).isEqualTo(2);
            assertThat(m.headerCount(SipHeader.CSEQ)).isEqualTo(2);
            assertThat(m.callId()).isEqualTo("multi01.98asdh@192.0.2.1");
            assertThat(m.contacts()).hasSize(2);
        });
        check("mcl01", m -> {
            assertThat(m.headerCount(SipHeader.CONTENT_LENGTH)).isEqualTo(2);
            assertThat(m.contentLength()).isEqualTo(-1);
        });
        check("bcast", m -> {
            assertThat(m.statusCode()).isEqualTo(200);
            assertThat(m.vias()).hasSize(2);
            assertThat(m.vias().get(1).host()).isEqualTo("255.255.255.255");
        });
        check("zeromf", m -> assertThat(m.maxForwards()).isZero());
        check("cparam01", m -> {
            final NameAddr c = m.contacts().get(0);
            assertThat(c.isNameAddr()).isFalse();
            assertThat(c.hasParam("unknownparam")).isTrue();
            assertThat(c.uri().hasParam("unknownparam")).isFalse();
            assertThat(c.uri().user()).isEqualTo("+19725552222");
        });
        check("cparam02", m -> {
            final NameAddr c = m.contacts().get(0);
            assertThat(c.hasParam("unknownparam")).isFalse();
            assertThat(c.uri().hasParam("unknownparam")).isTrue();
        });
        check("regescrt", m -> {
            final SipUri c = m.contacts().get(0).uri();
            assertThat(c.headers()).isEqualTo("Route=%3Csip:sip.example.com%3E");
            assertThat(m.headerCount(SipHeader.ROUTE)).isZero();
        });
        check("sdp01", m -> assertThat(m.headerValue(m.firstHeader(SipHeader.OTHER)))
                .isEqualTo("text/nobodyKnowsThis"));
        check("test", m -> assertThat(m.isAnswerable()).isFalse());
    }
}
