package io.siplb.codec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class SipBranchesTest {

    private static final String INVITE =
            "INVITE sip:bob@biloxi.example.com SIP/2.0\n"
            + "Via: SIP/2.0/UDP pc33.atlanta.example.com;branch=z9hG4bK776asdhds\n"
            + "Max-Forwards: 70\n"
            + "To: Bob <sip:bob@biloxi.example.com>\n"
            + "From: Alice <sip:alice@atlanta.example.com>;tag=1928301774\n"
            + "Call-ID: a84b4c76e66710@pc33.atlanta.example.com\n"
            + "CSeq: 314159 INVITE\n"
            + "Contact: <sip:alice@pc33.atlanta.example.com>\n"
            + "Content-Length: 0\n"
            + "\n";

    /** The CANCEL of {@link #INVITE} as RFC 3261 §9.1 builds it. */
    private static final String CANCEL =
            "CANCEL sip:bob@biloxi.example.com SIP/2.0\n"
            + "Via: SIP/2.0/UDP pc33.atlanta.example.com;branch=z9hG4bK776asdhds\n"
            + "Max-Forwards: 70\n"
            + "To: Bob <sip:bob@biloxi.example.com>\n"
            + "From: Alice <sip:alice@atlanta.example.com>;tag=1928301774\n"
            + "Call-ID: a84b4c76e66710@pc33.atlanta.example.com\n"
            + "CSeq: 314159 CANCEL\n"
            + "Content-Length: 0\n"
            + "\n";

    /** The ACK for a 486 to {@link #INVITE} (RFC 3261 §17.1.1.3): the To carries the response's tag. */
    private static final String ACK =
            "ACK sip:bob@biloxi.example.com SIP/2.0\n"
            + "Via: SIP/2.0/UDP pc33.atlanta.example.com;branch=z9hG4bK776asdhds\n"
            + "Max-Forwards: 70\n"
            + "To: Bob <sip:bob@biloxi.example.com>;tag=99sa0xk\n"
            + "From: Alice <sip:alice@atlanta.example.com>;tag=1928301774\n"
            + "Call-ID: a84b4c76e66710@pc33.atlanta.example.com\n"
            + "CSeq: 314159 ACK\n"
            + "Content-Length: 0\n"
            + "\n";

    private static final String RFC2543_BRANCH = "branch=776asdhds";

    private static String branch(String text) {
        return branch(text, 0);
    }

    private static String branch(String text, long seed) {
        final SipMessage m = SipTestMessages.decodeDatagram(SipTestMessages.crlf(text));
        try {
            assertThat(m.decoderResult().isSuccess()).as("fixture decodes: %s", m.errorText()).isTrue();
            return SipBranches.stateless(m, seed);
        } finally {
            m.release();
        }
    }

    private static String rfc2543(String text) {
        return text.replace("branch=z9hG4bK776asdhds", RFC2543_BRANCH);
    }

    @Test
    void branchHasTheMagicCookieAndTwentyTwoBase64UrlCharacters() {
        final String b = branch(INVITE);
        assertThat(b).startsWith(SipBranches.MAGIC_COOKIE)
                     .hasSize(SipBranches.STATELESS_BRANCH_LENGTH)
                     .hasSize(29)
                     .matches("z9hG4bK[A-Za-z0-9_-]{22}");
        assertThat(SipBranches.hasMagicCookie(b)).isTrue();
        assertThat(b).isNotEqualTo("z9hG4bK776asdhds");
    }

    @Test
    void retransmissionsGetTheSameBranch() {
        assertThat(branch(INVITE)).isEqualTo(branch(INVITE));
        assertThat(branch(rfc2543(INVITE))).isEqualTo(branch(rfc2543(INVITE)));
    }

    @Test
    void cancelGetsTheBranchOfItsInvite() {
        assertThat(branch(CANCEL)).isEqualTo(branch(INVITE));
        assertThat(branch(rfc2543(CANCEL))).isEqualTo(branch(rfc2543(INVITE)));
    }

    @Test
    void ackForANon2xxGetsTheInviteBranchWhenTheCookieIsPresent() {
        assertThat(branch(ACK)).isEqualTo(branch(INVITE));
    }

    @Test
    void withoutTheCookieTheToTagIsPartOfTheHashAsRfc3261Section16_11Says() {
        assertThat(branch(rfc2543(ACK))).isNotEqualTo(branch(rfc2543(INVITE)));
    }

    @Test
    void withTheCookieOnlyTheIncomingBranchMatters() {
        final String otherCallId = INVITE.replace("a84b4c76e66710@", "other@");
        assertThat(branch(otherCallId)).isEqualTo(branch(INVITE));
        final String otherBranch = INVITE.replace("z9hG4bK776asdhds", "z9hG4bK776asdhdt");
        assertThat(branch(otherBranch)).isNotEqualTo(branch(INVITE));
    }

    @Test
    void withoutTheCookieEveryTransactionFieldMatters() {
        final String base = branch(rfc2543(INVITE));
        assertThat(branch(rfc2543(INVITE).replace("a84b4c76e66710@", "other@"))).isNotEqualTo(base);
        assertThat(branch(rfc2543(INVITE).replace("CSeq: 314159", "CSeq: 314160"))).isNotEqualTo(base);
        assertThat(branch(rfc2543(INVITE).replace("tag=1928301774", "tag=1928301775"))).isNotEqualTo(base);
        assertThat(branch(rfc2543(INVITE).replace("INVITE sip:bob@biloxi", "INVITE sip:carol@biloxi")))
                .isNotEqualTo(base);
        assertThat(branch(rfc2543(INVITE).replace("UDP pc33", "UDP pc34"))).isNotEqualTo(base);
        final String noBranch = INVITE.replace(";branch=z9hG4bK776asdhds", "");
        assertThat(branch(noBranch)).isEqualTo(branch(noBranch)).isNotEqualTo(base);
    }

    @Test
    void aRequestThatLoopsBackGetsANewBranch() {
        final String first = branch(INVITE);
        final String second = branch(INVITE.replace("z9hG4bK776asdhds", first));
        assertThat(second).isNotEqualTo(first);
    }

    @Test
    void theSeedSeparatesDeployments() {
        assertThat(branch(INVITE, 1)).isNotEqualTo(branch(INVITE, 0));
        assertThat(branch(INVITE, 1)).isEqualTo(branch(INVITE, 1));
    }

    @Test
    void realisticInviteFixture() {
        final SipMessage m = SipTestMessages.decodeDatagram(SipTestMessages.resource(SipTestMessages.INVITE));
        try {
            assertThat(m.topVia().branch()).isEqualTo("z9hG4bK2d4790.1");
            assertThat(SipBranches.stateless(m)).isEqualTo(SipBranches.stateless(m, 0))
                                                .matches("z9hG4bK[A-Za-z0-9_-]{22}");
        } finally {
            m.release();
        }
    }

    @Test
    void responsesAreRefused() {
        final SipMessage m = SipTestMessages.decodeDatagram(SipTestMessages.crlf(
                "SIP/2.0 200 OK\n"
                + "Via: SIP/2.0/UDP pc33.atlanta.example.com;branch=z9hG4bK776asdhds\n"
                + "To: Bob <sip:bob@biloxi.example.com>;tag=1\n"
                + "From: Alice <sip:alice@atlanta.example.com>;tag=1928301774\n"
                + "Call-ID: a84b4c76e66710@pc33.atlanta.example.com\n"
                + "CSeq: 314159 INVITE\n"
                + "Content-Length: 0\n"
                + "\n"));
        try {
            assertThatThrownBy(() -> SipBranches.stateless(m)).isInstanceOf(IllegalArgumentException.class)
                                                              .hasMessageContaining("expected: a request");
        } finally {
            m.release();
        }
    }

    @Test
    void magicCookieCheckIsCaseSensitive() {
        assertThat(SipBranches.hasMagicCookie("z9hG4bK")).isTrue();
        assertThat(SipBranches.hasMagicCookie("z9hg4bk1")).isFalse();
        assertThat(SipBranches.hasMagicCookie("z9hG4b")).isFalse();
        assertThat(SipBranches.hasMagicCookie(null)).isFalse();
    }
}
