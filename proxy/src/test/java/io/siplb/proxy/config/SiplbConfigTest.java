package io.siplb.proxy.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.siplb.dispatch.Algorithm;
import io.siplb.dispatch.DestinationSet;

/**
 * Loading siplb configurations: defaults, every key, and errors that name the file, line or key and the expected value.
 * Not thread-safe; confined to the test thread.
 */
class SiplbConfigTest {

    @TempDir
    Path dir;

    private Path write(String name, String text) throws IOException {
        final Path file = dir.resolve(name);
        Files.write(file, text.getBytes(StandardCharsets.UTF_8));
        return file;
    }

    @Test
    void defaultConfigurationOfTheRepositoryLoads() {
        final Path file = Paths.get("..", "conf", "siplb.conf");
        final SiplbConfig config = SiplbConfig.load(file);
        final ProxySettings p = config.proxy();
        assertThat(p.listen()).containsExactly(
                ListenAddress.udp(new InetSocketAddress("127.0.0.1", 5060)),
                ListenAddress.of(ListenAddress.Protocol.TCP, new InetSocketAddress("127.0.0.1", 5060)),
                ListenAddress.of(ListenAddress.Protocol.TLS, new InetSocketAddress("127.0.0.1", 5061)),
                ListenAddress.of(ListenAddress.Protocol.WS, new InetSocketAddress("127.0.0.1", 5066)));
        assertThat(p.connections()).isEqualTo(ConnectionSettings.defaults());
        assertThat(p.defaultSet()).isEqualTo(1);
        assertThat(p.recordRoute()).isTrue();
        assertThat(p.advertisedHost()).isNull();
        assertThat(p.retryAfter()).isEqualTo(Duration.ofSeconds(5));
        final DestinationSet set = config.dispatcher().set(1);
        assertThat(set).isNotNull();
        assertThat(set.algorithm()).isEqualTo(Algorithm.HASH_CALL_ID);
        assertThat(set.destinations()).extracting(d -> d.address().getPort()).containsExactlyInAnyOrder(5080, 5082);
    }

    @Test
    void emptyFileTakesEveryDefault() throws IOException {
        final SiplbConfig config = SiplbConfig.load(write("empty.conf", ""));
        assertThat(config.proxy().listen()).hasSize(1);
        assertThat(config.proxy().listen().get(0).toString()).isEqualTo("udp:127.0.0.1:5060");
        assertThat(config.proxy().ioTransport()).isEqualTo(ProxySettings.IoTransport.AUTO);
        assertThat(config.proxy().shutdownQuietPeriod()).isEqualTo(Duration.ofMillis(100));
        assertThat(config.proxy().receiveBufferSize()).isEqualTo(ProxySettings.DEFAULT_RECEIVE_BUFFER_SIZE);
        assertThat(config.proxy().sendBufferSize()).isZero();
        assertThat(config.dispatcher().sets()).isEmpty();
    }

    @Test
    void everyProxyKeyIsRead() throws IOException {
        final Path file = write("all.conf",
                                "siplb {\n" +
                                "  listen = [\"udp:127.0.0.1:0\", \"udp:[::1]:5070\"]\n" +
                                "  io { threads = 3, transport = nio, receive-buffer = 1m, send-buffer = 64k }\n" +
                                "  proxy { default-set = 4, advertised-address = \"sip.example.com:5099\",\n" +
                                "          record-route = false, retry-after = 30s }\n" +
                                "  shutdown { quiet-period = 1s, timeout = 5s }\n" +
                                "  dns { servers = [\"192.0.2.53\", \"192.0.2.54:5353\", \"[2001:db8::53]:53\"]," +
                                " timeout = 750ms }\n" +
                                "}\n");
        final ProxySettings p = SiplbConfig.load(file).proxy();
        assertThat(p.dnsServers()).containsExactly(new InetSocketAddress("192.0.2.53", 53),
                                                   new InetSocketAddress("192.0.2.54", 5353),
                                                   new InetSocketAddress("2001:db8::53", 53));
        assertThat(p.dnsTimeout()).isEqualTo(Duration.ofMillis(750));
        assertThat(p.listen()).extracting(ListenAddress::toString)
                              .containsExactly("udp:127.0.0.1:0", "udp:[::1]:5070");
        assertThat(p.ioThreads()).isEqualTo(3);
        assertThat(p.ioTransport()).isEqualTo(ProxySettings.IoTransport.NIO);
        assertThat(p.receiveBufferSize()).isEqualTo(1024 * 1024);
        assertThat(p.sendBufferSize()).isEqualTo(64 * 1024);
        assertThat(p.defaultSet()).isEqualTo(4);
        assertThat(p.advertisedHost()).isEqualTo("sip.example.com");
        assertThat(p.advertisedPort()).isEqualTo(5099);
        assertThat(p.recordRoute()).isFalse();
        assertThat(p.retryAfter()).isEqualTo(Duration.ofSeconds(30));
        assertThat(p.shutdownQuietPeriod()).isEqualTo(Duration.ofSeconds(1));
        assertThat(p.shutdownTimeout()).isEqualTo(Duration.ofSeconds(5));
    }

    @Test
    void badHoconNamesTheFileAndLine() throws IOException {
        final Path file = write("bad.conf", "siplb {\n  listen = [\"udp:127.0.0.1:5060\"\n  io.threads = 2\n");
        assertThatThrownBy(() -> SiplbConfig.load(file))
                .isInstanceOf(SiplbConfigException.class)
                .hasMessageContaining("bad.conf")
                .hasMessageMatching("(?s).*bad\\.conf: [34]:.*")
                .hasMessageContaining("expected");
    }

    @Test
    void missingFileIsNamed() {
        final Path file = dir.resolve("nope.conf");
        assertThatThrownBy(() -> SiplbConfig.load(file))
                .isInstanceOf(SiplbConfigException.class)
                .hasMessage(file + ": no such file (expected: a readable HOCON configuration file)");
    }

    @Test
    void everyTransportListensAndADuplicateEntryIsRejectedNamingTheKeyAndLine() throws IOException {
        final Path ok = write("all.conf", "siplb.listen = [\"udp:127.0.0.1:5060\", \"tcp:127.0.0.1:5060\", "
                                          + "\"tls:[::1]:5061\", \"ws:127.0.0.1:8080\", \"wss:127.0.0.1:8443\"]\n");
        assertThat(SiplbConfig.load(ok).proxy().listen()).extracting(ListenAddress::protocol)
                .containsExactly(ListenAddress.Protocol.UDP, ListenAddress.Protocol.TCP, ListenAddress.Protocol.TLS,
                                 ListenAddress.Protocol.WS, ListenAddress.Protocol.WSS);
        final Path file = write("tcp.conf", "siplb {\n  listen = [\n    \"tcp:127.0.0.1:5060\"\n" +
                                            "    \"tcp:127.0.0.1:5060\"\n  ]\n}\n");
        assertThatThrownBy(() -> SiplbConfig.load(file))
                .isInstanceOf(SiplbConfigException.class)
                .hasMessageContaining(file + ":4: siplb.listen[1]: \"tcp:127.0.0.1:5060\" is listed twice");
    }

    @Test
    void connectionSettingsAreReadAndCheckedNamingTheKeyAndLine() throws IOException {
        final Path ok = write("conn.conf", "siplb.connections { idle-timeout = 30s, max = 50, max-per-ip = 5 }\n"
                                           + "siplb.websocket { path = \"/sip\", origins = [\"https://a.example\"] }\n");
        final ConnectionSettings c = SiplbConfig.load(ok).proxy().connections();
        assertThat(c.idleTimeout()).isEqualTo(java.time.Duration.ofSeconds(30));
        assertThat(c.maxConnections()).isEqualTo(50);
        assertThat(c.maxPerSourceIp()).isEqualTo(5);
        assertThat(c.webSocketPath()).isEqualTo("/sip");
        assertThat(c.webSocketOrigins()).containsExactly("https://a.example");
        final Path perIp = write("perip.conf", "siplb.connections {\n  max = 10\n  max-per-ip = 11\n}\n");
        assertThatThrownBy(() -> SiplbConfig.load(perIp)).isInstanceOf(SiplbConfigException.class)
                .hasMessageContaining("siplb.connections.max-per-ip: 11 (expected: 1..max = 10)");
        final Path path = write("path.conf", "siplb.websocket.path = \"sip\"\n");
        assertThatThrownBy(() -> SiplbConfig.load(path)).isInstanceOf(SiplbConfigException.class)
                .hasMessageContaining(path + ":1: siplb.websocket.path: \"sip\" (expected: \"\" or a path");
        final Path unknown = write("unknown.conf", "siplb.connections.idle = 5s\n");
        assertThatThrownBy(() -> SiplbConfig.load(unknown)).isInstanceOf(SiplbConfigException.class)
                .hasMessageContaining(unknown + ":1: siplb.connections.idle: unknown key");
    }

    @Test
    void malformedListenEntriesSayWhatIsExpected() throws IOException {
        assertListenError("\"udp:127.0.0.1\"", "(expected: udp|tcp|tls|ws|wss:HOST:PORT");
        assertListenError("\"udp:127.0.0.1:70000\"", "port 70000 (expected: 0..65535)");
        assertListenError("\"sctp:127.0.0.1:5060\"", "unknown transport 'sctp'");
        assertListenError("\"udp:[::1:5060\"", "(expected: udp|tcp|tls|ws|wss:HOST:PORT");
        assertListenError("5060", "(expected: a list of strings like [\"udp:127.0.0.1:5060\"])");
        assertListenError("[]", "[] (expected: at least one udp:HOST:PORT)");
    }

    @Test
    void dnsServersMustBeIpLiteralsAndTheTimeoutInRange() throws IOException {
        final Path name = write("dns.conf", "siplb {\n  dns.servers = [\n    \"192.0.2.53\"\n" +
                                            "    \"ns.example.com\"\n  ]\n}\n");
        assertThatThrownBy(() -> SiplbConfig.load(name))
                .isInstanceOf(SiplbConfigException.class)
                .hasMessage(name + ":2: siplb.dns.servers: entry 1 \"ns.example.com\" (expected: IP or IP:PORT, " +
                            "e.g. 192.0.2.53, 192.0.2.53:5353 or [2001:db8::53]:53)");
        final Path port = write("dnsport.conf", "siplb.dns.servers = [\"192.0.2.53:0\"]\n");
        assertThatThrownBy(() -> SiplbConfig.load(port)).hasMessageContaining(port + ":1: siplb.dns.servers: entry 0");
        final Path timeout = write("dnstimeout.conf", "siplb.dns.timeout = 2m\n");
        assertThatThrownBy(() -> SiplbConfig.load(timeout))
                .hasMessage(timeout + ":1: siplb.dns.timeout: PT2M (expected: 1ms..60s)");
        assertThat(SiplbConfig.load(write("nodns.conf", "")).proxy().dnsServers()).isEmpty();
    }

    private void assertListenError(String value, String expected) throws IOException {
        final Path file = write("listen.conf", "# listeners\nsiplb.listen = " + value + '\n');
        assertThatThrownBy(() -> SiplbConfig.load(file))
                .isInstanceOf(SiplbConfigException.class)
                .hasMessageStartingWith(file + ":2: siplb.listen")
                .hasMessageContaining(expected);
    }

    @Test
    void wrongTypesAndRangesNameTheKey() throws IOException {
        final Path threads = write("threads.conf", "siplb.io.threads = many\n");
        assertThatThrownBy(() -> SiplbConfig.load(threads))
                .isInstanceOf(SiplbConfigException.class)
                .hasMessageContaining("threads.conf: 1")
                .hasMessageContaining("siplb.io.threads");
        final Path transport = write("transport.conf", "siplb.io.transport = kqueue\n");
        assertThatThrownBy(() -> SiplbConfig.load(transport))
                .hasMessage(transport + ":1: siplb.io.transport: \"kqueue\" (expected: auto, epoll or nio)");
        final Path buffer = write("buffer.conf", "siplb.io.receive-buffer = lots\n");
        assertThatThrownBy(() -> SiplbConfig.load(buffer))
                .isInstanceOf(SiplbConfigException.class)
                .hasMessageContaining("buffer.conf: 1")
                .hasMessageContaining("siplb.io.receive-buffer");
        final Path set = write("set.conf", "\nsiplb.proxy.default-set = -1\n");
        assertThatThrownBy(() -> SiplbConfig.load(set))
                .hasMessage(set + ":2: siplb.proxy.default-set: -1 (expected: >= 0)");
        final Path advertised = write("adv.conf", "siplb.proxy.advertised-address = \"host:99999\"\n");
        assertThatThrownBy(() -> SiplbConfig.load(advertised))
                .hasMessageStartingWith(advertised + ":1: siplb.proxy.advertised-address: \"host:99999\": port")
                .hasMessageContaining("expected: 1..65535");
    }

    @Test
    void wildcardListenerNeedsAnAdvertisedAddress() throws IOException {
        final Path file = write("any.conf", "siplb.listen = [\"udp:0.0.0.0:5060\"]\n");
        assertThatThrownBy(() -> SiplbConfig.load(file))
                .isInstanceOf(SiplbConfigException.class)
                .hasMessageContaining(file + ":1: siplb.listen")
                .hasMessageContaining("siplb.proxy.advertised-address");
        final Path ok = write("any-ok.conf", "siplb.listen = [\"udp:0.0.0.0:5060\"]\n" +
                                             "siplb.proxy.advertised-address = \"[2001:db8::1]\"\n");
        final ProxySettings p = SiplbConfig.load(ok).proxy();
        assertThat(p.advertisedHost()).isEqualTo("[2001:db8::1]");
        assertThat(p.advertisedPort()).isEqualTo(-1);
    }

    @Test
    void badListFileLineNamesTheListFileLineAndExpectation() throws IOException {
        write("dispatcher.list", "# set uri flags priority attrs\n" +
                                 "1 sip:127.0.0.1:5080 0 0\n" +
                                 "1 sip:127.0.0.1:5082 notaflag\n");
        final Path file = write("list.conf", "siplb.dispatcher.list-file = \"dispatcher.list\"\n");
        assertThatThrownBy(() -> SiplbConfig.load(file))
                .isInstanceOf(SiplbConfigException.class)
                .hasMessageContaining("dispatcher.list:3")
                .hasMessageContaining("notaflag")
                .hasMessageContaining("expected");
    }

    @Test
    void listFileDestinationsAreLoaded() throws IOException {
        write("dispatcher.list", "2 sip:127.0.0.1:5090\n2 sip:127.0.0.1:5092\n");
        final Path file = write("list-ok.conf", "siplb.dispatcher.list-file = \"dispatcher.list\"\n" +
                                                "siplb.proxy.default-set = 2\n");
        final SiplbConfig config = SiplbConfig.load(file);
        assertThat(config.dispatcher().set(2).destinations()).hasSize(2);
    }
    @Test
    void transactionAndProbingKeysAreRead() throws IOException {
        final Path file = write("txn.conf",
                "siplb.proxy { mode = stateful, timers { t1 = 250ms, t2 = 2s, t4 = 3s, timer-c = 200s },\n" +
                "  fr-timeout = 1s, fr-inv-timeout = 30s, failover-codes = [503, 408], max-attempts = 2,\n" +
                "  max-transactions = 5000 }\n" +
                "siplb.dispatcher.probing { interval = 5s, mode = all, method = INFO, from = \"sip:lb@example.com\",\n" +
                "  timeout = 1s, reply-codes = \"class=2;code=404\" }\n");
        final ProxySettings p = SiplbConfig.load(file).proxy();
        final TransactionSettings t = p.transactions();
        assertThat(p.mode()).isEqualTo(ProxySettings.Mode.STATEFUL);
        assertThat(t.t1()).isEqualTo(Duration.ofMillis(250));
        assertThat(t.t2()).isEqualTo(Duration.ofSeconds(2));
        assertThat(t.t4()).isEqualTo(Duration.ofSeconds(3));
        assertThat(t.timerC()).isEqualTo(Duration.ofSeconds(200));
        assertThat(t.frTimeout()).isEqualTo(Duration.ofSeconds(1));
        assertThat(t.frInvTimeout()).isEqualTo(Duration.ofSeconds(30));
        assertThat(t.failoverCodes()).containsExactly(408, 503);
        assertThat(t.isFailoverCode(503)).isTrue();
        assertThat(t.isFailoverCode(500)).isFalse();
        assertThat(t.maxAttempts()).isEqualTo(2);
        assertThat(t.maxTransactions()).isEqualTo(5000);
        final ProbeSettings probing = p.probing();
        assertThat(probing.interval()).isEqualTo(Duration.ofSeconds(5));
        assertThat(probing.mode()).isEqualTo(ProbeSettings.Mode.ALL);
        assertThat(probing.method()).isEqualTo("INFO");
        assertThat(probing.from()).isEqualTo("sip:lb@example.com");
        assertThat(probing.isSuccess(202)).isTrue();
        assertThat(probing.isSuccess(404)).isTrue();
        assertThat(probing.isSuccess(403)).isFalse();
        assertThat(SiplbConfig.load(write("default.conf", "")).proxy().mode())
                .isEqualTo(ProxySettings.Mode.STATEFUL);
    }

    @Test
    void badTransactionAndProbingValuesNameFileLineKeyAndExpectation() throws IOException {
        assertError("siplb.proxy.mode = statefull", "bad1.conf:1: siplb.proxy.mode: \"statefull\" (expected: stateful or stateless)");
        assertError("siplb.proxy.timers.t1 = 20s", "bad2.conf:1: siplb.proxy.timers.t1: PT20S (expected: PT0.001S..PT10S)");
        assertError("siplb.proxy.timers { t1 = 2s, t2 = 1s }", "bad3.conf:1: siplb.proxy.timers.t2: PT1S (expected: PT2S..PT1M)");
        assertError("siplb.proxy.fr-timeout = 1ms", "bad4.conf:1: siplb.proxy.fr-timeout: PT0.001S (expected: PT0.01S..PT5M)");
        assertError("siplb.proxy.failover-codes = [200]", "bad5.conf:1: siplb.proxy.failover-codes: 200 (expected: 300..699)");
        assertError("siplb.proxy.max-attempts = -1", "bad6.conf:1: siplb.proxy.max-attempts: -1 (expected: >= 0, 0 = every destination)");
        assertError("siplb.proxy.max-transactions = 0", "bad7.conf:1: siplb.proxy.max-transactions: 0 (expected: 1..10000000)");
        assertError("siplb.dispatcher.probing.mode = some", "bad8.conf:1: siplb.dispatcher.probing.mode: \"some\" (expected: all, inactive or flagged)");
        assertError("siplb.dispatcher.probing.reply-codes = \"class=9\"", "bad9.conf:1: siplb.dispatcher.probing.reply-codes: \"class=9\" (expected: class=N and code=NNN");
        assertError("siplb.dispatcher.probing.intervall = 1s", "bad10.conf:1: siplb.dispatcher.probing.intervall: unknown key");
    }

    @Test
    void algorithmsTheModeDoesNotFeedAreRefusedWithTheReason() throws IOException {
        final String sets = "siplb.dispatcher.sets = [ { id = 1, algorithm = %s, destinations = [\"sip:192.0.2.1:5060\"] } ]\n";
        assertError("siplb.proxy.mode = stateless\n" + String.format(sets, "call-load"),
                    "set 1: algorithm call-load: call-load counts the calls of each destination, which only a "
                    + "stateful siplb sees end (expected: siplb.proxy.mode = stateful");
        assertError("siplb.proxy.mode = stateless\n" + String.format(sets, "parallel"),
                    "set 1: algorithm parallel: parallel forking needs a transaction per branch");
        assertError(String.format(sets, "round-robin-overload-control"),
                    "siplb reads no RFC 7339 overload-control feedback yet");
        assertError(String.format(sets, "hash-key"),
                    "siplb.dispatcher: set 1: algorithm hash-key: siplb.proxy.default-set sends every initial request to this set, and hash-key hashes the key a routing rule names, and it names none");
        // Stateless mode takes round-robin (hashed over the Call-ID), stateful mode call-load.
        SiplbConfig.load(write("rr.conf", "siplb.proxy.mode = stateless\n" + String.format(sets, "round-robin")));
        SiplbConfig.load(write("cl.conf", String.format(sets, "call-load")));
    }

    private void assertError(String text, String expected) throws IOException {
        final String name = "bad" + Integer.toHexString(text.hashCode()) + ".conf";
        final Path file = write(expected.startsWith("bad") ? expected.substring(0, expected.indexOf(':')) : name, text);
        assertThatThrownBy(() -> SiplbConfig.load(file)).isInstanceOf(SiplbConfigException.class)
                .hasMessageContaining(expected.startsWith("bad") ? file.toString() + expected.substring(expected.indexOf(':'))
                                                                 : expected);
    }
}
