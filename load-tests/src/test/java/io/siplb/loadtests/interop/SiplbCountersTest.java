package io.siplb.loadtests.interop;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SiplbCountersTest {

    @TempDir
    Path tmp;

    @Test
    void readsTheLastCountersLineAndGivesZeroForCountersNotLogged() throws Exception {
        final Path log = tmp.resolve("siplb.out");
        Files.writeString(log, "2026-12-03T07:22:40.001Z INFO  [main] i.s.p.l.SiplbServer - Stopped. Counters: {}\n" +
                               "2026-12-03T07:22:45.980Z INFO  [siplb-shutdown] i.s.p.l.SiplbServer - Stopped. " +
                               "Counters: {local-responses.483=1, requests.forwarded=900, " +
                               "connections.tcp.inbound=300, connections.tcp.outbound=2}\n");

        final SiplbCounters counters = SiplbCounters.read(log);

        assertThat(counters.get("requests.forwarded")).isEqualTo(900);
        assertThat(counters.get("local-responses.483")).isEqualTo(1);
        assertThat(counters.get("connections.tcp.inbound")).isEqualTo(300);
        assertThat(counters.get("connections.tcp.outbound")).isEqualTo(2);
        assertThat(counters.get("connections.tls.outbound")).isZero();
    }

    @Test
    void aLogWithoutTheLineOrWithABadCounterIsAnError() throws Exception {
        final Path none = tmp.resolve("none.out");
        Files.writeString(none, "INFO Listening on udp:127.0.0.1:5060\n");
        final Path bad = tmp.resolve("bad.out");
        Files.writeString(bad, "Stopped. Counters: {requests.forwarded=many}\n");

        assertThatThrownBy(() -> SiplbCounters.read(none)).isInstanceOf(IOException.class)
                                                         .hasMessageContaining("no \"Stopped. Counters");
        assertThatThrownBy(() -> SiplbCounters.read(bad)).isInstanceOf(IOException.class)
                                                        .hasMessageContaining("requests.forwarded=many")
                                                        .hasMessageContaining("expected: NAME=INTEGER");
    }
}
