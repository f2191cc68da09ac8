package io.siplb.proxy.routing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.typesafe.config.ConfigFactory;

import io.siplb.dispatch.Algorithm;
import io.siplb.proxy.config.SiplbConfig;
import io.siplb.proxy.config.SiplbConfigException;
import io.siplb.proxy.config.SiplbConfigLoader;

/**
 * Reading {@code siplb.routing}: every condition and action, the defaults, and every error naming the file, the line,
 * the key path, the value and the expectation. Not thread-safe; confined to the test thread.
 */
class RoutingRulesLoaderTest {

    @TempDir
    Path dir;

    private Path file;

    /** Loads a file whose line 1 is {@code siplb.routing = [} and whose rules start on line 2. */
    private RoutingRules load(String... rules) throws IOException {
        return loadText("siplb.routing = [\n" + String.join("\n", rules) + "\n]\n");
    }

    private RoutingRules loadText(String text) throws IOException {
        file = dir.resolve("siplb.conf");
        Files.write(file, text.getBytes(StandardCharsets.UTF_8));
        return RoutingRulesLoader.load(SiplbConfigLoader.parse(file), file.toString(), 1);
    }

    /** Asserts that loading {@code rules} fails with {@code FILE:LINE: KEY: } and the other fragments. */
    private void fails(String[] rules, int line, String key, String... fragments) {
        assertThatThrownBy(() -> load(rules))
                .isInstanceOf(SiplbConfigException.class)
                .hasMessageContaining(file + ":" + line + ": " + key + ": ")
                .hasMessageContaining("(expected: ")
                .satisfies(e -> {
                    for (String f : fragments) {
                        assertThat(e.getMessage()).contains(f);
                    }
                });
    }

    private static String[] rules(String... rules) {
        return rules;
    }

    @Test
    void absentOrEmptyIsOneRuleToTheDefaultSet() throws IOException {
        file = dir.resolve("siplb.conf");
        Files.write(file, "siplb.proxy.default-set = 4\n".getBytes(StandardCharsets.UTF_8));
        final RoutingRules fromReference = RoutingRulesLoader.load(SiplbConfigLoader.parse(file), file.toString(), 4);
        assertThat(fromReference.size()).isEqualTo(1);
        final RoutingRule only = fromReference.rules().get(0);
        assertThat(only.match().isAlways()).isTrue();
        assertThat(only.action()).isEqualTo(RuleAction.Dispatch.toSet(4));
        assertThat(only.origin()).isEqualTo(file + ":1");

        final RoutingRules empty = loadText("siplb.routing = []\n");
        assertThat(empty.rules()).hasSize(1);
        assertThat(empty.rules().get(0).action()).isEqualTo(RuleAction.Dispatch.toSet(1));

        final RoutingRules noKey = RoutingRulesLoader.load(ConfigFactory.empty(), "x.conf", 2);
        assertThat(noKey.rules().get(0).action()).isEqualTo(RuleAction.Dispatch.toSet(2));
        assertThat(noKey.rules().get(0).origin()).isEqualTo("x.conf");
    }

    @Test
    void theDocumentedExampleLoads() throws IOException {
        final RoutingRules r = load(
                "  { match { source-set = 2 },                 dispatch { set = 1, algorithm = round-robin } }",
                "  { match { method = [REGISTER] },            dispatch { set = 3, algorithm = hash-from-uri } }",
                "  { match { request-uri-user = \"^\\\\+44\" },   dispatch { set = 4, algorithm = weighted, " +
                "limit = 3, failover-codes = [408, 503] } }",
                "  { match { header { name = \"X-Tenant\", value = \"^acme$\" } }, dispatch { set = 5, " +
                "algorithm = hash-key, key = \"header:X-Tenant\" } }",
                "  { match { method = [MESSAGE] },             reject { code = 403, reason = \"Forbidden\" } }",
                "  { dispatch { set = 1 } }");
        assertThat(r.size()).isEqualTo(6);
        for (int i = 0; i < 6; i++) {
            assertThat(r.rules().get(i).index()).isEqualTo(i);
            assertThat(r.rules().get(i).origin()).isEqualTo(file + ":" + (i + 2));
            assertThat(r.rules().get(i).key()).isEqualTo("siplb.routing[" + i + ']');
        }
        assertThat(r.rules().get(0).match().sourceSet()).isEqualTo(2);
        assertThat(r.rules().get(0).match().sourceSetIgnorePort()).isFalse();
        assertThat(r.rules().get(0).action())
                .isEqualTo(new RuleAction.Dispatch(1, Algorithm.ROUND_ROBIN, null, 0, null, null, null, 0));
        assertThat(r.rules().get(1).match().methods()).containsExactly("REGISTER");
        assertThat(r.rules().get(1).action())
                .isEqualTo(new RuleAction.Dispatch(3, Algorithm.HASH_FROM_URI, null, 0, null, null, null, 0));
        assertThat(r.rules().get(2).match().requestUriUser().pattern()).isEqualTo("^\\+44");
        final RuleAction.Dispatch weighted = (RuleAction.Dispatch) r.rules().get(2).action();
        assertThat(weighted.algorithm()).isEqualTo(Algorithm.WEIGHTED);
        assertThat(weighted.limit()).isEqualTo(3);
        assertThat(weighted.failoverCodes()).containsExactly(408, 503);
        assertThat(weighted.isFailoverCode(503)).isTrue();
        assertThat(weighted.isFailoverCode(500)).isFalse();
        assertThat(weighted.frTimeout()).isNull();
        assertThat(weighted.maxAttempts()).isZero();
        assertThat(r.rules().get(3).match().headers()).hasSize(1);
        assertThat(r.rules().get(3).match().headers().get(0).name()).isEqualTo("X-Tenant");
        assertThat(r.rules().get(3).match().headers().get(0).value().pattern()).isEqualTo("^acme$");
        final RuleAction.Dispatch hashKey = (RuleAction.Dispatch) r.rules().get(3).action();
        assertThat(hashKey.key().kind()).isEqualTo(KeySpec.Kind.HEADER);
        assertThat(hashKey.key().headerName()).isEqualTo("X-Tenant");
        assertThat(hashKey.keyFor(Algorithm.ROUND_ROBIN)).isSameAs(hashKey.key());
        assertThat(r.rules().get(4).action()).isEqualTo(new RuleAction.Reject(403, "Forbidden"));
        assertThat(r.rules().get(5).match()).isSameAs(RuleMatch.ALWAYS);
        assertThat(r.rules().get(5).action()).isEqualTo(RuleAction.Dispatch.toSet(1));
        assertThat(r.toString()).contains("siplb.routing[4]: match { method=[MESSAGE] }, reject { code = 403");
    }

    @Test
    void everyConditionAndSetting() throws IOException {
        final RoutingRules r = load(
                "  { match { method = [INVITE, SUBSCRIBE, X-FOO, invite], source = [\"192.0.2.0/24\", " +
                "\"2001:db8::/32\", \"198.51.100.7\"],",
                "            source-set = 3, source-set-ignore-port = true, request-uri-host = \"\\\\.example\\\\.com$\",",
                "            header = [ { name = \"P-Asserted-Identity\" }, { name = i, value = \"@\" } ] }",
                "    dispatch { set = 2, algorithm = 9, limit = 0, failover-codes = [], fr-timeout = 2s, " +
                "fr-inv-timeout = 90s, max-attempts = 2 } }",
                "  { match { method = OPTIONS, source = \"::1\" }, reject { code = 486 } }",
                "  { dispatch { set = 0, algorithm = hash-key, key = from-user } }",
                "  { match { header { name = Subject } }, dispatch { set = 6, algorithm = hash-request-uri } }");
        final RuleMatch m = r.rules().get(0).match();
        assertThat(m.methods()).containsExactly("INVITE", "SUBSCRIBE", "X-FOO", "invite");
        assertThat(m.sources()).containsExactly("192.0.2.0/24", "2001:db8::/32", "198.51.100.7");
        assertThat(m.sourceSet()).isEqualTo(3);
        assertThat(m.sourceSetIgnorePort()).isTrue();
        assertThat(m.requestUriHost().pattern()).isEqualTo("\\.example\\.com$");
        assertThat(m.requestUriUser()).isNull();
        assertThat(m.headers()).extracting(RuleMatch.HeaderCondition::name).containsExactly("P-Asserted-Identity", "i");
        assertThat(m.headers().get(0).value()).isNull();
        assertThat(m.isAlways()).isFalse();
        final RuleAction.Dispatch d = (RuleAction.Dispatch) r.rules().get(0).action();
        assertThat(d).isEqualTo(new RuleAction.Dispatch(2, Algorithm.WEIGHTED, null, 0, new int[0],
                                                        Duration.ofSeconds(2), Duration.ofSeconds(90), 2));
        assertThat(d.failoverCodes()).isEmpty();
        assertThat(d.keyFor(Algorithm.HASH_CALL_ID)).isSameAs(KeySpec.NONE);

        assertThat(r.rules().get(1).match().methods()).containsExactly("OPTIONS");
        assertThat(r.rules().get(1).match().sources()).containsExactly("::1");
        // The standard reason phrase.
        assertThat(r.rules().get(1).action()).isEqualTo(new RuleAction.Reject(486, "Busy Here"));

        final RuleAction.Dispatch fromUser = (RuleAction.Dispatch) r.rules().get(2).action();
        assertThat(fromUser.setId()).isZero();
        assertThat(fromUser.key()).isEqualTo(KeySpec.parse("from-user"));

        final RuleAction.Dispatch ruri = (RuleAction.Dispatch) r.rules().get(3).action();
        assertThat(ruri.key()).isNull();
        assertThat(ruri.keyFor(Algorithm.ROUND_ROBIN)).isEqualTo(KeySpec.parse("request-uri"));
        assertThat(RuleAction.Dispatch.toSet(1).keyFor(Algorithm.HASH_AUTH_USERNAME))
                .isEqualTo(KeySpec.parse("auth-username"));
    }

    @Test
    void siplbConfigCarriesTheRules() throws IOException {
        final Path conf = dir.resolve("full.conf");
        Files.write(conf, ("siplb.dispatcher.sets = [ { id = 1, destinations = [\"sip:127.0.0.1:5080\"] } ]\n" +
                           "siplb.routing = [ { match { method = [REGISTER] }, reject { code = 403 } }\n" +
                           "                  { dispatch { set = 1 } } ]\n").getBytes(StandardCharsets.UTF_8));
        final SiplbConfig config = SiplbConfig.load(conf);
        assertThat(config.routing().size()).isEqualTo(2);
        assertThat(config.routing().rules().get(1).origin()).isEqualTo(conf + ":3");

        Files.write(conf, "siplb.routing = [ { dispatch { set = 1, limt = 2 } } ]\n".getBytes(StandardCharsets.UTF_8));
        assertThatThrownBy(() -> SiplbConfig.load(conf))
                .isInstanceOf(SiplbConfigException.class)
                .hasMessageStartingWith(conf + ":1: siplb.routing[0].dispatch.limt: unknown key (expected: one of " +
                                        "algorithm, failover-codes, fr-inv-timeout, fr-timeout, key, limit, " +
                                        "max-attempts, set)");
    }

    @Test
    void unknownKeysAreErrors() {
        fails(rules("{ dispatch { set = 1 } }", "{ match { methods = [INVITE] }, dispatch { set = 1 } }"), 3,
              "siplb.routing[1].match.methods", "unknown key", "header, method, request-uri-host");
        fails(rules("{ dispatch { set = 1, algoritm = weighted } }"), 2, "siplb.routing[0].dispatch.algoritm",
              "unknown key");
        fails(rules("{ reject { code = 403, reasons = x } }"), 2, "siplb.routing[0].reject.reasons",
              "unknown key", "code, reason)");
        fails(rules("{ match { header { name = X, valeu = y } }, dispatch { set = 1 } }"), 2,
              "siplb.routing[0].match.header.valeu", "unknown key", "name, value)");
        fails(rules("{ when { method = [INVITE] }, dispatch { set = 1 } }"), 2, "siplb.routing[0].when",
              "unknown key", "dispatch, match, reject)");
    }

    @Test
    void aRuleHasExactlyOneAction() {
        fails(rules("{ dispatch { set = 1 } }",
                    "{ match { method = [INVITE] },",
                    "  dispatch { set = 1 }, reject { code = 403 } }"), 3, "siplb.routing[1]",
              "both dispatch and reject", "exactly one of dispatch");
        fails(rules("{ match { method = [INVITE] } }"), 2, "siplb.routing[0]", "neither dispatch nor reject");
        fails(rules("\"sip:127.0.0.1\""), 2, "siplb.routing[0]", "\"sip:127.0.0.1\" (expected: an object");
    }

    @Test
    void theListItselfMustBeAList() {
        assertThatThrownBy(() -> loadText("siplb.routing { dispatch { set = 1 } }\n"))
                .isInstanceOf(SiplbConfigException.class)
                .hasMessageContaining(file + ":1: siplb.routing: ")
                .hasMessageContaining("(expected: a list of rules");
    }

    @Test
    void badRegexNamesTheSyntaxError() {
        fails(rules("{ match { request-uri-user = \"^(44\" }, dispatch { set = 1 } }"), 2,
              "siplb.routing[0].match.request-uri-user", "\"^(44\": Unclosed group", "regular expression");
        fails(rules("{ match { request-uri-host = \"[a-\" }, dispatch { set = 1 } }"), 2,
              "siplb.routing[0].match.request-uri-host", "\"[a-\": ");
        fails(rules("{ match { header { name = X-Tenant, value = \"*acme\" } }, dispatch { set = 1 } }"), 2,
              "siplb.routing[0].match.header.value", "Dangling meta character '*'");
    }

    @Test
    void badSourceBlocks() {
        fails(rules("{ match { source = \"192.0.2.0/33\" }, dispatch { set = 1 } }"), 2,
              "siplb.routing[0].match.source", "\"192.0.2.0/33\"", "CIDR");
        fails(rules("{ match { source = [\"10.0.0.0/8\",", "\"2001:db8::/129\"] }, dispatch { set = 1 } }"), 3,
              "siplb.routing[0].match.source[1]", "\"2001:db8::/129\"");
        fails(rules("{ match { source = \"sip.example.com\" }, dispatch { set = 1 } }"), 2,
              "siplb.routing[0].match.source", "\"sip.example.com\"");
        fails(rules("{ match { source = \"[::1]\" }, dispatch { set = 1 } }"), 2,
              "siplb.routing[0].match.source", "without brackets");
        fails(rules("{ match { source = \"10.0.0.0/\" }, dispatch { set = 1 } }"), 2,
              "siplb.routing[0].match.source", "\"10.0.0.0/\"");
        fails(rules("{ match { source = [] }, dispatch { set = 1 } }"), 2, "siplb.routing[0].match.source",
              "[] (expected: ");
    }

    @Test
    void badMethodTokens() {
        fails(rules("{ match { method = [INVITE, \"REG ISTER\"] }, dispatch { set = 1 } }"), 2,
              "siplb.routing[0].match.method[1]", "\"REG ISTER\"", "method token");
        fails(rules("{ match { method = [\"INVITE;\"] }, dispatch { set = 1 } }"), 2,
              "siplb.routing[0].match.method[0]", "\"INVITE;\"");
        fails(rules("{ match { method = [] }, dispatch { set = 1 } }"), 2, "siplb.routing[0].match.method", "[]");
        fails(rules("{ match { method = { INVITE = 1 } }, dispatch { set = 1 } }"), 2,
              "siplb.routing[0].match.method", "a method name");
    }

    @Test
    void badSourceSet() {
        fails(rules("{ match { source-set = -1 }, dispatch { set = 1 } }"), 2, "siplb.routing[0].match.source-set",
              "-1 (expected: a destination set id >= 0)");
        fails(rules("{ match { source-set-ignore-port = true }, dispatch { set = 1 } }"), 2,
              "siplb.routing[0].match.source-set-ignore-port", "without source-set");
        fails(rules("{ match { source-set = 1, source-set-ignore-port = maybe }, dispatch { set = 1 } }"), 2,
              "siplb.routing[0].match.source-set-ignore-port", "\"maybe\" (expected: true or false)");
    }

    @Test
    void badHeaderConditions() {
        fails(rules("{ match { header { value = x } }, dispatch { set = 1 } }"), 2,
              "siplb.routing[0].match.header.name", "unset");
        fails(rules("{ match { header { name = \"X Tenant\" } }, dispatch { set = 1 } }"), 2,
              "siplb.routing[0].match.header.name", "\"X Tenant\"", "header name token");
        fails(rules("{ match { header = [ { name = a }, \"b\" ] }, dispatch { set = 1 } }"), 2,
              "siplb.routing[0].match.header[1]", "\"b\"");
    }

    @Test
    void badDispatchSettings() {
        fails(rules("{ dispatch { algorithm = round-robin } }"), 2, "siplb.routing[0].dispatch.set", "unset");
        fails(rules("{ dispatch { set = one } }"), 2, "siplb.routing[0].dispatch.set", "\"one\"");
        fails(rules("{ dispatch { set = 1, algorithm = fastest } }"), 2, "siplb.routing[0].dispatch.algorithm",
              "\"fastest\"", "round-robin (4)");
        fails(rules("{ dispatch { set = 1,", "limit = -1 } }"), 3, "siplb.routing[0].dispatch.limit",
              "-1 (expected: >= 0, 0 = no limit)");
        fails(rules("{ dispatch { set = 1, limit = 2.5 } }"), 2, "siplb.routing[0].dispatch.limit", "2.5");
        fails(rules("{ dispatch { set = 1, failover-codes = [408, 200] } }"), 2,
              "siplb.routing[0].dispatch.failover-codes[1]", "200 (expected: a response code 300..699)");
        fails(rules("{ dispatch { set = 1, failover-codes = 503 } }"), 2,
              "siplb.routing[0].dispatch.failover-codes", "503 (expected: a list of response codes");
        fails(rules("{ dispatch { set = 1, fr-timeout = soon } }"), 2, "siplb.routing[0].dispatch.fr-timeout",
              "\"soon\" (expected: a duration > 0");
        fails(rules("{ dispatch { set = 1, fr-inv-timeout = 0s } }"), 2,
              "siplb.routing[0].dispatch.fr-inv-timeout", "\"0s\" (expected: a duration > 0");
        fails(rules("{ dispatch { set = 1, max-attempts = 0 } }"), 2, "siplb.routing[0].dispatch.max-attempts",
              "0 (expected: >= 1)");
    }

    @Test
    void hashKeyNeedsAKeyAndOnlyHashKeyTakesOne() {
        fails(rules("{ dispatch { set = 1, algorithm = hash-key } }"), 2, "siplb.routing[0].dispatch.key",
              "unset with algorithm = hash-key", "call-id, from-uri");
        fails(rules("{ dispatch { set = 1, algorithm = hash-call-id, key = from-user } }"), 2,
              "siplb.routing[0].dispatch.key", "\"from-user\" with algorithm = hash-call-id",
              "algorithm = hash-key");
        fails(rules("{ dispatch { set = 1, key = call-id } }"), 2, "siplb.routing[0].dispatch.key",
              "\"call-id\" with algorithm unset");
        fails(rules("{ dispatch { set = 1, algorithm = hash-key, key = cookie } }"), 2,
              "siplb.routing[0].dispatch.key", "\"cookie\" (expected: call-id, from-uri, from-user, to-uri, " +
                                               "to-user, request-uri, request-uri-user, auth-username or " +
                                               "header:NAME)");
        fails(rules("{ dispatch { set = 1, algorithm = hash-key, key = \"header:\" } }"), 2,
              "siplb.routing[0].dispatch.key", "\"header:\" (expected: header:NAME");
    }

    @Test
    void badRejects() {
        fails(rules("{ reject { code = 302 } }"), 2, "siplb.routing[0].reject.code",
              "302 (expected: a response code 400..699)");
        fails(rules("{ reject { code = 700 } }"), 2, "siplb.routing[0].reject.code", "700");
        fails(rules("{ reject { reason = Forbidden } }"), 2, "siplb.routing[0].reject.code", "unset");
        fails(rules("{ reject { code = 403, reason = \"No\\r\\nX-Injected: 1\" } }"), 2,
              "siplb.routing[0].reject.reason", "\"No\\r\\nX-Injected: 1\"", "without control characters");
    }
}
