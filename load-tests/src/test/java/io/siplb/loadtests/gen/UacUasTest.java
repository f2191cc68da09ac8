package io.siplb.loadtests.gen;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The UAC against the UAS directly, on loopback: every transport completes its calls with no failure and the counts
 * add up; every call mode completes; each UAS mode shows up at the UAC as the failure (or latency) it should; the
 * schedule is open (calls start while earlier ones hang) and the concurrency cap is counted; a stopping UAS lets
 * the calls it answered end, answers no new one, then closes.
 */
class UacUasTest {

    @ParameterizedTest
    @EnumSource(LoadTransport.class)
    void everyTransportCompletesItsCallsAndTheCountsAddUp(LoadTransport transport) {
        final int calls = 60;
        try (Uas uas = LoadTesting.uas(transport, UasMode.ANSWER, "a")) {
            final UacResult r = Uac.run(LoadTesting.uac(uas.localAddress(), transport, calls, 100)
                                                   .sockets(2).hold(Duration.ofMillis(20)).build(), null);

            assertThat(r.attempted()).isEqualTo(calls);
            assertThat(r.completed()).isEqualTo(calls);
            assertThat(r.failed()).isZero();
            assertThat(r.unfinished()).isZero();
            assertThat(r.failures().values()).allMatch(n -> n == 0);
            assertThat(r.latency(Metric.INVITE_FIRST_RESPONSE).getTotalCount()).isEqualTo(calls);
            assertThat(r.latency(Metric.INVITE_OK).getTotalCount()).isEqualTo(calls);
            assertThat(r.latency(Metric.BYE_OK).getTotalCount()).isEqualTo(calls);
            assertThat(r.latency(Metric.SCHEDULE_LAG).getTotalCount()).isEqualTo(calls);
            assertThat(r.latency(Metric.REQUEST_FINAL).getTotalCount()).isZero();
            assertThat(r.steps()).hasSize(1);
            assertThat(r.steps().get(0).attempted()).isEqualTo(calls);
            assertThat(r.steps().get(0).completed()).isEqualTo(calls);
            assertThat(r.steps().get(0).latency().getTotalCount()).isEqualTo(calls);
            assertThat(r.backends()).isEqualTo(Map.of("siplb-load-uas a", (long) calls));
            assertThat(r.malformed()).isZero();
            assertThat(r.unexpectedMessages()).isZero();

            // The UAS got every INVITE (plus any retransmission), one matched ACK and one BYE per call.
            assertThat(uas.stats().requests("INVITE")).isEqualTo(calls + uas.stats().retransmissionsSeen());
            assertThat(uas.stats().acksMatched()).isEqualTo(calls);
            assertThat(uas.stats().requests("BYE")).isGreaterThanOrEqualTo(calls);
            assertThat(uas.stats().ackTimeouts()).isZero();
            if (transport.isStream()) {
                assertThat(r.retransmissionsSent()).isZero();
                assertThat(uas.stats().retransmissionsSent()).isZero();
            }
            // Every retransmitted 2xx the UAC saw was one the UAS sent.
            assertThat(r.retransmissionsSeen()).isLessThanOrEqualTo(uas.stats().retransmissionsSent());
        }
    }

    @ParameterizedTest
    @EnumSource(value = CallMode.class, names = { "OPTIONS", "MESSAGE", "REGISTER" })
    void everyTransactionModeCompletes(CallMode mode) {
        final int calls = 30;
        try (Uas uas = LoadTesting.uas(LoadTransport.UDP, UasMode.ANSWER, "t")) {
            final UacResult r = Uac.run(LoadTesting.uac(uas.localAddress(), LoadTransport.UDP, calls, 100)
                                                   .mode(mode).build(), null);

            assertThat(r.completed()).isEqualTo(calls);
            assertThat(r.failed()).isZero();
            assertThat(r.latency(Metric.REQUEST_FINAL).getTotalCount()).isEqualTo(calls);
            assertThat(r.latency(Metric.INVITE_OK).getTotalCount()).isZero();
            assertThat(r.latency(Metric.BYE_OK).getTotalCount()).isZero();
            assertThat(uas.stats().requests(mode.method())).isGreaterThanOrEqualTo(calls);
            assertThat(r.backends()).isEqualTo(Map.of("siplb-load-uas t", (long) calls));
        }
    }

    @Test
    void a503UasFailsEveryCallByCode503AndGetsItsAck() {
        final int calls = 20;
        try (Uas uas = LoadTesting.uas(LoadTransport.UDP, UasMode.REJECT_503, "r")) {
            final UacResult r = Uac.run(LoadTesting.uac(uas.localAddress(), LoadTransport.UDP, calls, 100).build(),
                                        null);

            assertThat(r.attempted()).isEqualTo(calls);
            assertThat(r.completed()).isZero();
            assertThat(r.failed()).isEqualTo(calls);
            assertThat(r.failures().get(FailureReason.STATUS)).isEqualTo(calls);
            assertThat(r.failedByStatus()).isEqualTo(Map.of(503, (long) calls));
            assertThat(r.latency(Metric.INVITE_FIRST_RESPONSE).getTotalCount()).isEqualTo(calls);
            assertThat(r.latency(Metric.INVITE_OK).getTotalCount()).isZero();
            // The INVITE transaction ACKs the 503 (RFC 3261 §17.1.1.3), which ends the UAS's retransmissions.
            assertThat(uas.stats().acksMatched()).isEqualTo(calls);
            assertThat(uas.stats().requests("BYE")).isZero();
        }
    }

    @Test
    void aSilentUasTimesEveryCallOutAfterRetransmittingTheInvite() {
        final int calls = 20;
        try (Uas uas = LoadTesting.uas(LoadTransport.UDP, UasMode.SILENT, "s")) {
            final UacResult r = Uac.run(LoadTesting.uac(uas.localAddress(), LoadTransport.UDP, calls, 50)
                                                   .timeout(Duration.ofMillis(1600)).build(), null);

            assertThat(r.attempted()).isEqualTo(calls);
            assertThat(r.failed()).isEqualTo(calls);
            assertThat(r.failures().get(FailureReason.TIMEOUT)).isEqualTo(calls);
            assertThat(r.failedByStatus()).isEmpty();
            // Timer A fires at T1 = 500 ms, well within the 1.6 s timeout, so each call was sent at least twice.
            assertThat(r.retransmissionsSent()).isGreaterThanOrEqualTo(calls);
            assertThat(uas.stats().requests("INVITE")).isEqualTo(calls + r.retransmissionsSent());
            assertThat(uas.stats().unanswered()).isEqualTo(uas.stats().requests("INVITE"));
        }
    }

    @Test
    void aDelayingUasCompletesEveryCallWithLatencyAboveTheDelay() {
        final int calls = 20;
        try (Uas uas = LoadTesting.uas(LoadTransport.UDP, UasMode.delay(Duration.ofMillis(200)), "d")) {
            final UacResult r = Uac.run(LoadTesting.uac(uas.localAddress(), LoadTransport.UDP, calls, 50).build(),
                                        null);

            assertThat(r.completed()).isEqualTo(calls);
            assertThat(r.failed()).isZero();
            // Measured from the scheduled start, each INVITE waited at least the UAS's delay (histogram buckets
            // are 0.1% wide: allow that much below 200 ms).
            assertThat(r.latency(Metric.INVITE_FIRST_RESPONSE).getMinValue()).isGreaterThanOrEqualTo(199_000);
            assertThat(r.latency(Metric.INVITE_OK).getMinValue()).isGreaterThanOrEqualTo(199_000);
            assertThat(r.latency(Metric.BYE_OK).getMinValue()).isGreaterThanOrEqualTo(199_000);
        }
    }

    @Test
    void aRingingUasSends180AtOnceAnd200AfterTheRingingTime() {
        final int calls = 20;
        try (Uas uas = LoadTesting.uas(LoadTransport.UDP, UasMode.ring(Duration.ofSeconds(1)), "r")) {
            final UacResult r = Uac.run(LoadTesting.uac(uas.localAddress(), LoadTransport.UDP, calls, 50).build(),
                                        null);

            assertThat(r.completed()).isEqualTo(calls);
            assertThat(r.failed()).isZero();
            // The 200 comes no earlier than 1 s after the INVITE was due (buckets 0.1% wide); the 180 at once, so
            // the first response comes well before the 200 (with delay=1s both would come together).
            final long ok = r.latency(Metric.INVITE_OK).getValueAtPercentile(50);
            assertThat(r.latency(Metric.INVITE_OK).getMinValue()).isGreaterThanOrEqualTo(999_000);
            assertThat(r.latency(Metric.INVITE_FIRST_RESPONSE).getValueAtPercentile(50)).isLessThan(ok - 500_000);
        }
    }

    @Test
    void theScheduleIsOpenCallsStartWhileEarlierOnesHang() {
        // 50 calls due over 1 s against a UAS that never answers, each waiting 3 s: all start on schedule, none
        // waits for an earlier one, so all 50 are in flight at once.
        final int calls = 50;
        try (Uas uas = LoadTesting.uas(LoadTransport.UDP, UasMode.SILENT, "s")) {
            final UacResult r = Uac.run(LoadTesting.uac(uas.localAddress(), LoadTransport.UDP, calls, 50)
                                                   .timeout(Duration.ofSeconds(3)).build(), null);

            assertThat(r.attempted()).isEqualTo(calls);
            assertThat(r.latency(Metric.SCHEDULE_LAG).getTotalCount()).isEqualTo(calls);
            assertThat(r.peakInFlight()).isEqualTo(calls);
            assertThat(r.failures().get(FailureReason.TIMEOUT)).isEqualTo(calls);
        }
    }

    @Test
    void callsDueBeyondTheConcurrencyCapFailAsMaxConcurrent() {
        final int calls = 50;
        try (Uas uas = LoadTesting.uas(LoadTransport.UDP, UasMode.SILENT, "s")) {
            final UacResult r = Uac.run(LoadTesting.uac(uas.localAddress(), LoadTransport.UDP, calls, 50)
                                                   .timeout(Duration.ofSeconds(3)).maxConcurrent(20).build(), null);

            assertThat(r.attempted()).isEqualTo(calls);
            assertThat(r.peakInFlight()).isEqualTo(20);
            assertThat(r.failures().get(FailureReason.TIMEOUT)).isEqualTo(20);
            assertThat(r.failures().get(FailureReason.MAX_CONCURRENT)).isEqualTo(calls - 20);
            assertThat(uas.stats().requests("INVITE") - r.retransmissionsSent()).isEqualTo(20);
        }
    }

    @Test
    void callsSpreadOverSeveralUasAreCountedPerBackend() {
        try (Uas a = LoadTesting.uas(LoadTransport.UDP, UasMode.ANSWER, "a");
             Uas b = LoadTesting.uas(LoadTransport.UDP, UasMode.ANSWER, "b")) {
            final UacResult ra = Uac.run(LoadTesting.uac(a.localAddress(), LoadTransport.UDP, 10, 100).build(), null);
            final UacResult rb = Uac.run(LoadTesting.uac(b.localAddress(), LoadTransport.UDP, 5, 100).build(), null);

            assertThat(ra.backends()).isEqualTo(Map.of("siplb-load-uas a", 10L));
            assertThat(rb.backends()).isEqualTo(Map.of("siplb-load-uas b", 5L));
        }
    }

    @Test
    void aStoppingUasLetsTheCallsItAnsweredEndAndAnswersNoNewOneThenCloses() throws Exception {
        try (Uas uas = LoadTesting.uas(LoadTransport.UDP, UasMode.ANSWER, "a")) {
            // Five calls answered and in their hold time when the stop begins.
            final Uac up = Uac.create(LoadTesting.uac(uas.localAddress(), LoadTransport.UDP, 5, 50)
                                                 .hold(Duration.ofMillis(600)).build(), null);
            up.start();
            final long deadline = System.nanoTime() + 5_000_000_000L;
            while (uas.stats().acksMatched() < 5 && System.nanoTime() < deadline) {
                Thread.sleep(5);
            }
            assertThat(uas.stats().acksMatched()).isEqualTo(5);
            final Thread stopper = new Thread(() -> uas.stop(Duration.ofMillis(1500)), "uas-stop");
            stopper.start();
            while (!uas.isStopping() && System.nanoTime() < deadline) {
                Thread.sleep(1);
            }
            // A new call in the grace period gets no answer.
            final UacResult late = Uac.run(LoadTesting.uac(uas.localAddress(), LoadTransport.UDP, 2, 50)
                                                      .timeout(Duration.ofMillis(400)).build(), null);
            assertThat(late.failed()).isEqualTo(2);
            assertThat(late.failures().get(FailureReason.TIMEOUT)).isEqualTo(2);
            assertThat(uas.stats().unanswered()).isGreaterThanOrEqualTo(2);

            // The calls it had answered end normally: their BYEs are answered.
            final UacResult r = up.await();
            assertThat(r.completed()).isEqualTo(5);
            assertThat(r.failed()).isZero();
            stopper.join(5000);
            assertThat(stopper.isAlive()).isFalse();

            // Closed: a call now gets nothing either, and the UAS saw none of it.
            final long invites = uas.stats().requests("INVITE");
            final UacResult after = Uac.run(LoadTesting.uac(uas.localAddress(), LoadTransport.UDP, 1, 50)
                                                       .timeout(Duration.ofMillis(300)).build(), null);
            assertThat(after.failed()).isEqualTo(1);
            assertThat(uas.stats().requests("INVITE")).isEqualTo(invites);
        }
    }
}
