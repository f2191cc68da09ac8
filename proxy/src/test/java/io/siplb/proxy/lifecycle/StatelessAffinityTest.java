package io.siplb.proxy.lifecycle;

import static io.siplb.proxy.testing.SipText.header;
import static io.siplb.proxy.testing.SipText.headers;
import static io.siplb.proxy.testing.SipText.startLine;
import static io.siplb.proxy.testing.SipText.status;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import io.siplb.proxy.config.SiplbConfig;
import io.siplb.proxy.config.SiplbConfigException;
import io.siplb.proxy.testing.SipPeer;
import io.siplb.proxy.testing.TestServers;

/**
 * A stateless siplb (siplb.proxy.mode = stateless) keeps no transaction, so every copy of a request must reach the
 * destination its first copy reached by the choice alone: for every algorithm a stateless siplb accepts, each call
 * sends an INVITE, two retransmissions of it, its CANCEL, and the ACK of the 487 that follows, from a plain UDP
 * "UAC" through siplb to three "UAS" sockets, and all five must arrive at the same UAS (and nothing at the others).
 * The algorithms that follow live state are refused in stateless mode when the configuration is loaded, with a
 * message that names the reason. Not thread-safe; confined to the test thread.
 */
class StatelessAffinityTest {

    private static final int WAIT = 3000;
    private static final int QUIET = 100;
    /** Calls per algorithm, each with its own Call-ID, From, To and Request-URI user and username. */
    private static final int CALLS = 8;

    @TempDir
    Path dir;

    private SipPeer uac;
    private final List<SipPeer> uas = new ArrayList<>();
    private SiplbServer server;
    private InetSocketAddress siplb;

    @BeforeEach
    void peers() {
        uac = SipPeer.bind();
        for (int i = 0; i < 3; i++) {
            uas.add(SipPeer.bind());
        }
    }

    @AfterEach
    void stop() {
        if (server != null) {
            server.close();
        }
        uac.close();
        uas.forEach(SipPeer::close);
    }

    /**
     * Every algorithm a stateless siplb accepts (round-robin-or-serial twice: equal positive priorities make it
     * round-robin, else it is serial), with the destinations' priorities and weights given; {@code spreads} says
     * whether the calls must use more than one destination (a hash, round-robin, random, weighted), so that a run
     * where everything lands on one UAS by accident cannot pass for affinity.
     */
    @ParameterizedTest(name = "{0} (priorities {1}, weights {2})")
    @CsvSource({
            "hash-call-id,          0 0 0, -,     true",
            "hash-from-uri,         0 0 0, -,     true",
            "hash-to-uri,           0 0 0, -,     true",
            "hash-request-uri,      0 0 0, -,     true",
            "hash-key,              0 0 0, -,     true",
            "round-robin,           0 0 0, -,     true",
            "random,                0 0 0, -,     true",
            // Weights near-equal: with CALLS calls, all of them on one destination by the luck of the draw is
            // 0.3^8 + 0.3^8 + 0.4^8 < 0.1 % (with 1 3 6 it was 0.6^8 = 1.7 %, and it happened).
            "weighted,              0 0 0, 3 3 4, true",
            "priority,              0 5 1, -,     false",
            "round-robin-or-serial, 1 1 1, -,     true",
            "round-robin-or-serial, 0 5 1, -,     false",
    })
    void everyCopyOfARequestReachesTheSameDestination(String algorithm, String priorities, String weights,
                                                      boolean spreads) {
        final String[] prio = priorities.trim().split(" ");
        final String[] w = "-".equals(weights.trim()) ? null : weights.trim().split(" ");
        final StringBuilder sets = new StringBuilder("siplb.dispatcher.sets = [ { id = 1, algorithm = ")
                .append(algorithm).append(", destinations = [");
        for (int i = 0; i < uas.size(); i++) {
            sets.append(i > 0 ? ", " : "").append("{ uri = \"sip:127.0.0.1:").append(uas.get(i).port())
                .append("\", priority = ").append(prio[i]);
            if (w != null) {
                sets.append(", attrs = \"weight=").append(w[i]).append('"');
            }
            sets.append(" }");
        }
        sets.append("] } ]\n");
        if ("hash-key".equals(algorithm)) {
            // hash-key hashes the key a routing rule names; the From user is in every copy of a request.
            sets.append("siplb.routing = [ { dispatch { set = 1, algorithm = hash-key, key = from-user } } ]\n");
        }
        server = TestServers.start(dir, TestServers.config(sets.toString()));
        siplb = TestServers.address(server);

        final Map<Integer, Integer> perDestination = new TreeMap<>();
        for (int n = 0; n < CALLS; n++) {
            final int at = call(algorithm + '-' + n, "user" + n, true);
            perDestination.merge(at, 1, Integer::sum);
        }
        if (spreads) {
            assertThat(perDestination).as("calls per destination index (%s)", algorithm).hasSizeGreaterThan(1);
        } else {
            assertThat(perDestination).as("calls per destination index (%s: serial)", algorithm)
                                      .containsOnlyKeys(prio[1].equals("5") ? 1 : 0);
        }
    }

    /** The algorithms a stateless siplb refuses at load, each with the reason its message names. */
    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "call-load                    | only a stateful siplb sees end",
            "latency                      | follows response times, which only a stateful siplb measures",
            "relative-weight              | follows response times, which only a stateful siplb measures",
            "priority-weight              | picks at random, so copies of one request would reach different",
            "round-robin-overload-control | reads no RFC 7339 overload-control feedback",
            "parallel                     | parallel forking needs a transaction per branch",
            "hash-auth-username           | which a CANCEL and the ACK of a non-2xx response do not carry",
    })
    void statelessModeRefusesAlgorithmsThatFollowLiveState(String algorithm, String reason) throws IOException {
        final String sets = "siplb.dispatcher.sets = [ { id = 1, algorithm = " + algorithm
                            + ", destinations = [\"sip:127.0.0.1:" + uas.get(0).port() + "\"] } ]\n";
        final Path stateless = write("stateless-" + algorithm + ".conf", TestServers.config(sets));
        assertThatThrownBy(() -> SiplbConfig.load(stateless))
                .isInstanceOf(SiplbConfigException.class)
                .hasMessageContaining("set 1: algorithm " + algorithm)
                .hasMessageContaining(reason);
        if (!"round-robin-overload-control".equals(algorithm)) {
            assertThatThrownBy(() -> SiplbConfig.load(stateless))
                    .hasMessageContaining("expected: siplb.proxy.mode = stateful");
            // The same set is accepted by a stateful siplb.
            final Path stateful = write("stateful-" + algorithm + ".conf", TestServers.statefulConfig(sets));
            assertThatCode(() -> SiplbConfig.load(stateful)).doesNotThrowAnyException();
        }
        // A routing rule naming the algorithm is refused the same way.
        final String rule = "siplb.dispatcher.sets = [ { id = 1, algorithm = hash-call-id, destinations = "
                            + "[\"sip:127.0.0.1:" + uas.get(0).port() + "\"] } ]\n"
                            + "siplb.routing = [ { dispatch { set = 1, algorithm = " + algorithm + " } } ]\n";
        final Path ruleFile = write("rule-" + algorithm + ".conf", TestServers.config(rule));
        assertThatThrownBy(() -> SiplbConfig.load(ruleFile))
                .isInstanceOf(SiplbConfigException.class)
                .hasMessageContaining("dispatch to set 1 with " + algorithm)
                .hasMessageContaining(reason);
    }

    private Path write(String name, String text) throws IOException {
        final Path file = dir.resolve(name);
        Files.writeString(file, text, StandardCharsets.UTF_8);
        return file;
    }

    /**
     * One call: INVITE, two retransmissions, CANCEL (answered 200 and 487 by the UAS), ACK of the 487. Returns the
     * index of the UAS that received every copy; fails unless all five reached that one and no other.
     *
     * @param credentials whether the CANCEL and the ACK carry the INVITE's Proxy-Authorization too
     */
    private int call(String callId, String user, boolean credentials) {
        final String branch = "z9hG4bK-" + callId;
        final String auth = "Proxy-Authorization: Digest username=\"" + user + "\", realm=\"example.com\", "
                            + "nonce=\"n\", uri=\"sip:" + user + "@example.com\", response=\"0\"\r\n";
        final String invite = request("INVITE", callId, user, branch, null, auth);
        uac.send(invite, siplb);
        final int at = receiveOne(callId, "INVITE");
        uac.send(invite, siplb);
        assertThat(receiveOne(callId, "INVITE (first retransmission)")).as("%s: first retransmission", callId)
                                                                       .isEqualTo(at);
        uac.send(invite, siplb);
        assertThat(receiveOne(callId, "INVITE (second retransmission)")).as("%s: second retransmission", callId)
                                                                        .isEqualTo(at);
        final String forwardedInvite = lastReceived;

        uac.send(request("CANCEL", callId, user, branch, null, credentials ? auth : ""), siplb);
        assertThat(receiveOne(callId, "CANCEL")).as("%s: CANCEL", callId).isEqualTo(at);
        final String forwardedCancel = lastReceived;
        // The UAS answers the CANCEL and ends the INVITE with 487 (RFC 3261 §9.2), back through siplb.
        final SipPeer callee = uas.get(at);
        callee.send(response(forwardedCancel, 200, "OK", null), siplb);
        callee.send(response(forwardedInvite, 487, "Request Terminated", "uas-" + callId), siplb);
        final List<Integer> upstream = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
            final String r = uac.receive(WAIT);
            assertThat(r).as("%s: response %d of 2 (200 to CANCEL, 487) forwarded to the UAC", callId, i + 1)
                         .isNotNull();
            upstream.add(status(r));
        }
        assertThat(upstream).as("%s: responses at the UAC", callId).containsExactlyInAnyOrder(200, 487);

        uac.send(request("ACK", callId, user, branch, "uas-" + callId, credentials ? auth : ""), siplb);
        assertThat(receiveOne(callId, "ACK of the 487")).as("%s: ACK of the 487", callId).isEqualTo(at);
        assertNothingElse(callId);
        return at;
    }

    private String lastReceived;

    /** Waits for one datagram at any UAS; returns the UAS's index and keeps the text in {@link #lastReceived}. */
    private int receiveOne(String callId, String what) {
        final long deadline = System.nanoTime() + WAIT * 1_000_000L;
        while (System.nanoTime() < deadline) {
            for (int i = 0; i < uas.size(); i++) {
                final String m = uas.get(i).receive(5);
                if (m != null) {
                    assertThat(header(m, "Call-ID")).as("%s: Call-ID of what UAS %d received", callId, i)
                                                    .isEqualTo(callId);
                    lastReceived = m;
                    return i;
                }
            }
        }
        throw new AssertionError(callId + ": " + what + " not forwarded to any UAS within " + WAIT + " ms");
    }

    private void assertNothingElse(String callId) {
        for (int i = 0; i < uas.size(); i++) {
            final String m = uas.get(i).receive(i == 0 ? QUIET : 5);
            assertThat(m).as("%s: unexpected datagram at UAS %d", callId, i).isNull();
        }
        assertThat(uac.receive(5)).as("%s: unexpected datagram at the UAC", callId).isNull();
    }

    private String request(String method, String callId, String user, String branch, String toTag, String extra) {
        final String body = "INVITE".equals(method) ? "v=0\n" : "";
        return method + " sip:" + user + "@example.com SIP/2.0\r\n" +
               "Via: SIP/2.0/UDP 127.0.0.1:" + uac.port() + ";branch=" + branch + ";rport\r\n" +
               "Max-Forwards: 70\r\n" +
               "From: <sip:" + user + "-from@example.com>;tag=f-" + callId + "\r\n" +
               "To: <sip:" + user + "-to@example.org>" + (toTag != null ? ";tag=" + toTag : "") + "\r\n" +
               "Call-ID: " + callId + "\r\n" +
               "CSeq: 1 " + method + "\r\n" +
               ("INVITE".equals(method) ? "Contact: <sip:" + user + "@127.0.0.1:" + uac.port() + ">\r\n" : "") +
               extra +
               ("INVITE".equals(method) ? "Content-Type: application/sdp\r\n" : "") +
               "Content-Length: " + body.length() + "\r\n" +
               "\r\n" + body;
    }

    /** A response to a forwarded request, with every Via copied (siplb's on top) and, given, a To tag. */
    private static String response(String request, int code, String reason, String toTag) {
        final StringBuilder sb = new StringBuilder("SIP/2.0 ").append(code).append(' ').append(reason).append("\r\n");
        for (String via : headers(request, "Via")) {
            sb.append("Via: ").append(via).append("\r\n");
        }
        sb.append("From: ").append(header(request, "From")).append("\r\n");
        sb.append("To: ").append(header(request, "To")).append(toTag != null ? ";tag=" + toTag : "").append("\r\n");
        sb.append("Call-ID: ").append(header(request, "Call-ID")).append("\r\n");
        sb.append("CSeq: ").append(header(request, "CSeq")).append("\r\n");
        sb.append("Content-Length: 0\r\n\r\n");
        assertThat(startLine(request)).isNotEmpty();
        return sb.toString();
    }
}
