package io.siplb.proxy.lifecycle;

import static io.siplb.proxy.testing.JainSipAgent.WAIT;
import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

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

import io.siplb.proxy.testing.JainSipAgent;
import io.siplb.proxy.testing.JainSipAgent.Call;
import io.siplb.proxy.testing.JainSipAgent.Mode;
import io.siplb.proxy.testing.JainSipAgent.ReceivedRequest;
import io.siplb.proxy.testing.TestServers;

/**
 * siplb started in-process (stateless, set 1 with hash-call-id) between a JAIN-SIP RI user agent client and two
 * JAIN-SIP RI user agent servers: whole calls and out-of-dialog requests of a real third-party SIP stack through
 * siplb. Not thread-safe; confined to the test thread (the agents are thread-safe).
 */
class JainSipStatelessTest {

    /** How long a backend that should have received nothing is watched. */
    private static final Duration QUIET = Duration.ofMillis(200);

    @TempDir
    Path dir;

    private JainSipAgent uac;
    private JainSipAgent uas1;
    private JainSipAgent uas2;
    private SiplbServer server;
    private InetSocketAddress siplb;
    private String siplbRecordRoute;

    @BeforeEach
    void start() {
        uac = JainSipAgent.start("alice");
        uas1 = JainSipAgent.start("bob1");
        uas2 = JainSipAgent.start("bob2");
        server = TestServers.start(dir, TestServers.config(TestServers.set1(uas1, uas2)));
        siplb = TestServers.address(server);
        siplbRecordRoute = "<sip:127.0.0.1:" + siplb.getPort() + ";lr>";
    }

    @AfterEach
    void stop() {
        try {
            for (JainSipAgent agent : List.of(uac, uas1, uas2)) {
                assertThat(agent.listenerErrors()).as("failures inside %s", agent).isEmpty();
                assertThat(agent.strayResponses()).as("responses %s could not match", agent).isEmpty();
            }
        } finally {
            if (server != null) {
                server.close();
            }
            JainSipAgent.closeAll(uac, uas1, uas2);
        }
    }

    /** Returns the one backend that received an INVITE of {@code callId}, checking the other received none. */
    private JainSipAgent backendOf(String callId) {
        final int at1 = uas1.count(Request.INVITE, callId);
        final int at2 = uas2.count(Request.INVITE, callId);
        assertThat(at1 + at2).as("INVITEs of %s at the backends", callId).isEqualTo(1);
        return at1 == 1 ? uas1 : uas2;
    }

    private JainSipAgent other(JainSipAgent backend) {
        return backend == uas1 ? uas2 : uas1;
    }

    private void assertForwardedBySiplb(ReceivedRequest r) {
        assertThat(r.viaCount()).as("Vias of %s", r.method()).isEqualTo(2);
        assertThat(r.vias().get(0)).as("top Via of %s", r.method())
                                   .startsWith("SIP/2.0/UDP 127.0.0.1:" + siplb.getPort() + ";branch=z9hG4bK");
        assertThat(r.vias().get(1)).as("UAC Via of %s", r.method())
                                   .startsWith("SIP/2.0/UDP 127.0.0.1:" + uac.port() + ";");
        assertThat(r.maxForwards()).as("Max-Forwards of %s", r.method()).isEqualTo(69);
        assertThat(r.routes()).as("Route of %s (siplb removes its own)", r.method()).isEmpty();
        assertThat(r.source()).as("sender of %s", r.method()).isEqualTo("127.0.0.1:" + siplb.getPort());
    }

    @Test
    void inviteRingingOkAckAndByeCompleteThroughSiplbAndInDialogRequestsFollowRecordRoute() {
        final Call invite = uac.invite(siplb, o -> o.body("application/sdp", "v=0\r\n"));
        invite.awaitStatus(Response.RINGING, WAIT);
        final Response ok = invite.awaitFinal(WAIT);
        assertThat(ok.getStatusCode()).isEqualTo(Response.OK);
        // 100 Trying only if the backend's stack took more than 200 ms; siplb (stateless) sends none of its own.
        assertThat(invite.statuses()).containsSubsequence(Response.RINGING, Response.OK)
                                     .allMatch(code -> code == 100 || code == 180 || code == 200);
        assertThat(ok.getHeader(RecordRouteHeader.NAME).toString().trim())
                .isEqualTo(RecordRouteHeader.NAME + ": " + siplbRecordRoute);
        assertThat(ok.getHeaders(ViaHeader.NAME)).toIterable().hasSize(1);

        final JainSipAgent backend = backendOf(invite.callId());
        assertThat(((ContactHeader) ok.getHeader(ContactHeader.NAME)).getAddress().getURI().toString())
                .isEqualTo(backend.contactUri());
        assertThat(((ToHeader) ok.getHeader(ToHeader.NAME)).getTag()).isNotBlank();
        final ReceivedRequest fwdInvite = backend.awaitRequest(Request.INVITE, WAIT);
        assertForwardedBySiplb(fwdInvite);
        assertThat(fwdInvite.requestUri()).isEqualTo("sip:bob@example.com");
        assertThat(fwdInvite.recordRoutes()).containsExactly(siplbRecordRoute);
        assertThat(new String(fwdInvite.request().getRawContent())).isEqualTo("v=0\r\n");
        assertThat(invite.dialog().getState()).isEqualTo(DialogState.CONFIRMED);

        // The dialog's ACK: Route = siplb's Record-Route, Request-URI = the backend's Contact.
        invite.ack();
        final ReceivedRequest ack = backend.awaitRequest(Request.ACK, WAIT);
        assertForwardedBySiplb(ack);
        assertThat(ack.requestUri()).isEqualTo(backend.contactUri());
        assertThat(ack.callId()).isEqualTo(invite.callId());
        assertThat(ack.recordRoutes()).isEmpty();

        final Call bye = invite.bye();
        assertThat(bye.awaitFinal(WAIT).getStatusCode()).isEqualTo(Response.OK);
        assertThat(bye.statuses()).containsExactly(Response.OK);
        final ReceivedRequest fwdBye = backend.awaitRequest(Request.BYE, WAIT);
        assertForwardedBySiplb(fwdBye);
        assertThat(fwdBye.requestUri()).isEqualTo(backend.contactUri());
        assertThat(((CSeqHeader) fwdBye.request().getHeader(CSeqHeader.NAME)).getSeqNumber()).isEqualTo(2);

        assertThat(backend.received()).extracting(ReceivedRequest::method)
                                      .containsExactly(Request.INVITE, Request.ACK, Request.BYE);
        assertThat(other(backend).pollRequest(Request.INVITE, QUIET)).isNull();
        assertThat(other(backend).received()).isEmpty();
        assertThat(server.stats().requestsForwarded()).isEqualTo(3);
    }

    @Test
    void registerAndOptionsAreAnswered200ByOneBackend() {
        final Call register = uac.send(Request.REGISTER, siplb, o -> o.header("Expires", "3600"));
        assertThat(register.awaitFinal(WAIT).getStatusCode()).isEqualTo(Response.OK);
        final Call options = uac.send(Request.OPTIONS, siplb);
        assertThat(options.awaitFinal(WAIT).getStatusCode()).isEqualTo(Response.OK);
        assertThat(register.statuses()).containsExactly(Response.OK);
        assertThat(options.statuses()).containsExactly(Response.OK);

        for (Call call : List.of(register, options)) {
            final int at1 = uas1.count(call.method(), call.callId());
            final int at2 = uas2.count(call.method(), call.callId());
            assertThat(at1 + at2).as("%s at the backends", call.method()).isEqualTo(1);
            final ReceivedRequest r = (at1 == 1 ? uas1 : uas2).received(call.method()).get(0);
            assertForwardedBySiplb(r);
            assertThat(r.recordRoutes()).as("Record-Route of %s", r.method()).isEmpty();
        }
        assertThat(uas1.received(Request.REGISTER).size() + uas2.received(Request.REGISTER).size()).isEqualTo(1);
        assertThat(uas1.received(Request.REGISTER).isEmpty() ? uas2.received(Request.REGISTER).get(0).requestUri()
                                                             : uas1.received(Request.REGISTER).get(0).requestUri())
                .isEqualTo("sip:example.com");
    }

    @Test
    void aBackendAnswering486GivesTheCaller486() {
        uas1.mode(Mode.answerWith(Response.BUSY_HERE));
        uas2.mode(Mode.answerWith(Response.BUSY_HERE));
        final Call invite = uac.invite(siplb);
        final Response busy = invite.awaitFinal(WAIT);
        assertThat(busy.getStatusCode()).isEqualTo(Response.BUSY_HERE);
        assertThat(invite.statuses()).doesNotContain(Response.RINGING, Response.OK);
        final JainSipAgent backend = backendOf(invite.callId());
        assertForwardedBySiplb(backend.awaitRequest(Request.INVITE, WAIT));
        // The UAC's stack ACKs the 486 hop by hop; siplb forwards it to the INVITE's backend, whose INVITE server
        // transaction absorbs it (so it is not recorded): only one INVITE, no retransmitted 486 pending.
        assertThat(backend.pollRequest(Request.INVITE, QUIET)).isNull();
        assertThat(other(backend).received()).isEmpty();
    }

    @Test
    void aCancelledCallGets200ForTheCancelAnd487ForTheInviteFromTheSameBackend() {
        uas1.mode(Mode.answerAfter(Duration.ofSeconds(30)));
        uas2.mode(Mode.answerAfter(Duration.ofSeconds(30)));
        final Call invite = uac.invite(siplb);
        invite.awaitStatus(Response.RINGING, WAIT);
        final Call cancel = invite.cancel();
        assertThat(cancel.awaitFinal(WAIT).getStatusCode()).isEqualTo(Response.OK);
        assertThat(invite.awaitFinal(WAIT).getStatusCode()).isEqualTo(Response.REQUEST_TERMINATED);

        final JainSipAgent backend = backendOf(invite.callId());
        final ReceivedRequest fwdInvite = backend.awaitRequest(Request.INVITE, WAIT);
        final ReceivedRequest fwdCancel = backend.awaitRequest(Request.CANCEL, WAIT);
        assertForwardedBySiplb(fwdCancel);
        // RFC 3261 §16.11: the CANCEL carries the branch of the INVITE it cancels.
        assertThat(fwdCancel.vias().get(0)).isEqualTo(fwdInvite.vias().get(0));
        assertThat(other(backend).received()).isEmpty();
    }

    @Test
    void aSilentBackendLeavesTheUacRetransmittingThroughSiplb() {
        uas1.mode(Mode.NEVER_ANSWER);
        uas2.mode(Mode.NEVER_ANSWER);
        final Call options = uac.send(Request.OPTIONS, siplb);
        final Call invite = uac.invite(siplb);
        // Timers E and A: the UAC's stack retransmits after 500 ms; siplb forwards every copy to the same backend.
        for (Call call : List.of(options, invite)) {
            final long deadline = System.nanoTime() + WAIT.toNanos();
            while (uas1.count(call.method(), call.callId()) + uas2.count(call.method(), call.callId()) < 2 &&
                   System.nanoTime() < deadline) {
                Thread.onSpinWait();
            }
            final int at1 = uas1.count(call.method(), call.callId());
            final int at2 = uas2.count(call.method(), call.callId());
            assertThat(at1 + at2).as("copies of the %s", call.method()).isGreaterThanOrEqualTo(2);
            assertThat(at1 == 0 || at2 == 0).as("all copies at one backend: %d and %d", at1, at2).isTrue();
        }
        // Not even a 100 Trying: the silent backend has no INVITE server transaction.
        assertThat(options.statuses()).isEmpty();
        assertThat(invite.statuses()).isEmpty();
    }
}
