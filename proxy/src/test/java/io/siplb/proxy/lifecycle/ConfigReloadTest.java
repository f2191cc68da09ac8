package io.siplb.proxy.lifecycle;

import static io.siplb.proxy.testing.SipText.header;
import static io.siplb.proxy.testing.SipText.response;
import static io.siplb.proxy.testing.SipText.headers;
import static io.siplb.proxy.testing.SipText.startLine;
import static io.siplb.proxy.testing.SipText.status;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BooleanSupplier;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.siplb.dispatch.Destination;
import io.siplb.dispatch.state.DestinationState;
import io.siplb.dispatch.state.HealthState;
import io.siplb.proxy.config.SiplbConfig;
import io.siplb.proxy.testing.SipPeer;
import io.siplb.proxy.testing.TestServers;

/**
 * Hot reload of a running stateful siplb, with real files in a temporary directory and real UDP sockets: an edit
 * of the list file moves traffic to the new destination within 2 seconds, and so do an editor's rename-save and a
 * Kubernetes-style {@code ..data} symbolic link swap, and a file written continually next to them does not
 * postpone the reload; a broken file changes nothing (traffic still flows, one failure
 * counted, the error names the file and line); the state of destinations that remain (health set by an operator,
 * call load) survives a reload; a transaction under way finishes at a destination the reload removed; routing
 * rules and settings change without a restart while a listener change is reported as needing one. Not
 * thread-safe; confined to the test thread.
 */
class ConfigReloadTest {

    private static final int WAIT = 3000;
    /** The brief's bound: a change is routed within 2 s. */
    private static final long WITHIN_NANOS = 2_000_000_000L;

    @TempDir
    Path dir;

    private SipPeer uac;
    private final List<SipPeer> backends = new ArrayList<>();
    private SiplbServer server;
    private InetSocketAddress siplb;
    private int sequence;

    @AfterEach
    void stop() {
        if (server != null) {
            server.close();
        }
        if (uac != null) {
            uac.close();
        }
        backends.forEach(SipPeer::close);
    }

    private SipPeer backend() {
        final SipPeer p = SipPeer.bind();
        backends.add(p);
        return p;
    }

    private static String config(String extra) {
        return TestServers.statefulConfig("siplb.proxy.fr-timeout = 1s\n"
                                          + "siplb.dispatcher.list-file = \"dispatcher.list\"\n"
                                          + "siplb.dispatcher.sets = [ { id = 1, algorithm = round-robin } ]\n"
                                          + extra);
    }

    private static String list(SipPeer... peers) {
        final StringBuilder sb = new StringBuilder("# set uri flags priority attrs\n");
        for (SipPeer p : peers) {
            sb.append("1 sip:127.0.0.1:").append(p.port()).append(" 0 0\n");
        }
        return sb.toString();
    }

    private static void write(Path file, String text) {
        try {
            Files.write(file, text.getBytes(StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** Starts siplb from {@code conf} with {@code list} as {@code dispatcher.list} next to it. */
    private void start(Path conf, String list) {
        uac = SipPeer.bind();
        write(conf.resolveSibling("dispatcher.list"), list);
        server = SiplbServer.start(SiplbConfig.load(conf));
        siplb = TestServers.address(server);
    }

    private void start(String list) {
        final Path conf = dir.resolve("siplb.conf");
        write(conf, config(""));
        start(conf, list);
    }

    private String options(String callId) {
        return "OPTIONS sip:bob@example.com SIP/2.0\r\n" +
               "Via: SIP/2.0/UDP 127.0.0.1:" + uac.port() + ";branch=z9hG4bK-" + callId.replace('@', '.') + ";rport\r\n" +
               "Max-Forwards: 70\r\n" +
               "From: <sip:alice@example.com>;tag=a1\r\n" +
               "To: <sip:bob@example.com>\r\n" +
               "Call-ID: " + callId + "\r\n" +
               "CSeq: 1 OPTIONS\r\n" +
               "Content-Length: 0\r\n\r\n";
    }

    private String invite(String callId) {
        return "INVITE sip:bob@example.com SIP/2.0\r\n" +
               "Via: SIP/2.0/UDP 127.0.0.1:" + uac.port() + ";branch=z9hG4bK-" + callId.replace('@', '.') + ";rport\r\n" +
               "Max-Forwards: 70\r\n" +
               "From: <sip:alice@example.com>;tag=a1\r\n" +
               "To: <sip:bob@example.com>\r\n" +
               "Call-ID: " + callId + "\r\n" +
               "CSeq: 1 INVITE\r\n" +
               "Contact: <sip:alice@127.0.0.1:" + uac.port() + ">\r\n" +
               "Content-Length: 0\r\n\r\n";
    }


    /**
     * Sends one OPTIONS through siplb, answers it 200 at whichever backend it reaches and returns that backend (the
     * caller gets the 200), or {@code null} when no backend got it within a second.
     */
    private SipPeer route() {
        final String callId = "r" + (++sequence) + "@uac";
        uac.send(options(callId), siplb);
        final long end = System.nanoTime() + 1_000_000_000L;
        while (System.nanoTime() < end) {
            for (SipPeer b : backends) {
                final String got = b.receive(20);
                if (got != null && got.contains("Call-ID: " + callId)) {
                    b.send(response(got, 200, "OK", "b"), siplb);
                    assertThat(status(uac.receive(WAIT))).isEqualTo(200);
                    return b;
                }
            }
        }
        return null;
    }

    /** Routes requests every 50 ms until one reaches {@code expected}; fails after 2 s. Returns the time taken. */
    private long routedTo(SipPeer expected) {
        final long start = System.nanoTime();
        for (int i = 0; i < 200; i++) {
            if (route() == expected) {
                return System.nanoTime() - start;
            }
            assertThat(System.nanoTime() - start).as("routed to the new destination within 2 s")
                                                 .isLessThan(WITHIN_NANOS);
            sleep(50);
        }
        throw new AssertionError("never routed to " + expected.address());
    }

    /** The runtime state of the destination of set 1 at {@code peer}. */
    private DestinationState state(SipPeer peer) {
        for (Destination d : server.proxy().dispatcher().snapshot().set(1).destinations()) {
            if (d.address().getPort() == peer.port()) {
                return server.proxy().dispatcher().state(d);
            }
        }
        throw new AssertionError("no destination at " + peer.address());
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    private static void await(String what, BooleanSupplier condition) {
        final long end = System.nanoTime() + 5_000_000_000L;
        while (!condition.getAsBoolean()) {
            assertThat(System.nanoTime() < end).as(what).isTrue();
            sleep(20);
        }
    }

    @Test
    void anEditOfTheListFileMovesTrafficWithinTwoSeconds() {
        final SipPeer a = backend();
        final SipPeer b = backend();
        start(list(a));
        assertThat(route()).isSameAs(a);
        final long version = server.proxy().runtime().version();

        write(dir.resolve("dispatcher.list"), list(b));
        assertThat(routedTo(b)).isLessThan(WITHIN_NANOS);
        // Once the new list is in place, nothing goes to the removed destination.
        for (int i = 0; i < 5; i++) {
            assertThat(route()).isSameAs(b);
        }
        final ConfigReloader reloader = server.reloader();
        assertThat(reloader.stats().successes()).isEqualTo(1);
        assertThat(reloader.stats().failures()).isZero();
        assertThat(reloader.lastResult().isSuccess()).isTrue();
        assertThat(reloader.lastResult().trigger()).isEqualTo("file change");
        assertThat(server.proxy().runtime().version()).isEqualTo(version + 1);
    }

    @Test
    void anEditMadeWhileSiplbStartsIsApplied() {
        final SipPeer a = backend();
        final SipPeer b = backend();
        final Path conf = dir.resolve("siplb.conf");
        write(conf, config(""));
        write(dir.resolve("dispatcher.list"), list(a));
        uac = SipPeer.bind();
        final SiplbConfig loaded = SiplbConfig.load(conf);
        // The list changes after the configuration was read and before the watcher exists.
        write(dir.resolve("dispatcher.list"), list(b));
        server = SiplbServer.start(loaded);
        siplb = TestServers.address(server);
        assertThat(routedTo(b)).isLessThan(WITHIN_NANOS);
        assertThat(server.reloader().stats().successes()).isEqualTo(1);
    }

    @Test
    void nothingChangedWhileSiplbStartsReloadsNothing() {
        final SipPeer a = backend();
        start(list(a));
        sleep(500);
        assertThat(route()).isSameAs(a);
        assertThat(server.reloader().stats().successes()).isZero();
    }

    @Test
    void anEditorsRenameSaveIsSeen() throws IOException {
        final SipPeer a = backend();
        final SipPeer b = backend();
        start(list(a));
        assertThat(route()).isSameAs(a);

        // As vim (backupcopy=no) and most editors save: a new file, renamed over the old one.
        final Path tmp = dir.resolve(".dispatcher.list.swp");
        write(tmp, list(a, b).replace("1 sip:127.0.0.1:" + a.port() + " 0 0\n", ""));
        Files.move(tmp, dir.resolve("dispatcher.list"), StandardCopyOption.ATOMIC_MOVE,
                   StandardCopyOption.REPLACE_EXISTING);
        assertThat(routedTo(b)).isLessThan(WITHIN_NANOS);
    }

    @Test
    void aFileWrittenContinuallyInTheSameDirectoryDoesNotPostponeTheReload() throws Exception {
        final SipPeer a = backend();
        final SipPeer b = backend();
        start(list(a));
        assertThat(route()).isSameAs(a);
        // A log next to the configuration, written every 20 ms (more often than the 250 ms debounce).
        final java.util.concurrent.atomic.AtomicBoolean writing = new java.util.concurrent.atomic.AtomicBoolean(true);
        final Thread logger = new Thread(() -> {
            for (int i = 0; i < 500 && writing.get(); i++) {
                write(dir.resolve("siplb.log"), "line " + i + '\n');
                sleep(20);
            }
        });
        logger.start();
        try {
            write(dir.resolve("dispatcher.list"), list(b));
            assertThat(routedTo(b)).isLessThan(WITHIN_NANOS);
        } finally {
            writing.set(false);
            logger.join(5000);
        }
    }

    @Test
    void aConfigMapSymlinkSwapIsSeen() throws IOException {
        final SipPeer a = backend();
        final SipPeer b = backend();
        // The layout of a mounted Kubernetes ConfigMap: files reached through ..data, a link to a timestamped dir.
        final Path first = Files.createDirectory(dir.resolve("..2026_12_03_08_00_00.1"));
        write(first.resolve("siplb.conf"), config(""));
        write(first.resolve("dispatcher.list"), list(a));
        Files.createSymbolicLink(dir.resolve("..data"), first.getFileName());
        Files.createSymbolicLink(dir.resolve("siplb.conf"), Path.of("..data/siplb.conf"));
        Files.createSymbolicLink(dir.resolve("dispatcher.list"), Path.of("..data/dispatcher.list"));
        uac = SipPeer.bind();
        server = SiplbServer.start(SiplbConfig.load(dir.resolve("siplb.conf")));
        siplb = TestServers.address(server);
        assertThat(route()).isSameAs(a);

        // The kubelet's update: a new timestamped dir, a new link, renamed over ..data; then the old dir goes.
        final Path second = Files.createDirectory(dir.resolve("..2026_12_03_08_01_00.2"));
        write(second.resolve("siplb.conf"), config(""));
        write(second.resolve("dispatcher.list"), list(b));
        Files.createSymbolicLink(dir.resolve("..data_tmp"), second.getFileName());
        Files.move(dir.resolve("..data_tmp"), dir.resolve("..data"), StandardCopyOption.ATOMIC_MOVE,
                   StandardCopyOption.REPLACE_EXISTING);
        Files.delete(first.resolve("siplb.conf"));
        Files.delete(first.resolve("dispatcher.list"));
        Files.delete(first);
        assertThat(routedTo(b)).isLessThan(WITHIN_NANOS);

        // The second swap is seen too: the watcher follows the new real directory.
        final Path third = Files.createDirectory(dir.resolve("..2026_12_03_08_02_00.3"));
        write(third.resolve("siplb.conf"), config(""));
        write(third.resolve("dispatcher.list"), list(a));
        Files.createSymbolicLink(dir.resolve("..data_tmp"), third.getFileName());
        Files.move(dir.resolve("..data_tmp"), dir.resolve("..data"), StandardCopyOption.ATOMIC_MOVE,
                   StandardCopyOption.REPLACE_EXISTING);
        assertThat(routedTo(a)).isLessThan(WITHIN_NANOS);
        assertThat(server.reloader().stats().successes()).isEqualTo(2);
    }

    @Test
    void aBrokenListFileChangesNothingAndIsCountedOnce() {
        final SipPeer a = backend();
        final SipPeer b = backend();
        start(list(a));
        assertThat(route()).isSameAs(a);

        write(dir.resolve("dispatcher.list"), "1 sip:127.0.0.1:" + b.port() + " 0 0\n1 sip:127.0.0.1:99999 0 0\n");
        final ConfigReloader reloader = server.reloader();
        await("the broken file is seen", () -> reloader.stats().failures() == 1);
        final ReloadResult failed = reloader.lastResult();
        assertThat(failed.isSuccess()).isFalse();
        assertThat(failed.message()).contains(dir.resolve("dispatcher.list") + ":2")
                                    .contains("99999").contains("expected");
        assertThat(failed.version()).isEqualTo(1);
        // Traffic still flows to the destination of the configuration in force.
        for (int i = 0; i < 5; i++) {
            assertThat(route()).isSameAs(a);
        }
        // The same broken content again (touched, rewritten identically): not reported again.
        write(dir.resolve("dispatcher.list"), "1 sip:127.0.0.1:" + b.port() + " 0 0\n1 sip:127.0.0.1:99999 0 0\n");
        sleep(800);
        assertThat(reloader.stats().failures()).isEqualTo(1);
        assertThat(reloader.stats().successes()).isZero();

        // Fixed, it is applied.
        write(dir.resolve("dispatcher.list"), list(b));
        assertThat(routedTo(b)).isLessThan(WITHIN_NANOS);
        assertThat(reloader.stats().successes()).isEqualTo(1);
    }

    @Test
    void aBrokenConfigurationFileNamesItsLineAndChangesNothing() {
        final SipPeer a = backend();
        start(list(a));
        final String broken = config("siplb.proxy.retry-after = 5s\nsiplb.proxy.max-attempts = -1\n");
        write(dir.resolve("siplb.conf"), broken);
        final int line = java.util.Arrays.asList(broken.split("\n")).indexOf("siplb.proxy.max-attempts = -1") + 1;
        assertThat(line).isPositive();
        final ReloadResult r = server.reloader().reload("test");
        assertThat(r.isSuccess()).isFalse();
        assertThat(r.message()).startsWith(dir.resolve("siplb.conf") + ":" + line + ": siplb.proxy.max-attempts: -1")
                               .contains("expected");
        write(dir.resolve("siplb.conf"), config("siplb.proxy { retry-after = \n"));
        assertThat(server.reloader().reload("test").message()).contains(dir.resolve("siplb.conf").toString())
                                                                .contains("expected: valid HOCON");
        assertThat(server.reloader().stats().failures()).isEqualTo(2);
        assertThat(server.proxy().runtime().version()).isEqualTo(1);
        assertThat(route()).isSameAs(a);
    }

    @Test
    void theStateOfDestinationsThatRemainSurvivesAReload() {
        final SipPeer a = backend();
        final SipPeer b = backend();
        final SipPeer c = backend();
        final Path conf = dir.resolve("siplb.conf");
        // call-load: the active calls are counted per destination; timers short so that transactions end quickly.
        write(conf, config("siplb.reload.watch = false\nsiplb.proxy.timers.t1 = 20ms\n").replace("round-robin",
                                                                                              "call-load"));
        start(conf, list(a, b));
        final DestinationState stateA = state(a);
        stateA.setAdminState(HealthState.INACTIVE, "operator");

        // One answered call at b.
        uac.send(invite("call1@uac"), siplb);
        assertThat(status(uac.receive(WAIT))).isEqualTo(100);
        final String inv = b.receive(WAIT);
        assertThat(inv).as("the INVITE at b; a got %s", a.receive(10)).isNotNull();
        b.send(response(inv, 200, "OK", "b1"), siplb);
        assertThat(status(uac.receive(WAIT))).isEqualTo(200);
        assertThat(state(b).activeCalls()).isEqualTo(1);

        write(dir.resolve("dispatcher.list"), list(a, b, c));
        final ReloadResult r = server.reloader().reload("test");
        assertThat(r.isSuccess()).as(r.message()).isTrue();
        assertThat(r.message()).contains("added 1/sip:127.0.0.1:" + c.port());

        assertThat(server.proxy().dispatcher().snapshot().set(1).destinations()).hasSize(3);
        final DestinationState a2 = state(a);
        assertThat(a2).isSameAs(stateA);
        assertThat(a2.health()).isEqualTo(HealthState.INACTIVE);
        assertThat(a2.lastTransition().reason()).isEqualTo("operator");
        assertThat(state(b).activeCalls()).isEqualTo(1);
        assertThat(server.stateful().callLoad().isConfirmed("call1@uac")).isTrue();
        // The least-loaded active destination is the new one; the inactive one gets nothing.
        uac.send(invite("call2@uac"), siplb);
        assertThat(status(uac.receive(WAIT))).isEqualTo(100);
        final String inv2 = c.receive(WAIT);
        assertThat(startLine(inv2)).startsWith("INVITE");
        assertThat(a.receive(200)).isNull();
        c.send(response(inv2, 486, "Busy Here", "c1"), siplb);
        assertThat(status(uac.receive(WAIT))).isEqualTo(486);
    }

    @Test
    void aTransactionUnderWayFinishesAtTheDestinationAReloadRemoved() {
        final SipPeer a = backend();
        final SipPeer b = backend();
        final Path conf = dir.resolve("siplb.conf");
        write(conf, config("siplb.reload.watch = false\n"));
        start(conf, list(a));
        uac.send(invite("inflight@uac"), siplb);
        assertThat(status(uac.receive(WAIT))).isEqualTo(100);
        final String inv = a.receive(WAIT);
        a.send(response(inv, 180, "Ringing", "a1"), siplb);
        assertThat(status(uac.receive(WAIT))).isEqualTo(180);

        write(dir.resolve("dispatcher.list"), list(b));
        assertThat(server.reloader().reload("test").isSuccess()).isTrue();
        assertThat(route()).isSameAs(b);

        // The call set up at a before the reload is answered there and reaches the caller.
        a.send(response(inv, 200, "OK", "a1"), siplb);
        assertThat(status(uac.receive(WAIT))).isEqualTo(200);
    }

    @Test
    void aChangedTlsCertificateIsPresentedToNewConnections() throws Exception {
        final io.siplb.proxy.testing.TestCertificates pki =
                io.siplb.proxy.testing.TestCertificates.create(Files.createDirectory(dir.resolve("pki")));
        final io.siplb.proxy.testing.TestCertificates.Issued first = pki.server();
        final io.siplb.proxy.testing.TestCertificates.Issued second =
                pki.issue("second", io.siplb.proxy.testing.TestCertificates.SERVER_NAMES);
        final SipPeer a = backend();
        final Path conf = dir.resolve("siplb.conf");
        write(conf, tlsConfig(first));
        start(conf, list(a));
        final InetSocketAddress tls = server.localAddress(io.siplb.dispatch.Transport.TLS);
        assertThat(presented(tls)).isEqualTo(first.serial());

        write(conf, tlsConfig(second));
        final ReloadResult r = server.reloader().reload("test");
        assertThat(r.isSuccess()).as(r.message()).isTrue();
        assertThat(r.needsRestart()).isEmpty();
        assertThat(presented(tls)).isEqualTo(second.serial());

        // A private key that does not belong to the certificate: refused, the second certificate stays.
        write(conf, tlsConfig(second).replace(second.privateKey().toString(), first.privateKey().toString()));
        assertThat(server.reloader().reload("test").isSuccess()).isFalse();
        assertThat(presented(tls)).isEqualTo(second.serial());
    }

    private static String tlsConfig(io.siplb.proxy.testing.TestCertificates.Issued cert) {
        return config("siplb.reload.watch = false\n"
                      + "siplb.tls { certificate = \"" + cert.certificate() + "\", private-key = \""
                      + cert.privateKey() + "\", reload-interval = 0s }\n")
                .replace("\"udp:127.0.0.1:0\"", "\"udp:127.0.0.1:0\", \"tls:127.0.0.1:0\"");
    }

    /** The serial number of the certificate siplb presents to a new TLS connection (not verified). */
    private static java.math.BigInteger presented(InetSocketAddress tls) throws Exception {
        final javax.net.ssl.SSLContext ctx = javax.net.ssl.SSLContext.getInstance("TLS");
        ctx.init(null, new javax.net.ssl.TrustManager[] { new javax.net.ssl.X509TrustManager() {
            @Override
            public void checkClientTrusted(java.security.cert.X509Certificate[] chain, String authType) {}

            @Override
            public void checkServerTrusted(java.security.cert.X509Certificate[] chain, String authType) {}

            @Override
            public java.security.cert.X509Certificate[] getAcceptedIssuers() {
                return new java.security.cert.X509Certificate[0];
            }
        } }, null);
        try (javax.net.ssl.SSLSocket s = (javax.net.ssl.SSLSocket) ctx.getSocketFactory()
                                                                       .createSocket(tls.getAddress(), tls.getPort())) {
            s.setSoTimeout(WAIT);
            s.startHandshake();
            return ((java.security.cert.X509Certificate) s.getSession().getPeerCertificates()[0]).getSerialNumber();
        }
    }

    @Test
    void rulesAndSettingsChangeWithoutRestartAndListenersAreReportedAsNeedingOne() {
        final SipPeer a = backend();
        final Path conf = dir.resolve("siplb.conf");
        write(conf, config("siplb.reload.watch = false\n"));
        start(conf, list(a));
        assertThat(route()).isSameAs(a);

        write(conf, config("siplb.reload.watch = false\n"
                           + "siplb.proxy.retry-after = 17s\n"
                           + "siplb.routing = [ { match { method = [OPTIONS] }, reject { code = 403 } }, "
                           + "{ dispatch { set = 1 } } ]\n")
                .replace("udp:127.0.0.1:0", "udp:127.0.0.1:0\", \"tcp:127.0.0.1:0"));
        final ReloadResult r = server.reloader().reload("admin API");
        assertThat(r.isSuccess()).as(r.message()).isTrue();
        assertThat(r.needsRestart()).containsExactly("siplb.listen");
        assertThat(server.localAddresses()).hasSize(1);
        assertThat(server.proxy().settings().retryAfter()).hasSeconds(17);

        uac.send(options("rejected@uac"), siplb);
        assertThat(status(uac.receive(WAIT))).isEqualTo(403);
        assertThat(a.receive(300)).isNull();
    }
}
