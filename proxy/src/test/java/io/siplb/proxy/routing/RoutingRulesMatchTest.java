package io.siplb.proxy.routing;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.siplb.codec.SipMessage;
import io.siplb.codec.SipMessageParser;
import io.siplb.dispatch.Algorithm;
import io.siplb.dispatch.Destination;
import io.siplb.dispatch.DestinationAttributes;
import io.siplb.dispatch.DestinationSet;
import io.siplb.dispatch.DispatchSnapshot;
import io.siplb.dispatch.Dispatcher;
import io.siplb.dispatch.DispatcherSettings;
import io.siplb.dispatch.KamailioHash;
import io.siplb.dispatch.SelectionKey;
import io.siplb.proxy.config.SiplbConfigLoader;

/**
 * Matching parsed requests against loaded rules: each condition, CIDR blocks of both families, source sets of a real
 * {@link Dispatcher}, header names in any case and compact form, and first match wins. Every parsed message is
 * released (the tests run with the paranoid leak detector). Not thread-safe; confined to the test thread.
 */
class RoutingRulesMatchTest {

    private static final InetSocketAddress CLIENT = new InetSocketAddress("203.0.113.9", 5060);

    @TempDir
    Path dir;

    private final List<SipMessage> parsed = new ArrayList<>();
    private Dispatcher dispatcher;
    private DispatchSnapshot snapshot;

    @BeforeEach
    void dispatcher() {
        // Set 1: a client-facing set; set 2: carriers, one without a port in its URI, one on IPv6.
        final DispatcherSettings settings =
                DispatcherSettings.builder()
                                  .addSet(DestinationSet.of(1, Algorithm.ROUND_ROBIN,
                                                            List.of(destination(1, "sip:127.0.0.1:5080"))))
                                  .addSet(DestinationSet.of(2, Algorithm.HASH_CALL_ID,
                                                            List.of(destination(2, "sip:192.0.2.10:5070"),
                                                                    destination(2, "sip:192.0.2.11"),
                                                                    destination(2, "sip:[2001:db8::10]:5060"),
                                                                    destination(2, "sip:unresolved.invalid:5060",
                                                                                Destination.FLAG_NODNSARES))))
                                  .source("test").build();
        dispatcher = Dispatcher.create(settings);
        snapshot = dispatcher.snapshot();
    }

    private static Destination destination(int set, String uri) {
        return destination(set, uri, 0);
    }

    private static Destination destination(int set, String uri, int flags) {
        return Destination.of(set, uri, flags, 0, DestinationAttributes.parse(""));
    }

    @AfterEach
    void release() {
        dispatcher.close();
        for (SipMessage m : parsed) {
            assertThat(m.release()).isTrue();
        }
    }

    private RoutingRules load(String... rules) throws IOException {
        final Path file = dir.resolve("siplb.conf");
        Files.write(file, ("siplb.routing = [\n" + String.join("\n", rules) + "\n]\n")
                .getBytes(StandardCharsets.UTF_8));
        return RoutingRulesLoader.load(SiplbConfigLoader.parse(file), file.toString(), 1);
    }

    /** Parses a request (released after the test); {@code extraHeaders} go after Call-ID, each ending in CRLF. */
    private SipMessage request(String method, String requestUri, String extraHeaders) {
        final String text = method + ' ' + requestUri + " SIP/2.0\r\n" +
                            "Via: SIP/2.0/UDP 203.0.113.9:5060;branch=z9hG4bK-" + parsed.size() + "\r\n" +
                            "Max-Forwards: 70\r\n" +
                            "From: \"Alice\" <sip:alice@atlanta.example.com>;tag=1928301774\r\n" +
                            "To: <sip:bob@biloxi.example.com>\r\n" +
                            "Call-ID: a84b4c76e66710@pc33.atlanta.example.com\r\n" +
                            extraHeaders +
                            "CSeq: 314159 " + method + "\r\n" +
                            "Content-Length: 0\r\n\r\n";
        final ByteBuf buf = Unpooled.copiedBuffer(text, StandardCharsets.UTF_8);
        try {
            final SipMessage m = new SipMessageParser().parse(buf);
            parsed.add(m);
            assertThat(m.decoderResult().isSuccess()).as(text).isTrue();
            return m;
        } finally {
            buf.release();
        }
    }

    private SipMessage invite() {
        return request("INVITE", "sip:bob@biloxi.example.com", "");
    }

    private static InetSocketAddress from(String ip, int port) {
        return new InetSocketAddress(ip, port);
    }

    /** Returns the index of the matching rule, or -1. */
    private int matched(RoutingRules rules, SipMessage m, InetSocketAddress source) {
        final RoutingRule r = rules.match(m, source, snapshot);
        return r == null ? -1 : r.index();
    }

    @Test
    void firstMatchWins() throws IOException {
        final RoutingRules rules = load(
                "{ match { source-set = 2 },                 dispatch { set = 1, algorithm = round-robin } }",
                "{ match { method = [REGISTER] },            dispatch { set = 3, algorithm = hash-from-uri } }",
                "{ match { request-uri-user = \"^\\\\+44\" },   dispatch { set = 4, algorithm = weighted } }",
                "{ match { header { name = \"X-Tenant\", value = \"^acme$\" } }, " +
                "dispatch { set = 5, algorithm = hash-key, key = \"header:X-Tenant\" } }",
                "{ match { method = [MESSAGE] },             reject { code = 403, reason = \"Forbidden\" } }",
                "{ dispatch { set = 1 } }");
        final SipMessage register = request("REGISTER", "sip:registrar.example.com", "");
        // A REGISTER from a carrier of set 2 takes rule 0, from anyone else rule 1.
        assertThat(matched(rules, register, from("192.0.2.10", 5070))).isZero();
        assertThat(matched(rules, register, CLIENT)).isEqualTo(1);
        final SipMessage uk = request("INVITE", "sip:+442079460000@gw.example.com;user=phone", "X-Tenant: acme\r\n");
        assertThat(matched(rules, uk, CLIENT)).isEqualTo(2);
        final SipMessage acme = request("MESSAGE", "sip:bob@biloxi.example.com", "x-tenant:acme\r\n");
        assertThat(matched(rules, acme, CLIENT)).isEqualTo(3);
        final SipMessage message = request("MESSAGE", "sip:bob@biloxi.example.com", "X-Tenant: acme-corp\r\n");
        assertThat(matched(rules, message, CLIENT)).isEqualTo(4);
        assertThat(rules.match(message, CLIENT, snapshot).action()).isEqualTo(new RuleAction.Reject(403, "Forbidden"));
        assertThat(matched(rules, invite(), CLIENT)).isEqualTo(5);
    }

    @Test
    void noRuleMatchesGivesNull() throws IOException {
        final RoutingRules rules = load("{ match { method = [REGISTER] }, dispatch { set = 3 } }");
        assertThat(rules.match(invite(), CLIENT, snapshot)).isNull();
    }

    @Test
    void methodsAreCaseSensitiveAndExtensionsAllowed() throws IOException {
        final RoutingRules rules = load("{ match { method = [INVITE, FOO] }, dispatch { set = 1 } }",
                                        "{ match { method = [invite] }, dispatch { set = 2 } }");
        assertThat(matched(rules, invite(), CLIENT)).isZero();
        assertThat(matched(rules, request("FOO", "sip:x@example.com", ""), CLIENT)).isZero();
        assertThat(matched(rules, request("invite", "sip:x@example.com", ""), CLIENT)).isEqualTo(1);
        assertThat(matched(rules, request("Foo", "sip:x@example.com", ""), CLIENT)).isEqualTo(-1);
        assertThat(matched(rules, request("BYE", "sip:x@example.com", ""), CLIENT)).isEqualTo(-1);
    }

    @Test
    void sourceBlocksOfBothFamilies() throws IOException {
        final RoutingRules rules = load(
                "{ match { source = \"192.0.2.0/24\" }, dispatch { set = 1 } }",
                "{ match { source = [\"2001:db8:abcd::/48\", \"198.51.100.7\"] }, dispatch { set = 2 } }",
                "{ match { source = \"10.1.2.3/9\" }, dispatch { set = 3 } }",
                "{ match { source = \"::/0\" }, dispatch { set = 4 } }",
                "{ match { source = \"0.0.0.0/0\" }, dispatch { set = 5 } }");
        final SipMessage m = invite();
        assertThat(matched(rules, m, from("192.0.2.0", 1))).isZero();
        assertThat(matched(rules, m, from("192.0.2.255", 1))).isZero();
        assertThat(matched(rules, m, from("192.0.3.1", 1))).isEqualTo(4); // only 0.0.0.0/0
        assertThat(matched(rules, m, from("2001:db8:abcd:12::1", 1))).isEqualTo(1);
        assertThat(matched(rules, m, from("2001:db8:abce::1", 1))).isEqualTo(3);
        assertThat(matched(rules, m, from("198.51.100.7", 1))).isEqualTo(1);
        assertThat(matched(rules, m, from("198.51.100.8", 1))).isEqualTo(4);
        // Host bits below the prefix are ignored: 10.1.2.3/9 is 10.0.0.0/9.
        assertThat(matched(rules, m, from("10.127.255.255", 1))).isEqualTo(2);
        assertThat(matched(rules, m, from("10.128.0.0", 1))).isEqualTo(4);
        assertThat(matched(rules, m, from("::1", 1))).isEqualTo(3);
    }

    @Test
    void ipv4MappedSourcesMatchIpv4Blocks() {
        final IpPrefix v4 = IpPrefix.parse("192.0.2.0/24");
        final byte[] mapped = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, (byte) 0xFF, (byte) 0xFF, (byte) 192, 0, 2, 77 };
        assertThat(v4.contains(mapped)).isTrue();
        mapped[10] = 0;
        assertThat(v4.contains(mapped)).isFalse();
        assertThat(IpPrefix.parse("2001:db8::/32").contains(new byte[] { (byte) 192, 0, 2, 1 })).isFalse();
    }

    @Test
    void sourceSetIsKamailiosDsIsFromList() throws IOException {
        final RoutingRules rules = load("{ match { source-set = 2 }, dispatch { set = 1 } }",
                                        "{ match { source-set = 2, source-set-ignore-port = true }, " +
                                        "dispatch { set = 2 } }",
                                        "{ match { source-set = 9 }, dispatch { set = 2 } }");
        final SipMessage m = invite();
        // IP and port of a destination.
        assertThat(matched(rules, m, from("192.0.2.10", 5070))).isZero();
        // Same IP, other port: only with source-set-ignore-port.
        assertThat(matched(rules, m, from("192.0.2.10", 5060))).isEqualTo(1);
        // A destination without a port in its URI matches any port, as in Kamailio.
        assertThat(matched(rules, m, from("192.0.2.11", 40000))).isZero();
        assertThat(matched(rules, m, from("2001:db8::10", 5060))).isZero();
        assertThat(matched(rules, m, from("2001:db8::10", 5061))).isEqualTo(1);
        // Set 1's destination is not in set 2; set 9 does not exist; unresolved destinations never match.
        assertThat(matched(rules, m, from("127.0.0.1", 5080))).isEqualTo(-1);
        assertThat(matched(rules, m, from("192.0.2.12", 5070))).isEqualTo(-1);
        assertThat(rules.problems(snapshot))
                .containsExactly(rules.rules().get(2).origin() +
                                 ": siplb.routing[2].match.source-set: 9 (expected: a set of the dispatcher: 1, 2)");
    }

    @Test
    void sourceSetFollowsTheSnapshotPassedIn() throws IOException {
        final RoutingRules rules = load("{ match { source-set = 2 }, dispatch { set = 1 } }");
        final SipMessage m = invite();
        final InetSocketAddress newCarrier = from("192.0.2.99", 5060);
        assertThat(matched(rules, m, newCarrier)).isEqualTo(-1);
        dispatcher.reload(DispatcherSettings.builder()
                                            .addSet(DestinationSet.of(2, Algorithm.ROUND_ROBIN,
                                                                      List.of(destination(2, "sip:192.0.2.99:5060"))))
                                            .source("reload").build());
        final DispatchSnapshot before = snapshot;
        snapshot = dispatcher.snapshot();
        assertThat(matched(rules, m, newCarrier)).isZero();
        assertThat(rules.match(m, newCarrier, before)).isNull();
    }

    @Test
    void requestUriUserAndHostAreFoundNotMatched() throws IOException {
        final RoutingRules rules = load("{ match { request-uri-user = \"^\\\\+44\" }, dispatch { set = 1 } }",
                                        "{ match { request-uri-user = \"0000\", request-uri-host = \"^gw\\\\.\" }, " +
                                        "dispatch { set = 2 } }",
                                        "{ match { request-uri-host = \"example\" }, dispatch { set = 3 } }",
                                        "{ match { request-uri-host = \"^\\\\[2001:db8::\" }, dispatch { set = 4 } }");
        assertThat(matched(rules, request("INVITE", "sip:+442079460000@gw.example.com", ""), CLIENT)).isZero();
        assertThat(matched(rules, request("INVITE", "sip:00004420@gw.example.com", ""), CLIENT)).isEqualTo(1);
        assertThat(matched(rules, request("INVITE", "sip:00004420@proxy.example.com", ""), CLIENT)).isEqualTo(2);
        // A Request-URI without a user matches no user expression.
        assertThat(matched(rules, request("OPTIONS", "sip:gw.example.com", ""), CLIENT)).isEqualTo(2);
        assertThat(matched(rules, request("OPTIONS", "sip:[2001:db8::1]:5060", ""), CLIENT)).isEqualTo(3);
        assertThat(matched(rules, request("OPTIONS", "sip:192.0.2.1", ""), CLIENT)).isEqualTo(-1);
        // The number of a tel: URI is its user; it has no host.
        assertThat(matched(rules, request("INVITE", "tel:+442079460000", ""), CLIENT)).isZero();
    }

    @Test
    void headerNamesInAnyCaseAndCompactForm() throws IOException {
        final RoutingRules rules = load(
                "{ match { header { name = Subject, value = \"urgent\" } }, dispatch { set = 1 } }",
                "{ match { header { name = \"call-id\", value = \"^special-\" } }, dispatch { set = 2 } }",
                "{ match { header { name = \"X-Tenant\" } }, dispatch { set = 3 } }",
                "{ match { header = [ { name = \"Supported\", value = \"timer\" }, { name = \"P-Asserted-Identity\" } ] }, " +
                "dispatch { set = 4 } }");
        // s is the compact form of Subject.
        assertThat(matched(rules, request("INVITE", "sip:b@example.com", "s: Very urgent\r\n"), CLIENT)).isZero();
        assertThat(matched(rules, request("INVITE", "sip:b@example.com", "SUBJECT: urgent\r\n"), CLIENT)).isZero();
        assertThat(matched(rules, request("INVITE", "sip:b@example.com", "Subject: later\r\n"), CLIENT))
                .isEqualTo(-1);
        // Any of the fields of the header may hold the value.
        assertThat(matched(rules, request("INVITE", "sip:b@example.com",
                                          "Subject: later\r\nSubject: urgent too\r\n"), CLIENT)).isZero();
        // An unknown header, present in any case; k is Supported.
        assertThat(matched(rules, request("INVITE", "sip:b@example.com", "x-TENANT: \r\n"), CLIENT)).isEqualTo(2);
        assertThat(matched(rules, request("INVITE", "sip:b@example.com", "X-Tenants: a\r\n"), CLIENT)).isEqualTo(-1);
        assertThat(matched(rules, request("INVITE", "sip:b@example.com",
                                          "k: 100rel, timer\r\np-asserted-identity: <sip:a@example.com>\r\n"),
                           CLIENT)).isEqualTo(3);
        assertThat(matched(rules, request("INVITE", "sip:b@example.com", "k: timer\r\n"), CLIENT)).isEqualTo(-1);
    }

    @Test
    void compactCallIdIsFoundByItsLongName() throws IOException {
        final RoutingRules rules = load("{ match { header { name = \"Call-ID\", value = \"^special-\" } }, " +
                                        "dispatch { set = 2 } }");
        final String text = "INVITE sip:b@example.com SIP/2.0\r\n" +
                            "v: SIP/2.0/UDP 203.0.113.9;branch=z9hG4bK-c\r\n" +
                            "f: <sip:a@example.com>;tag=1\r\nt: <sip:b@example.com>\r\n" +
                            "i: special-1@example.com\r\nCSeq: 1 INVITE\r\nl: 0\r\n\r\n";
        final ByteBuf buf = Unpooled.copiedBuffer(text, StandardCharsets.UTF_8);
        final SipMessage m = new SipMessageParser().parse(buf);
        buf.release();
        parsed.add(m);
        assertThat(matched(rules, m, CLIENT)).isZero();
        assertThat(matched(rules, invite(), CLIENT)).isEqualTo(-1);
    }

    @Test
    void conditionsOfOneRuleMustAllHold() throws IOException {
        final RoutingRules rules = load("{ match { method = [INVITE], source = \"203.0.113.0/24\", " +
                                        "header { name = \"X-Tenant\" } }, dispatch { set = 1 } }");
        assertThat(matched(rules, request("INVITE", "sip:b@example.com", "X-Tenant: a\r\n"), CLIENT)).isZero();
        assertThat(matched(rules, request("INVITE", "sip:b@example.com", ""), CLIENT)).isEqualTo(-1);
        assertThat(matched(rules, request("BYE", "sip:b@example.com", "X-Tenant: a\r\n"), CLIENT)).isEqualTo(-1);
        assertThat(matched(rules, request("INVITE", "sip:b@example.com", "X-Tenant: a\r\n"), from("192.0.2.1", 1)))
                .isEqualTo(-1);
    }

    @Test
    void problemsNameRulesWhoseSetIsMissing() throws IOException {
        final RoutingRules rules = load("{ match { method = [REGISTER] }, dispatch { set = 7 } }",
                                        "{ match { method = [MESSAGE] }, reject { code = 403 } }",
                                        "{ dispatch { set = 1 } }");
        assertThat(rules.problems(snapshot)).containsExactly(
                dir.resolve("siplb.conf") + ":2: siplb.routing[0].dispatch.set: 7 (expected: a set of the dispatcher: 1, 2)");
        final DispatchSnapshot empty = Dispatcher.create(DispatcherSettings.builder().source("none").build()).snapshot();
        assertThat(rules.problems(empty)).hasSize(2);
        assertThat(rules.problems(empty).get(1)).endsWith("siplb.routing[2].dispatch.set: 1 (expected: a set of the " +
                                                          "dispatcher: it has none)");
    }

    @Test
    void keysOfEveryKind() {
        final SipMessage m = request("INVITE", "sip:+4420@gw.example.com:5070",
                                     "Proxy-Authorization: Digest username=\"carol\", realm=\"x\"\r\n" +
                                     "X-Tenant:  acme \r\n");
        assertThat(hash(KeySpec.parse("call-id"), m)).isEqualTo(KamailioHash.hash("a84b4c76e66710@pc33.atlanta.example.com"));
        assertThat(hash(KeySpec.parse("from-uri"), m)).isEqualTo(KamailioHash.hash("alice", "atlanta.example.com"));
        assertThat(hash(KeySpec.parse("From-User"), m)).isEqualTo(KamailioHash.hash("alice"));
        assertThat(hash(KeySpec.parse("to-uri"), m)).isEqualTo(KamailioHash.hash("bob", "biloxi.example.com"));
        assertThat(hash(KeySpec.parse("to-user"), m)).isEqualTo(KamailioHash.hash("bob"));
        assertThat(hash(KeySpec.parse("request-uri"), m)).isEqualTo(KamailioHash.hash("+4420", "gw.example.com:5070"));
        assertThat(hash(KeySpec.parse("request-uri-user"), m)).isEqualTo(KamailioHash.hash("+4420"));
        assertThat(hash(KeySpec.parse("auth-username"), m)).isEqualTo(KamailioHash.hash("carol"));
        assertThat(hash(KeySpec.parse("header:x-tenant"), m)).isEqualTo(KamailioHash.hash("acme"));
        assertThat(KeySpec.parse("header:X-Missing").keyOf(m)).isSameAs(SelectionKey.NONE);
        assertThat(KeySpec.NONE.keyOf(m)).isSameAs(SelectionKey.NONE);
        assertThat(KeySpec.parse(" header:X-Tenant ").toString()).isEqualTo("header:X-Tenant");
        assertThat(KeySpec.parse("header:x-tenant")).isEqualTo(KeySpec.parse("header:X-TENANT"));

        // A request without the part: no key.
        final SipMessage noUser = request("OPTIONS", "sip:gw.example.com", "");
        assertThat(KeySpec.parse("request-uri-user").keyOf(noUser)).isSameAs(SelectionKey.NONE);
        assertThat(KeySpec.parse("auth-username").keyOf(noUser)).isSameAs(SelectionKey.NONE);
    }

    @Test
    void defaultKeysAreTheForwardersKeys() {
        final SipMessage m = request("INVITE", "sip:bob@Example.com:5070;transport=udp",
                                     "Proxy-Authorization: Digest username=\"carol\", realm=\"x\"\r\n");
        assertThat(hash(KeySpec.defaultFor(Algorithm.HASH_CALL_ID), m))
                .isEqualTo(KamailioHash.hash("a84b4c76e66710@pc33.atlanta.example.com"));
        assertThat(KeySpec.defaultFor(Algorithm.HASH_KEY)).isEqualTo(KeySpec.parse("call-id"));
        assertThat(hash(KeySpec.defaultFor(Algorithm.HASH_FROM_URI), m))
                .isEqualTo(KamailioHash.hash("alice", "atlanta.example.com"));
        assertThat(hash(KeySpec.defaultFor(Algorithm.HASH_TO_URI), m))
                .isEqualTo(KamailioHash.hash("bob", "biloxi.example.com"));
        assertThat(hash(KeySpec.defaultFor(Algorithm.HASH_REQUEST_URI), m))
                .isEqualTo(KamailioHash.hash("bob", "Example.com:5070"));
        assertThat(hash(KeySpec.defaultFor(Algorithm.HASH_AUTH_USERNAME), m)).isEqualTo(KamailioHash.hash("carol"));
        for (Algorithm a : Algorithm.values()) {
            if (!a.isHash()) {
                assertThat(KeySpec.defaultFor(a)).isSameAs(KeySpec.NONE);
                assertThat(KeySpec.defaultFor(a).keyOf(m)).isSameAs(SelectionKey.NONE);
            }
        }
    }

    private static int hash(KeySpec spec, SipMessage m) {
        final SelectionKey k = spec.keyOf(m);
        assertThat(k.isPresent()).as(spec.toString()).isTrue();
        return k.hash();
    }
}
