package io.siplb.proxy.core;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;

import org.junit.jupiter.api.Test;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.siplb.codec.SipMessage;
import io.siplb.codec.SipMessageParser;
import io.siplb.codec.SipMethod;
import io.siplb.codec.SipUri;
import io.siplb.dispatch.Algorithm;
import io.siplb.dispatch.KamailioHash;
import io.siplb.dispatch.SelectionKey;
import io.siplb.dispatch.Transport;
import io.siplb.proxy.routing.KeySpec;
import io.siplb.proxy.routing.RequestRouter;

/**
 * Where messages go ({@link Addresses}), the keys hash algorithms hash ({@link KeySpec}) and which requests are
 * record-routed ({@link RequestRouter}): the rules that need no socket. Not thread-safe; confined to the test thread.
 */
class AddressesTest {

    private static final String REQUEST =
            "INVITE sip:bob@Example.com:5070;transport=udp SIP/2.0\r\n" +
            "Via: SIP/2.0/UDP 192.0.2.1:5070;branch=z9hG4bK-1\r\n" +
            "From: <sip:alice@example.com>;tag=a\r\n" +
            "To: <sip:bob@example.com:5060>\r\n" +
            "Call-ID:  call-7@host \r\n" +
            "CSeq: 1 INVITE\r\n" +
            "Proxy-Authorization: Digest username=\"carol\", realm=\"x\"\r\n" +
            "Content-Length: 0\r\n\r\n";

    private static SipMessage parse(String text) {
        final ByteBuf buf = Unpooled.copiedBuffer(text, StandardCharsets.UTF_8);
        try {
            return new SipMessageParser().parse(buf);
        } finally {
            buf.release();
        }
    }

    @Test
    void selectionKeyFollowsTheSetsAlgorithm() {
        final SipMessage msg = parse(REQUEST);
        try {
            assertThat(key(Algorithm.HASH_CALL_ID, msg)).isEqualTo(KamailioHash.hash("call-7@host"));
            assertThat(key(Algorithm.HASH_KEY, msg)).isEqualTo(KamailioHash.hash("call-7@host"));
            assertThat(key(Algorithm.HASH_FROM_URI, msg)).isEqualTo(KamailioHash.hash("alice", "example.com"));
            // The scheme's default port is left out, as Kamailio does.
            assertThat(key(Algorithm.HASH_TO_URI, msg)).isEqualTo(KamailioHash.hash("bob", "example.com"));
            assertThat(key(Algorithm.HASH_REQUEST_URI, msg)).isEqualTo(KamailioHash.hash("bob", "Example.com:5070"));
            assertThat(key(Algorithm.HASH_AUTH_USERNAME, msg)).isEqualTo(KamailioHash.hash("carol"));
            assertThat(KeySpec.defaultFor(Algorithm.ROUND_ROBIN).keyOf(msg)).isSameAs(SelectionKey.NONE);
        } finally {
            msg.release();
        }
    }

    private static int key(Algorithm algorithm, SipMessage msg) {
        final SelectionKey k = KeySpec.defaultFor(algorithm).keyOf(msg);
        assertThat(k.isPresent()).isTrue();
        return k.hash();
    }

    @Test
    void nextHopOfAUriIsAnIpLiteralOrAHostNameWithItsTransport() {
        assertThat(Addresses.nextHop(SipUri.parse("sip:127.0.0.1:5080;lr")))
                .isEqualTo(new NextHop(new InetSocketAddress("127.0.0.1", 5080), Transport.UDP));
        assertThat(Addresses.nextHop(SipUri.parse("sip:bob@[::1]")))
                .isEqualTo(new NextHop(new InetSocketAddress("::1", 5060), Transport.UDP));
        assertThat(Addresses.nextHop(SipUri.parse("sip:proxy.example.com;maddr=127.0.0.2;lr")))
                .isEqualTo(new NextHop(new InetSocketAddress("127.0.0.2", 5060), Transport.UDP));
        // A URI that names its transport (or sips:) keeps it even for a request too large for UDP.
        assertThat(Addresses.nextHop(SipUri.parse("sip:127.0.0.1;transport=UDP")))
                .isEqualTo(new NextHop(new InetSocketAddress("127.0.0.1", 5060), Transport.UDP, null, true, null));
        assertThat(Addresses.nextHop(SipUri.parse("sip:127.0.0.1;transport=tcp")))
                .isEqualTo(new NextHop(new InetSocketAddress("127.0.0.1", 5060), Transport.TCP, null, true, null));
        assertThat(Addresses.nextHop(SipUri.parse("sips:127.0.0.1")))
                .isEqualTo(new NextHop(new InetSocketAddress("127.0.0.1", 5061), Transport.TLS, null, true, null));
        assertThat(Addresses.nextHop(SipUri.parse("sip:127.0.0.1;transport=xyz")))
                .isEqualTo(RejectReason.UNSUPPORTED_TRANSPORT);
        // Host names are looked up (RFC 3263 §4.2): by SRV without a port, by A/AAAA with one or with maddr.
        assertThat(Addresses.nextHop(SipUri.parse("sip:proxy.example.com;lr")))
                .hasToString("proxy.example.com").isInstanceOf(HostName.class)
                .extracting(h -> ((HostName) h).port()).isEqualTo(0);
        assertThat(Addresses.nextHop(SipUri.parse("sip:proxy.example.com:5080;lr")))
                .hasToString("proxy.example.com:5080");
        assertThat(Addresses.nextHop(SipUri.parse("sip:127.0.0.1;maddr=edge.example.com;lr")))
                .hasToString("edge.example.com:5060");
        assertThat(Addresses.isHostName("a-b.example.com.")).isTrue();
        assertThat(Addresses.isHostName("-a.example.com")).isFalse();
        assertThat(Addresses.isHostName("a..example.com")).isFalse();
        assertThat(Addresses.isHostName("a_b.example.com")).isFalse();
        assertThat(Addresses.isHostName("a-.example.com")).isFalse();
        assertThat(Addresses.isHostName("a".repeat(63) + ".example.com")).isTrue();
        assertThat(Addresses.isHostName("a".repeat(64) + ".example.com")).isFalse();
        assertThat(Addresses.isHostName("a.".repeat(125) + "abc")).isTrue(); // 253 octets
        assertThat(Addresses.isHostName("a.".repeat(125) + "abc.")).isTrue();
        assertThat(Addresses.isHostName("a.".repeat(125) + "abcd")).isFalse();
        assertThat(Addresses.nextHop(null)).isEqualTo(RejectReason.UNRESOLVABLE_NEXT_HOP);
        assertThat(Addresses.nextHop(SipUri.parse("sip:255.255.255.255;lr")))
                .isEqualTo(RejectReason.UNRESOLVABLE_NEXT_HOP);
        assertThat(Addresses.nextHop(SipUri.parse("sip:host;maddr=239.1.1.1;lr")))
                .isEqualTo(RejectReason.UNRESOLVABLE_NEXT_HOP);
    }

    @Test
    void responsesGoToMaddrThenReceivedAndRportThenSentBy() {
        final SipMessage msg = parse(
                "SIP/2.0 200 OK\r\n" +
                "Via: SIP/2.0/UDP 127.0.0.1:5060;branch=z9hG4bK-top\r\n" +
                "Via: SIP/2.0/UDP host.example.com:5070;branch=z9hG4bK-a;received=127.0.0.3;rport=6000\r\n" +
                "Via: SIP/2.0/UDP host.example.com:5070;branch=z9hG4bK-b;received=127.0.0.4\r\n" +
                "Via: SIP/2.0/UDP 127.0.0.5;branch=z9hG4bK-c\r\n" +
                "Via: SIP/2.0/UDP 127.0.0.6:5090;branch=z9hG4bK-d;maddr=127.0.0.7;received=127.0.0.8\r\n" +
                "Via: SIP/2.0/UDP host.example.com;branch=z9hG4bK-e\r\n" +
                "Via: SIP/2.0/UDP 255.255.255.255;branch=z9hG4bK-f\r\n" +
                "Via: SIP/2.0/UDP 127.0.0.1;branch=z9hG4bK-g;maddr=224.0.1.75\r\n" +
                "Via: SIP/2.0/UDP 0.0.0.0;branch=z9hG4bK-h\r\n" +
                "From: <sip:a@example.com>;tag=1\r\nTo: <sip:b@example.com>;tag=2\r\n" +
                "Call-ID: r\r\nCSeq: 1 INVITE\r\nContent-Length: 0\r\n\r\n");
        try {
            assertThat(msg.decoderResult().isSuccess()).isTrue();
            assertThat(Addresses.responseTarget(msg.vias().get(1)))
                    .isEqualTo(new InetSocketAddress("127.0.0.3", 6000));
            assertThat(Addresses.responseTarget(msg.vias().get(2)))
                    .isEqualTo(new InetSocketAddress("127.0.0.4", 5070));
            assertThat(Addresses.responseTarget(msg.vias().get(3)))
                    .isEqualTo(new InetSocketAddress("127.0.0.5", 5060));
            assertThat(Addresses.responseTarget(msg.vias().get(4)))
                    .isEqualTo(new InetSocketAddress("127.0.0.7", 5090));
            assertThat(Addresses.responseTarget(msg.vias().get(5))).isNull();
            // Never broadcast, multicast or to the wildcard address (RFC 4475 §3.3.10).
            assertThat(Addresses.responseTarget(msg.vias().get(6))).isNull();
            assertThat(Addresses.responseTarget(msg.vias().get(7))).isNull();
            assertThat(Addresses.responseTarget(msg.vias().get(8))).isNull();
        } finally {
            msg.release();
        }
    }

    @Test
    void localResponsesGoToTheSourceAddress() {
        final SipMessage msg = parse(REQUEST.replace("branch=z9hG4bK-1", "branch=z9hG4bK-1;rport"));
        final SipMessage noRport = parse(REQUEST);
        try {
            final InetSocketAddress sender = new InetSocketAddress("127.0.0.9", 40000);
            assertThat(Addresses.localResponseTarget(msg.topVia(), sender)).isEqualTo(sender);
            assertThat(Addresses.localResponseTarget(noRport.topVia(), sender))
                    .isEqualTo(new InetSocketAddress("127.0.0.9", 5070));
        } finally {
            msg.release();
            noRport.release();
        }
    }

    @Test
    void dialogCreatingMethodsGetARecordRoute() {
        for (SipMethod m : List.of(SipMethod.INVITE, SipMethod.SUBSCRIBE, SipMethod.REFER, SipMethod.NOTIFY)) {
            assertThat(RequestRouter.isDialogCreating(m)).as(m.name()).isTrue();
        }
        for (SipMethod m : List.of(SipMethod.ACK, SipMethod.BYE, SipMethod.CANCEL, SipMethod.OPTIONS,
                                   SipMethod.REGISTER, SipMethod.MESSAGE)) {
            assertThat(RequestRouter.isDialogCreating(m)).as(m.name()).isFalse();
        }
        assertThat(RequestRouter.isDialogCreating(null)).isFalse();
    }

    @Test
    void ownAddressesMatchListenersAndTheAdvertisedAddress() {
        final OwnAddresses own = new OwnAddresses(
                List.of(new InetSocketAddress("127.0.0.1", 5060), new InetSocketAddress("::1", 5070)),
                "sip.Example.com", -1);
        assertThat(own.matches("127.0.0.1", -1)).isTrue();
        assertThat(own.matches("127.0.0.1", 5060)).isTrue();
        assertThat(own.matches("127.0.0.1", 5070)).isFalse();
        assertThat(own.matches("[::1]", 5070)).isTrue();
        assertThat(own.matches("[0:0:0:0:0:0:0:1]", 5070)).isTrue();
        assertThat(own.matches("SIP.example.COM", 5060)).isTrue();
        assertThat(own.matches("sip.example.com.", 5070)).isTrue();
        assertThat(own.matches("sip.example.com", 5080)).isFalse();
        assertThat(own.matches("other.example.com", 5060)).isFalse();
        assertThat(own.matches("127.0.0.2", 5060)).isFalse();
        assertThat(own.isListener(new InetSocketAddress("127.0.0.1", 5060))).isTrue();
        assertThat(own.isListener(new InetSocketAddress("127.0.0.1", 5061))).isFalse();

        final OwnAddresses advertisedPort = new OwnAddresses(List.of(new InetSocketAddress("127.0.0.1", 5060)),
                                                             "192.0.2.1", 15060);
        assertThat(advertisedPort.matches("192.0.2.1", 15060)).isTrue();
        assertThat(advertisedPort.matches("192.0.2.1", 5060)).isFalse();

        final OwnAddresses wildcard = new OwnAddresses(List.of(new InetSocketAddress("0.0.0.0", 5060)),
                                                       "192.0.2.1", -1);
        assertThat(wildcard.matches("127.0.0.1", 5060)).isTrue();
        assertThat(wildcard.matches("192.0.2.1", 5060)).isTrue();
        assertThat(wildcard.matches("203.0.113.7", 5060)).isFalse();
    }
}
