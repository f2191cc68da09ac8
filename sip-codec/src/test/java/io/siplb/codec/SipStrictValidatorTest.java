package io.siplb.codec;

import static io.siplb.codec.SipTestMessages.crlf;
import static io.siplb.codec.SipTestMessages.decodeDatagram;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.List;

import org.junit.jupiter.api.Test;

/** {@link SipStrictValidator}: every problem against the RFC 3261 grammar, each with where and what is expected. */
class SipStrictValidatorTest {

    private static final String REGISTER =
            "REGISTER sip:registrar.example.com SIP/2.0\n" +
            "Via: SIP/2.0/UDP 192.0.2.7:5060;branch=z9hG4bK-reg\n" +
            "Max-Forwards: 70\n" +
            "From: \"Alice\" <sip:alice@example.com>;tag=a1\n" +
            "To: <sip:alice@example.com>\n" +
            "Call-ID: reg-1@192.0.2.7\n" +
            "CSeq: 1 REGISTER\n" +
            "Contact: <sip:alice@192.0.2.7>;q=0.7;expires=3600, <sip:alice@198.51.100.7>;q=1.0\n" +
            "Expires: 3600\n" +
            "Supported: path, outbound\n" +
            "Date: Sat, 13 Nov 2010 23:29:00 GMT\n" +
            "Content-Length: 0\n" +
            "\n";

    private static List<SipProblem> problems(byte[] bytes) {
        final SipMessage m = decodeDatagram(bytes);
        try {
            return SipStrictValidator.validate(m);
        } finally {
            assertThat(m.release()).isTrue();
        }
    }

    private static List<SipProblem> problems(String text) {
        return problems(crlf(text));
    }

    @Test
    void aWellFormedMessageHasNoProblem() {
        assertThat(problems(REGISTER)).isEmpty();
    }

    @Test
    void everyProblemIsNamedNotOnlyTheFirst() {
        final String bad = REGISTER.replace(";tag=a1", ";tag=a\"1")
                                   .replace(";q=0.7", ";q=2")
                                   .replace(";expires=3600,", ";expires=soon,")
                                   .replace("Expires: 3600", "Expires: -1")
                                   .replace("Supported: path, outbound", "Supported: path outbound")
                                   .replace("GMT", "CET")
                                   .replace("Content-Length: 0\n", "X-Ok: ;;,,\nRecord-Route: sip:rr.example.com\n" +
                                                                   "Content-Length: 0\n");
        final List<SipProblem> problems = problems(bad);
        assertThat(problems).extracting(SipProblem::toString).containsExactly(
                "From: tag=a\"1 (expected: tag=token)",
                "Contact: q=2 (expected: q=qvalue (0 to 1, at most 3 decimals))",
                "Contact: expires=soon (expected: expires=delta-seconds (1*DIGIT))",
                "Expires: -1 (expected: delta-seconds (1*DIGIT))",
                "Supported: path outbound (expected: [option-tag *(\",\" option-tag)])",
                "Date: Sat, 13 Nov 2010 23:29:00 CET (expected: rfc1123-date in GMT, e.g. " +
                "\"Sat, 13 Nov 2010 23:29:00 GMT\")",
                "Record-Route: sip:rr.example.com (expected: <URI> *(;param), comma-separated)");
        // The decoder forwards all of it: none of these is read by the proxy.
        final SipMessage m = decodeDatagram(crlf(bad));
        try {
            assertThat(m.decoderResult().isSuccess()).as(m.errorText()).isTrue();
        } finally {
            m.release();
        }
    }

    @Test
    void fromToContactAndUrisAreHeldToTheGrammar() {
        final List<SipProblem> problems = problems(
                REGISTER.replace("From: \"Alice\" <", "From: Alice, Liddell <")
                        .replace("To: <sip:alice@example.com>", "To: <sip:alice@example.com>;tag=")
                        .replace(", <sip:alice@198.51.100.7>;q=1.0", ", *"));
        assertThat(problems).extracting(SipProblem::header).containsExactly("From", "To", "Contact");
        assertThat(problems.get(0).toString())
                .isEqualTo("From: display-name Alice, Liddell (expected: *(token LWS) or a quoted string)");
        assertThat(problems.get(1).value()).isEqualTo("<sip:alice@example.com>;tag=");
    }

    @Test
    void theWildcardContactMustStandAlone() {
        assertThat(problems(REGISTER.replace("Contact: <sip:alice@192.0.2.7>;q=0.7;expires=3600, " +
                                             "<sip:alice@198.51.100.7>;q=1.0", "Contact: *")))
                .isEmpty();
        assertThat(problems(REGISTER.replace("Expires: 3600\n", "Contact: *\n")))
                .extracting(SipProblem::toString).containsExactly("Contact: * (expected: \"*\" as the only Contact)");
    }

    @Test
    void bareLfAndAStatusLineWithoutTheSpBeforeAnEmptyReasonAreProblems() {
        final String response = "SIP/2.0 100\n" +
                                "Via: SIP/2.0/UDP 192.0.2.7:5060;branch=z9hG4bK-r\n" +
                                "From: <sip:alice@example.com>;tag=1\n" +
                                "To: <sip:bob@example.com>\n" +
                                "Call-ID: r@192.0.2.7\nCSeq: 1 INVITE\nContent-Length: 0\n\n";
        // Lines ended by LF only, and no SP after the status code: both accepted by the decoder (package doc).
        final byte[] lf = response.getBytes(StandardCharsets.UTF_8);
        final SipMessage m = decodeDatagram(lf);
        try {
            assertThat(m.decoderResult().isSuccess()).as(m.errorText()).isTrue();
        } finally {
            m.release();
        }
        assertThat(problems(lf)).extracting(SipProblem::toString).containsExactly(
                "start line: SIP/2.0 100 (expected: SIP-Version SP Status-Code SP Reason-Phrase (the SP even before " +
                "an empty Reason-Phrase))",
                "message: line 1 \"SIP/2.0 100\" ends with LF (expected: CRLF at the end of every line)");
        assertThat(problems(response.replace("SIP/2.0 100\n", "SIP/2.0 100 \n"))).isEmpty();
    }

    @Test
    void missingAndRepeatedHeadersAreEachNamed() {
        final List<SipProblem> problems = problems(REGISTER.replace("To: <sip:alice@example.com>\n", "")
                                                           .replace("Expires: 3600\n", "Expires: 3600\nExpires: 60\n"));
        assertThat(problems).extracting(SipProblem::toString).containsExactly(
                "To: (absent) (expected: present in every message)",
                "Expires: 2 header fields (expected: at most 1)");
    }

    @Test
    void aDecoderFailureTheGrammarChecksDoNotCoverIsReportedToo() {
        // Content-Length beyond the datagram: well-formed as a number, rejected by the decoder's framing.
        final List<SipProblem> problems = problems(REGISTER.replace("Content-Length: 0", "Content-Length: 40")
                                                           .replace(";q=0.7", ";q=7"));
        assertThat(problems).extracting(SipProblem::header).containsExactly("Contact", "Content-Length");
        assertThat(problems.get(1).expected()).startsWith("<= 0");
    }

    @Test
    void aDecoderFailureAlreadyNamedIsNotRepeated() {
        final List<SipProblem> problems = problems(REGISTER.replace("CSeq: 1 REGISTER", "CSeq: 1 INVITE"));
        assertThat(problems).extracting(SipProblem::toString)
                            .containsExactly("CSeq: 1 INVITE (expected: the request method REGISTER)");
    }
}
