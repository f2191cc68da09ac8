package io.siplb.proxy.lifecycle;

import static io.siplb.proxy.testing.SipText.header;
import static io.siplb.proxy.testing.SipText.response;
import static io.siplb.proxy.testing.SipText.status;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.siplb.dispatch.Destination;
import io.siplb.dispatch.config.DispatcherConfigLoader;
import io.siplb.dispatch.state.DestinationState;
import io.siplb.dispatch.state.HealthState;
import io.siplb.dispatch.state.HealthTransition;
import io.siplb.dispatch.state.TransitionCause;
import io.siplb.proxy.config.SiplbConfig;
import io.siplb.proxy.config.SiplbConfigException;
import io.siplb.proxy.testing.SipPeer;
import io.siplb.proxy.testing.TestServers;

/**
 * Keepalive probing ({@code siplb.dispatcher.probing}) with real UDP backends on loopback: thresholds, traffic moving
 * off a destination that stops answering and back when it answers again, modes, flags, reply codes, per-destination
 * attributes, a destination added by a reload, and the configuration errors.
 */
class ProbingTest {

    private static final long WAIT_NANOS = 5_000_000_000L;

    @TempDir
    Path dir;

    private SiplbServer server;
    private SipPeer uac;
    private final List<Backend> backends = new ArrayList<>();

    /** A UDP backend answering probes and MESSAGEs from its own thread while {@link #answering}. Thread-safe. */
    private static final class Backend implements AutoCloseable {
        final SipPeer peer = SipPeer.bind();
        final List<String> probes = new CopyOnWriteArrayList<>();
        final AtomicInteger messages = new AtomicInteger();
        volatile boolean answering = true;
        volatile int probeStatus = 200;
        private volatile boolean closed;
        private final Thread thread = new Thread(this::run, "probing-test-backend");

        Backend() {
            thread.setDaemon(true);
            thread.start();
        }

        private void run() {
            while (!closed) {
                final String m;
                try {
                    m = peer.receive(50);
                } catch (RuntimeException e) {
                    return; // closed
                }
                if (m == null || m.startsWith("SIP/2.0")) {
                    continue;
                }
                if (m.startsWith("MESSAGE ")) {
                    messages.incrementAndGet();
                    if (answering) {
                        peer.send(response(m, 200, "OK", "b"), peer.lastSender());
                    }
                    continue;
                }
                probes.add(m);
                if (answering) {
                    peer.send(response(m, probeStatus, probeStatus == 200 ? "OK" : "Not Found", "p"),
                              peer.lastSender());
                }
            }
        }

        int port() {
            return peer.port();
        }

        @Override
        public void close() throws InterruptedException {
            closed = true;
            thread.join(2000);
            peer.close();
        }
    }

    @AfterEach
    void stop() throws InterruptedException {
        if (server != null) {
            server.close();
        }
        if (uac != null) {
            uac.close();
        }
        for (Backend b : backends) {
            b.close();
        }
    }

    private Backend backend() {
        final Backend b = new Backend();
        backends.add(b);
        return b;
    }

    private void start(String probing, String destinations) {
        uac = SipPeer.bind();
        server = TestServers.start(dir, TestServers.statefulConfig(
                "siplb.dispatcher.probing { " + probing + " }\n" +
                "siplb.dispatcher.sets = [ { id = 1, algorithm = round-robin, destinations = [" + destinations +
                "] } ]"));
    }

    private DestinationState state(Backend b) {
        for (Destination d : server.proxy().dispatcher().snapshot().set(1).destinations()) {
            if (d.address().getPort() == b.port()) {
                return server.proxy().dispatcher().state(d);
            }
        }
        throw new AssertionError("no destination on port " + b.port());
    }

    private static boolean await(BooleanSupplier condition) throws InterruptedException {
        final long deadline = System.nanoTime() + WAIT_NANOS;
        while (!condition.getAsBoolean() && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        return condition.getAsBoolean();
    }

    /** Sends {@code n} MESSAGEs through siplb, each answered 200 at the UAC. */
    private void messages(int n, String tag) {
        for (int i = 0; i < n; i++) {
            final String callId = tag + "-" + i + "@uac";
            uac.send("MESSAGE sip:bob@example.com SIP/2.0\r\n" +
                     "Via: SIP/2.0/UDP 127.0.0.1:" + uac.port() + ";branch=z9hG4bK-" + tag + "-" + i + ";rport\r\n" +
                     "Max-Forwards: 70\r\n" +
                     "From: <sip:alice@example.com>;tag=a1\r\n" +
                     "To: <sip:bob@example.com>\r\n" +
                     "Call-ID: " + callId + "\r\n" +
                     "CSeq: 1 MESSAGE\r\n" +
                     "Content-Length: 0\r\n\r\n", TestServers.address(server));
            String r;
            do {
                r = uac.receive(3000);
            } while (r != null && status(r) < 200);
            assertThat(r).as("final response to MESSAGE " + i).isNotNull();
            assertThat(status(r)).isEqualTo(200);
            assertThat(header(r, "Call-ID")).isEqualTo(callId);
        }
    }

    @Test
    void aBackendThatStopsAnsweringLeavesRotationAtTheFailureThresholdAndComesBackAtTheSuccessThreshold()
            throws InterruptedException {
        final Backend a = backend();
        final Backend b = backend();
        start("interval = 200ms, timeout = 150ms, failure-threshold = 3, success-threshold = 2",
              "\"sip:127.0.0.1:" + a.port() + "\", \"sip:127.0.0.1:" + b.port() + "\"");

        // mode = all (the default): healthy destinations are probed too, every interval.
        assertThat(await(() -> a.probes.size() >= 3 && b.probes.size() >= 3)).as("probes of both").isTrue();
        final String probe = a.probes.get(0);
        assertThat(probe).startsWith("OPTIONS sip:127.0.0.1:" + a.port() + " SIP/2.0\r\n");
        assertThat(header(probe, "Via")).startsWith("SIP/2.0/UDP ").contains(";branch=z9hG4bK");
        assertThat(header(probe, "From")).startsWith("<sip:siplb@localhost>;tag=");
        assertThat(header(probe, "Max-Forwards")).isEqualTo("70");
        assertThat(header(probe, "CSeq")).isEqualTo("1 OPTIONS");
        assertThat(state(a).health()).isEqualTo(HealthState.ACTIVE);
        // Answered probes: their round-trip times are recorded, no probe timed out.
        assertThat(state(a).counters().probeRtt().count()).isPositive();
        assertThat(state(a).counters().probeRtt().sumSeconds()).isPositive();
        assertThat(state(a).counters().probeTimeouts()).isZero();
        assertThat(state(a).latency().snapshot().count()).isPositive();

        // A stops answering: three unanswered probes in a row take it out of rotation.
        a.answering = false;
        final int before = a.probes.size();
        assertThat(await(() -> !state(a).health().acceptsNewCalls())).as("A out of rotation").isTrue();
        assertThat(a.probes.size() - before).as("unanswered probes before A went down").isGreaterThanOrEqualTo(3);
        final HealthTransition down = state(a).lastTransition();
        assertThat(down.from()).isEqualTo(HealthState.TRYING);
        assertThat(down.to()).isEqualTo(HealthState.PROBING);
        assertThat(down.cause()).isEqualTo(TransitionCause.PROBE_FAILURE);
        assertThat(down.reason()).isEqualTo("probe timeout");
        assertThat(state(a).counters().probeTimeouts()).isGreaterThanOrEqualTo(3);
        assertThat(state(b).health()).isEqualTo(HealthState.ACTIVE);

        // Traffic moves off it: every request goes to B.
        final int aMessages = a.messages.get();
        final int bMessages = b.messages.get();
        messages(10, "off");
        assertThat(a.messages.get() - aMessages).isZero();
        assertThat(b.messages.get() - bMessages).isEqualTo(10);

        // A answers again: two answered probes bring it back, and it takes traffic again.
        a.answering = true;
        final int resumed = a.probes.size();
        assertThat(await(() -> state(a).isActive())).as("A back in rotation").isTrue();
        assertThat(a.probes.size() - resumed).as("answered probes before A came back").isGreaterThanOrEqualTo(2);
        assertThat(state(a).lastTransition().cause()).isEqualTo(TransitionCause.PROBE_SUCCESS);
        final int aBack = a.messages.get();
        messages(10, "back");
        assertThat(a.messages.get() - aBack).isEqualTo(5);
        // active -> trying -> probing -> active, each logged once
        assertThat(await(() -> server.proxy().healthLog().transitions() == 3)).isTrue();
    }

    @Test
    void modeInactiveProbesOnlyDestinationsOutOfRotationNeverDisabledOrNoPingOnesWithTheirOwnAttributes()
            throws InterruptedException {
        final Backend active = backend();
        final Backend disabled = backend();
        final Backend noPing = backend();
        final Backend inactive = backend();
        inactive.probeStatus = 404;
        start("interval = 200ms, timeout = 150ms, mode = inactive, success-threshold = 1",
              "\"sip:127.0.0.1:" + active.port() + "\", " +
              "{ uri = \"sip:127.0.0.1:" + disabled.port() + "\", flags = 4 }, " +
              "{ uri = \"sip:127.0.0.1:" + noPing.port() + "\", flags = 33 }, " +
              "{ uri = \"sip:127.0.0.1:" + inactive.port() + "\", flags = 1, " +
              "attrs = \"ping_method=INFO;ping_from=sip:hc@siplb.test;ping_reply_codes=class=2,code=404\" }");
        assertThat(state(noPing).health()).isEqualTo(HealthState.INACTIVE);

        // The inactive destination is probed at once with its own method and From; its 404 counts as success for
        // it (it may be back before this line runs: the transition says where it came from).
        assertThat(await(() -> state(inactive).isActive())).as("inactive destination back").isTrue();
        assertThat(state(inactive).lastTransition().from()).isEqualTo(HealthState.INACTIVE);
        assertThat(state(inactive).lastTransition().cause()).isEqualTo(TransitionCause.PROBE_SUCCESS);
        final String probe = inactive.probes.get(0);
        assertThat(probe).startsWith("INFO sip:127.0.0.1:" + inactive.port() + " SIP/2.0\r\n");
        assertThat(header(probe, "From")).startsWith("<sip:hc@siplb.test>;tag=");
        assertThat(header(probe, "CSeq")).isEqualTo("1 INFO");
        // Over several intervals, nothing else was probed: active (mode inactive), disabled, no-ping.
        Thread.sleep(1000);
        assertThat(active.probes).isEmpty();
        assertThat(disabled.probes).isEmpty();
        assertThat(noPing.probes).isEmpty();
        assertThat(state(noPing).health()).isEqualTo(HealthState.INACTIVE);
        assertThat(state(disabled).health()).isEqualTo(HealthState.DISABLED);
    }

    @Test
    void aReplyCodeTheSettingsDoNotAcceptIsAFailure() throws InterruptedException {
        final Backend a = backend();
        final Backend b = backend();
        a.probeStatus = 404;
        start("interval = 200ms, timeout = 150ms, failure-threshold = 1",
              "\"sip:127.0.0.1:" + a.port() + "\", \"sip:127.0.0.1:" + b.port() + "\"");
        assertThat(await(() -> !state(a).health().acceptsNewCalls())).as("A out of rotation").isTrue();
        assertThat(state(a).lastTransition().reason()).isEqualTo("probe answered 404");
        assertThat(await(() -> !b.probes.isEmpty())).as("probe of B").isTrue();
        assertThat(state(b).health()).isEqualTo(HealthState.ACTIVE);
    }

    @Test
    void aDestinationAddedByAReloadIsProbedAtOnce() throws Exception {
        final Backend a = backend();
        final Backend added = backend();
        // A five-minute interval: the first probe of a destination present at start-up comes at a random moment of
        // it; one added later comes at once.
        start("interval = 5m, timeout = 1s", "\"sip:127.0.0.1:" + a.port() + "\"");
        final Path list = dir.resolve("reload.conf");
        Files.writeString(list, "siplb.dispatcher.sets = [ { id = 1, algorithm = round-robin, destinations = [" +
                                "\"sip:127.0.0.1:" + a.port() + "\", \"sip:127.0.0.1:" + added.port() + "\"] } ]\n",
                          StandardCharsets.UTF_8);
        server.proxy().dispatcher().reload(DispatcherConfigLoader.load(list));
        assertThat(await(() -> !added.probes.isEmpty())).as("probe of the added destination").isTrue();
        assertThat(added.probes.get(0)).startsWith("OPTIONS sip:127.0.0.1:" + added.port() + " SIP/2.0\r\n");
    }

    @Test
    void probingCanBeTurnedOffAtRunTime() throws InterruptedException {
        final Backend a = backend();
        start("interval = 200ms, timeout = 150ms", "\"sip:127.0.0.1:" + a.port() + "\"");
        assertThat(await(() -> !a.probes.isEmpty())).isTrue();
        server.proxy().probingEnabled(false);
        Thread.sleep(400); // a probe in flight may still arrive
        final int off = a.probes.size();
        Thread.sleep(1000);
        assertThat(a.probes).hasSize(off);
        server.proxy().probingEnabled(true);
        assertThat(await(() -> a.probes.size() > off)).isTrue();
    }

    @Test
    void badProbingSettingsNameFileLineAndExpectation() throws Exception {
        final Path conf = dir.resolve("siplb.conf");
        Files.writeString(conf, "siplb.dispatcher.sets = [ { id = 1, destinations = [\"sip:127.0.0.1:5090\"] } ]\n" +
                                "siplb.dispatcher.probing {\n  failure-threshold = 0\n}\n");
        assertThatThrownBy(() -> SiplbConfig.load(conf)).isInstanceOf(SiplbConfigException.class)
                .hasMessage(conf + ":3: siplb.dispatcher.probing.failure-threshold: 0 (expected: an integer >= 1)");
        Files.writeString(conf, "siplb.dispatcher.sets = [ { id = 1, destinations = [\"sip:127.0.0.1:5090\"] } ]\n" +
                                "siplb.dispatcher.probing {\n  treshold = 2\n}\n");
        assertThatThrownBy(() -> SiplbConfig.load(conf)).isInstanceOf(SiplbConfigException.class)
                .hasMessageContaining(conf + ":3: siplb.dispatcher.probing.treshold: unknown key (expected: one of")
                .hasMessageContaining("failure-threshold, success-threshold)");
        Files.writeString(conf, "siplb.dispatcher.sets = [ { id = 1, destinations = [ { uri = " +
                                "\"sip:127.0.0.1:5090\", attrs = \"ping_timeout=soon\" } ] } ]\n");
        assertThatThrownBy(() -> SiplbConfig.load(conf)).isInstanceOf(SiplbConfigException.class)
                .hasMessage(conf + ": siplb.dispatcher set 1 destination sip:127.0.0.1:5090: attribute " +
                            "ping_timeout: \"soon\" (expected: a duration, e.g. 500ms or 2s)");
        Files.writeString(conf, "siplb.dispatcher.sets = [ { id = 1, destinations = [ { uri = " +
                                "\"sip:127.0.0.1:5090\", attrs = \"ping_reply_codes=class=9\" } ] } ]\n");
        assertThatThrownBy(() -> SiplbConfig.load(conf)).isInstanceOf(SiplbConfigException.class)
                .hasMessageStartingWith(conf + ": siplb.dispatcher set 1 destination sip:127.0.0.1:5090: attribute " +
                                        "ping_reply_codes: \"class=9\" (expected: class=N and code=NNN");
    }
}
