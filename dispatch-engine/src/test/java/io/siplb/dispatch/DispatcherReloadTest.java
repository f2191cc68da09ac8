package io.siplb.dispatch;

import static io.siplb.dispatch.TestSets.line;
import static io.siplb.dispatch.TestSets.settings;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.siplb.dispatch.config.DispatcherConfigLoader;
import io.siplb.dispatch.state.CallLoadTable;
import io.siplb.dispatch.state.DestinationState;
import io.siplb.dispatch.state.HealthState;

class DispatcherReloadTest {

    @TempDir
    Path dir;

    private static Destination byPort(Dispatcher d, int port) {
        return d.snapshot().set(1).destinations().stream().filter(x -> x.port() == port).findFirst().orElseThrow();
    }

    @Test
    void initialStateComesFromTheFlags() {
        final Dispatcher d = Dispatcher.create(settings(HashMode.CONSISTENT, Algorithm.ROUND_ROBIN,
                                                        line(5000), line(5001, 1, 0, ""), line(5002, 4, 0, ""),
                                                        line(5003, 2, 0, ""), line(5004, 9, 0, "latency=40")));
        assertThat(d.state(byPort(d, 5000)).health()).isEqualTo(HealthState.ACTIVE);
        assertThat(d.state(byPort(d, 5001)).health()).isEqualTo(HealthState.INACTIVE);
        assertThat(d.state(byPort(d, 5002)).health()).isEqualTo(HealthState.DISABLED);
        assertThat(d.state(byPort(d, 5003)).health()).isEqualTo(HealthState.TRYING);
        assertThat(d.state(byPort(d, 5004)).health()).isEqualTo(HealthState.PROBING);
        assertThat(d.state(byPort(d, 5004)).isProbed()).isTrue();
        assertThat(d.state(byPort(d, 5004)).latency().estimateMillis()).isEqualTo(40.0);
        assertThat(d.snapshot().activeDestinations(1)).extracting(Destination::port).containsExactly(5003, 5000);
    }

    @Test
    void healthTransitionsPublishANewSnapshot() {
        final Dispatcher d = Dispatcher.create(settings(HashMode.CONSISTENT, Algorithm.ROUND_ROBIN,
                                                        line(5000), line(5001)));
        final DispatchSnapshot before = d.snapshot();
        final DestinationState s = d.state(byPort(d, 5000));
        s.probeFailed("timeout");
        assertThat(d.snapshot()).isNotSameAs(before);
        assertThat(d.snapshot().version()).isGreaterThan(before.version());
        assertThat(d.snapshot().activeDestinations(1)).extracting(Destination::port).containsExactly(5001);
        // The old snapshot is unchanged: a request that read it still sees both.
        assertThat(before.activeDestinations(1)).hasSize(2);
        s.probeSucceeded("200");
        assertThat(d.snapshot().activeDestinations(1)).hasSize(2);
    }

    @Test
    void reloadKeepsTheStateOfDestinationsStillThere() throws IOException {
        final Path list = dir.resolve("dispatcher.list");
        final Path conf = dir.resolve("siplb.conf");
        Files.write(conf, "siplb.dispatcher.list-file = dispatcher.list\n".getBytes(StandardCharsets.UTF_8));
        Files.write(list, ("1 sip:127.0.0.1:5000\n1 sip:127.0.0.1:5001\n1 sip:127.0.0.1:5002 0 0 duid=c\n")
                .getBytes(StandardCharsets.UTF_8));
        final Dispatcher d = Dispatcher.create(DispatcherConfigLoader.load(conf));
        final CallLoadTable calls = CallLoadTable.builder().build();
        d.state(byPort(d, 5000)).mark(HealthState.INACTIVE, "failed");
        calls.add("call-a", d.state(byPort(d, 5001)));
        final DestinationState c = d.state(byPort(d, 5002));

        // 5000 stays, 5001 stays, 5002 moves to port 5012 but keeps its duid, 5003 is new.
        Files.write(list, ("1 sip:127.0.0.1:5000\n1 sip:127.0.0.1:5001\n1 sip:127.0.0.1:5012 0 0 duid=c\n"
                           + "1 sip:127.0.0.1:5003\n").getBytes(StandardCharsets.UTF_8));
        final Dispatcher.ReloadResult r = d.reload(() -> DispatcherConfigLoader.load(conf));
        assertThat(r.isSuccess()).isTrue();
        assertThat(r.message()).isEqualTo("Ok. Dispatcher successfully reloaded.");
        assertThat(d.state(byPort(d, 5000)).health()).isEqualTo(HealthState.INACTIVE);
        assertThat(d.state(byPort(d, 5001)).activeCalls()).isEqualTo(1);
        assertThat(d.state(byPort(d, 5012))).isSameAs(c);
        assertThat(d.state(byPort(d, 5003)).health()).isEqualTo(HealthState.ACTIVE);
        assertThat(d.snapshot().activeDestinations(1)).extracting(Destination::port)
                                                      .containsExactlyInAnyOrder(5001, 5012, 5003);

        // A state flag changed in the file is applied; a removed destination's state is dropped.
        Files.write(list, "1 sip:127.0.0.1:5000\n1 sip:127.0.0.1:5001 4\n".getBytes(StandardCharsets.UTF_8));
        assertThat(d.reload(() -> DispatcherConfigLoader.load(conf)).isSuccess()).isTrue();
        assertThat(d.state(byPort(d, 5001)).health()).isEqualTo(HealthState.DISABLED);
        assertThat(d.stateRegistry().size()).isEqualTo(2);
        assertThat(d.select(1, SelectionKey.NONE).status()).isEqualTo(Selection.Status.NO_ACTIVE_DESTINATION);
    }

    @Test
    void aBadFileKeepsTheOldSnapshotAndSaysWhy() throws IOException {
        final Path list = dir.resolve("dispatcher.list");
        final Path conf = dir.resolve("siplb.conf");
        Files.write(conf, "siplb.dispatcher.list-file = dispatcher.list\n".getBytes(StandardCharsets.UTF_8));
        Files.write(list, "1 sip:127.0.0.1:5000\n".getBytes(StandardCharsets.UTF_8));
        final Dispatcher d = Dispatcher.create(DispatcherConfigLoader.load(conf));
        final DispatchSnapshot good = d.snapshot();
        Files.write(list, "1 sip:127.0.0.1:5000\n1 sip:127.0.0.1:5001 0xZZ\n".getBytes(StandardCharsets.UTF_8));
        final Dispatcher.ReloadResult r = d.reload(() -> DispatcherConfigLoader.load(conf));
        assertThat(r.isSuccess()).isFalse();
        assertThat(r.message()).isEqualTo(list + ":2: flags \"0xZZ\" (expected: decimal or 0x-prefixed hex integer)");
        assertThat(d.snapshot()).isSameAs(good);
        assertThat(r.version()).isEqualTo(good.version());
        assertThat(d.select(1, SelectionKey.NONE).destination().port()).isEqualTo(5000);
    }

    @Test
    void aClosedDispatcherNoLongerFollowsTheRegistry() {
        final Dispatcher d = Dispatcher.create(settings(HashMode.CONSISTENT, Algorithm.ROUND_ROBIN,
                                                        line(5000), line(5001)));
        d.close();
        final DispatchSnapshot last = d.snapshot();
        d.state(byPort(d, 5000)).setAdminState(HealthState.DISABLED, "test");
        assertThat(d.snapshot()).isSameAs(last);
        assertThat(d.select(1, SelectionKey.NONE).isSelected()).isTrue();
    }

    @Test
    void roundRobinContinuesAcrossSwaps() {
        final Dispatcher d = Dispatcher.create(settings(HashMode.CONSISTENT, Algorithm.ROUND_ROBIN,
                                                        line(5000), line(5001)));
        final int first = d.select(1, SelectionKey.NONE).destination().port();
        d.refresh();
        assertThat(d.select(1, SelectionKey.NONE).destination().port()).isNotEqualTo(first);
    }
}
