package io.siplb.dispatch.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.typesafe.config.ConfigFactory;

import io.siplb.dispatch.Destination;
import io.siplb.dispatch.Dispatcher;
import io.siplb.dispatch.DispatcherSettings;
import io.siplb.dispatch.state.CallLoadConfig;
import io.siplb.dispatch.state.CallLoadTable;
import io.siplb.dispatch.state.DestinationState;
import io.siplb.dispatch.state.HealthState;
import io.siplb.dispatch.state.StateConfig;

/** {@code siplb.dispatcher.state}: the runtime-state and call-load settings, their defaults and their errors. */
class StateSettingsLoaderTest {

    private static final String STATE_KEYS = "latency-alpha, history-size, call-load";

    @TempDir
    Path dir;

    private Path conf(String text) throws IOException {
        final Path p = dir.resolve("siplb.conf");
        Files.write(p, text.getBytes(StandardCharsets.UTF_8));
        return p;
    }

    private static String message(Path conf) {
        try {
            DispatcherConfigLoader.load(conf);
        } catch (DispatchConfigException e) {
            return e.getMessage();
        }
        throw new AssertionError("expected a DispatchConfigException");
    }

    @Test
    void readsEveryKey() throws IOException {
        final Path conf = conf("siplb.dispatcher {\n"
                               + "  sets = [ { id = 1, destinations = [ \"sip:127.0.0.1:5060\" ] } ]\n"
                               + "  probing { failure-threshold = 3, success-threshold = 2 }\n"
                               + "  state {\n"
                               + "    latency-alpha = 0.25\n"
                               + "    history-size = 64\n"
                               + "    call-load { max-calls = 500, expire = 1h, init-expire = 30s }\n"
                               + "  }\n"
                               + "}\n");
        final DispatcherSettings s = DispatcherConfigLoader.load(conf);
        final StateConfig state = s.stateConfig();
        assertThat(state.probingThreshold()).isEqualTo(3);
        assertThat(state.inactiveThreshold()).isEqualTo(2);
        assertThat(state.latencyAlpha()).isEqualTo(0.25);
        assertThat(state.historySize()).isEqualTo(64);
        final CallLoadConfig callLoad = s.callLoadConfig();
        assertThat(callLoad.maxCalls()).isEqualTo(500);
        assertThat(callLoad.expire()).isEqualTo(Duration.ofHours(1));
        assertThat(callLoad.initExpire()).isEqualTo(Duration.ofSeconds(30));

        // The dispatcher's registry uses them: three failures before a destination goes down.
        final Dispatcher d = Dispatcher.create(s);
        assertThat(d.stateRegistry().config().probingThreshold()).isEqualTo(3);
        final Destination dest = d.snapshot().set(1).destinations().get(0);
        final DestinationState st = d.state(dest);
        assertThat(st.passiveFailure("timeout")).isEqualTo(HealthState.TRYING);
        assertThat(st.passiveFailure("timeout")).isEqualTo(HealthState.TRYING);
        assertThat(st.passiveFailure("timeout")).isEqualTo(HealthState.INACTIVE);

        // A call-load table built from them holds at most max-calls calls.
        final CallLoadTable table = CallLoadTable.builder().config(callLoad).build();
        assertThat(table.maxCalls()).isEqualTo(500);
    }

    @Test
    void absentKeysKeepTheDefaultsAndTheReferenceConfHasTheSame() throws IOException {
        final DispatcherSettings partial = DispatcherConfigLoader.load(conf(
                "siplb.dispatcher.state { history-size = 8, call-load.max-calls = 10 }\n"));
        assertThat(partial.stateConfig().historySize()).isEqualTo(8);
        assertThat(partial.stateConfig().probingThreshold()).isEqualTo(StateConfig.DEFAULT_PROBING_THRESHOLD);
        assertThat(partial.stateConfig().latencyAlpha()).isEqualTo(StateConfig.DEFAULT_LATENCY_ALPHA);
        assertThat(partial.callLoadConfig().maxCalls()).isEqualTo(10);
        assertThat(partial.callLoadConfig().expire()).isEqualTo(CallLoadTable.DEFAULT_EXPIRE);

        final DispatcherSettings none = DispatcherConfigLoader.load(conf("siplb.dispatcher.hash-mode = kamailio\n"));
        assertThat(none.stateConfig()).isSameAs(StateConfig.defaults());
        assertThat(none.callLoadConfig()).isSameAs(CallLoadConfig.defaults());

        final DispatcherSettings reference = DispatcherConfigLoader.load(ConfigFactory.defaultReference(), null);
        final StateConfig s = reference.stateConfig();
        assertThat(s.probingThreshold()).isEqualTo(StateConfig.DEFAULT_PROBING_THRESHOLD);
        assertThat(s.inactiveThreshold()).isEqualTo(StateConfig.DEFAULT_INACTIVE_THRESHOLD);
        assertThat(s.latencyAlpha()).isEqualTo(StateConfig.DEFAULT_LATENCY_ALPHA);
        assertThat(s.historySize()).isEqualTo(StateConfig.DEFAULT_HISTORY_SIZE);
        assertThat(reference.callLoadConfig().maxCalls()).isEqualTo(CallLoadTable.DEFAULT_MAX_CALLS);
        assertThat(reference.callLoadConfig().expire()).isEqualTo(CallLoadTable.DEFAULT_EXPIRE);
        assertThat(reference.callLoadConfig().initExpire()).isEqualTo(CallLoadTable.DEFAULT_INIT_EXPIRE);
    }

    @Test
    void everyBadValueNamesFileLineKeyAndExpectation() throws IOException {
        // Each value is on line 2 of the file.
        final String[][] thresholds = {
                {"failure-threshold = 0", "probing.failure-threshold: 0 (expected: an integer >= 1)"},
                {"failure-threshold = two", "probing.failure-threshold: \"two\" (expected: an integer >= 1)"},
                {"failure-threshold = 1.5", "probing.failure-threshold: 1.5 (expected: an integer >= 1)"},
                {"success-threshold = -1", "probing.success-threshold: -1 (expected: an integer >= 1)"},
                {"success-threshold = [1]", "probing.success-threshold: [1] (expected: an integer >= 1)"},
        };
        for (String[] c : thresholds) {
            final Path conf = conf("siplb.dispatcher.probing {\n  " + c[0] + "\n}\n");
            assertThat(message(conf)).as(c[0]).isEqualTo(conf + ":2: siplb.dispatcher." + c[1]);
        }
        final String[][] cases = {
                {"latency-alpha = 0", "state.latency-alpha: 0 (expected: a number > 0 and < 1)"},
                {"latency-alpha = 1", "state.latency-alpha: 1 (expected: a number > 0 and < 1)"},
                {"latency-alpha = fast", "state.latency-alpha: \"fast\" (expected: a number > 0 and < 1)"},
                {"history-size = 0", "state.history-size: 0 (expected: an integer from 1 to 1024)"},
                {"history-size = 1025", "state.history-size: 1025 (expected: an integer from 1 to 1024)"},
                {"call-load.max-calls = 0", "state.call-load.max-calls: 0 (expected: an integer >= 1)"},
                {"call-load.max-calls = 3000000000",
                 "state.call-load.max-calls: 3000000000 (expected: an integer >= 1)"},
                {"call-load.expire = 7200",
                 "state.call-load.expire: 7200 (expected: a duration > 0 with a unit, e.g. 7200s or 2h)"},
                {"call-load.expire = 0s",
                 "state.call-load.expire: \"0s\" (expected: a duration > 0 with a unit, e.g. 7200s or 2h)"},
                {"call-load.init-expire = soon",
                 "state.call-load.init-expire: \"soon\" (expected: a duration > 0 with a unit, e.g. 7200s or 2h)"},
                {"call-load = yes",
                 "state.call-load: \"yes\" (expected: an object with max-calls, expire, init-expire)"},
                {"call-load.expires = 1h",
                 "state.call-load.expires: unknown key (expected: one of max-calls, expire, init-expire)"},
                {"failure-treshold = 2", "state.failure-treshold: unknown key (expected: one of " + STATE_KEYS + ')'},
                {"failure-threshold = 2",
                 "state.failure-threshold: unknown key (expected: one of " + STATE_KEYS + ')'},
        };
        for (String[] c : cases) {
            final Path conf = conf("siplb.dispatcher.state {\n  " + c[0] + "\n}\n");
            assertThat(message(conf)).as(c[0]).isEqualTo(conf + ":2: siplb.dispatcher." + c[1]);
        }
        final Path conf = conf("siplb.dispatcher {\n  state = 5\n}\n");
        assertThat(message(conf)).isEqualTo(conf + ":2: siplb.dispatcher.state: 5 (expected: an object with "
                                            + STATE_KEYS + ')');
    }
}
