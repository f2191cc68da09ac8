package io.siplb.loadtests.interop;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;
import static org.assertj.core.api.Assertions.within;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * sipp interop suite: a sipp UAC calls through siplb to sipp UAS backends on loopback, over UDP, and over TCP on
 * either side.
 *
 * <p>Run it (after {@code mvn -o -pl sip-codec,dispatch-engine,proxy install -DskipTests}, or with {@code -am}):
 * <pre>{@code
 * mvn -B -pl load-tests -Pinterop verify    (from the repository root)
 * }</pre>
 *
 * <p>Each test starts, as child processes on free loopback ports, each stopped by its own pid when the test ends
 * (also on failure, with bounded waits):
 * <ol>
 *   <li>sipp UAS backends: {@code sipp/uas.xml} (answer INVITE with a 200 OK that copies the INVITE's
 *       Record-Route, then answer the BYE) or {@code sipp/uas_503.xml} (answer every INVITE 503 and wait for the
 *       ACK); a "closed" destination is a free port where nothing listens;</li>
 *   <li>siplb, a separate JVM started from the shaded jar ({@code proxy/target/siplb.jar}, or
 *       {@code -Dsiplb.jar}) with a generated configuration: UDP listener (and a TCP listener on the same port when
 *       a side uses TCP), record-route, the test's mode (stateful, siplb's default), algorithm, fr-timeout, and the
 *       backends as set 1 (Kamailio-format list file; {@code ;transport=tcp} on TCP backends, which sipp serves
 *       with {@code -t t1});</li>
 *   <li>one sipp UAC ({@code sipp/uac.xml}) with a bounded call count and rate; the 200 OK is received with
 *       {@code rrs="true"} and must carry a loose-routing Record-Route; ACK and BYE go to {@code [next_url]} with
 *       {@code [routes]}, back through siplb (over the call's own connection with TCP).</li>
 * </ol>
 * When the calls are done the backends are told to quit (SIGUSR1) and siplb is stopped with SIGTERM, after which it
 * logs its counters ({@link SiplbCounters}: messages forwarded, connections opened per transport and direction).
 *
 * <p>The tests: hash-call-id, round-robin, weighted (weights 1 and 3) and call-load through a stateful siplb, every
 * call successful and both backends taking calls in the expected shares; failover, with a 503 backend and a closed
 * port before one healthy backend, still without a failed call; and a backend killed halfway through a run, after
 * which every new call completes and only calls whose dialog was already on the killed backend may fail.
 * Over TCP ({@value #DEFAULT_STREAM_CALLS} calls at {@value #DEFAULT_STREAM_RATE} calls/s each, round-robin): the UAC
 * with {@code -t t1} (one connection for every call) and with {@code -t tn} (one connection per call) to siplb's
 * {@code tcp:} listener, to two UDP backends and to two TCP backends; every call succeeds, both backends take
 * calls, the backends see siplb's Via of their transport above the UAC's TCP Via, and siplb's counters show one
 * inbound connection (t1) or one per call (tn) and one outbound connection per TCP backend, reused by every call. sipp's
 * statistics, message logs and screens, siplb's log and configuration are kept in
 * {@code load-tests/target/interop/<test>/}; a failure prints where.
 *
 * <p>A missing sipp is a failure, not a skip: install Debian's {@code sip-tester} package.
 */
class SippInteropIT {

    static final int DEFAULT_CALLS = 2000;
    static final int DEFAULT_RATE = 200;
    /** Calls and rate of each TCP run ({@code -Dinterop.stream-calls}, {@code -Dinterop.stream-rate}). */
    static final int DEFAULT_STREAM_CALLS = 300;
    static final int DEFAULT_STREAM_RATE = 100;

    /** Each backend must receive at least this share of the calls (hash, round-robin, call-load). */
    private static final double MIN_BACKEND_SHARE = 0.20;
    /** How far the weighted shares may be from the weights' shares. */
    private static final double WEIGHT_SHARE_TOLERANCE = 0.05;
    /** fr-timeout of the failover tests: a destination that does not answer is left after this long. Not shorter: on a
     * loaded 2-core machine a healthy sipp backend answered late (about 580 ms) once, and that one timeout marks
     * the only healthy destination down for good (passive health signal, no prober), failing every later call. */
    private static final String SHORT_FR_TIMEOUT = "1s";
    /** How long siplb gets to answer its first probe. */
    private static final Duration SIPLB_STARTUP_TIMEOUT = Duration.ofSeconds(30);
    /** How long siplb gets to stop after SIGTERM (its shutdown.timeout is 3 s). */
    private static final Duration SIPLB_STOP_TIMEOUT = Duration.ofSeconds(15);
    /** How long a UAS gets to write its final statistics after SIGUSR1 (sipp's graceful quit). */
    private static final Duration UAS_QUIT_TIMEOUT = Duration.ofSeconds(15);
    /** sipp's own limit on the UAS lifetime, in case the suite cannot stop it. */
    private static final Duration UAS_MAX_LIFETIME = Duration.ofMinutes(5);
    /** Extra time the UAC gets on top of calls / rate, for its own {@code -timeout}. */
    private static final Duration UAC_SLACK = Duration.ofSeconds(50);

    /** sipp's {@code -max_socket} with {@code -t tn}: far above the calls open at once, below the open-file limit. */
    private static final int UAC_MAX_SOCKETS = 1000;

    private final List<ChildProcess> started = new ArrayList<>();

    /**
     * What a test does while the UAC runs (after the UAC started, before waiting for it to end), e.g. reloading
     * siplb's configuration; {@code extraConfig} of {@link #run(Setup, String, MidRun)} is in siplb's file.
     */
    @FunctionalInterface
    interface MidRun {
        /**
         * @param uac the running sipp UAC
         * @param siplb the running siplb
         * @param dir the run's directory, with {@code siplb.conf} and {@code dispatcher.list}
         * @param ports the port of each backend by name
         */
        void during(ChildProcess uac, ChildProcess siplb, Path dir, Map<String, Integer> ports) throws Exception;
    }

    @AfterEach
    void stopEverythingStarted() throws InterruptedException {
        // Reverse order: the caller first, siplb, then the backends. Each close is bounded (SIGTERM, then SIGKILL).
        for (int i = started.size() - 1; i >= 0; i--) {
            started.get(i).close();
        }
        started.clear();
    }

    /** A backend of set 1: a sipp UAS running {@code scenario}, or, with {@code scenario == null}, a closed port. */
    record Backend(String name, String scenario, String attrs) {
        static Backend uas(String name) {
            return new Backend(name, "sipp/uas.xml", "");
        }

        static Backend weighted(String name, int weight) {
            return new Backend(name, "sipp/uas.xml", "weight=" + weight);
        }

        static Backend answering503(String name) {
            return new Backend(name, "sipp/uas_503.xml", "");
        }

        static Backend closedPort(String name) {
            return new Backend(name, null, "");
        }
    }

    /**
     * One run: siplb's mode and algorithm, set 1, the UAC's calls and rate, an optional backend to kill midway, the
     * UAC's sipp transport mode ({@code u1}: UDP; {@code t1}: one TCP connection for every call; {@code tn}: one TCP
     * connection per call) and the backends' transport ({@code udp} or {@code tcp}).
     */
    record Setup(String name, String mode, String algorithm, String frTimeout, List<Backend> backends, int calls,
                 int rate, String killHalfway, String uacTransport, String backendTransport) {
        /** A run over UDP on both sides. */
        Setup(String name, String mode, String algorithm, String frTimeout, List<Backend> backends, int calls,
              int rate, String killHalfway) {
            this(name, mode, algorithm, frTimeout, backends, calls, rate, killHalfway, "u1", "udp");
        }

        boolean uacOverTcp() {
            return !"u1".equals(uacTransport);
        }

        boolean backendsOverTcp() {
            return "tcp".equals(backendTransport);
        }
    }

    /** The outcome of one run, read from sipp's files. */
    record Outcome(Setup setup, Path dir, int uacExit, double seconds, SippStatistics uac,
                   Map<String, Integer> ports, Map<String, SippStatistics> uas, Map<String, Set<String>> invites,
                   double uacStartEpoch, double killEpoch, double killedEpoch, SiplbCounters siplbCounters,
                   String summary) {
        SippStatistics uas(String name) {
            return uas.get(name);
        }

        long invitesAt(String name) {
            return uas.get(name).incomingCalls();
        }
    }

    @Test
    void hashCallIdEveryCallSucceedsAndBothBackendsTakeCalls() throws Exception {
        final Outcome o = run(new Setup("hash-call-id", "stateful", "hash-call-id", null,
                                        List.of(Backend.uas("uas1"), Backend.uas("uas2")), calls(), rate(), null));
        assertEveryCallSucceeded(o);
        assertBackendsShare(o, "uas1", "uas2");
    }

    @Test
    void roundRobinEveryCallSucceedsAndBothBackendsTakeCalls() throws Exception {
        final Outcome o = run(new Setup("round-robin", "stateful", "round-robin", null,
                                        List.of(Backend.uas("uas1"), Backend.uas("uas2")), calls() / 2, rate(),
                                        null));
        assertEveryCallSucceeded(o);
        assertBackendsShare(o, "uas1", "uas2");
    }

    @Test
    void weightedEveryCallSucceedsAndSharesFollowTheWeights() throws Exception {
        final Outcome o = run(new Setup("weighted", "stateful", "weighted", null,
                                        List.of(Backend.weighted("uas1", 1), Backend.weighted("uas2", 3)),
                                        calls() / 2, rate(), null));
        assertEveryCallSucceeded(o);
        final long total = o.setup().calls();
        final double share1 = (double) o.invitesAt("uas1") / total;
        final double share2 = (double) o.invitesAt("uas2") / total;
        assertThat(share1).as("share of backend 1 (weight 1 of 4); %s", o.summary())
                          .isCloseTo(0.25, within(WEIGHT_SHARE_TOLERANCE));
        assertThat(share2).as("share of backend 2 (weight 3 of 4); %s", o.summary())
                          .isCloseTo(0.75, within(WEIGHT_SHARE_TOLERANCE));
        assertNoCallOnTwoBackends(o);
    }

    @Test
    void callLoadEveryCallSucceedsAndBothBackendsTakeCalls() throws Exception {
        final Outcome o = run(new Setup("call-load", "stateful", "call-load", null,
                                        List.of(Backend.uas("uas1"), Backend.uas("uas2")), calls() / 2, rate(),
                                        null));
        assertEveryCallSucceeded(o);
        assertBackendsShare(o, "uas1", "uas2");
    }

    /**
     * Round-robin over a backend answering 503 to every INVITE, a port where nothing listens, and one healthy
     * backend: siplb fails over on the 503 (and ACKs it itself) and on the fr-timeout of the closed port, so the
     * caller sees no failed call, and the healthy backend takes every call.
     */
    @Test
    void failoverPast503AndAClosedPortLosesNoCall() throws Exception {
        final Outcome o = run(new Setup("failover", "stateful", "round-robin", SHORT_FR_TIMEOUT,
                                        List.of(Backend.answering503("uas503"), Backend.closedPort("closed"),
                                                Backend.uas("uas")),
                                        calls() / 2, rate(), null));
        assertUacClean(o);
        final long calls = o.setup().calls();
        assertThat(o.invitesAt("uas")).as("INVITEs at the healthy backend; %s", o.summary()).isEqualTo(calls);
        assertThat(o.uas("uas").successfulCalls()).as("calls completed at the healthy backend; %s", o.summary())
                                                 .isEqualTo(calls);
        assertThat(o.uas("uas").failedCalls()).as("failed calls at the healthy backend; %s", o.summary()).isZero();
        assertThat(o.invitesAt("uas503")).as("INVITEs answered 503 (the 503 backend was tried); %s", o.summary())
                                        .isPositive();
        assertThat(o.uas("uas503").successfulCalls())
                .as("503s ACKed by siplb (a 503 call without ACK fails at that backend); %s", o.summary())
                .isEqualTo(o.invitesAt("uas503"));
        assertThat(o.uas("uas503").failedCalls()).as("503 calls without ACK; %s", o.summary()).isZero();
        // The passive health signal took both bad destinations out of the set (no prober: they stay out).
        final String siplbLog = Files.readString(o.dir().resolve("siplb.out"), StandardCharsets.ISO_8859_1);
        for (String bad : List.of("uas503", "closed")) {
            assertThat(siplbLog).as("siplb's log: %s marked down; %s", bad, o.summary())
                                .contains("Destination 1/sip:127.0.0.1:" + o.ports().get(bad) + " is now INACTIVE");
        }
    }

    /**
     * Two backends (round-robin, fr-timeout 1 s); backend 2 is killed (SIGKILL, by its pid) halfway through the
     * run. Every call whose INVITE was sent after the kill must complete; the calls that may fail are those whose
     * dialog was on backend 2 and not finished at the kill (their ACK and BYE go to a dead backend). The UAC's
     * message log tells them apart: the Request-URI of a call's ACK is the Contact of the backend that answered.
     */
    @Test
    void backendKilledMidRunOnlyItsOpenDialogsFail() throws Exception {
        final Outcome o = run(new Setup("backend-killed", "stateful", "round-robin", SHORT_FR_TIMEOUT,
                                        List.of(Backend.uas("uas1"), Backend.uas("uas2")), calls(), rate(),
                                        "uas2"));
        final int calls = o.setup().calls();
        // The kill spans [kill, killed]: from just before SIGKILL to the moment the process was seen gone.
        final double kill = o.killEpoch();
        final double killed = o.killedEpoch();
        assertThat(kill).as("uas2 was killed during the run; %s", o.summary()).isGreaterThan(0);
        final String killedUri = "sip:127.0.0.1:" + o.ports().get("uas2") + ";transport=UDP";
        final Map<String, SippMessageLog.UacCall> uacCalls = SippMessageLog.uacCalls(o.dir().resolve(
                "uac_messages.log"));
        final List<String> openOnKilled = new ArrayList<>();
        final List<String> failedAfterKill = new ArrayList<>();
        final List<String> failed = new ArrayList<>();
        int startedAfterKill = 0;
        int onKilledBefore = 0;
        int onKilledAfter = 0;
        for (SippMessageLog.UacCall c : uacCalls.values()) {
            final boolean onKilled = killedUri.equals(c.ackUri());
            if (onKilled && c.inviteSent() < killed) {
                onKilledBefore++;
                // Its dialog was on backend 2 and its BYE not answered before the kill: it may fail.
                if (!(c.completed() && c.byeAnswered() < kill)) {
                    openOnKilled.add(c.callId());
                }
            } else if (onKilled) {
                onKilledAfter++;
            }
            if (!c.completed()) {
                failed.add(c.callId());
            }
            if (c.inviteSent() > killed) {
                startedAfterKill++;
                if (!c.completed()) {
                    failedAfterKill.add(c.callId());
                }
            }
        }
        final String report = String.format(
                "backend 2 killed %.3f s into the run (gone %.0f ms later): %d calls started after the kill, %d " +
                "of them failed %s; %d calls had their dialog on backend 2 before the kill, %d of them still " +
                "open at the kill (these may fail: their ACK and BYE go to a dead backend); %d calls failed at " +
                "the UAC (sipp FailedCall %d): %s",
                kill - o.uacStartEpoch(), (killed - kill) * 1000, startedAfterKill, failedAfterKill.size(),
                abbreviate(failedAfterKill), onKilledBefore, openOnKilled.size(), failed.size(),
                o.uac().failedCalls(), abbreviate(failed));
        System.out.println("sipp interop [backend-killed]: " + report);
        Files.writeString(o.dir().resolve("summary.txt"), report + System.lineSeparator(),
                          StandardOpenOption.APPEND);
        final String context = report + "; " + o.summary();

        assertThat(o.uacExit()).as("sipp UAC exit code (0 or 1: some call failed); %s", context).isIn(0, 1);
        assertThat(uacCalls).as("calls in the UAC's message log; %s", context).hasSize(calls);
        assertThat(o.uac().outgoingCalls()).as("calls the UAC made; %s", context).isEqualTo(calls);
        assertThat(startedAfterKill).as("calls started after the kill; %s", context).isPositive();
        assertThat(failedAfterKill).as("calls started after the kill that did not complete; %s", context).isEmpty();
        assertThat(onKilledAfter).as("calls answered by backend 2 after it was killed; %s", context).isZero();
        assertThat((long) failed.size()).as("failed calls in the UAC's log = sipp's FailedCall; %s", context)
                                        .isEqualTo(o.uac().failedCalls());
        assertThat(openOnKilled).as("failed calls are among the dialogs open on backend 2 at the kill; %s", context)
                                .containsAll(failed);
        assertThat(o.uac().failedCalls()).as("failed calls (sipp) <= dialogs open on backend 2 at the kill; %s",
                                             context)
                                         .isLessThanOrEqualTo(openOnKilled.size());
        assertThat(o.uac().successfulCalls() + o.uac().failedCalls()).as("calls ended; %s", context)
                                                                     .isEqualTo(calls);
        // Every INVITE backend 1 received completed. Its failed "calls" are BYEs without a dialog there: when a
        // call's BYE gets siplb's 408 (backend 2 gone), sipp aborts the call and sends a BYE of its own to its
        // remote address (sip:service@siplb, no Route), which siplb dispatches to the set, now only backend 1.
        assertThat(o.uas("uas1").successfulCalls()).as("calls completed at backend 1 = its INVITEs; %s", context)
                                                  .isEqualTo(o.invites().get("uas1").size());
        assertThat(o.uas("uas1").failedCalls()).as("stray BYEs at backend 1 <= failed calls; %s", context)
                                              .isLessThanOrEqualTo(failed.size());
    }

    /**
     * sipp over TCP through siplb's {@code tcp:} listener, all calls on one connection ({@code -t t1}), to two UDP
     * backends (round-robin): siplb converts TCP to UDP and back (double Record-Route), every call succeeds and
     * both backends take calls.
     */
    @Test
    void tcpOneConnectionToUdpBackendsEveryCallSucceeds() throws Exception {
        assertStreamRun(run(streamSetup("tcp-t1-to-udp", "t1", "udp")));
    }

    /** As {@link #tcpOneConnectionToUdpBackendsEveryCallSucceeds()} with one TCP connection per call ({@code -t tn}). */
    @Test
    void tcpConnectionPerCallToUdpBackendsEveryCallSucceeds() throws Exception {
        assertStreamRun(run(streamSetup("tcp-tn-to-udp", "tn", "udp")));
    }

    /**
     * sipp over TCP ({@code -t t1}) to two sipp UAS backends over TCP (destination URIs with {@code ;transport=tcp},
     * the UAS with {@code -t t1}): siplb opens one connection per backend and keeps it for every call.
     */
    @Test
    void tcpOneConnectionToTcpBackendsEveryCallSucceeds() throws Exception {
        assertStreamRun(run(streamSetup("tcp-t1-to-tcp", "t1", "tcp")));
    }

    /** As {@link #tcpOneConnectionToTcpBackendsEveryCallSucceeds()} with one TCP connection per call ({@code -t tn}). */
    @Test
    void tcpConnectionPerCallToTcpBackendsEveryCallSucceeds() throws Exception {
        assertStreamRun(run(streamSetup("tcp-tn-to-tcp", "tn", "tcp")));
    }

    private static Setup streamSetup(String name, String uacTransport, String backendTransport) {
        return new Setup(name, "stateful", "round-robin", null, List.of(Backend.uas("uas1"), Backend.uas("uas2")),
                         Integer.getInteger("interop.stream-calls", DEFAULT_STREAM_CALLS),
                         Integer.getInteger("interop.stream-rate", DEFAULT_STREAM_RATE), null, uacTransport,
                         backendTransport);
    }

    /**
     * Every call succeeded, both backends took calls; the backends saw siplb's Via of their own transport above the
     * UAC's TCP Via (siplb sent over the backends' transport, not the caller's); siplb accepted one connection from
     * the UAC ({@code -t t1}) or one per call ({@code -t tn}), opened one to each TCP backend and reused it for every
     * call, and forwarded each call's INVITE, ACK and BYE.
     */
    private static void assertStreamRun(Outcome o) throws IOException {
        assertEveryCallSucceeded(o);
        assertBackendsShare(o, "uas1", "uas2");
        final Setup setup = o.setup();
        // siplb's Via line, and right below it the UAC's (sipp's branch: z9hG4bK-PID-CALL-N), from the port of the
        // UAC's socket: its -p port with -t t1, the port of each call's own connection with -t tn.
        final Pattern vias = Pattern.compile(
                "Via: SIP/2\\.0/" + setup.backendTransport().toUpperCase(Locale.ROOT) + " 127\\.0\\.0\\.1:"
                + o.ports().get("siplb") + ";branch=z9hG4bK[^\r\n]*\r?\n"
                + "Via: SIP/2\\.0/TCP 127\\.0\\.0\\.1:("
                + ("t1".equals(setup.uacTransport()) ? o.ports().get("uac") : "[0-9]+")
                + ");branch=z9hG4bK-[0-9]+-[0-9]+-[0-9]+");
        final Set<String> uacPorts = new HashSet<>();
        for (String name : List.of("uas1", "uas2")) {
            final Path log = o.dir().resolve(name + "_wire.log");
            final String wire = Files.readString(log, StandardCharsets.ISO_8859_1);
            assertThat(wire).as("%s's message log %s: siplb's Via, then the UAC's TCP Via (%s); %s", name, log,
                                vias.pattern(), o.summary())
                            .containsPattern(vias);
            final Matcher m = vias.matcher(wire);
            while (m.find()) {
                uacPorts.add(m.group(1));
            }
        }
        final long calls = setup.calls();
        // With -t tn each call has its own connection, so its own source port; the kernel may hand out a port again
        // once an earlier call's connection is gone, hence more than half, not all.
        assertThat((long) uacPorts.size()).as("distinct source ports of the UAC's Via; %s", o.summary())
                                          .isGreaterThan("t1".equals(setup.uacTransport()) ? 0 : calls / 2);
        final SiplbCounters c = o.siplbCounters();
        assertThat(c.get("connections.tcp.inbound")).as("TCP connections siplb accepted; %s", o.summary())
                                                    .isEqualTo("t1".equals(setup.uacTransport()) ? 1 : calls);
        assertThat(c.get("connections.tcp.outbound")).as("TCP connections siplb opened; %s", o.summary())
                                                     .isEqualTo(setup.backendsOverTcp() ? 2 : 0);
        // INVITE, ACK and BYE of every call; towards UDP backends siplb's own retransmissions (Timers A and E, when a
        // loaded backend answers after T1) come on top, over TCP there are none.
        if (setup.backendsOverTcp()) {
            assertThat(c.get("requests.forwarded")).as("requests siplb forwarded (INVITE, ACK, BYE); %s",
                                                       o.summary()).isEqualTo(3 * calls);
        } else {
            assertThat(c.get("requests.forwarded")).as("requests siplb forwarded (INVITE, ACK, BYE, retransmissions)"
                                                       + "; %s", o.summary()).isGreaterThanOrEqualTo(3 * calls);
        }
    }

    private static int calls() {
        return Integer.getInteger("interop.calls", DEFAULT_CALLS);
    }

    private static int rate() {
        return Integer.getInteger("interop.rate", DEFAULT_RATE);
    }

    private static String abbreviate(List<String> ids) {
        return ids.size() <= 20 ? ids.toString() : ids.subList(0, 20) + " and " + (ids.size() - 20) + " more";
    }

    /** The UAC made every call, all successful, none failed, exit code 0; siplb alive, no leak. */
    private static void assertUacClean(Outcome o) throws IOException {
        final String summary = o.summary();
        final int calls = o.setup().calls();
        assertThat(o.uacExit()).as("sipp UAC exit code (0: every call succeeded; 1: a call failed; 97: internal " +
                                   "command or global timeout; 99: no call processed; 255: fatal error); %s; " +
                                   "errors: %s", summary, o.dir().resolve("uac_errors.log"))
                               .isZero();
        assertThat(o.uac().outgoingCalls()).as("calls the UAC made; %s", summary).isEqualTo(calls);
        assertThat(o.uac().successfulCalls()).as("successful calls at the UAC; %s", summary).isEqualTo(calls);
        assertThat(o.uac().failedCalls()).as("failed calls at the UAC; %s", summary).isZero();
    }

    /** {@link #assertUacClean}, and the backends together received and completed every call, none failed. */
    static void assertEveryCallSucceeded(Outcome o) throws IOException {
        assertUacClean(o);
        final String summary = o.summary();
        final long calls = o.setup().calls();
        long invites = 0;
        long completed = 0;
        long failed = 0;
        for (Map.Entry<String, SippStatistics> e : o.uas().entrySet()) {
            invites += e.getValue().incomingCalls();
            completed += e.getValue().successfulCalls();
            failed += e.getValue().failedCalls();
            assertThat((long) o.invites().get(e.getKey()).size())
                    .as("INVITE Call-IDs in %s's message log; %s", e.getKey(), summary)
                    .isEqualTo(e.getValue().incomingCalls());
        }
        assertThat(invites).as("INVITEs received by the backends together; %s", summary).isEqualTo(calls);
        assertThat(completed).as("calls completed (ACK and BYE received) by the backends together; %s", summary)
                             .isEqualTo(calls);
        assertThat(failed).as("failed calls at the backends; %s", summary).isZero();
        assertNoCallOnTwoBackends(o);
    }

    private static void assertNoCallOnTwoBackends(Outcome o) {
        final List<String> names = new ArrayList<>(o.invites().keySet());
        for (int i = 0; i < names.size(); i++) {
            for (int j = i + 1; j < names.size(); j++) {
                assertThat(o.invites().get(names.get(i)))
                        .as("calls that reached both %s and %s; %s", names.get(i), names.get(j), o.summary())
                        .doesNotContainAnyElementsOf(o.invites().get(names.get(j)));
            }
        }
    }

    private static void assertBackendsShare(Outcome o, String... names) {
        final long min = (long) Math.ceil(o.setup().calls() * MIN_BACKEND_SHARE);
        for (String name : names) {
            assertThat(o.invitesAt(name)).as("INVITEs received by %s (at least %d); %s", name, min, o.summary())
                                         .isGreaterThanOrEqualTo(min);
        }
    }

    private Outcome run(Setup setup) throws Exception {
        return run(setup, "", null);
    }

    /**
     * Runs {@code setup} with {@code extraConfig} appended to siplb's configuration file and {@code midRun} (or
     * nothing) done while the UAC runs.
     */
    Outcome run(Setup setup, String extraConfig, MidRun midRun) throws Exception {
        final Path sipp = sippExecutable();
        final Path siplbJar = siplbJar();
        final Path dir = freshRunDirectory(setup.name());
        try {
            return runIn(setup, extraConfig, midRun, sipp, siplbJar, dir);
        } catch (Throwable t) {
            System.err.println("sipp interop [" + setup.name() + "] failed; sipp statistics, message logs and " +
                               "screens, siplb's log and configuration are in " + dir + ":");
            listFiles(dir).forEach(f -> System.err.println("  " + f));
            throw t;
        }
    }

    private Outcome runIn(Setup setup, String extraConfig, MidRun midRun, Path sipp, Path siplbJar, Path dir)
            throws Exception {
        final int calls = setup.calls();
        final int rate = setup.rate();
        final Path uacScenario = copyResource("sipp/uac.xml", dir);
        final List<Backend> backends = setup.backends();
        final int[] free = freePorts(backends.size() + 2);
        final int siplbPort = free[backends.size()];
        final int uacPort = free[backends.size() + 1];
        final Map<String, Integer> ports = new LinkedHashMap<>();
        final Map<String, ChildProcess> uas = new LinkedHashMap<>();
        // Each scenario is copied once: copying it again for the next backend would rewrite the file while the
        // sipp started before is still reading it.
        final Map<String, Path> scenarios = new LinkedHashMap<>();
        for (int i = 0; i < backends.size(); i++) {
            final Backend b = backends.get(i);
            ports.put(b.name(), free[i]);
            if (b.scenario() != null) {
                final Path scenario = scenarios.get(b.scenario());
                if (scenario == null) {
                    scenarios.put(b.scenario(), copyResource(b.scenario(), dir));
                }
                uas.put(b.name(), startUas(sipp, scenarios.get(b.scenario()), dir, b.name(), free[i], setup));
            }
        }
        ports.put("siplb", siplbPort);
        ports.put("uac", uacPort);

        final Path config = writeSiplbConfig(dir, siplbPort, setup, ports, extraConfig);
        final ChildProcess siplb = start("siplb", List.of(
                javaExecutable().toString(), "-Xms256m", "-Xmx512m",
                "-Dio.netty.leakDetection.level=advanced",
                "-jar", siplbJar.toString(), "run", "-c", config.toString()), dir);
        final String probeAnswer = SipProbe.awaitResponse(new InetSocketAddress("127.0.0.1", siplbPort), siplb,
                                                          SIPLB_STARTUP_TIMEOUT);
        if (probeAnswer == null) {
            fail("siplb did not answer an OPTIONS (Max-Forwards: 0) on udp:127.0.0.1:" + siplbPort + " within " +
                 SIPLB_STARTUP_TIMEOUT.toSeconds() + " s (" + (siplb.isAlive() ? "still running" : "exited") +
                 "); its log " + siplb.log() + " ends with:\n" + tail(siplb.log(), 30));
        }
        for (ChildProcess p : uas.values()) {
            assertThat(p.isAlive()).as("sipp %s running; its output: %s", p.name(), p.log()).isTrue();
        }

        final Duration uacTimeout = Duration.ofSeconds(calls / Math.max(1, rate)).plus(UAC_SLACK);
        final long startNanos = System.nanoTime();
        final double uacStartEpoch = System.currentTimeMillis() / 1000.0;
        final List<String> uacCommand = new ArrayList<>(List.of(
                sipp.toString(), "127.0.0.1:" + siplbPort,
                "-sf", uacScenario.toString(),
                "-i", "127.0.0.1", "-p", Integer.toString(uacPort), "-t", setup.uacTransport()));
        if ("tn".equals(setup.uacTransport())) {
            // sipp refuses to start when its socket limit (default 50000) exceeds the open-file limit.
            uacCommand.addAll(List.of("-max_socket", Integer.toString(UAC_MAX_SOCKETS)));
        }
        uacCommand.addAll(List.of(
                "-m", Integer.toString(calls), "-r", Integer.toString(rate), "-rp", "1000", "-l", "1000",
                "-recv_timeout", "10s",
                "-timeout", uacTimeout.toSeconds() + "s", "-timeout_error",
                "-nostdin",
                "-trace_stat", "-stf", dir.resolve("uac_stats.csv").toString(), "-fd", "1",
                "-trace_shortmsg", "-shortmessage_file", dir.resolve("uac_messages.log").toString(),
                "-trace_err", "-error_file", dir.resolve("uac_errors.log").toString(),
                "-trace_screen", "-screen_file", dir.resolve("uac_screen.log").toString()));
        final ChildProcess uac = start("uac", uacCommand, dir);
        double killEpoch = 0;
        double killedEpoch = 0;
        if (midRun != null) {
            midRun.during(uac, siplb, dir, ports);
        }
        if (setup.killHalfway() != null) {
            // Halfway through the calls (calls / rate / 2), bounded: the UAC's exit ends the wait early.
            final ChildProcess victim = uas.get(setup.killHalfway());
            final long halfMillis = calls * 1000L / Math.max(1, rate) / 2;
            final Integer early = uac.waitFor(Duration.ofMillis(halfMillis));
            assertThat(early).as("sipp UAC still running halfway (exit: %s); output: %s", early, uac.log()).isNull();
            killEpoch = System.currentTimeMillis() / 1000.0;
            victim.signal("KILL");
            assertThat(victim.waitFor(Duration.ofSeconds(5))).as("%s exited after SIGKILL", victim.name())
                                                             .isNotNull();
            killedEpoch = System.currentTimeMillis() / 1000.0;
        }
        final Integer uacExit = uac.waitFor(uacTimeout.plusSeconds(30));
        final double seconds = (System.nanoTime() - startNanos) / 1e9;
        assertThat(uacExit).as("sipp UAC still running after %s s (its -timeout is %s s); output: %s",
                               uacTimeout.plusSeconds(30).toSeconds(), uacTimeout.toSeconds(), uac.log())
                           .isNotNull();

        // SIGUSR1 is sipp's graceful quit: it finishes and writes its final statistics row.
        for (ChildProcess p : uas.values()) {
            p.signal("USR1");
        }
        for (ChildProcess p : uas.values()) {
            p.waitFor(UAS_QUIT_TIMEOUT);
        }

        final SippStatistics uacStats = SippStatistics.read(dir.resolve("uac_stats.csv"));
        final Map<String, SippStatistics> uasStats = new LinkedHashMap<>();
        final Map<String, Set<String>> invites = new LinkedHashMap<>();
        final StringBuilder backendsText = new StringBuilder();
        final String backendTransport = setup.backendTransport();
        for (String name : uas.keySet()) {
            final SippStatistics st = SippStatistics.read(dir.resolve(name + "_stats.csv"));
            final Set<String> ids = SippMessageLog.receivedRequestCallIds(dir.resolve(name + "_messages.log"),
                                                                          "INVITE");
            uasStats.put(name, st);
            invites.put(name, ids);
            backendsText.append(String.format("; %s (%s:127.0.0.1:%d, %s) INVITEs %d (%d logged), completed %d, " +
                                              "failed %d", name, backendTransport, ports.get(name),
                                              scenarioOf(backends, name),
                                              st.incomingCalls(), ids.size(), st.successfulCalls(),
                                              st.failedCalls()));
        }
        for (Backend b : backends) {
            if (b.scenario() == null) {
                backendsText.append(String.format("; %s (udp:127.0.0.1:%d): closed port", b.name(),
                                                  ports.get(b.name())));
            }
        }
        final String summary = String.format(
                "sipp interop [%s]: UAC -t %s, siplb %s, %s%s: %d calls at %d calls/s in %.1f s: UAC exit %d, " +
                "successful %d, failed %d, retransmissions %d, INVITE->200 mean %d ms%s; files in %s",
                setup.name(), setup.uacTransport(), setup.mode(), setup.algorithm(),
                setup.frTimeout() != null ? ", fr-timeout " + setup.frTimeout() : "", calls, rate, seconds, uacExit,
                uacStats.successfulCalls(), uacStats.failedCalls(), uacStats.counter(SippStatistics.RETRANSMISSIONS),
                uacStats.duration(SippStatistics.RESPONSE_TIME).toMillis(), backendsText, dir);
        System.out.println(summary);
        Files.writeString(dir.resolve("summary.txt"), summary + System.lineSeparator());

        assertThat(siplb.isAlive()).as("siplb still running after the calls; its log: %s", siplb.log()).isTrue();
        // SIGTERM: siplb stops gracefully and logs its counters (messages, connections per transport).
        siplb.signal("TERM");
        assertThat(siplb.waitFor(SIPLB_STOP_TIMEOUT))
                .as("siplb's exit code after SIGTERM (143: the JVM's exit on SIGTERM once its shutdown hook ran); " +
                    "its log: %s", siplb.log())
                .isIn(0, 143);
        final SiplbCounters counters = SiplbCounters.read(siplb.log());
        final String siplbLog = Files.readString(siplb.log(), StandardCharsets.ISO_8859_1);
        assertThat(siplbLog).as("Netty leak reports in siplb's log %s", siplb.log()).doesNotContain("LEAK:");
        final String summaryWithCounters = summary + "; siplb's counters " + counters;
        System.out.println("sipp interop [" + setup.name() + "]: siplb's counters " + counters);
        Files.writeString(dir.resolve("summary.txt"), "siplb's counters " + counters + System.lineSeparator(),
                          StandardOpenOption.APPEND);
        return new Outcome(setup, dir, uacExit, seconds, uacStats, ports, uasStats, invites, uacStartEpoch,
                           killEpoch, killedEpoch, counters, summaryWithCounters);
    }

    private static String scenarioOf(List<Backend> backends, String name) {
        for (Backend b : backends) {
            if (b.name().equals(name)) {
                return Paths.get(b.scenario()).getFileName() + (b.attrs().isEmpty() ? "" : ", " + b.attrs());
            }
        }
        return "?";
    }

    /**
     * Starts a sipp UAS on {@code port}: over UDP, or over TCP ({@code -t t1}: sipp accepts siplb's connections on
     * its TCP port) when the setup's backends are TCP. When the caller or the backends use TCP the UAS also writes
     * every message in full to {@code NAME_wire.log}, so the Via headers show the transports of both hops.
     */
    private ChildProcess startUas(Path sipp, Path scenario, Path dir, String name, int port, Setup setup)
            throws IOException {
        final List<String> command = new ArrayList<>(List.of(
                sipp.toString(),
                "-sf", scenario.toString(),
                "-i", "127.0.0.1", "-p", Integer.toString(port),
                "-t", setup.backendsOverTcp() ? "t1" : "u1"));
        if (setup.uacOverTcp() || setup.backendsOverTcp()) {
            command.addAll(List.of("-trace_msg", "-message_file", dir.resolve(name + "_wire.log").toString()));
        }
        command.addAll(List.of(
                "-recv_timeout", "30s",
                "-timeout", UAS_MAX_LIFETIME.toSeconds() + "s",
                "-nostdin",
                "-trace_stat", "-stf", dir.resolve(name + "_stats.csv").toString(), "-fd", "1",
                "-trace_shortmsg", "-shortmessage_file", dir.resolve(name + "_messages.log").toString(),
                "-trace_err", "-error_file", dir.resolve(name + "_errors.log").toString(),
                "-trace_screen", "-screen_file", dir.resolve(name + "_screen.log").toString()));
        return start(name, command, dir);
    }

    private ChildProcess start(String name, List<String> command, Path dir) throws IOException {
        final Path log = dir.resolve(name + ".out");
        Files.writeString(dir.resolve(name + ".cmd"), String.join(" ", command) + System.lineSeparator());
        final ChildProcess process = ChildProcess.start(name, command, dir, log);
        started.add(process);
        return process;
    }

    /**
     * Writes siplb's configuration and its Kamailio-format destination list (set 1: the backends, in order, with
     * their attributes) into {@code dir}.
     */
    private static Path writeSiplbConfig(Path dir, int siplbPort, Setup setup, Map<String, Integer> ports,
                                         String extraConfig) throws IOException {
        final StringBuilder list = new StringBuilder("# setid uri flags priority attrs\n");
        for (Backend b : setup.backends()) {
            list.append("1 sip:127.0.0.1:").append(ports.get(b.name()))
                .append(setup.backendsOverTcp() ? ";transport=tcp" : "").append(" 0 0");
            if (!b.attrs().isEmpty()) {
                list.append(' ').append(b.attrs());
            }
            list.append("  # ").append(b.name()).append('\n');
        }
        Files.writeString(dir.resolve("dispatcher.list"), list.toString());
        final Path config = dir.resolve("siplb.conf");
        Files.writeString(config,
                          "siplb {\n" +
                          "  listen = [\"udp:127.0.0.1:" + siplbPort + "\"" +
                          (setup.uacOverTcp() || setup.backendsOverTcp()
                           ? ", \"tcp:127.0.0.1:" + siplbPort + "\"" : "") + "]\n" +
                          "  admin.listen = \"127.0.0.1:0\"\n" +
                          "  dispatcher {\n" +
                          "    list-file = \"dispatcher.list\"\n" +
                          "    default-algorithm = " + setup.algorithm() + "\n" +
                          // No keepalive probing: sipp's UAS scenarios would take an OPTIONS for an unexpected
                          // call, and a destination the passive signals took out stays out.
                          "    probing.interval = 0s\n" +
                          "  }\n" +
                          "  proxy {\n" +
                          "    mode = " + setup.mode() + "\n" +
                          (setup.frTimeout() != null ? "    fr-timeout = " + setup.frTimeout() + "\n" : "") +
                          "    record-route = true\n" +
                          "  }\n" +
                          "}\n" + extraConfig);
        return config;
    }

    private static Path sippExecutable() {
        return SippExecutable.locate(System.getProperty("sipp.executable", SippExecutable.DEFAULT),
                                     System.getenv("PATH"));
    }

    private static Path siplbJar() {
        final Path jar = Paths.get(System.getProperty("siplb.jar", "../proxy/target/siplb.jar")).toAbsolutePath()
                              .normalize();
        if (!Files.isRegularFile(jar)) {
            fail("siplb's runnable jar " + jar + " is missing: build it with 'mvn -pl proxy -am package " +
                 "-DskipTests' (or run the suite with -am), or pass -Dsiplb.jar=PATH");
        }
        return jar;
    }

    private static Path javaExecutable() {
        return Paths.get(System.getProperty("java.home"), "bin", "java");
    }

    private static Path freshRunDirectory(String name) throws IOException {
        final Path dir = Paths.get(System.getProperty("interop.dir", "target/interop")).resolve(name)
                              .toAbsolutePath();
        if (Files.isDirectory(dir)) {
            try (Stream<Path> files = Files.walk(dir)) {
                files.sorted(Comparator.reverseOrder()).filter(p -> !p.equals(dir)).forEach(p -> {
                    try {
                        Files.delete(p);
                    } catch (IOException e) {
                        throw new UncheckedIOException(e);
                    }
                });
            }
        }
        Files.createDirectories(dir);
        return dir;
    }

    private static String tail(Path file, int lines) {
        try {
            final List<String> all = Files.readAllLines(file, StandardCharsets.ISO_8859_1);
            return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
        } catch (IOException e) {
            return "(unreadable: " + e + ')';
        }
    }

    private static List<Path> listFiles(Path dir) {
        try (Stream<Path> files = Files.list(dir)) {
            return files.sorted().collect(Collectors.toList());
        } catch (IOException e) {
            return List.of(dir);
        }
    }

    private static Path copyResource(String resource, Path dir) throws IOException {
        final Path target = dir.resolve(Paths.get(resource).getFileName());
        try (InputStream in = SippInteropIT.class.getClassLoader().getResourceAsStream(resource)) {
            if (in == null) {
                throw new IOException("test resource " + resource + " not found");
            }
            Files.copy(in, target, StandardCopyOption.REPLACE_EXISTING);
        }
        return target;
    }

    /**
     * {@code count} distinct ports free on 127.0.0.1 for both UDP and TCP at the time of the call (siplb listens on
     * both with one port number; a backend listens on one of them). At most 50 attempts per port.
     */
    private static int[] freePorts(int count) throws IOException {
        final List<AutoCloseable> sockets = new ArrayList<>();
        try {
            final int[] ports = new int[count];
            for (int i = 0; i < count; i++) {
                for (int attempt = 0; ; attempt++) {
                    final DatagramSocket udp =
                            new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
                    sockets.add(udp);
                    try {
                        final ServerSocket tcp = new ServerSocket();
                        sockets.add(tcp);
                        tcp.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), udp.getLocalPort()));
                        ports[i] = udp.getLocalPort();
                        break;
                    } catch (IOException tcpTaken) {
                        if (attempt >= 50) {
                            throw new IOException("no port free for both UDP and TCP on 127.0.0.1 in 50 attempts",
                                                  tcpTaken);
                        }
                    }
                }
            }
            return ports;
        } finally {
            for (AutoCloseable s : sockets) {
                try {
                    s.close();
                } catch (Exception e) {
                    throw new IOException(e);
                }
            }
        }
    }
}
