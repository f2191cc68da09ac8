package io.siplb.proxy.lifecycle;

import static io.siplb.proxy.testing.SipText.header;
import static io.siplb.proxy.testing.SipText.headers;
import static io.siplb.proxy.testing.SipText.status;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.siplb.dispatch.Destination;
import io.siplb.dispatch.state.DestinationState;
import io.siplb.dispatch.state.HealthState;
import io.siplb.proxy.config.SiplbConfigException;
import io.siplb.proxy.testing.SipPeer;
import io.siplb.proxy.testing.TestDnsServer;
import io.siplb.proxy.testing.TestServers;

/**
 * Destinations named by host name, resolved through a real DNS server on loopback ({@link TestDnsServer}, records
 * with a time to live of 1 s) and looked up again as their TTL says: an SRV name expands into its targets with their
 * priorities and weights; a changed SRV answer is applied keeping the state of the targets that remain; a changed
 * address moves traffic; a DNS outage keeps the last answer; a name that does not resolve fails the start, naming
 * the set and the URI. Not thread-safe; confined to the test thread.
 */
class DnsDestinationTest {

    private static final int WAIT = 3000;

    @TempDir
    Path dir;

    private TestDnsServer dns;
    private SipPeer uac;
    private final List<SipPeer> backends = new ArrayList<>();
    private SiplbServer server;
    private InetSocketAddress siplb;
    private int sequence;

    @BeforeEach
    void startDns() {
        dns = TestDnsServer.start().ttl(1);
        uac = SipPeer.bind();
    }

    @AfterEach
    void stop() {
        if (server != null) {
            server.close();
        }
        uac.close();
        backends.forEach(SipPeer::close);
        dns.close();
    }

    private SipPeer backend(String ip, int port) {
        final SipPeer p = SipPeer.bind(new InetSocketAddress(address(ip), port));
        backends.add(p);
        return p;
    }

    private static InetAddress address(String ip) {
        try {
            return InetAddress.getByName(ip);
        } catch (UnknownHostException e) {
            throw new AssertionError(e);
        }
    }

    private void start(String algorithm, String destinations) {
        server = TestServers.start(dir, TestServers.statefulConfig(
                "siplb.proxy.fr-timeout = 1s\n" +
                "siplb.reload.watch = false\n" +
                "siplb.dns { servers = [\"127.0.0.1:" + dns.address().getPort() + "\"], timeout = 300ms }\n" +
                "siplb.dispatcher.sets = [ { id = 1, algorithm = " + algorithm + ", destinations = [" +
                destinations + "] } ]"));
        siplb = TestServers.address(server);
    }

    private List<Destination> set1() {
        return server.proxy().dispatcher().snapshot().set(1).destinations();
    }

    private DestinationState state(String uri) {
        for (Destination d : set1()) {
            if (d.uri().equals(uri)) {
                return server.proxy().dispatcher().state(d);
            }
        }
        return null;
    }

    private String options(String callId) {
        return "OPTIONS sip:bob@example.com SIP/2.0\r\n" +
               "Via: SIP/2.0/UDP 127.0.0.1:" + uac.port() + ";branch=z9hG4bK-" + callId + ";rport\r\n" +
               "Max-Forwards: 70\r\n" +
               "From: <sip:alice@example.com>;tag=a1\r\n" +
               "To: <sip:bob@example.com>\r\n" +
               "Call-ID: " + callId + "\r\n" +
               "CSeq: 1 OPTIONS\r\n" +
               "Content-Length: 0\r\n\r\n";
    }

    private static String ok(String request) {
        final StringBuilder sb = new StringBuilder("SIP/2.0 200 OK\r\n");
        for (String v : headers(request, "Via")) {
            sb.append("Via: ").append(v).append("\r\n");
        }
        return sb.append("From: ").append(header(request, "From")).append("\r\n")
                 .append("To: ").append(header(request, "To")).append(";tag=b\r\n")
                 .append("Call-ID: ").append(header(request, "Call-ID")).append("\r\n")
                 .append("CSeq: ").append(header(request, "CSeq")).append("\r\n")
                 .append("Content-Length: 0\r\n\r\n").toString();
    }

    /** Sends one OPTIONS, answers it at the backend it reaches and returns that backend, or null. */
    private SipPeer route() {
        final String callId = "d" + (++sequence);
        uac.send(options(callId), siplb);
        final long end = System.nanoTime() + 1_000_000_000L;
        while (System.nanoTime() < end) {
            for (SipPeer b : backends) {
                final String got = b.receive(20);
                if (got != null && got.contains("Call-ID: " + callId)) {
                    b.send(ok(got), siplb);
                    assertThat(status(uac.receive(WAIT))).isEqualTo(200);
                    return b;
                }
            }
        }
        return null;
    }

    private static void await(String what, BooleanSupplier condition) {
        final long end = System.nanoTime() + 10_000_000_000L;
        while (!condition.getAsBoolean()) {
            assertThat(System.nanoTime() < end).as(what).isTrue();
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError(e);
            }
        }
    }

    @Test
    void anSrvNameExpandsIntoItsTargetsWithTheirPrioritiesAndWeights() {
        final SipPeer a = backend("127.0.0.1", 0);
        final SipPeer b = backend("127.0.0.1", 0);
        final SipPeer c = backend("127.0.0.1", 0);
        dns.srv("_sip._udp.gw.test", 10, 60, a.port(), "a.test")
           .srv("_sip._udp.gw.test", 10, 40, b.port(), "b.test")
           .srv("_sip._udp.gw.test", 20, 5, c.port(), "c.test")
           .address("a.test", address("127.0.0.1")).address("b.test", address("127.0.0.1"))
           .address("c.test", address("127.0.0.1"));
        start("priority-weight", "\"sip:gw.test\"");

        final Map<String, int[]> byUri = new HashMap<>();
        for (Destination d : set1()) {
            byUri.put(d.uri(), new int[] { d.priority(), d.attributes().weight(), d.address().getPort() });
        }
        assertThat(byUri).containsOnlyKeys("sip:a.test:" + a.port(), "sip:b.test:" + b.port(),
                                           "sip:c.test:" + c.port());
        assertThat(byUri.get("sip:a.test:" + a.port())).containsExactly(10, 60, a.port());
        assertThat(byUri.get("sip:b.test:" + b.port())).containsExactly(10, 40, b.port());
        assertThat(byUri.get("sip:c.test:" + c.port())).containsExactly(20, 5, c.port());

        // priority-weight: the lowest priority shares the traffic by weight; the higher one is only a failover.
        final Map<SipPeer, Integer> counts = new HashMap<>();
        for (int i = 0; i < 40; i++) {
            counts.merge(route(), 1, Integer::sum);
        }
        assertThat(counts).containsOnlyKeys(a, b);
    }

    @Test
    void aChangedSrvAnswerIsAppliedKeepingTheStateOfTargetsThatRemain() {
        final SipPeer a = backend("127.0.0.1", 0);
        final SipPeer b = backend("127.0.0.1", 0);
        final SipPeer c = backend("127.0.0.1", 0);
        dns.srv("_sip._udp.gw.test", 10, 50, a.port(), "a.test")
           .srv("_sip._udp.gw.test", 10, 50, b.port(), "b.test")
           .address("a.test", address("127.0.0.1")).address("b.test", address("127.0.0.1"))
           .address("c.test", address("127.0.0.1"));
        start("round-robin", "\"sip:gw.test\"");
        final String uriB = "sip:b.test:" + b.port();
        final DestinationState stateB = state(uriB);
        stateB.setAdminState(HealthState.INACTIVE, "operator");

        dns.remove("_sip._udp.gw.test").srv("_sip._udp.gw.test", 10, 50, b.port(), "b.test")
           .srv("_sip._udp.gw.test", 20, 50, c.port(), "c.test");
        final String uriC = "sip:c.test:" + c.port();
        await("the new SRV answer is applied", () -> state(uriC) != null && state("sip:a.test:" + a.port()) == null);
        assertThat(state(uriB)).isSameAs(stateB);
        assertThat(stateB.health()).isEqualTo(HealthState.INACTIVE);
        for (int i = 0; i < 5; i++) {
            assertThat(route()).isSameAs(c);
        }
        // A DNS refresh is not a configuration reload.
        assertThat(server.reloader().stats().successes()).isZero();
    }

    @Test
    void aChangedAddressMovesTrafficAndKeepsTheDestination() {
        final SipPeer first = backend("127.0.0.1", 0);
        final SipPeer second = backend("127.0.0.2", first.port());
        dns.address("host.test", address("127.0.0.1"));
        start("round-robin", "\"sip:host.test:" + first.port() + "\"");
        final DestinationState state = state("sip:host.test:" + first.port());
        assertThat(route()).isSameAs(first);

        dns.remove("host.test").address("host.test", address("127.0.0.2"));
        await("the new address is applied",
              () -> set1().get(0).address().getAddress().equals(address("127.0.0.2")));
        assertThat(route()).isSameAs(second);
        assertThat(state("sip:host.test:" + first.port())).isSameAs(state);
    }

    @Test
    void aDnsOutageKeepsTheLastAnswer() throws InterruptedException {
        final SipPeer a = backend("127.0.0.1", 0);
        dns.address("host.test", address("127.0.0.1"));
        start("round-robin", "\"sip:host.test:" + a.port() + "\"");
        final int asked = dns.questions().size();
        dns.silent("host.test");
        await("siplb looks again after the TTL", () -> dns.questions().size() > asked);
        Thread.sleep(1500);
        assertThat(set1()).hasSize(1);
        assertThat(set1().get(0).address()).isEqualTo(new InetSocketAddress(address("127.0.0.1"), a.port()));
        assertThat(route()).isSameAs(a);
    }

    @Test
    void aNameThatDoesNotResolveFailsTheStartNamingTheSetAndUri() {
        assertThatThrownBy(() -> start("round-robin", "\"sip:nowhere.test:5060\""))
                .isInstanceOf(SiplbConfigException.class)
                .hasMessageContaining("siplb.conf")
                .hasMessageContaining("set 1: \"sip:nowhere.test:5060\": host nowhere.test does not resolve")
                .hasMessageContaining("expected");
    }
}
