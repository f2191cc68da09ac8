package io.siplb.codec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.function.Consumer;

import org.junit.jupiter.api.Test;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.CompositeByteBuf;
import io.netty.buffer.PooledByteBufAllocator;

class SipRewriterTest {

    private static final ByteBufAllocator ALLOC = PooledByteBufAllocator.DEFAULT;
    private static final InetSocketAddress SOURCE = new InetSocketAddress("192.0.2.5", 5070);
    private static final String NEW_VIA = "SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bKnew";

    private static final String REQUEST =
            "INVITE sip:bob@biloxi.example.com SIP/2.0\n"
            + "Via: SIP/2.0/UDP pc33.atlanta.example.com;branch=z9hG4bK776asdhds\n"
            + "Max-Forwards: 70\n"
            + "Route: <sip:lb.example.com;lr>\n"
            + "To: Bob <sip:bob@biloxi.example.com>\n"
            + "From: Alice <sip:alice@atlanta.example.com>;tag=1928301774\n"
            + "Call-ID: a84b4c76e66710@pc33.atlanta.example.com\n"
            + "CSeq: 314159 INVITE\n"
            + "Contact: <sip:alice@pc33.atlanta.example.com>\n"
            + "Content-Type: application/sdp\n"
            + "Content-Length: 5\n"
            + "\n"
            + "v=0\n";

    private static final String RESPONSE =
            "SIP/2.0 200 OK\n"
            + "Via: SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bKnew\n"
            + "Via: SIP/2.0/UDP pc33.atlanta.example.com;branch=z9hG4bK776asdhds;received=192.0.2.5\n"
            + "To: Bob <sip:bob@biloxi.example.com>;tag=a6c85cf\n"
            + "From: Alice <sip:alice@atlanta.example.com>;tag=1928301774\n"
            + "Call-ID: a84b4c76e66710@pc33.atlanta.example.com\n"
            + "CSeq: 314159 INVITE\n"
            + "Content-Length: 0\n"
            + "\n";

    private final SipRewriter rewriter = new SipRewriter();

    // --- helpers --------------------------------------------------------------------------------------------------

    /** Decodes {@code text} (LF turned into CRLF) as one datagram; the caller releases the message. */
    private static SipMessage decode(String text) {
        final SipMessage m = SipTestMessages.decodeDatagram(SipTestMessages.crlf(text));
        assertThat(m.decoderResult().isSuccess()).as("fixture decodes: %s", m.errorText()).isTrue();
        return m;
    }

    private static String crlf(String text) {
        return new String(SipTestMessages.crlf(text), StandardCharsets.UTF_8);
    }

    /**
     * Applies {@code ops} to {@code text}, checks that the output re-parses and that the message's reference count
     * is back to one afterwards, and returns the output as a string.
     */
    private String rewrite(String text, Consumer<SipRewriter> ops) {
        final SipMessage m = decode(text);
        try {
            return rewrite(m, ops);
        } finally {
            assertThat(m.release()).isTrue();
        }
    }

    /**
     * Every rewrite is built both ways, {@link SipRewriter#build} (a composite of slices) and
     * {@link SipRewriter#buildCopy} (one direct buffer of exactly the message's size): the octets must be the same.
     */
    private String rewrite(SipMessage m, Consumer<SipRewriter> ops) {
        rewriter.rewrite(m);
        ops.accept(rewriter);
        final CompositeByteBuf out = rewriter.build(ALLOC);
        final String text;
        try {
            assertReparses(out);
            text = out.toString(StandardCharsets.UTF_8);
        } finally {
            assertThat(out.release()).isTrue();
            assertThat(m.refCnt()).as("the message keeps exactly its own reference").isEqualTo(1);
        }
        rewriter.rewrite(m);
        ops.accept(rewriter);
        final ByteBuf copy = rewriter.buildCopy(ALLOC);
        try {
            assertThat(copy.isDirect()).isTrue();
            assertThat(copy.capacity()).isEqualTo(copy.readableBytes());
            assertThat(copy.toString(StandardCharsets.UTF_8)).isEqualTo(text);
        } finally {
            assertThat(copy.release()).isTrue();
            assertThat(m.refCnt()).as("the copy holds no reference on the message").isEqualTo(1);
        }
        return text;
    }

    private static void assertReparses(ByteBuf out) {
        final SipMessage again = new SipMessageParser().parse(out);
        try {
            assertThat(again.decoderResult().isSuccess()).as("re-parse: %s", again.errorText()).isTrue();
            assertThat(again.content().readableBytes()).isEqualTo(out.readableBytes());
        } finally {
            again.release();
        }
    }

    // --- addVia -----------------------------------------------------------------------------------------------------

    @Test
    void addViaInsertsALineBeforeTheFirstVia() {
        assertThat(rewrite(REQUEST, r -> r.addVia(NEW_VIA))).isEqualTo(crlf(
                "INVITE sip:bob@biloxi.example.com SIP/2.0\n"
                + "Via: SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bKnew\n"
                + "Via: SIP/2.0/UDP pc33.atlanta.example.com;branch=z9hG4bK776asdhds\n"
                + REQUEST.substring(REQUEST.indexOf("Max-Forwards"))));
    }

    @Test
    void addViaWithBranchWritesTheBranchParameter() {
        final String out = rewrite(REQUEST, r -> r.addVia("SIP/2.0/TCP [2001:db8::1]:5060", "z9hG4bKabc"));
        assertThat(out).contains("\r\nVia: SIP/2.0/TCP [2001:db8::1]:5060;branch=z9hG4bKabc\r\n"
                                 + "Via: SIP/2.0/UDP pc33.atlanta.example.com;branch=z9hG4bK776asdhds\r\n");
    }

    @Test
    void twoAddViaCallsStackInCallOrder() {
        final String out = rewrite(REQUEST, r -> r.addVia("SIP/2.0/UDP a;branch=z9hG4bK1")
                                                   .addVia("SIP/2.0/UDP b;branch=z9hG4bK2"));
        assertThat(out).startsWith(crlf("INVITE sip:bob@biloxi.example.com SIP/2.0\n"
                                        + "Via: SIP/2.0/UDP a;branch=z9hG4bK1\n"
                                        + "Via: SIP/2.0/UDP b;branch=z9hG4bK2\n"
                                        + "Via: SIP/2.0/UDP pc33.atlanta.example.com;branch=z9hG4bK776asdhds\n"));
    }

    // --- removeTopVia ---------------------------------------------------------------------------------------------

    @Test
    void removeTopViaRemovesTheWholeLineWhenItHoldsOneValue() {
        assertThat(rewrite(RESPONSE, SipRewriter::removeTopVia)).isEqualTo(crlf(
                "SIP/2.0 200 OK\n"
                + "Via: SIP/2.0/UDP pc33.atlanta.example.com;branch=z9hG4bK776asdhds;received=192.0.2.5\n"
                + RESPONSE.substring(RESPONSE.indexOf("To: "))));
    }

    @Test
    void removeTopViaRemovesOnlyTheFirstCommaSeparatedValue() {
        final String response = RESPONSE.replace(
                "branch=z9hG4bKnew\nVia: SIP/2.0/UDP pc33",
                "branch=z9hG4bKnew , SIP/2.0/UDP pc33");
        assertThat(response).contains("Via: SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bKnew , SIP/2.0/UDP pc33");
        assertThat(rewrite(response, SipRewriter::removeTopVia)).isEqualTo(crlf(
                "SIP/2.0 200 OK\n"
                + "Via: SIP/2.0/UDP pc33.atlanta.example.com;branch=z9hG4bK776asdhds;received=192.0.2.5\n"
                + RESPONSE.substring(RESPONSE.indexOf("To: "))));
    }

    @Test
    void removeTopViaKeepsTheRestOfAThreeValueLineAndLaterLines() {
        final String response =
                "SIP/2.0 180 Ringing\n"
                + "v: SIP/2.0/UDP a.example.com;branch=z9hG4bK1,SIP/2.0/TCP b.example.com;branch=z9hG4bK2,"
                + "SIP/2.0/UDP c.example.com;branch=z9hG4bK3\n"
                + "Via: SIP/2.0/UDP d.example.com;branch=z9hG4bK4\n"
                + "To: <sip:bob@example.com>;tag=1\n"
                + "From: <sip:alice@example.com>;tag=2\n"
                + "Call-ID: x@y\n"
                + "CSeq: 1 INVITE\n"
                + "Content-Length: 0\n"
                + "\n";
        final String out = rewrite(response, SipRewriter::removeTopVia);
        assertThat(out).isEqualTo(crlf(response.replace("SIP/2.0/UDP a.example.com;branch=z9hG4bK1,", "")));
        final SipMessage again = decode(out);
        try {
            assertThat(again.vias()).extracting(Via::branch)
                                    .containsExactly("z9hG4bK2", "z9hG4bK3", "z9hG4bK4");
        } finally {
            again.release();
        }
    }

    @Test
    void removeTopViaOfAFoldedCommaSeparatedLine() {
        final String response = RESPONSE.replace(
                "branch=z9hG4bKnew\nVia: SIP/2.0/UDP pc33",
                "branch=z9hG4bKnew,\n   SIP/2.0/UDP pc33");
        assertThat(rewrite(response, SipRewriter::removeTopVia)).isEqualTo(crlf(
                "SIP/2.0 200 OK\n"
                + "Via: SIP/2.0/UDP pc33.atlanta.example.com;branch=z9hG4bK776asdhds;received=192.0.2.5\n"
                + RESPONSE.substring(RESPONSE.indexOf("To: "))));
    }

    // --- setReceivedRport -----------------------------------------------------------------------------------------

    @Test
    void receivedIsAddedWhenTheSentByIsAHostName() {
        assertThat(rewrite(REQUEST, r -> r.setReceivedRport(SOURCE))).isEqualTo(crlf(REQUEST.replace(
                "branch=z9hG4bK776asdhds\n", "branch=z9hG4bK776asdhds;received=192.0.2.5\n")));
    }

    @Test
    void nothingChangesWhenTheSentByIsTheSourceAddressAndRportWasNotRequested() {
        final String request = REQUEST.replace("UDP pc33.atlanta.example.com;", "UDP 192.0.2.5:5060;");
        final SipMessage m = decode(request);
        try {
            assertThat(rewrite(m, r -> {
                r.setReceivedRport(SOURCE);
                assertThat(r.editCount()).isZero();
            })).isEqualTo(crlf(request));
        } finally {
            m.release();
        }
    }

    @Test
    void valuelessRportIsFilledAndReceivedAlwaysAdded() {
        // RFC 3581 §4: received is added even though it equals the sent-by host.
        final String request = REQUEST.replace("UDP pc33.atlanta.example.com;branch=z9hG4bK776asdhds",
                                               "UDP 192.0.2.5:5060;rport;branch=z9hG4bK776asdhds");
        assertThat(rewrite(request, r -> r.setReceivedRport(SOURCE))).isEqualTo(crlf(request.replace(
                "5060;rport;branch=z9hG4bK776asdhds\n",
                "5060;rport=5070;branch=z9hG4bK776asdhds;received=192.0.2.5\n")));
    }

    @Test
    void rportThatAlreadyHasAValueIsLeftAlone() {
        final String request = REQUEST.replace("UDP pc33.atlanta.example.com;branch=z9hG4bK776asdhds",
                                               "UDP 192.0.2.5:5060;rport=5070;branch=z9hG4bK776asdhds");
        assertThat(rewrite(request, r -> r.setReceivedRport(SOURCE))).isEqualTo(crlf(request));
    }

    @Test
    void anExistingReceivedValueIsReplaced() {
        final String request = REQUEST.replace("branch=z9hG4bK776asdhds\n",
                                               "received=10.9.9.9;branch=z9hG4bK776asdhds\n");
        assertThat(rewrite(request, r -> r.setReceivedRport(SOURCE))).isEqualTo(crlf(request.replace(
                "received=10.9.9.9;", "received=192.0.2.5;")));
    }

    @Test
    void aValuelessReceivedGetsTheValueInsteadOfASecondReceived() {
        final String request = REQUEST.replace("branch=z9hG4bK776asdhds\n", "received;branch=z9hG4bK776asdhds\n");
        assertThat(rewrite(request, r -> r.setReceivedRport(SOURCE))).isEqualTo(crlf(request.replace(
                ";received;", ";received=192.0.2.5;")));
    }

    @Test
    void ipv6SentByIsComparedAsAnAddress() {
        final String request = REQUEST.replace("UDP pc33.atlanta.example.com;",
                                               "UDP [2001:db8:0::1]:5060;");
        final InetSocketAddress same = new InetSocketAddress("2001:db8::1", 5060);
        assertThat(rewrite(request, r -> r.setReceivedRport(same))).isEqualTo(crlf(request));
        final InetSocketAddress other = new InetSocketAddress("2001:db8::9", 5060);
        assertThat(rewrite(request, r -> r.setReceivedRport(other))).isEqualTo(crlf(request.replace(
                "branch=z9hG4bK776asdhds\n", "branch=z9hG4bK776asdhds;received=2001:db8::9\n")));
    }

    @Test
    void receivedGoesBeforeTheCommaOfACommaSeparatedTopVia() {
        final String request = REQUEST.replace(
                "branch=z9hG4bK776asdhds\n",
                "branch=z9hG4bK776asdhds;rport, SIP/2.0/UDP 198.51.100.1;branch=z9hG4bKfirst\n");
        assertThat(rewrite(request, r -> r.setReceivedRport(SOURCE))).isEqualTo(crlf(request.replace(
                "branch=z9hG4bK776asdhds;rport, ",
                "branch=z9hG4bK776asdhds;rport=5070;received=192.0.2.5, ")));
    }

    @Test
    void unresolvedSourceIsRefused() {
        final SipMessage m = decode(REQUEST);
        try {
            rewriter.rewrite(m);
            assertThatThrownBy(() -> rewriter.setReceivedRport(InetSocketAddress.createUnresolved("h", 1)))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("expected: a resolved address");
            rewriter.clear();
        } finally {
            m.release();
        }
    }

    // --- Max-Forwards -----------------------------------------------------------------------------------------------

    @Test
    void maxForwardsIsDecremented() {
        assertThat(rewrite(REQUEST, SipRewriter::decrementMaxForwards))
                .isEqualTo(crlf(REQUEST.replace("Max-Forwards: 70\n", "Max-Forwards: 69\n")));
        final String one = REQUEST.replace("Max-Forwards: 70\n", "Max-Forwards:   1 \n");
        assertThat(rewrite(one, SipRewriter::decrementMaxForwards))
                .isEqualTo(crlf(REQUEST.replace("Max-Forwards: 70\n", "Max-Forwards:   0 \n")));
    }

    @Test
    void absentMaxForwardsIsInsertedWithSeventyBeforeTheEmptyLine() {
        final String request = REQUEST.replace("Max-Forwards: 70\n", "");
        assertThat(rewrite(request, SipRewriter::decrementMaxForwards)).isEqualTo(crlf(request.replace(
                "Content-Length: 5\n\n", "Content-Length: 5\nMax-Forwards: 70\n\n")));
    }

    @Test
    void maxForwardsZeroIsRefused() {
        final SipMessage m = decode(REQUEST.replace("Max-Forwards: 70", "Max-Forwards: 0"));
        try {
            rewriter.rewrite(m);
            assertThatThrownBy(rewriter::decrementMaxForwards)
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("483");
            rewriter.clear();
        } finally {
            m.release();
        }
    }

    @Test
    void requestOnlyOperationsRefuseResponses() {
        final SipMessage m = decode(RESPONSE);
        try {
            rewriter.rewrite(m);
            assertThatThrownBy(rewriter::decrementMaxForwards).isInstanceOf(IllegalStateException.class)
                                                              .hasMessageContaining("is a response");
            assertThatThrownBy(() -> rewriter.addRecordRoute("<sip:x;lr>"))
                    .isInstanceOf(IllegalStateException.class);
            assertThatThrownBy(() -> rewriter.replaceRequestUri("sip:x")).isInstanceOf(IllegalStateException.class);
            rewriter.clear();
        } finally {
            m.release();
        }
    }

    // --- Route ------------------------------------------------------------------------------------------------------

    @Test
    void removeFirstRouteRemovesTheWholeLineWhenItHoldsOneValue() {
        assertThat(rewrite(REQUEST, SipRewriter::removeFirstRoute))
                .isEqualTo(crlf(REQUEST.replace("Route: <sip:lb.example.com;lr>\n", "")));
    }

    @Test
    void removeFirstRouteRemovesOnlyTheFirstCommaSeparatedValue() {
        final String request = REQUEST.replace("Route: <sip:lb.example.com;lr>\n",
                                               "Route: <sip:lb.example.com;lr>,  <sip:core.example.com;lr>\n"
                                               + "Route: <sip:last.example.com;lr>\n");
        final String out = rewrite(request, SipRewriter::removeFirstRoute);
        assertThat(out).isEqualTo(crlf(request.replace("<sip:lb.example.com;lr>,  ", "")));
        final SipMessage again = decode(out);
        try {
            assertThat(again.routes()).extracting(NameAddr::toString)
                                      .containsExactly("<sip:core.example.com;lr>", "<sip:last.example.com;lr>");
        } finally {
            again.release();
        }
    }

    @Test
    void removeFirstRoutesRemovesSeveralValuesAcrossLinesInOnePass() {
        final String route = "Route: <sip:lb.example.com;lr>\n";
        // Two lines of one value each, a third kept.
        final String lines = REQUEST.replace(route, "Route: <sip:a.example.com;lr>\nRoute: <sip:b.example.com;lr>\n"
                                                    + "Route: <sip:c.example.com;lr>\n");
        assertThat(rewrite(lines, r -> r.removeFirstRoutes(2)))
                .isEqualTo(crlf(REQUEST.replace(route, "Route: <sip:c.example.com;lr>\n")));
        // One line of three values, then a line: the first two values and their commas go.
        final String oneLine = REQUEST.replace(route, "Route: <sip:a.example.com;lr>, <sip:b.example.com;lr> ,"
                                                      + "  <sip:c.example.com;lr>\nRoute: <sip:d>\n");
        final String out = rewrite(oneLine, r -> r.removeFirstRoutes(2));
        assertThat(out).isEqualTo(crlf(REQUEST.replace(route, "Route: <sip:c.example.com;lr>\nRoute: <sip:d>\n")));
        final SipMessage again = decode(out);
        try {
            assertThat(again.routes()).extracting(NameAddr::toString)
                                      .containsExactly("<sip:c.example.com;lr>", "<sip:d>");
        } finally {
            again.release();
        }
        // A line of one value, then a line whose first value goes and second stays.
        final String mixed = REQUEST.replace(route, "Route: <sip:a.example.com;lr>\n"
                                                    + "Route: <sip:b.example.com;lr>, <sip:c.example.com;lr>\n");
        assertThat(rewrite(mixed, r -> r.removeFirstRoutes(2)))
                .isEqualTo(crlf(REQUEST.replace(route, "Route: <sip:c.example.com;lr>\n")));
        // Every value: every Route line goes; one value is removeFirstRoute.
        assertThat(rewrite(lines, r -> r.removeFirstRoutes(3))).isEqualTo(crlf(REQUEST.replace(route, "")));
        assertThat(rewrite(lines, r -> r.removeFirstRoutes(1)))
                .isEqualTo(rewrite(lines, SipRewriter::removeFirstRoute));
    }

    @Test
    void removeFirstRoutesRefusesMoreValuesThanThereAreAndStrictRoutingTogether() {
        final SipMessage m = decode(REQUEST);
        try {
            final SipRewriter rewriter = new SipRewriter().rewrite(m);
            assertThatThrownBy(() -> rewriter.removeFirstRoutes(2)).isInstanceOf(IllegalStateException.class)
                                                                   .hasMessageContaining("2 of 1 Route values");
            assertThatThrownBy(() -> rewriter.removeFirstRoutes(0)).isInstanceOf(IllegalArgumentException.class);
            rewriter.clear();
        } finally {
            m.release();
        }
        final SipMessage two = decode(REQUEST.replace("Route: <sip:lb.example.com;lr>\n",
                                                      "Route: <sip:a;lr>, <sip:b;lr>, <sip:c>\n"));
        try {
            final SipRewriter rewriter = new SipRewriter().rewrite(two).removeFirstRoutes(2);
            assertThatThrownBy(rewriter::removeLastRoute).isInstanceOf(IllegalStateException.class);
            rewriter.rewrite(two).removeLastRoute();
            assertThatThrownBy(() -> rewriter.removeFirstRoutes(2)).isInstanceOf(IllegalStateException.class);
            rewriter.clear();
        } finally {
            two.release();
        }
    }

    @Test
    void removeLastRouteRemovesTheLastValueOrItsLine() {
        final String request = REQUEST.replace("Route: <sip:lb.example.com;lr>\n",
                                               "Route: <sip:lb.example.com;lr>\n"
                                               + "Route: <sip:core.example.com;lr> , <sip:last.example.com>\n");
        assertThat(rewrite(request, SipRewriter::removeLastRoute))
                .isEqualTo(crlf(request.replace("<sip:core.example.com;lr> , <sip:last.example.com>",
                                                "<sip:core.example.com;lr>")));
        assertThat(rewrite(REQUEST, SipRewriter::removeLastRoute))
                .isEqualTo(crlf(REQUEST.replace("Route: <sip:lb.example.com;lr>\n", "")));
    }

    @Test
    void removingTheFirstAndTheLastRouteTogether() {
        // Two values on one line: the whole line goes, whichever call comes first.
        final String twoOnOneLine = REQUEST.replace("Route: <sip:lb.example.com;lr>\n",
                                                    "Route: <sip:lb.example.com;lr>, <sip:bob@biloxi.example.com>\n");
        final String withoutRoute = crlf(REQUEST.replace("Route: <sip:lb.example.com;lr>\n", ""));
        assertThat(rewrite(twoOnOneLine, r -> r.removeFirstRoute().removeLastRoute())).isEqualTo(withoutRoute);
        assertThat(rewrite(twoOnOneLine, r -> r.removeLastRoute().removeFirstRoute())).isEqualTo(withoutRoute);
        // One value: removed once.
        assertThat(rewrite(REQUEST, r -> r.removeFirstRoute().removeLastRoute())).isEqualTo(withoutRoute);
        // Three values on one line: the middle one stays.
        final String three = REQUEST.replace("Route: <sip:lb.example.com;lr>\n",
                                             "Route: <sip:a.example.com;lr>, <sip:b.example.com;lr>, <sip:c>\n");
        assertThat(rewrite(three, r -> r.removeLastRoute().removeFirstRoute())).isEqualTo(crlf(REQUEST.replace(
                "Route: <sip:lb.example.com;lr>\n", "Route: <sip:b.example.com;lr>\n")));
        // Two lines: both go.
        final String twoLines = REQUEST.replace("Route: <sip:lb.example.com;lr>\n",
                                                "Route: <sip:lb.example.com;lr>\nRoute: <sip:c>\n");
        assertThat(rewrite(twoLines, r -> r.removeFirstRoute().removeLastRoute())).isEqualTo(withoutRoute);
    }

    @Test
    void strictRoutingStepReplacesTheRequestUriWithTheLastRoute() {
        // RFC 3261 §16.4: the previous hop was a strict router, so the Request-URI is this proxy's Record-Route URI.
        final String request = REQUEST.replace("INVITE sip:bob@biloxi.example.com SIP/2.0",
                                               "INVITE sip:10.0.0.1;lr SIP/2.0")
                                      .replace("Route: <sip:lb.example.com;lr>\n",
                                               "Route: <sip:p2.example.com;lr>, <sip:bob@biloxi.example.com>\n");
        final SipMessage m = decode(request);
        try {
            final NameAddr last = m.routes().get(m.routes().size() - 1);
            final String out = rewrite(m, r -> r.replaceRequestUri(last.uri().toString()).removeLastRoute());
            assertThat(out).isEqualTo(crlf(REQUEST.replace("Route: <sip:lb.example.com;lr>\n",
                                                           "Route: <sip:p2.example.com;lr>\n")));
        } finally {
            m.release();
        }
    }

    @Test
    void removeFirstRouteWithoutRouteIsRefused() {
        final SipMessage m = decode(REQUEST.replace("Route: <sip:lb.example.com;lr>\n", ""));
        try {
            rewriter.rewrite(m);
            assertThatThrownBy(rewriter::removeFirstRoute).isInstanceOf(IllegalStateException.class)
                                                          .hasMessageContaining("no Route");
            rewriter.clear();
        } finally {
            m.release();
        }
    }

    // --- Record-Route -----------------------------------------------------------------------------------------------

    @Test
    void recordRouteGoesBeforeTheEmptyLineWhenThereIsNone() {
        assertThat(rewrite(REQUEST, r -> r.addRecordRoute("<sip:10.0.0.1;lr>"))).isEqualTo(crlf(REQUEST.replace(
                "Content-Length: 5\n\n", "Content-Length: 5\nRecord-Route: <sip:10.0.0.1;lr>\n\n")));
    }

    @Test
    void doubleRecordRouteGoesOnTopOfExistingRecordRoutes() {
        final String request = REQUEST.replace("To: Bob", "Record-Route: <sip:p1.example.com;lr>\nTo: Bob");
        final String out = rewrite(request, r -> r.addRecordRoute("<sip:10.0.0.1;transport=tcp;lr>",
                                                                  "<sip:192.0.2.1;lr>"));
        assertThat(out).isEqualTo(crlf(request.replace(
                "Record-Route: <sip:p1.example.com;lr>\n",
                "Record-Route: <sip:10.0.0.1;transport=tcp;lr>\n"
                + "Record-Route: <sip:192.0.2.1;lr>\n"
                + "Record-Route: <sip:p1.example.com;lr>\n")));
        final SipMessage again = decode(out);
        try {
            assertThat(again.recordRoutes()).extracting(NameAddr::toString).containsExactly(
                    "<sip:10.0.0.1;transport=tcp;lr>", "<sip:192.0.2.1;lr>", "<sip:p1.example.com;lr>");
        } finally {
            again.release();
        }
    }

    // --- Request-URI, Content-Length --------------------------------------------------------------------------------

    @Test
    void requestUriIsReplaced() {
        assertThat(rewrite(REQUEST, r -> r.replaceRequestUri("sip:bob@10.1.2.3:5080;transport=tcp")))
                .isEqualTo(crlf(REQUEST.replace("INVITE sip:bob@biloxi.example.com SIP/2.0",
                                                "INVITE sip:bob@10.1.2.3:5080;transport=tcp SIP/2.0")));
    }

    @Test
    void requestUriWithWhitespaceIsRefused() {
        final SipMessage m = decode(REQUEST);
        try {
            rewriter.rewrite(m);
            assertThatThrownBy(() -> rewriter.replaceRequestUri("sip:a b")).isInstanceOf(
                    IllegalArgumentException.class);
            assertThat(rewriter.editCount()).isZero();
            // The refused call did not count as applied: a valid URI is still accepted.
            rewriter.replaceRequestUri("sip:b@h");
            final CompositeByteBuf out = rewriter.build(ALLOC);
            try {
                assertThat(out.toString(StandardCharsets.UTF_8)).startsWith("INVITE sip:b@h SIP/2.0\r\n");
            } finally {
                out.release();
            }
        } finally {
            m.release();
        }
    }

    @Test
    void contentLengthIsAddedOnlyWhenAbsent() {
        final String withoutLength = REQUEST.replace("Content-Length: 5\n", "");
        assertThat(rewrite(withoutLength, SipRewriter::ensureContentLength)).isEqualTo(crlf(withoutLength.replace(
                "application/sdp\n\n", "application/sdp\nContent-Length: 5\n\n")));
        assertThat(rewrite(REQUEST, SipRewriter::ensureContentLength)).isEqualTo(crlf(REQUEST));
    }

    // --- combinations used by a proxy -------------------------------------------------------------------------------

    @Test
    void statelessProxyRequestRewriteOfARealisticInvite() {
        final byte[] original = SipTestMessages.resource(SipTestMessages.INVITE);
        final String text = new String(original, StandardCharsets.UTF_8);
        final SipMessage m = SipTestMessages.decodeDatagram(original);
        try {
            final InetSocketAddress from = new InetSocketAddress("203.0.113.7", 5060);
            final String out = rewrite(m, r -> r.setReceivedRport(from)
                                                .addVia(NEW_VIA)
                                                .decrementMaxForwards()
                                                .removeFirstRoute()
                                                .addRecordRoute("<sip:10.0.0.1;transport=tcp;lr>",
                                                                "<sip:192.0.2.1;lr>")
                                                .replaceRequestUri("sip:bob@10.1.2.3"));
            final String expected = text
                    .replace("INVITE sip:bob@biloxi.example.com SIP/2.0\r\n",
                             "INVITE sip:bob@10.1.2.3 SIP/2.0\r\nVia: " + NEW_VIA + "\r\n")
                    .replace("branch=z9hG4bK2d4790.1\r\n", "branch=z9hG4bK2d4790.1;received=203.0.113.7\r\n")
                    .replace("Max-Forwards: 68\r\n", "Max-Forwards: 67\r\n")
                    .replace("Record-Route: <sip:edge2", "Record-Route: <sip:10.0.0.1;transport=tcp;lr>\r\n"
                                                         + "Record-Route: <sip:192.0.2.1;lr>\r\n"
                                                         + "Record-Route: <sip:edge2")
                    .replace("Route: <sip:lb.example.com;lr>, <sip:core", "Route: <sip:core");
            assertThat(out).isEqualTo(expected);
            final SipMessage again = decode(out);
            try {
                assertThat(again.vias()).hasSize(m.vias().size() + 1);
                assertThat(again.topVia().branch()).isEqualTo("z9hG4bKnew");
                assertThat(again.vias().get(1).received()).isEqualTo("203.0.113.7");
                assertThat(again.maxForwards()).isEqualTo(67);
                assertThat(again.routes()).extracting(NameAddr::toString)
                                          .containsExactly("<sip:core.example.com;lr>");
                assertThat(again.recordRoutes()).hasSize(4);
                assertThat(again.requestUri().toString()).isEqualTo("sip:bob@10.1.2.3");
                assertThat(again.contentLength()).isEqualTo(m.contentLength());
                assertThat(again.bodyLength()).isEqualTo(m.bodyLength());
                assertThat(ByteBufUtil.equals(again.content(), again.bodyStart(), m.content(), m.bodyStart(),
                                              m.bodyLength())).isTrue();
            } finally {
                again.release();
            }
        } finally {
            assertThat(m.release()).isTrue();
        }
    }

    @Test
    void statelessProxyResponseRewriteOfACommaSeparatedVia() {
        final String response =
                "SIP/2.0 486 Busy Here\n"
                + "Via: SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bKnew,SIP/2.0/UDP edge2.example.net:5060"
                + ";branch=z9hG4bK2d4790.1;received=203.0.113.7\n"
                + "Via: SIP/2.0/TCP edge1.example.net;branch=z9hG4bK77asjd\n"
                + "Record-Route: <sip:10.0.0.1;lr>\n"
                + "From: \"Alice\" <sip:alice@atlanta.example.com>;tag=9fxced76sl\n"
                + "To: Bob <sip:bob@biloxi.example.com>;tag=8321234356\n"
                + "Call-ID: 3848276298220188511@atlanta.example.com\n"
                + "CSeq: 31862 INVITE\n"
                + "Content-Length: 0\n"
                + "\n";
        final String out = rewrite(response, SipRewriter::removeTopVia);
        assertThat(out).isEqualTo(crlf(response.replace("SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bKnew,", "")));
        final SipMessage again = decode(out);
        try {
            assertThat(again.topVia().host()).isEqualTo("edge2.example.net");
            assertThat(again.topVia().received()).isEqualTo("203.0.113.7");
            assertThat(again.vias()).hasSize(2);
        } finally {
            again.release();
        }
    }

    /**
     * Every RFC 4475 torture message that decodes: a request gets the whole stateless-proxy rewrite (with
     * {@code removeFirstRoute} when it has a Route, and without the Max-Forwards step when it arrived with 0, which
     * a proxy answers with 483), a response with two Vias or more loses its top Via; each output re-parses with the
     * expected Vias, Max-Forwards, Routes and Record-Routes and an unchanged body.
     */
    @Test
    void tortureCorpus() {
        int requests = 0;
        for (String name : SipRewriteTortureNames.all()) {
            final SipMessage m = SipTestMessages.decodeDatagram(SipTestMessages.torture(name));
            try {
                if (!m.decoderResult().isSuccess()) {
                    continue;
                }
                final boolean request = m.isRequest();
                if (!request && m.vias().size() < 2) {
                    continue;
                }
                rewriter.rewrite(m);
                final int maxForwards = m.maxForwards();
                if (request) {
                    rewriter.setReceivedRport(SOURCE).addVia(NEW_VIA).addRecordRoute("<sip:10.0.0.1;lr>");
                    if (maxForwards != 0) {
                        rewriter.decrementMaxForwards();
                    }
                    if (!m.routes().isEmpty()) {
                        rewriter.removeFirstRoute();
                    }
                    requests++;
                } else {
                    rewriter.removeTopVia();
                }
                final CompositeByteBuf out = rewriter.build(ALLOC);
                try {
                    final SipMessage again = new SipMessageParser().parse(out);
                    try {
                        assertThat(again.decoderResult().isSuccess()).as("%s: %s", name, again.errorText()).isTrue();
                        assertThat(ByteBufUtil.equals(again.content(), again.bodyStart(), m.content(), m.bodyStart(),
                                                      m.bodyLength())).as(name).isTrue();
                        assertThat(again.bodyLength()).as(name).isEqualTo(m.bodyLength());
                        if (request) {
                            assertThat(again.vias()).as(name).hasSize(m.vias().size() + 1);
                            assertThat(again.topVia().branch()).as(name).isEqualTo("z9hG4bKnew");
                            assertThat(again.vias().get(1).branch()).as(name).isEqualTo(m.topVia().branch());
                            assertThat(again.maxForwards()).as(name).isEqualTo(
                                    maxForwards < 0 ? SipRewriter.DEFAULT_MAX_FORWARDS
                                                    : Math.max(maxForwards - 1, 0));
                            assertThat(again.routes()).as(name).hasSize(Math.max(m.routes().size() - 1, 0));
                            assertThat(again.recordRoutes()).as(name).hasSize(m.recordRoutes().size() + 1);
                            assertThat(again.method()).as(name).isEqualTo(m.method());
                        } else {
                            assertThat(again.vias()).as(name).hasSize(m.vias().size() - 1);
                            assertThat(again.topVia().toString()).as(name).isEqualTo(m.vias().get(1).toString());
                        }
                    } finally {
                        again.release();
                    }
                } finally {
                    out.release();
                }
            } finally {
                m.release();
            }
        }
        assertThat(requests).as("torture requests rewritten").isGreaterThan(20);
    }

    // --- zero copy and reference counts -----------------------------------------------------------------------------

    @Test
    void untouchedRegionsAreSlicesOfTheOriginalMemory() {
        final SipMessage m = decode(REQUEST);
        final ByteBuf content = m.content();
        rewriter.rewrite(m)
                .setReceivedRport(SOURCE)
                .addVia(NEW_VIA)
                .decrementMaxForwards()
                .removeFirstRoute()
                .addRecordRoute("<sip:10.0.0.1;lr>");
        final CompositeByteBuf out = rewriter.build(ALLOC);
        try {
            // [0, Via line) | new Via | [Via line, Via end) | ;received | [Via end, MF value) | 69 |
            // [MF value end, Route line) | (Route line removed) | [Route line end, empty line) | Record-Route |
            // [empty line, end): 6 slices of the original and 4 runs of new bytes.
            assertThat(out.numComponents()).isEqualTo(10);
            assertThat(content.isDirect()).isTrue();
            assertThat(out.isDirect()).as("direct like the message, for gathering writes").isTrue();
            int original = 0;
            int added = 0;
            for (int i = 0; i < out.numComponents(); i++) {
                final ByteBuf c = out.internalComponent(i);
                if (sharesMemory(c, content)) {
                    original++;
                } else {
                    added++;
                }
            }
            assertThat(original).as("untouched regions").isEqualTo(6);
            assertThat(added).as("runs of new bytes").isEqualTo(4);
            assertThat(out.readableBytes() - addedBytes(out, content))
                    .as("bytes taken from the original")
                    .isEqualTo(content.readableBytes() - "70".length()
                               - "Route: <sip:lb.example.com;lr>\r\n".length());

            // A change of the original memory shows through the composite: nothing was copied.
            final int callIdAt = content.toString(StandardCharsets.UTF_8).indexOf("a84b4c76e66710");
            final String before = out.toString(StandardCharsets.UTF_8);
            final int outAt = before.indexOf("a84b4c76e66710");
            content.setByte(callIdAt, 'Z');
            assertThat((char) out.getByte(outAt)).isEqualTo('Z');
        } finally {
            assertThat(m.refCnt()).as("the message's reference plus one per original slice").isEqualTo(1 + 6);
            out.release();
            assertThat(m.refCnt()).isEqualTo(1);
            m.release();
        }
    }

    private static boolean sharesMemory(ByteBuf component, ByteBuf original) {
        if (component.hasMemoryAddress() && original.hasMemoryAddress()) {
            final long a = component.memoryAddress() + component.readerIndex();
            final long base = original.memoryAddress();
            return a >= base && a + component.readableBytes() <= base + original.capacity();
        }
        if (component.hasArray() && original.hasArray()) {
            return component.array() == original.array()
                   && component.arrayOffset() + component.readerIndex() >= original.arrayOffset()
                   && component.arrayOffset() + component.readerIndex() + component.readableBytes()
                      <= original.arrayOffset() + original.capacity();
        }
        final ByteBuf probe = component.unwrap() == null ? component : component.unwrap();
        return probe == original || probe == original.unwrap();
    }

    private static int addedBytes(CompositeByteBuf out, ByteBuf original) {
        int n = 0;
        for (int i = 0; i < out.numComponents(); i++) {
            final ByteBuf c = out.internalComponent(i);
            if (!sharesMemory(c, original)) {
                n += c.readableBytes();
            }
        }
        return n;
    }

    @Test
    void withoutEditsTheOutputIsOneSliceOfTheWholeMessage() {
        final SipMessage m = decode(REQUEST);
        final CompositeByteBuf out = rewriter.rewrite(m).build(ALLOC);
        try {
            assertThat(out.numComponents()).isEqualTo(1);
            assertThat(sharesMemory(out.internalComponent(0), m.content())).isTrue();
            assertThat(ByteBufUtil.equals(out, m.content())).isTrue();
        } finally {
            out.release();
            m.release();
        }
    }

    @Test
    void theOutputOutlivesTheMessageAndHoldsItsOwnReferences() {
        final SipMessage m = decode(REQUEST);
        assertThat(m.refCnt()).isEqualTo(1);
        final CompositeByteBuf out = rewriter.rewrite(m).addVia(NEW_VIA).decrementMaxForwards().build(ALLOC);
        // [0, Via) new-Via [Via, MF value) 69 [MF value end, end): three slices, each holding a reference.
        assertThat(m.refCnt()).as("the slices retain the message memory").isEqualTo(1 + 3);
        assertThat(m.release()).as("the owner's release does not free the memory the output uses").isFalse();
        assertThat(out.refCnt()).isEqualTo(1);
        assertThat(out.toString(StandardCharsets.UTF_8)).contains("Max-Forwards: 69\r\n");
        assertReparses(out);
        assertThat(out.release()).isTrue();
        assertThat(m.refCnt()).as("everything released").isZero();
    }

    // --- misuse -----------------------------------------------------------------------------------------------------

    @Test
    void overlappingEditsAreRefusedAtBuildWithoutLeaking() {
        final SipMessage m = decode(REQUEST.replace("pc33.atlanta.example.com;", "pc33.atlanta.example.com;rport;"));
        try {
            rewriter.rewrite(m).removeTopVia().setReceivedRport(SOURCE);
            assertThatThrownBy(() -> rewriter.build(ALLOC)).isInstanceOf(IllegalStateException.class)
                                                           .hasMessageContaining("overlap");
            assertThat(m.content().refCnt()).isEqualTo(1);
            assertThatThrownBy(() -> rewriter.build(ALLOC)).isInstanceOf(IllegalStateException.class)
                                                           .hasMessageContaining("rewrite(message) first");
        } finally {
            m.release();
        }
    }

    @Test
    void eachSingleOperationMayBeAppliedOnce() {
        final SipMessage m = decode(REQUEST);
        try {
            rewriter.rewrite(m).decrementMaxForwards();
            assertThatThrownBy(rewriter::decrementMaxForwards).isInstanceOf(IllegalStateException.class)
                                                              .hasMessageContaining("already applied");
            rewriter.clear();
        } finally {
            m.release();
        }
    }

    @Test
    void headerInjectionIsRefused() {
        final SipMessage m = decode(REQUEST);
        try {
            rewriter.rewrite(m);
            assertThatThrownBy(() -> rewriter.addVia("SIP/2.0/UDP h\r\nX-Evil: 1"))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("CR or LF");
            assertThatThrownBy(() -> rewriter.addRecordRoute("<sip:h;lr>\n"))
                    .isInstanceOf(IllegalArgumentException.class);
            rewriter.clear();
        } finally {
            m.release();
        }
    }

    @Test
    void failedMessagesAreNotRewritten() {
        final SipMessage m = SipTestMessages.decodeDatagram(SipTestMessages.torture("badinv01"));
        try {
            assertThat(m.decoderResult().isSuccess()).isFalse();
            assertThatThrownBy(() -> rewriter.rewrite(m)).isInstanceOf(IllegalArgumentException.class)
                                                         .hasMessageContaining("failed to decode");
        } finally {
            m.release();
        }
    }

    @Test
    void oneRewriterServesManyMessagesAndClearForgetsUnbuiltEdits() {
        final SipMessage first = decode(REQUEST);
        try {
            rewriter.rewrite(first).addVia(NEW_VIA).decrementMaxForwards();
        } finally {
            first.release();
        }
        rewriter.clear();
        assertThat(rewrite(REQUEST, SipRewriter::decrementMaxForwards))
                .isEqualTo(crlf(REQUEST.replace("Max-Forwards: 70\n", "Max-Forwards: 69\n")));
        assertThat(rewrite(RESPONSE, SipRewriter::removeTopVia)).doesNotContain("z9hG4bKnew");
    }

    @Test
    void nonAsciiValuesAreWrittenAsUtf8() {
        final String out = rewrite(REQUEST, r -> r.addRecordRoute("\"Prox\u00ff\" <sip:10.0.0.1;lr>"));
        assertThat(out).contains("Record-Route: \"Prox\u00ff\" <sip:10.0.0.1;lr>\r\n");
    }
}
