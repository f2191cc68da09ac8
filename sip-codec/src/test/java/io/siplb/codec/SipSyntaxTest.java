package io.siplb.codec;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;

/**
 * {@link SipSyntax} may only accept what the full grammar ({@link Via#parse}, {@link NameAddr#parse},
 * {@link SipUri#parse}) accepts: checked on the values of the test INVITE and of every RFC 4475 message, and on
 * every single-octet substitution, insertion and deletion of the INVITE's values, on heap and direct buffers.
 */
class SipSyntaxTest {

    private static final String SPECIALS = " \t;,\"<>@:%?=\\[]/x1*-.!'~()&+$_";

    private static final String[] VIA = {
            "SIP/2.0/UDP edge2.example.net:5060;branch=z9hG4bK2d4790.1",
            "SIP/2.0/TCP edge1.example.net;branch=z9hG4bK77asjd,SIP/2.0/UDP 198.51.100.23:5062;rport=5062;branch=z9",
            "SIP/2.0/UDP h;rport;received=192.0.2.1, SIP/2.0/TLS [::1]:5061",
    };
    private static final String[] NAME_ADDR = {
            "\"Alice\" <sip:alice@atlanta.example.com>;tag=9fxced76sl",
            "Bob <sip:bob@biloxi.example.com>",
            "<sip:alice@198.51.100.23:5062>",
            "<sip:lb.example.com;lr>, <sip:core.example.com;lr>",
            "<sips:u%41:pw@h.example;transport=tcp;lr>;expires=60",
            "sip:alice@atlanta.example.com;tag=1",
            "*",
    };
    private static final String[] URI = {
            "sip:bob@biloxi.example.com",
            "sips:h:5061;transport=tls;maddr=192.0.2.1",
            "sip:%61lice@h;a=%3B",
            "tel:+1-555",
    };

    @Test
    void neverAcceptsWhatTheGrammarRejects() {
        final List<String> vias = new ArrayList<>();
        final List<String> nameAddrs = new ArrayList<>();
        final List<String> uris = new ArrayList<>();
        for (String v : VIA) {
            mutations(v, vias);
        }
        for (String v : NAME_ADDR) {
            mutations(v, nameAddrs);
        }
        for (String v : URI) {
            mutations(v, uris);
        }
        int accepted = 0;
        for (boolean direct : new boolean[] { false, true }) {
            for (String v : vias) {
                accepted += checkVia(v, direct);
            }
            for (String v : nameAddrs) {
                accepted += checkNameAddr(v, direct);
            }
            for (String v : uris) {
                accepted += checkUri(v, direct);
            }
        }
        // The checks decide the common shapes (else they would not save any work).
        assertThat(accepted).isGreaterThan(10_000);
    }

    @Test
    void decidesTheValuesOfTheTestInvite() {
        final SipMessage m = SipTestMessages.decodeDatagram(SipTestMessages.resource(SipTestMessages.INVITE));
        try {
            assertThat(m.decoderResult().isSuccess()).isTrue();
            final ByteBufChars s = ByteBufChars.forScan(m.content(), 0, m.content().readableBytes());
            int decided = 0;
            for (int i = 0; i < m.headerCount(); i++) {
                final int vs = m.headerValueStart(i);
                final int ve = m.headerValueEnd(i);
                switch (m.headerType(i)) {
                    case VIA:
                        assertThat(SipSyntax.viaList(s, vs, ve)).as(m.headerValue(i)).isTrue();
                        decided++;
                        break;
                    case FROM:
                    case TO:
                    case CONTACT:
                    case ROUTE:
                    case RECORD_ROUTE:
                        assertThat(SipSyntax.nameAddrs(s, vs, ve, true)).as(m.headerValue(i)).isTrue();
                        decided++;
                        break;
                    default:
                        break;
                }
            }
            assertThat(decided).isEqualTo(8);
            assertThat(SipSyntax.sipUri(s, m.requestUriStart(), m.requestUriEnd())).isEqualTo(m.requestUriEnd());
        } finally {
            m.release();
        }
    }

    @Test
    void tortureValuesAcceptedOnlyWhenTheGrammarAccepts() {
        for (String name : TortureTest.EXPECTED.keySet()) {
            final SipMessage m = SipTestMessages.decodeDatagram(SipTestMessages.torture(name));
            try {
                for (int i = 0; i < m.headerCount(); i++) {
                    final String v = m.headerValue(i);
                    switch (m.headerType(i)) {
                        case VIA:
                            checkVia(v, false);
                            break;
                        case FROM:
                        case TO:
                        case CONTACT:
                        case ROUTE:
                        case RECORD_ROUTE:
                            checkNameAddr(v, false);
                            break;
                        default:
                            break;
                    }
                }
                if (m.requestUriStart() >= 0) {
                    checkUri(m.content().toString(m.requestUriStart(), m.requestUriEnd() - m.requestUriStart(),
                                                  StandardCharsets.ISO_8859_1), false);
                }
            } finally {
                m.release();
            }
        }
    }

    private static void mutations(String v, List<String> out) {
        out.add(v);
        for (int i = 0; i <= v.length(); i++) {
            if (i < v.length()) {
                out.add(v.substring(0, i) + v.substring(i + 1));
            }
            for (int k = 0; k < SPECIALS.length(); k++) {
                final char c = SPECIALS.charAt(k);
                out.add(v.substring(0, i) + c + v.substring(i));
                if (i < v.length()) {
                    out.add(v.substring(0, i) + c + v.substring(i + 1));
                }
            }
        }
    }

    /** Returns 1 when the single-pass check accepted {@code v} (after asserting that the grammar does too). */
    private static int checkVia(String v, boolean direct) {
        return check(v, direct, (s, end) -> {
            if (!SipSyntax.viaList(s, 0, end)) {
                return false;
            }
            for (int p = 0; p <= end; ) {
                final int e = SipChars.nextComma(v, p, end);
                assertThat(e).as(v).isNotNegative();
                assertThat(Via.parse(v, SipChars.skipWs(v, p, e), SipChars.trimEnd(v, p, e), 0, 0, false))
                        .as(v).isNotNull();
                p = e + 1;
            }
            return true;
        });
    }

    private static int checkNameAddr(String v, boolean direct) {
        return check(v, direct, (s, end) -> {
            final boolean single = SipSyntax.nameAddrs(s, 0, end, false);
            final boolean list = SipSyntax.nameAddrs(s, 0, end, true);
            if (single) {
                assertThat(list).as(v).isTrue();
                // From / To: the whole value is one name-addr.
                assertThat(NameAddr.parse(v, 0, end, 0, 0, false, false, false)).as(v).isNotNull();
            }
            if (list) {
                for (int p = 0; p <= end; ) {
                    final int e = SipChars.nextComma(v, p, end);
                    assertThat(e).as(v).isNotNegative();
                    final int a = SipChars.skipWs(v, p, e);
                    final int b = SipChars.trimEnd(v, a, e);
                    assertThat(b).as(v).isGreaterThan(a);
                    // Contact, and Route / Record-Route (brackets required).
                    assertThat(NameAddr.parse(v, a, b, 0, 0, false, true, false)).as(v).isNotNull();
                    assertThat(NameAddr.parse(v, a, b, 0, 0, true, false, false)).as(v).isNotNull();
                    p = e + 1;
                }
            }
            return single || list;
        });
    }

    private static int checkUri(String v, boolean direct) {
        return check(v, direct, (s, end) -> {
            if (SipSyntax.sipUri(s, 0, end) != end) {
                return false;
            }
            // As a Request-URI (no headers component) and inside <> (headers allowed).
            assertThat(SipUri.parse(v, 0, end, false, false)).as(v).isNotNull();
            assertThat(SipUri.parse(v, 0, end, true, false)).as(v).isNotNull();
            return true;
        });
    }

    private interface Check {
        boolean accepted(ByteBufChars s, int end);
    }

    private static int check(String v, boolean direct, Check check) {
        final byte[] bytes = v.getBytes(StandardCharsets.ISO_8859_1);
        final ByteBuf buf = direct ? Unpooled.directBuffer(bytes.length + 1) : Unpooled.buffer(bytes.length + 1);
        try {
            buf.writeBytes(bytes);
            return check.accepted(ByteBufChars.forScan(buf, 0, bytes.length), bytes.length) ? 1 : 0;
        } finally {
            buf.release();
        }
    }
}
