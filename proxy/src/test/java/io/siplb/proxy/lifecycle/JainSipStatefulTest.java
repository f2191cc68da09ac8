package io.siplb.proxy.lifecycle;

import static io.siplb.proxy.testing.JainSipAgent.WAIT;
import static io.siplb.proxy.testing.SipText.header;
import static io.siplb.proxy.testing.SipText.status;
import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.function.BooleanSupplier;

import javax.sip.DialogState;
import javax.sip.header.CSeqHeader;
import javax.sip.header.ContactHeader;
import javax.sip.header.RecordRouteHeader;
import javax.sip.header.ToHeader;
import javax.sip.header.ViaHeader;
import javax.sip.message.Request;
import javax.sip.message.Response;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.siplb.dispatch.Destination;
import io.siplb.proxy.testing.JainSipAgent;
import io.siplb.proxy.testing.JainSipAgent.Call;
import io.siplb.proxy.testing.JainSipAgent.Mode;
import io.siplb.proxy.testing.JainSipAgent.ReceivedRequest;
import io.siplb.proxy.testing.SipPeer;
import io.siplb.proxy.testing.TestServers;

/**
 * siplb started in-process in stateful mode (RFC 3261 §16/§17) between a JAIN-SIP RI user agent client and two
 * JAIN-SIP RI user agent servers, backend A and backend B: whole calls, CANCEL, retransmissions, failover, routing
 * rules, call-load counting and the §16.3 checks, as a real third-party stack sees them. One siplb per test (a
 * failed destination is marked down at once and nothing probes it back up). Not thread-safe; confined to the test
 * thread (the agents are thread-safe).
 */
class JainSipStatefulTest {

    /** How long a backend that should have received nothing is watched. */
    private static final Duration QUIET = Duration.ofMillis(300);

    @TempDir
    Path dir;

    private JainSipAgent uac;
    private JainSipAgent a;
    private JainSipAgent b;
    private SipPeer raw;
    private SiplbServer server;
    private InetSocketAddress siplb;
    private String siplbRecordRoute;

    @BeforeEach
    void agents() {
        uac = JainSipAgent.start("alice");
        a = JainSipAgent.start("bobA");
        b = JainSipAgent.start("bobB");
    }

    @AfterEach
    void stop() {
        try {
            for (JainSipAgent agent : List.of(uac, a, b)) {
                assertThat(agent.listenerErrors()).as("failures inside %s", agent).isEmpty();
                assertThat(agent.strayResponses()).as("responses %s could not match", agent).isEmpty();
            }
        } finally {
            if (server != null) {
                server.close();
            }
            if (raw != null) {
                raw.close();
            }
            JainSipAgent.closeAll(uac, a, b);
        }
    }

    /** Starts stateful siplb with {@code extra} config. */
    private void start(String extra) {
        server = TestServers.start(dir, TestServers.statefulConfig(extra));
        siplb = TestServers.address(server);
        siplbRecordRoute = "<sip:127.0.0.1:" + siplb.getPort() + ";lr>";
    }

    /** Set 1 with {@code algorithm}: A (priority 2, the first choice of priority) then B (priority 1). */
    private String set1(String algorithm) {
        return "siplb.dispatcher.sets = [ { id = 1, algorithm = " + algorithm + ", destinations = [" +
               "{ uri = \"sip:127.0.0.1:" + a.port() + "\", priority = 2 }, " +
               "{ uri = \"sip:127.0.0.1:" + b.port() + "\", priority = 1 } ] } ]";
    }

    /** Starts siplb over set 1 (A first, then B) with {@code algorithm} and {@code extra} config. */
    private void startSet1(String algorithm, String extra) {
        start(extra + "\n" + set1(algorithm));
    }

    private void assertForwardedBySiplb(ReceivedRequest r) {
        assertThat(r.viaCount()).as("Vias of %s", r.method()).isEqualTo(2);
        assertThat(r.vias().get(0)).as("top Via of %s", r.method())
                                   .startsWith("SIP/2.0/UDP 127.0.0.1:" + siplb.getPort() + ";branch=z9hG4bK");
        assertThat(r.maxForwards()).as("Max-Forwards of %s", r.method()).isEqualTo(69);
        assertThat(r.routes()).as("Route of %s (siplb removes its own)", r.method()).isEmpty();
        assertThat(r.source()).as("sender of %s", r.method()).isEqualTo("127.0.0.1:" + siplb.getPort());
    }

    /** Returns the destination of set 1 or 2 on {@code agent}'s port. */
    private Destination destinationOf(JainSipAgent agent) {
        for (int set : new int[] { 1, 2 }) {
            if (server.proxy().dispatcher().snapshot().set(set) == null) {
                continue;
            }
            for (Destination d : server.proxy().dispatcher().snapshot().set(set).destinations()) {
                if (d.port() == agent.port()) {
                    return d;
                }
            }
        }
        throw new AssertionError("no destination for " + agent);
    }

    private int activeCalls(JainSipAgent agent) {
        return server.proxy().dispatcher().state(destinationOf(agent)).activeCalls();
    }

    /** Waits up to {@link JainSipAgent#WAIT} for {@code condition}; returns whether it held. */
    private static boolean eventually(BooleanSupplier condition) {
        final long deadline = System.nanoTime() + WAIT.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                return false;
            }
            try {
                Thread.sleep(5);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        }
        return true;
    }

    /** Sends an INVITE, waits for its 200 and ACKs it; returns the call. */
    private Call answeredCall(java.util.function.Consumer<JainSipAgent.RequestOptions> options) {
        final Call invite = uac.invite(siplb, options);
        final Response ok = invite.awaitFinal(WAIT);
        assertThat(ok.getStatusCode()).as("final response to %s", invite.callId()).isEqualTo(Response.OK);
        invite.ack();
        return invite;
    }

    /** Returns the one backend that received an INVITE of {@code callId}, checking the other received none. */
    private JainSipAgent backendOf(String callId) {
        final int atA = a.count(Request.INVITE, callId);
        final int atB = b.count(Request.INVITE, callId);
        assertThat(atA + atB).as("INVITEs of %s at the backends (A %d, B %d)", callId, atA, atB).isEqualTo(1);
        return atA == 1 ? a : b;
    }

    private JainSipAgent other(JainSipAgent backend) {
        return backend == a ? b : a;
    }

    // ------------------------------------------------------------------ 1

    @Test
    void aWholeCallCompletesWith100FromSiplbAtOnceAndInDialogRequestsFollowRecordRoute() {
        startSet1("priority", "");
        // 180 at once, 200 later: the caller must see siplb's own 100 before anything from the backend.
        a.mode(Mode.answerAfter(Duration.ofMillis(700)));
        final long t0 = System.nanoTime();
        final Call invite = uac.invite(siplb, o -> o.body("application/sdp", "v=0\r\n"));
        final Response trying = invite.awaitStatus(Response.TRYING, WAIT);
        assertThat((System.nanoTime() - t0) / 1_000_000).as("ms to siplb's 100").isLessThan(500);
        assertThat(((ToHeader) trying.getHeader(ToHeader.NAME)).getTag()).as("To tag of siplb's 100").isNull();
        invite.awaitStatus(Response.RINGING, WAIT);
        final Response ok = invite.awaitFinal(WAIT);
        assertThat(ok.getStatusCode()).isEqualTo(Response.OK);
        assertThat(invite.statuses()).as("100 (siplb's; it forwards no 100) first")
                                     .containsExactly(Response.TRYING, Response.RINGING, Response.OK);
        assertThat(ok.getHeader(RecordRouteHeader.NAME).toString().trim())
                .isEqualTo(RecordRouteHeader.NAME + ": " + siplbRecordRoute);
        assertThat(ok.getHeaders(ViaHeader.NAME)).toIterable().hasSize(1);
        assertThat(((ContactHeader) ok.getHeader(ContactHeader.NAME)).getAddress().getURI().toString())
                .isEqualTo(a.contactUri());

        final ReceivedRequest fwdInvite = a.awaitRequest(Request.INVITE, WAIT);
        assertForwardedBySiplb(fwdInvite);
        assertThat(fwdInvite.recordRoutes()).containsExactly(siplbRecordRoute);
        assertThat(fwdInvite.requestUri()).isEqualTo("sip:bob@example.com");
        assertThat(new String(fwdInvite.request().getRawContent())).isEqualTo("v=0\r\n");
        assertThat(invite.dialog().getState()).isEqualTo(DialogState.CONFIRMED);

        invite.ack();
        final ReceivedRequest ack = a.awaitRequest(Request.ACK, WAIT);
        assertForwardedBySiplb(ack);
        assertThat(ack.requestUri()).isEqualTo(a.contactUri());
        assertThat(ack.callId()).isEqualTo(invite.callId());

        final Call bye = invite.bye();
        assertThat(bye.awaitFinal(WAIT).getStatusCode()).isEqualTo(Response.OK);
        assertThat(bye.statuses()).as("no 100 for a BYE").containsExactly(Response.OK);
        final ReceivedRequest fwdBye = a.awaitRequest(Request.BYE, WAIT);
        assertForwardedBySiplb(fwdBye);
        assertThat(fwdBye.requestUri()).isEqualTo(a.contactUri());
        assertThat(((CSeqHeader) fwdBye.request().getHeader(CSeqHeader.NAME)).getSeqNumber()).isEqualTo(2);

        assertThat(a.received()).extracting(ReceivedRequest::method)
                                .containsExactly(Request.INVITE, Request.ACK, Request.BYE);
        assertThat(b.pollRequest(Request.INVITE, QUIET)).isNull();
        assertThat(b.received()).isEmpty();
    }

    // ------------------------------------------------------------------ 2

    @Test
    void aCancelBeforeTheAnswerReachesTheBackendAndTheCallerGets200And487() {
        startSet1("priority", "");
        a.mode(Mode.answerAfter(Duration.ofSeconds(30)));
        b.mode(Mode.answerAfter(Duration.ofSeconds(30)));
        final Call invite = uac.invite(siplb);
        invite.awaitStatus(Response.RINGING, WAIT);
        final ReceivedRequest fwdInvite = a.awaitRequest(Request.INVITE, WAIT);
        final Call cancel = invite.cancel();
        assertThat(cancel.awaitFinal(WAIT).getStatusCode()).isEqualTo(Response.OK);
        assertThat(invite.awaitFinal(WAIT).getStatusCode()).isEqualTo(Response.REQUEST_TERMINATED);
        assertThat(invite.statuses()).containsExactly(Response.TRYING, Response.RINGING,
                                                      Response.REQUEST_TERMINATED);

        final ReceivedRequest fwdCancel = a.awaitRequest(Request.CANCEL, WAIT);
        // RFC 3261 §16.10/§9.1: siplb's own CANCEL (hop by hop), with the one Via of the INVITE it forwarded.
        assertThat(fwdCancel.vias()).containsExactly(fwdInvite.vias().get(0));
        assertThat(fwdCancel.source()).isEqualTo("127.0.0.1:" + siplb.getPort());
        assertThat(fwdCancel.requestUri()).isEqualTo(fwdInvite.requestUri());
        // The caller's ACK of the 487 is absorbed by siplb (which ACKed A's 487 itself, absorbed by A's stack).
        assertThat(a.pollRequest(Request.ACK, QUIET)).isNull();
        assertThat(a.received()).extracting(ReceivedRequest::method)
                                .containsExactly(Request.INVITE, Request.CANCEL);
        // A cancelled call is not failed over.
        assertThat(b.received()).isEmpty();
        assertThat(server.stateful().failovers()).isZero();
    }

    // ------------------------------------------------------------------ 3

    @Test
    void aRetransmittedInviteIsAbsorbedAndAnsweredWithTheLastResponse() {
        startSet1("priority", "siplb.proxy.timers.t1 = 100ms");
        a.mode(Mode.answerAfter(Duration.ofSeconds(30)));
        raw = SipPeer.bind();
        final String callId = "retrans-" + System.nanoTime() + "@127.0.0.1";
        final String invite = "INVITE sip:bob@example.com SIP/2.0\r\n" +
                              "Via: SIP/2.0/UDP 127.0.0.1:" + raw.port() + ";branch=z9hG4bK-rt1;rport\r\n" +
                              "Max-Forwards: 70\r\n" +
                              "From: \"Alice\" <sip:alice@example.com>;tag=a1\r\n" +
                              "To: <sip:bob@example.com>\r\n" +
                              "Call-ID: " + callId + "\r\n" +
                              "CSeq: 1 INVITE\r\n" +
                              "Contact: <sip:alice@127.0.0.1:" + raw.port() + ">\r\n" +
                              "Content-Length: 0\r\n\r\n";
        raw.send(invite, siplb);
        assertThat(status(raw.receive(3000))).as("siplb's 100").isEqualTo(100);
        final String ringing = raw.receive(3000);
        assertThat(status(ringing)).isEqualTo(180);
        assertThat(header(ringing, "Call-ID")).isEqualTo(callId);

        // The caller's retransmission (same branch): answered with the last response, not forwarded.
        raw.send(invite, siplb);
        final String again = raw.receive(3000);
        assertThat(status(again)).as("response to the retransmission").isEqualTo(180);
        assertThat(header(again, "To")).isEqualTo(header(ringing, "To"));
        raw.send(invite, siplb);
        assertThat(status(raw.receive(3000))).as("response to the second retransmission").isEqualTo(180);

        assertThat(a.pollRequest(Request.INVITE, WAIT)).isNotNull();
        assertThat(a.pollRequest(Request.INVITE, QUIET)).as("a second INVITE at A").isNull();
        // JAIN-SIP would absorb a copy with siplb's branch in its server transaction; siplb's own counters show
        // that the caller's copies made no second transaction and no second forwarding.
        assertThat(a.count(Request.INVITE, callId)).isEqualTo(1);
        assertThat(server.stateful().transactionsCreated()).isEqualTo(1);
        assertThat(server.stats().requestsForwarded()).isEqualTo(1);
        assertThat(b.received()).isEmpty();
        assertThat(raw.receive((int) QUIET.toMillis())).as("nothing more for the caller").isNull();
    }

    // ------------------------------------------------------------------ 4

    @Test
    void a503FromTheFirstBackendFailsOverToTheSecondAndTheCallerNeverSeesIt() {
        startSet1("priority", "");
        a.mode(Mode.answerWith(Response.SERVICE_UNAVAILABLE));
        final Call invite = uac.invite(siplb);
        final Response ok = invite.awaitFinal(WAIT);
        assertThat(ok.getStatusCode()).isEqualTo(Response.OK);
        assertThat(((ContactHeader) ok.getHeader(ContactHeader.NAME)).getAddress().getURI().toString())
                .as("the 200 comes from B").isEqualTo(b.contactUri());
        invite.ack();
        assertThat(b.awaitRequest(Request.ACK, WAIT).callId()).isEqualTo(invite.callId());
        assertThat(invite.statuses()).doesNotContain(Response.SERVICE_UNAVAILABLE, Response.SERVER_INTERNAL_ERROR);
        assertThat(a.count(Request.INVITE, invite.callId())).isEqualTo(1);
        assertThat(b.count(Request.INVITE, invite.callId())).isEqualTo(1);
        // The branch to B is a new one.
        assertThat(b.received(Request.INVITE).get(0).vias().get(0))
                .isNotEqualTo(a.received(Request.INVITE).get(0).vias().get(0));
        assertThat(server.stateful().failovers()).isEqualTo(1);
        assertThat(server.stateful().transactionsCreated()).isEqualTo(1);
    }

    // ------------------------------------------------------------------ 5

    @Test
    void aSilentBackendFailsOverAfterFrTimeout() {
        startSet1("priority", "siplb.proxy.fr-timeout = 500ms");
        a.mode(Mode.NEVER_ANSWER);
        final long t0 = System.nanoTime();
        final Call invite = uac.invite(siplb);
        final Response ok = invite.awaitFinal(WAIT);
        final long ms = (System.nanoTime() - t0) / 1_000_000;
        assertThat(ok.getStatusCode()).isEqualTo(Response.OK);
        assertThat(((ContactHeader) ok.getHeader(ContactHeader.NAME)).getAddress().getURI().toString())
                .isEqualTo(b.contactUri());
        assertThat(ms).as("ms to the 200 (fr-timeout 500 ms first)").isBetween(400L, 3000L);
        invite.ack();
        assertThat(invite.statuses()).doesNotContain(Response.REQUEST_TIMEOUT);
        assertThat(a.count(Request.INVITE, invite.callId())).as("INVITE copies at A").isGreaterThanOrEqualTo(1);
        assertThat(b.count(Request.INVITE, invite.callId())).isEqualTo(1);
        // Nothing to cancel at A: it sent no provisional.
        assertThat(a.received(Request.CANCEL)).isEmpty();
        assertThat(server.stateful().failovers()).isEqualTo(1);
    }

    // ------------------------------------------------------------------ 6

    @Test
    void a6xxIsNotFailedOverEvenWhenListedAsAFailoverCode() {
        // 603 is not among the default failover codes; a rule listing it (dispatch failover-codes take 300..699,
        // siplb.proxy.failover-codes only 300..599) shows that the §16.7 step 5 rule (a 6xx ends the transaction, no
        // new branch) is what keeps B out, not the list.
        startSet1("priority", "siplb.routing = [ { dispatch { set = 1, failover-codes = [503, 603] } } ]");
        a.mode(Mode.answerWith(Response.DECLINE));
        final Call invite = uac.invite(siplb);
        assertThat(invite.awaitFinal(WAIT).getStatusCode()).isEqualTo(Response.DECLINE);
        assertThat(a.count(Request.INVITE, invite.callId())).isEqualTo(1);
        assertThat(b.pollRequest(Request.INVITE, QUIET)).isNull();
        assertThat(b.received()).isEmpty();
        assertThat(server.stateful().failovers()).isZero();
    }

    // ------------------------------------------------------------------ 7

    @Test
    void inDialogRequestsFollowRecordRouteToTheSameBackend() {
        // round-robin: an in-dialog request dispatched anew would go to the other backend.
        startSet1("round-robin", "");
        final Call first = answeredCall(o -> {});
        final JainSipAgent backend = backendOf(first.callId());
        final Call second = answeredCall(o -> {});
        assertThat(backendOf(second.callId())).as("round-robin moves the next call").isSameAs(other(backend));

        final Call info = first.inDialog(Request.INFO);
        assertThat(info.awaitFinal(WAIT).getStatusCode()).isEqualTo(Response.OK);
        final Call reInvite = first.inDialog(Request.INVITE);
        assertThat(reInvite.awaitFinal(WAIT).getStatusCode()).isEqualTo(Response.OK);
        reInvite.ack();
        final Call info2 = first.inDialog(Request.INFO);
        assertThat(info2.awaitFinal(WAIT).getStatusCode()).isEqualTo(Response.OK);
        final Call bye = first.bye();
        assertThat(bye.awaitFinal(WAIT).getStatusCode()).isEqualTo(Response.OK);

        assertThat(backend.awaitRequest(Request.BYE, WAIT).callId()).isEqualTo(first.callId());
        final List<String> atBackend = backend.received().stream().filter(r -> r.callId().equals(first.callId()))
                                              .map(ReceivedRequest::method).toList();
        assertThat(atBackend).containsExactly(Request.INVITE, Request.ACK, Request.INFO, Request.INVITE,
                                              Request.ACK, Request.INFO, Request.BYE);
        for (ReceivedRequest r : backend.received()) {
            if (r.callId().equals(first.callId()) && !r.method().equals(Request.INVITE)) {
                assertThat(r.requestUri()).as("Request-URI of %s", r.method()).isEqualTo(backend.contactUri());
                assertForwardedBySiplb(r);
            }
        }
        final ReceivedRequest fwdReInvite = backend.received(Request.INVITE).stream()
                                                   .filter(r -> r.callId().equals(first.callId())).toList().get(1);
        assertThat(fwdReInvite.recordRoutes()).containsExactly(siplbRecordRoute);
        assertThat(other(backend).count(Request.INFO, first.callId()) +
                   other(backend).count(Request.INVITE, first.callId()) +
                   other(backend).count(Request.BYE, first.callId())).as("requests of call 1 at the other").isZero();
    }

    // ------------------------------------------------------------------ 8

    @Test
    void registerAndOptionsGet200WithoutA100FromSiplb() {
        startSet1("priority", "");
        final Call register = uac.send(Request.REGISTER, siplb, o -> o.header("Expires", "3600"));
        assertThat(register.awaitFinal(WAIT).getStatusCode()).isEqualTo(Response.OK);
        final Call options = uac.send(Request.OPTIONS, siplb);
        assertThat(options.awaitFinal(WAIT).getStatusCode()).isEqualTo(Response.OK);
        assertThat(register.statuses()).containsExactly(Response.OK);
        assertThat(options.statuses()).containsExactly(Response.OK);
        for (Call call : List.of(register, options)) {
            assertThat(a.count(call.method(), call.callId())).as("%s at A", call.method()).isEqualTo(1);
            final ReceivedRequest r = a.received(call.method()).get(0);
            assertForwardedBySiplb(r);
            assertThat(r.recordRoutes()).as("Record-Route of %s", r.method()).isEmpty();
        }
        assertThat(a.received(Request.REGISTER).get(0).requestUri()).isEqualTo("sip:example.com");
        assertThat(b.received()).isEmpty();
        assertThat(server.stateful().transactionsCreated()).isEqualTo(2);
    }

    // ------------------------------------------------------------------ 9

    @Test
    void everyRoutingRuleKindDecides() {
        start("siplb.dispatcher.sets = [\n" +
              "  { id = 1, algorithm = round-robin, destinations = [\"sip:127.0.0.1:" + a.port() + "\"] }\n" +
              "  { id = 2, algorithm = round-robin, destinations = [\"sip:127.0.0.1:" + b.port() + "\"] }\n" +
              "]\n" +
              "siplb.routing = [\n" +
              "  { match { method = [MESSAGE] }, reject { code = 403, reason = \"No Messages Here\" } }\n" +
              "  { match { source-set = 2 }, dispatch { set = 1 } }\n" +
              "  { match { method = [REGISTER] }, dispatch { set = 2 } }\n" +
              "  { match { header { name = \"X-Tenant\", value = \"^acme$\" } }, dispatch { set = 2 } }\n" +
              "  { match { request-uri-user = \"^\\\\+44\" }, dispatch { set = 2 } }\n" +
              "  { match { method = OPTIONS, source = \"10.0.0.0/8\" }, reject { code = 480 } }\n" +
              "  { match { method = OPTIONS, source = [\"192.0.2.0/24\", \"127.0.0.0/8\"] }, " +
              "dispatch { set = 2 } }\n" +
              "  { dispatch { set = 1 } }\n" +
              "]");

        // method → reject with the configured reason; no backend sees it.
        final Call message = uac.send(Request.MESSAGE, siplb, o -> o.body("text/plain", "hello"));
        final Response forbidden = message.awaitFinal(WAIT);
        assertThat(forbidden.getStatusCode()).isEqualTo(Response.FORBIDDEN);
        assertThat(forbidden.getReasonPhrase()).isEqualTo("No Messages Here");
        assertThat(message.statuses()).containsExactly(Response.FORBIDDEN);

        // method → set 2.
        final Call register = uac.send(Request.REGISTER, siplb);
        assertThat(register.awaitFinal(WAIT).getStatusCode()).isEqualTo(Response.OK);
        assertThat(b.count(Request.REGISTER, register.callId())).as("REGISTER at B").isEqualTo(1);

        // header (value regex) → set 2; another value falls through to the catch-all (set 1).
        final Call acme = answeredCall(o -> o.header("X-Tenant", "acme"));
        assertThat(backendOf(acme.callId())).as("X-Tenant: acme").isSameAs(b);
        final Call notAcme = answeredCall(o -> o.header("X-Tenant", "acme-corp"));
        assertThat(backendOf(notAcme.callId())).as("X-Tenant: acme-corp").isSameAs(a);

        // request-uri-user regex → set 2; another number → catch-all.
        final Call uk = answeredCall(o -> o.requestUri("sip:+442071234567@example.com"));
        assertThat(backendOf(uk.callId())).as("+44...").isSameAs(b);
        final Call fr = answeredCall(o -> o.requestUri("sip:+33144556677@example.com"));
        assertThat(backendOf(fr.callId())).as("+33...").isSameAs(a);

        // source CIDR: 127.0.0.1 is outside 10.0.0.0/8 (no 480) and inside 127.0.0.0/8 → set 2.
        final Call options = uac.send(Request.OPTIONS, siplb);
        assertThat(options.awaitFinal(WAIT).getStatusCode()).isEqualTo(Response.OK);
        assertThat(b.count(Request.OPTIONS, options.callId())).as("OPTIONS from the caller at B").isEqualTo(1);

        // source-set: B is a destination of set 2, so what B sends goes to set 1 (A), OPTIONS included.
        final Call fromB = b.send(Request.OPTIONS, siplb, o -> o.requestUri("sip:carol@example.com"));
        assertThat(fromB.awaitFinal(WAIT).getStatusCode()).isEqualTo(Response.OK);
        assertThat(a.count(Request.OPTIONS, fromB.callId())).as("OPTIONS from B at A").isEqualTo(1);
        assertThat(b.count(Request.OPTIONS, fromB.callId())).as("OPTIONS from B at B").isZero();

        // catch-all.
        final Call plain = answeredCall(o -> {});
        assertThat(backendOf(plain.callId())).as("no rule but the last").isSameAs(a);

        assertThat(a.count(Request.MESSAGE, message.callId()) + b.count(Request.MESSAGE, message.callId()))
                .as("MESSAGE at the backends").isZero();
        assertThat(a.count(Request.REGISTER, register.callId())).isZero();
    }

    // ------------------------------------------------------------------ 10

    @Test
    void callLoadCountsRiseWithAnsweredCallsFallWithByeAndACancelledCallIsReleased() {
        startSet1("call-load", "");
        assertThat(activeCalls(a)).isZero();
        assertThat(activeCalls(b)).isZero();
        final Call c1 = answeredCall(o -> {});
        final JainSipAgent first = backendOf(c1.callId());
        final Call c2 = answeredCall(o -> {});
        assertThat(backendOf(c2.callId())).as("the least-loaded destination takes call 2").isSameAs(other(first));
        assertThat(eventually(() -> activeCalls(a) == 1 && activeCalls(b) == 1))
                .as("one call on each: A %d, B %d", activeCalls(a), activeCalls(b)).isTrue();

        assertThat(c1.bye().awaitFinal(WAIT).getStatusCode()).isEqualTo(Response.OK);
        assertThat(eventually(() -> activeCalls(first) == 0))
                .as("after BYE: %s %d", first, activeCalls(first)).isTrue();
        assertThat(activeCalls(other(first))).isEqualTo(1);

        // A call that rings and is CANCELled: goes to the idle destination, and leaves no count behind.
        a.mode(Mode.answerAfter(Duration.ofSeconds(30)));
        b.mode(Mode.answerAfter(Duration.ofSeconds(30)));
        final Call c3 = uac.invite(siplb);
        c3.awaitStatus(Response.RINGING, WAIT);
        assertThat(backendOf(c3.callId())).as("the idle destination takes call 3").isSameAs(first);
        assertThat(c3.cancel().awaitFinal(WAIT).getStatusCode()).isEqualTo(Response.OK);
        assertThat(c3.awaitFinal(WAIT).getStatusCode()).isEqualTo(Response.REQUEST_TERMINATED);
        assertThat(eventually(() -> activeCalls(first) == 0))
                .as("after CANCEL: %s %d", first, activeCalls(first)).isTrue();
        assertThat(activeCalls(other(first))).isEqualTo(1);
        assertThat(server.stateful().callLoad().size()).as("calls tracked").isEqualTo(1);
        assertThat(server.stateful().callLoad().isConfirmed(c2.callId())).isTrue();
    }

    // ------------------------------------------------------------------ 11

    @Test
    void maxForwardsZeroGets483AndProxyRequireGets420() {
        startSet1("priority", "");
        final Call options = uac.send(Request.OPTIONS, siplb, o -> o.maxForwards(0));
        assertThat(options.awaitFinal(WAIT).getStatusCode()).isEqualTo(Response.TOO_MANY_HOPS);
        final Call invite = uac.invite(siplb, o -> o.maxForwards(0));
        assertThat(invite.awaitFinal(WAIT).getStatusCode()).isEqualTo(Response.TOO_MANY_HOPS);

        final Call required = uac.invite(siplb, o -> o.header("Proxy-Require", "com.example.foo"));
        final Response bad = required.awaitFinal(WAIT);
        assertThat(bad.getStatusCode()).isEqualTo(Response.BAD_EXTENSION);
        assertThat(bad.getHeader("Unsupported").toString()).contains("com.example.foo");
        final Call requiredOptions = uac.send(Request.OPTIONS, siplb, o -> o.header("Proxy-Require", "bar"));
        assertThat(requiredOptions.awaitFinal(WAIT).getStatusCode()).isEqualTo(Response.BAD_EXTENSION);

        assertThat(a.pollRequest(Request.INVITE, QUIET)).isNull();
        assertThat(a.received()).as("requests at A").isEmpty();
        assertThat(b.received()).as("requests at B").isEmpty();
        assertThat(server.stats().requestsForwarded()).isZero();
    }
}
