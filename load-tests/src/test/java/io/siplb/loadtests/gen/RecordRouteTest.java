package io.siplb.loadtests.gen;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.Test;

/**
 * The UAC honours the route set (RFC 3261 §12.1.2, §12.2.1.1): with a 200 carrying Record-Route {@code x=2, x=1}
 * (two proxies), its ACK and BYE go to the first route (the relay, not the UAS's Contact) with Route headers
 * {@code x=1, x=2} (the Record-Route list reversed) and the UAS's Contact as Request-URI.
 */
class RecordRouteTest {

    @Test
    void ackAndByeFollowTheReversedRecordRouteToTheContact() throws Exception {
        final int calls = 10;
        try (Uas uas = LoadTesting.uas(LoadTransport.UDP, UasMode.ANSWER, "rr");
             RecordRoutingRelay relay = new RecordRoutingRelay(uas.localAddress())) {
            final UacResult r = Uac.run(LoadTesting.uac(relay.address(), LoadTransport.UDP, calls, 20)
                                                   .hold(Duration.ofMillis(10)).build(), null);

            assertThat(r.completed()).isEqualTo(calls);
            assertThat(r.failed()).isZero();
            final String contact = "sip:uas@127.0.0.1:" + uas.localAddress().getPort();
            final List<RecordRoutingRelay.Seen> seen = relay.seen();
            assertThat(seen.stream().filter(s -> s.method.equals("ACK")).count()).isGreaterThanOrEqualTo(calls);
            assertThat(seen.stream().filter(s -> s.method.equals("BYE")).count()).isGreaterThanOrEqualTo(calls);
            for (RecordRoutingRelay.Seen s : seen) {
                assertThat(s.method).isIn("ACK", "BYE");
                assertThat(s.requestUri).isEqualTo(contact);
                assertThat(s.routes).containsExactly(relay.route(1), relay.route(2));
            }
            assertThat(uas.stats().acksMatched()).isEqualTo(calls);
        }
    }
}
