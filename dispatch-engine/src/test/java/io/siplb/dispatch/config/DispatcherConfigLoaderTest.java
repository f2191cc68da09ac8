package io.siplb.dispatch.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.typesafe.config.ConfigFactory;

import io.siplb.dispatch.Algorithm;
import io.siplb.dispatch.Destination;
import io.siplb.dispatch.DestinationSet;
import io.siplb.dispatch.DispatcherSettings;
import io.siplb.dispatch.HashMode;
import io.siplb.dispatch.Transport;

class DispatcherConfigLoaderTest {

    @TempDir
    Path dir;

    private Path write(String name, String text) throws IOException {
        final Path p = dir.resolve(name);
        Files.createDirectories(p.getParent());
        Files.write(p, text.getBytes(StandardCharsets.UTF_8));
        return p;
    }

    private static String message(Runnable r) {
        try {
            r.run();
        } catch (DispatchConfigException e) {
            return e.getMessage();
        }
        throw new AssertionError("expected a DispatchConfigException");
    }

    @Test
    void readsAKamailioListFileRelativeToTheConfigFile() throws IOException {
        write("conf/dispatcher.list",
              "# setid uri flags priority attrs\n"
              + "1 sip:127.0.0.1:5080\n"
              + "   # indented comment\n"
              + "1 sip:127.0.0.1:5081;transport=tcp 0x8 5 duid=b;weight=50;socket=udp:127.0.0.1:5060;x-site=par\n"
              + "\n"
              + "2 127.0.0.1:5090 9 0 weight=10 # trailing comment\n"
              + "2\tsips:localhost\t0\t0\n");
        final Path conf = write("conf/siplb.conf", "siplb.dispatcher {\n  list-file = \"dispatcher.list\"\n"
                                                   + "  hash-mode = kamailio\n  sets = [ { id = 2, algorithm = 9 } ]\n}\n");
        final DispatcherSettings s = DispatcherConfigLoader.load(conf);
        assertThat(s.hashMode()).isEqualTo(HashMode.KAMAILIO);
        assertThat(s.sets()).extracting(DestinationSet::id).containsExactly(1, 2);
        final DestinationSet one = s.set(1);
        assertThat(one.algorithm()).isEqualTo(Algorithm.ROUND_ROBIN);
        // Priority 5 first.
        final Destination b = one.destinations().get(0);
        assertThat(b.uri()).isEqualTo("sip:127.0.0.1:5081;transport=tcp");
        assertThat(b.transport()).isEqualTo(Transport.TCP);
        assertThat(b.flags()).isEqualTo(8);
        assertThat(b.priority()).isEqualTo(5);
        assertThat(b.attributes().duid()).isEqualTo("b");
        assertThat(b.attributes().weight()).isEqualTo(50);
        assertThat(b.attributes().socket()).isEqualTo("udp:127.0.0.1:5060");
        assertThat(b.attributes().other("X-Site")).isEqualTo("par");
        assertThat(b.address().getPort()).isEqualTo(5081);
        assertThat(b.address().getAddress().isLoopbackAddress()).isTrue();
        final DestinationSet two = s.set(2);
        assertThat(two.algorithm()).isEqualTo(Algorithm.WEIGHTED);
        // Equal priority: reverse file order.
        assertThat(two.destinations().get(0).uri()).isEqualTo("sips:localhost");
        assertThat(two.destinations().get(0).transport()).isEqualTo(Transport.TLS);
        assertThat(two.destinations().get(0).port()).isEqualTo(5061);
        assertThat(two.destinations().get(1).uri()).isEqualTo("sip:127.0.0.1:5090");
        assertThat(two.destinations().get(1).flags()).isEqualTo(9);
        assertThat(s.source()).contains("siplb.conf").contains("dispatcher.list");
    }

    @Test
    void inlineSetsInListAndMapFormsWithAttributeObjects() {
        final DispatcherSettings list = DispatcherConfigLoader.load(ConfigFactory.parseString(
                "siplb.dispatcher {\n"
                + "  default-algorithm = hash-call-id\n"
                + "  bounded-load-factor = 1.25\n"
                + "  sets = [\n"
                + "    { id = 1, destinations = [\n"
                + "        { uri = \"sip:127.0.0.1:5080\", priority = 1, flags = \"0x10\", attrs = \"weight=50;duid=a\" }\n"
                + "        { uri = \"sip:[::1]:5081;transport=ws\", attrs { weight = 25, duid = b, maxload = 3 } }\n"
                + "        \"sip:127.0.0.1:5082\"\n"
                + "    ] }\n"
                + "  ]\n"
                + "}\n"), null);
        assertThat(list.hashMode()).isEqualTo(HashMode.CONSISTENT);
        assertThat(list.boundedLoadFactor()).isEqualTo(1.25);
        final DestinationSet set = list.set(1);
        assertThat(set.algorithm()).isEqualTo(Algorithm.HASH_CALL_ID);
        assertThat(set.destinations()).extracting(Destination::uri)
                                      .containsExactly("sip:127.0.0.1:5080", "sip:127.0.0.1:5082",
                                                       "sip:[::1]:5081;transport=ws");
        final Destination v6 = set.destinations().get(2);
        assertThat(v6.host()).isEqualTo("[::1]");
        assertThat(v6.transport()).isEqualTo(Transport.WS);
        assertThat(v6.attributes().maxload()).isEqualTo(3);
        assertThat(v6.attributes().body()).isEqualTo("weight=25;duid=b;maxload=3");
        assertThat(set.destinations().get(0).address().isUnresolved()).isTrue(); // flag 16: no lookup

        final DispatcherSettings map = DispatcherConfigLoader.load(ConfigFactory.parseString(
                "siplb.dispatcher.sets { 7 { algorithm = round-robin, destinations = [ \"sip:127.0.0.1:5080\" ] }\n"
                + " 3 { algorithm = \"hash-key\", destinations = [ \"sip:127.0.0.1:5081\" ] } }"), null);
        assertThat(map.sets()).extracting(DestinationSet::id).containsExactly(3, 7);
        assertThat(map.set(3).algorithm()).isEqualTo(Algorithm.HASH_KEY);
    }

    @Test
    void absentSectionGivesNoSets() {
        assertThat(DispatcherConfigLoader.load(ConfigFactory.parseString("siplb.other = 1"), null).sets()).isEmpty();
    }

    @Test
    void listFileErrorsNameFileLineAndExpectedValue() throws IOException {
        final Path conf = write("conf/siplb.conf", "siplb.dispatcher.list-file = dispatcher.list\n");
        final String list = dir.resolve("conf/dispatcher.list").toString();
        final String[][] cases = {
            {"1 sip:127.0.0.1:5080\n\n1 sip:127.0.0.1:5081 0xZZ\n",
             list + ":3: flags \"0xZZ\" (expected: decimal or 0x-prefixed hex integer)"},
            {"x sip:127.0.0.1:5080\n", list + ":1: setid \"x\" (expected: non-negative integer)"},
            {"1 sip:127.0.0.1:5080 0 high\n", list + ":1: priority \"high\" (expected: integer)"},
            {"1\n", list + ":1: \"1\" (expected: setid uri [flags [priority [attrs]]])"},
            {"1 sip:127.0.0.1:99999\n", list + ":1: uri: \"sip:127.0.0.1:99999\" port 99999 (expected: 1..65535)"},
            {"1 sip:127.0.0.1 0 0 weight=500\n", list + ":1: weight: 500 (expected: 0..100)"},
            {"1 sip:127.0.0.1 0 0 weight=5 extra\n",
             list + ":1: unexpected \"extra\" after attrs (expected: end of line; attrs must not contain spaces)"},
            {"1 tel:+123\n", list + ":1: uri: \"tel:+123\" (expected: sip: or sips: URI)"},
            {"1 sip:127.0.0.1;transport=quic\n",
             list + ":1: uri: \"sip:127.0.0.1;transport=quic\" transport \"quic\" (expected: udp, tcp, tls, sctp, ws "
             + "or wss)"},
            {"1 sip:no-such-host.invalid\n", list + ":1: uri: \"sip:no-such-host.invalid\" host "
                                             + "\"no-such-host.invalid\" does not resolve"},
            {"1 sip:127.0.0.1:5080\n1 sip:127.0.0.1:5080\n", list + ":2: set 1: duplicate uri \"sip:127.0.0.1:5080\" "
                                                             + "(expected: unique in a set, or distinct duid "
                                                             + "attributes; first at " + list + ":1)"},
            {"1 sip:127.0.0.1:5080 0 0 duid=a\n1 sip:127.0.0.1:5081 0 0 duid=a\n",
             list + ":2: set 1: duplicate duid \"a\" (expected: unique in a set; first at " + list + ":1)"},
        };
        for (String[] c : cases) {
            write("conf/dispatcher.list", c[0]);
            assertThat(message(() -> DispatcherConfigLoader.load(conf))).as(c[0]).contains(c[1]);
        }
    }

    @Test
    void hoconErrorsNameFileLineKeyAndExpectedValue() throws IOException {
        final Path conf = write("siplb.conf",
                                "siplb.dispatcher {\n"
                                + "  sets = [\n"
                                + "    { id = 1, destinations = [ \"sip:127.0.0.1:5080\" ] }\n"
                                + "    { id = 2,\n"
                                + "      algorithm = fastest, destinations = [ \"sip:127.0.0.1:5080\" ] }\n"
                                + "  ]\n"
                                + "}\n");
        assertThat(message(() -> DispatcherConfigLoader.load(conf)))
                .startsWith(conf + ":5: siplb.dispatcher.sets[1].algorithm: \"fastest\" (expected: one of "
                            + "hash-call-id (0), hash-from-uri (1)");
        final String[][] cases = {
            {"hash-mode = fast", "siplb.conf:2: siplb.dispatcher.hash-mode: \"fast\" (expected: consistent or kamailio)"},
            {"bounded-load-factor = 0.5",
             "siplb.conf:2: siplb.dispatcher.bounded-load-factor: 0.5 (expected: 0 to disable, or a number >= 1)"},
            {"list-file = missing.list", "siplb.conf:2: siplb.dispatcher.list-file: \"" + dir.resolve("missing.list")
                                         + "\" does not exist"},
            {"sets = [ { id = -1, algorithm = 4 } ]",
             "siplb.conf:2: siplb.dispatcher.sets[0].id: -1 (expected: a non-negative integer)"},
            {"sets = [ { id = 1, algorithm = 4 } ]",
             "set 1 has no destinations (expected: at least one, inline or in the list file)"},
            {"sets = [ { id = 1, destinations = [ { url = \"sip:127.0.0.1\" } ] } ]",
             "siplb.conf:2: siplb.dispatcher.sets[0].destinations[0].url: unknown key (expected: one of uri, flags, "
             + "priority, attrs)"},
            {"sets = [ { id = 1, destinations = [ { uri = \"sip:127.0.0.1\", flags = \"0xZZ\" } ] } ]",
             "siplb.conf:2: siplb.dispatcher.sets[0].destinations[0].flags: \"0xZZ\" (expected: decimal or "
             + "0x-prefixed hex integer)"},
            {"sets = [ { id = 1, destinations = [ { uri = \"sip:127.0.0.1\", attrs = \"maxload=-1\" } ] } ]",
             "siplb.conf:2: siplb.dispatcher.sets[0].destinations[0].attrs: maxload: -1 (expected: 0..)"},
            {"sets = [ { id = 1, destinations = [ \"sip:127.0.0.1\" ] }, { id = 1, algorithm = 4 } ]",
             "siplb.conf:2: siplb.dispatcher.sets[1].id: 1 (expected: unique set ids; also defined in sets[0])"},
            {"sets = [ { id = 1, destinations = [ \"sip:127.0.0.1\",\n \"sip:127.0.0.1\" ] } ]",
             "siplb.conf:3: siplb.dispatcher.sets[0].destinations[1]: set 1: duplicate uri \"sip:127.0.0.1\" "
             + "(expected: unique in a set, or distinct duid attributes; first at " + dir.resolve("siplb.conf")
             + ":2: siplb.dispatcher.sets[0].destinations[0])"},
            {"sets { x { algorithm = 4 } }", "siplb.conf:2: siplb.dispatcher.sets.x: set id \"x\" (expected: a "
                                             + "non-negative integer)"},
            {"sets = [ { id = 1, destinations = [ \"sip:127.0.0.1\" ], weight = 3 } ]",
             "siplb.conf:2: siplb.dispatcher.sets[0].weight: unknown key (expected: one of id, algorithm, "
             + "destinations)"},
        };
        for (String[] c : cases) {
            final Path p = write("siplb.conf", "siplb.dispatcher {\n  " + c[0] + "\n}\n");
            assertThat(message(() -> DispatcherConfigLoader.load(p))).as(c[0]).contains(c[1]);
        }
    }

    @Test
    void hoconSyntaxErrorsAreReportedWithTheirLine() throws IOException {
        final Path p = write("siplb.conf", "siplb.dispatcher {\n  sets = [ \n");
        assertThatThrownBy(() -> DispatcherConfigLoader.load(p)).isInstanceOf(DispatchConfigException.class)
                                                                .hasMessageContaining("siplb.conf: 3");
    }

    @Test
    void listFileAloneForTheCommandLine() throws IOException {
        final Path list = write("d.list", "3 sip:127.0.0.1:5080\n3 sip:127.0.0.1:5081 0 0 duid=x\n");
        final DispatcherSettings s = DispatcherConfigLoader.loadListFile(list, Algorithm.HASH_CALL_ID,
                                                                         HashMode.KAMAILIO);
        assertThat(s.set(3).destinations()).hasSize(2);
        assertThat(s.set(3).algorithm()).isEqualTo(Algorithm.HASH_CALL_ID);
    }
}
