package io.siplb.proxy.udp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Paths;
import java.util.List;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import com.typesafe.config.ConfigFactory;

import io.netty.buffer.Unpooled;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.channel.socket.DatagramPacket;
import io.siplb.codec.SipMessageParser;
import io.siplb.dispatch.Dispatcher;
import io.siplb.dispatch.config.DispatcherConfigLoader;
import io.siplb.proxy.config.ListenAddress;
import io.siplb.proxy.config.ProxySettings;
import io.siplb.proxy.core.DropReason;
import io.siplb.proxy.core.OwnAddresses;
import io.siplb.proxy.stateless.StatelessForwarder;
import io.siplb.proxy.routing.RequestRouter;
import io.siplb.dispatch.Transport;
import io.netty.channel.socket.nio.NioDatagramChannel;
import java.util.EnumSet;
import io.siplb.proxy.core.ProxyContext;

/**
 * {@link UdpSipHandler} on an {@link EmbeddedChannel}: every received packet is released, every forwarded or answered
 * datagram is written (and flushed once per read batch) to the channel, and nothing is left over. Not thread-safe;
 * confined to the test thread.
 */
class UdpSipHandlerTest {

    private static final InetSocketAddress LOCAL = new InetSocketAddress("127.0.0.1", 5060);
    private static final InetSocketAddress UAC = new InetSocketAddress("127.0.0.1", 40000);
    private static final InetSocketAddress DESTINATION = new InetSocketAddress("127.0.0.1", 5080);

    private EmbeddedChannel ch;
    private ProxyContext proxy;

    @BeforeEach
    void setUp() {
        final ProxySettings settings = ProxySettings.builder().addListen(ListenAddress.udp(LOCAL)).build();
        final Dispatcher dispatcher = Dispatcher.create(DispatcherConfigLoader.load(
                ConfigFactory.parseString("siplb.dispatcher.sets = [ { id = 1, algorithm = hash-call-id, " +
                                          "destinations = [\"sip:127.0.0.1:5080\"] } ]")
                             .withFallback(ConfigFactory.defaultReference()).resolve(),
                Paths.get("inline.conf")));
        proxy = new ProxyContext(settings, dispatcher);
        final UdpSipHandler handler = new UdpSipHandler(new SipMessageParser(), proxy.stats());
        ch = new EmbeddedChannel(handler);
        final UdpEgress self = new UdpEgress(ch, LOCAL, null, -1);
        proxy.publish(new OwnAddresses(List.of(LOCAL), null, -1), List.of(self), NioDatagramChannel.class);
        final RequestRouter router = new RequestRouter(dispatcher, proxy::rules, proxy::own, true,
                                                       EnumSet.of(Transport.UDP));
        handler.start(new StatelessForwarder(proxy, ch.eventLoop(), router), self);
    }

    @AfterEach
    void tearDown() {
        assertFalse(ch.finishAndReleaseAll());
    }

    private static DatagramPacket packet(String text) {
        return new DatagramPacket(Unpooled.copiedBuffer(text, StandardCharsets.UTF_8), LOCAL, UAC);
    }

    private static String request(String maxForwards) {
        return "OPTIONS sip:bob@example.com SIP/2.0\r\n" +
               "Via: SIP/2.0/UDP 127.0.0.1:40000;branch=z9hG4bK-e1\r\n" +
               "Max-Forwards: " + maxForwards + "\r\n" +
               "From: <sip:alice@example.com>;tag=a\r\n" +
               "To: <sip:bob@example.com>\r\n" +
               "Call-ID: embedded-1\r\n" +
               "CSeq: 1 OPTIONS\r\n" +
               "Content-Length: 0\r\n\r\n";
    }

    @Test
    void forwardsARequestAndReleasesThePacket() {
        final DatagramPacket in = packet(request("10"));
        assertThat(ch.writeInbound(in)).isFalse();
        final DatagramPacket out = ch.readOutbound();
        try {
            assertThat(out.recipient()).isEqualTo(DESTINATION);
            final String text = out.content().toString(StandardCharsets.UTF_8);
            assertThat(text).startsWith("OPTIONS sip:bob@example.com SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:5060;" +
                                        "branch=z9hG4bK")
                            .contains("\r\nMax-Forwards: 9\r\n");
        } finally {
            out.release();
        }
        // The forwarded datagram was made of retained slices of the received one; now both are gone.
        assertThat(in.refCnt()).isZero();
        assertThat((Object) ch.readOutbound()).isNull();
        assertThat(proxy.stats().requestsForwarded()).isEqualTo(1);
    }

    @Test
    void answersMaxForwardsZeroToTheSender() {
        final DatagramPacket in = packet(request("0"));
        ch.writeInbound(in);
        assertThat(in.refCnt()).isZero();
        final DatagramPacket out = ch.readOutbound();
        try {
            assertThat(out.recipient()).isEqualTo(new InetSocketAddress("127.0.0.1", 40000));
            assertThat(out.content().toString(StandardCharsets.UTF_8)).startsWith("SIP/2.0 483 Too Many Hops\r\n");
        } finally {
            out.release();
        }
        assertThat(proxy.stats().localResponses(483)).isEqualTo(1);
    }

    @Test
    void dropsWhatTheSocketCannotQueueInsteadOfQueueingWithoutBound() {
        // Above its high water mark the socket is not writable: the kernel is not taking datagrams as fast as they
        // arrive. Queueing more would pin their receive buffers without bound.
        ch.config().setWriteBufferWaterMark(new WriteBufferWaterMark(1, 2));
        final DatagramPacket a = packet(request("10"));
        final DatagramPacket b = packet(request("10"));
        final DatagramPacket c = packet(request("0"));
        ch.writeInbound(a, b, c); // one read batch, flushed once at its end
        // The dropped ones are gone; the forwarded one lives until its datagram is released.
        assertThat(b.refCnt()).isZero();
        assertThat(c.refCnt()).isZero();
        final DatagramPacket out = ch.readOutbound();
        try {
            assertThat(out.recipient()).isEqualTo(DESTINATION);
        } finally {
            out.release();
        }
        assertThat(a.refCnt()).isZero();
        assertThat((Object) ch.readOutbound()).isNull();
        assertThat(proxy.stats().drops(DropReason.SEND_QUEUE_FULL)).isEqualTo(2);
        assertThat(proxy.stats().requestsForwarded()).isEqualTo(1);
        assertThat(proxy.stats().localResponses(483)).isZero();

        // Flushed, the socket takes datagrams again.
        ch.writeInbound(packet(request("0")));
        final DatagramPacket answer = ch.readOutbound();
        try {
            assertThat(answer.content().toString(StandardCharsets.UTF_8)).startsWith("SIP/2.0 483 ");
        } finally {
            answer.release();
        }
        assertThat(proxy.stats().localResponses(483)).isEqualTo(1);
    }

    @Test
    void dropsGarbageAndUnknownResponsesReleasingEverything() {
        final DatagramPacket garbage = packet("\u0000\u0001garbage");
        final DatagramPacket response = packet("SIP/2.0 200 OK\r\n" +
                                               "Via: SIP/2.0/UDP 192.0.2.9:5060;branch=z9hG4bK-x\r\n" +
                                               "From: <sip:a@example.com>;tag=1\r\nTo: <sip:b@example.com>;tag=2\r\n" +
                                               "Call-ID: c\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n");
        ch.writeInbound(garbage, response);
        assertThat(garbage.refCnt()).isZero();
        assertThat(response.refCnt()).isZero();
        assertThat((Object) ch.readOutbound()).isNull();
        assertThat(proxy.stats().drops(DropReason.MALFORMED_DATAGRAM)).isEqualTo(1);
        assertThat(proxy.stats().drops(DropReason.RESPONSE_VIA_NOT_OURS)).isEqualTo(1);
    }
}
