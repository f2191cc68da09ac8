package io.siplb.dispatch.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.siplb.dispatch.config.DispatchConfigException;

class DispatchCommandsTest {

    @TempDir
    Path dir;

    @Test
    void hashPrintsKamailioHashidAndSlot() {
        // Values from src/test/resources/kamailio-hash/vectors.tsv.
        assertThat(DispatchCommands.hash(7, "abcd", null)).isEqualTo("{\n\thashid: 1834959896\n\tslot: 0\n}\n");
        assertThat(DispatchCommands.hash(10, "alice", "atlanta.example.com"))
                .isEqualTo("{\n\thashid: 654714186\n\tslot: 6\n}\n");
        assertThatThrownBy(() -> DispatchCommands.hash(0, "a", null))
                .hasMessage("slots: 0 (expected: >= 1)");
    }

    @Test
    void selectFromAListFileUsesKamailioHashingByDefault() throws IOException {
        final Path list = dir.resolve("dispatcher.list");
        final StringBuilder sb = new StringBuilder();
        for (int i = 1; i <= 7; i++) {
            sb.append("1 sip:127.0.0.1:").append(7000 + i).append('\n');
        }
        Files.write(list, sb.toString().getBytes(StandardCharsets.UTF_8));
        // "call-1" hashes to 1864287598, slot 5 of 7: index 5 is the 2nd line (equal priorities, reverse order).
        assertThat(DispatchCommands.select(list, 1, "call-1", null, null)).isEqualTo(
                "set 1: algorithm hash-call-id (0), hash-mode kamailio, 7 destination(s), 7 active\n"
                + "key: \"call-1\" hashid 1864287598 slot 5\n"
                + "selected: sip:127.0.0.1:7002 (127.0.0.1:7002 udp, priority 0)\n"
                + "failover:\n"
                + "  1. sip:127.0.0.1:7001 (127.0.0.1:7001 udp, priority 0)\n"
                + "  2. sip:127.0.0.1:7007 (127.0.0.1:7007 udp, priority 0)\n"
                + "  3. sip:127.0.0.1:7006 (127.0.0.1:7006 udp, priority 0)\n"
                + "  4. sip:127.0.0.1:7005 (127.0.0.1:7005 udp, priority 0)\n"
                + "  5. sip:127.0.0.1:7004 (127.0.0.1:7004 udp, priority 0)\n"
                + "  6. sip:127.0.0.1:7003 (127.0.0.1:7003 udp, priority 0)\n");
        assertThatThrownBy(() -> DispatchCommands.select(list, 2, "k", null, null))
                .hasMessage("set: 2 (expected: one of the configured sets: 1)");
    }

    @Test
    void selectFromHoconHonoursTheSetAlgorithmAndOverrides() throws IOException {
        final Path conf = dir.resolve("siplb.conf");
        Files.write(conf, ("siplb.dispatcher.sets = [ { id = 4, algorithm = priority, destinations = [\n"
                           + "  { uri = \"sip:127.0.0.1:5080\", priority = 1, attrs = \"duid=a\" }\n"
                           + "  { uri = \"sip:127.0.0.1:5081\", priority = 2, flags = 1 } ] } ]\n")
                .getBytes(StandardCharsets.UTF_8));
        assertThat(DispatchCommands.select(conf, 4, "anything", null, null)).isEqualTo(
                "set 4: algorithm priority (8), hash-mode consistent, 2 destination(s), 1 active\n"
                + "selected: sip:127.0.0.1:5080 (127.0.0.1:5080 udp, priority 1, attrs duid=a)\n");
        assertThat(DispatchCommands.select(conf, 4, "anything", "12", "kamailio"))
                .contains("algorithm parallel (12), hash-mode kamailio").contains("parallel: sip:127.0.0.1:5080");
        Files.write(conf, "siplb.dispatcher.hash-mode = x\n".getBytes(StandardCharsets.UTF_8));
        assertThatThrownBy(() -> DispatchCommands.select(conf, 4, "k", null, null))
                .isInstanceOf(DispatchConfigException.class)
                .hasMessage(conf + ":1: siplb.dispatcher.hash-mode: \"x\" (expected: consistent or kamailio)");
    }
}
