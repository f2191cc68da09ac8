package io.siplb.loadtests.interop;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SippMessageLogTest {

    @TempDir
    Path tmp;

    /** uas_messages.log: a sipp 3.6.1 UAS -trace_shortmsg file of three calls (INVITE, 200, ACK, BYE, 200). */
    @Test
    void collectsTheCallIdsOfReceivedRequests() throws Exception {
        final Path log = SippStatisticsTest.resource("uas_messages.log");

        assertThat(SippMessageLog.receivedRequestCallIds(log, "INVITE"))
                .containsExactlyInAnyOrder("1-7434@127.0.0.1", "2-7434@127.0.0.1", "3-7434@127.0.0.1");
        assertThat(SippMessageLog.receivedRequestCallIds(log, "BYE")).hasSize(3);
        assertThat(SippMessageLog.receivedRequestCallIds(log, "OPTIONS")).isEmpty();
    }

    @Test
    void countsARetransmittedRequestOnceAndIgnoresSentMessages() throws Exception {
        final Path log = tmp.resolve("messages.log");
        Files.writeString(log,
                "2026-11-22\t06:53:49.828031\t1795330429.828031\tR\ta@h\tCSeq:1 INVITE\tINVITE sip:s@h SIP/2.0\n" +
                "2026-11-22\t06:53:50.328031\t1795330430.328031\tR\ta@h\tCSeq:1 INVITE\tINVITE sip:s@h SIP/2.0\n" +
                "2026-11-22\t06:53:50.428031\t1795330430.428031\tS\tb@h\tCSeq:1 INVITE\tINVITE sip:s@h SIP/2.0\n" +
                "2026-11-22\t06:53:50.528031\t1795330430.528031\tR\tc@h\tCSeq:1 INVITE\tSIP/2.0 200 OK\n");

        assertThat(SippMessageLog.receivedRequestCallIds(log, "INVITE")).containsExactly("a@h");
    }

    @Test
    void readsEachUacCallWithItsBackendAndWhetherItsByeWasAnswered() throws Exception {
        final Path log = tmp.resolve("uac.log");
        Files.writeString(log,
                "2026-11-22\t06:53:49.0\t100.5\tS\ta@h\tCSeq:1 INVITE\tINVITE sip:service@127.0.0.1:5060 SIP/2.0\n" +
                "2026-11-22\t06:53:49.0\t101.0\tS\ta@h\tCSeq:1 INVITE\tINVITE sip:service@127.0.0.1:5060 SIP/2.0\n" +
                "2026-11-22\t06:53:49.0\t101.1\tR\ta@h\tCSeq:1 INVITE\tSIP/2.0 200 OK\n" +
                "2026-11-22\t06:53:49.0\t101.1\tS\ta@h\tCSeq:1 ACK\tACK sip:127.0.0.1:7001;transport=UDP SIP/2.0\n" +
                "2026-11-22\t06:53:49.0\t101.2\tS\tb@h\tCSeq:1 INVITE\tINVITE sip:service@127.0.0.1:5060 SIP/2.0\n" +
                "2026-11-22\t06:53:49.0\t101.3\tS\ta@h\tCSeq:2 BYE\tBYE sip:127.0.0.1:7001;transport=UDP SIP/2.0\n" +
                "2026-11-22\t06:53:49.0\t101.4\tR\ta@h\tCSeq:2 BYE\tSIP/2.0 200 OK\n" +
                "2026-11-22\t06:53:49.0\t101.5\tR\tb@h\tCSeq:1 INVITE\tSIP/2.0 200 OK\n" +
                "2026-11-22\t06:53:49.0\t101.5\tS\tb@h\tCSeq:1 ACK\tACK sip:127.0.0.1:7002;transport=UDP SIP/2.0\n" +
                "2026-11-22\t06:53:49.0\t101.6\tS\tb@h\tCSeq:2 BYE\tBYE sip:127.0.0.1:7002;transport=UDP SIP/2.0\n" +
                "2026-11-22\t06:53:49.0\t102.1\tR\tb@h\tCSeq:2 BYE\tSIP/2.0 408 Request Timeout\n" +
                // sipp's own BYE after aborting the call on the 408: its 200 does not complete the call.
                "2026-11-22\t06:53:49.0\t102.1\tS\tb@h\tCSeq:3 BYE\tBYE sip:service@127.0.0.1:5060 SIP/2.0\n" +
                "2026-11-22\t06:53:49.0\t102.2\tR\tb@h\tCSeq:3 BYE\tSIP/2.0 200 OK\n");

        final var calls = SippMessageLog.uacCalls(log);

        assertThat(calls.keySet()).containsExactly("a@h", "b@h");
        assertThat(calls.get("a@h")).isEqualTo(new SippMessageLog.UacCall("a@h", 100.5,
                                                                           "sip:127.0.0.1:7001;transport=UDP", 101.4));
        assertThat(calls.get("a@h").completed()).isTrue();
        assertThat(calls.get("b@h").ackUri()).isEqualTo("sip:127.0.0.1:7002;transport=UDP");
        assertThat(calls.get("b@h").completed()).isFalse();
    }
}
