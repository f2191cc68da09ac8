package io.siplb.proxy.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.siplb.dispatch.KamailioHash;

/**
 * The command line: help, usage errors, {@code parse} JSON output and exit codes, {@code hash}, {@code select} and
 * {@code run} with a bad configuration. Not thread-safe; confined to the test thread.
 */
class MainTest {

    private static final String INVITE =
            "INVITE sip:bob@example.com SIP/2.0\r\n" +
            "Via: SIP/2.0/UDP 192.0.2.1:5070;branch=z9hG4bK-abc;rport\r\n" +
            "Max-Forwards: 70\r\n" +
            "From: \"A \\\"quoted\\\" name\" <sip:alice@example.com>;tag=a1\r\n" +
            "To: <sip:bob@example.com>\r\n" +
            "Call-ID: call-1@192.0.2.1\r\n" +
            "CSeq: 7 INVITE\r\n" +
            "Content-Length: 0\r\n" +
            "\r\n";

    @TempDir
    Path dir;

    private final ByteArrayOutputStream outBytes = new ByteArrayOutputStream();
    private final ByteArrayOutputStream errBytes = new ByteArrayOutputStream();

    private int run(String... args) {
        return Main.execute(args, new PrintStream(outBytes, true, StandardCharsets.UTF_8),
                            new PrintStream(errBytes, true, StandardCharsets.UTF_8), null);
    }

    private String out() {
        return outBytes.toString(StandardCharsets.UTF_8);
    }

    private String err() {
        return errBytes.toString(StandardCharsets.UTF_8);
    }

    private Path write(String name, String text) throws IOException {
        final Path file = dir.resolve(name);
        Files.write(file, text.getBytes(StandardCharsets.UTF_8));
        return file;
    }

    @Test
    void helpListsEveryCommand() {
        assertThat(run("--help")).isZero();
        assertThat(out()).contains("run [-c FILE]", "parse [--strict] FILE...", "hash --slots N VALUE [VALUE2]",
                                   "select -c FILE --set ID --key KEY", "help, --help, -h");
        assertThat(err()).isEmpty();
        outBytes.reset();
        assertThat(run("help")).isZero();
        assertThat(out()).isEqualTo(Main.USAGE);
    }

    @Test
    void unknownOptionsAndCommandsAreUsageErrors() {
        assertThat(run("--bogus")).isEqualTo(2);
        assertThat(err()).startsWith("siplb: run: unknown option '--bogus' (expected: -c VALUE)")
                         .contains("Usage: siplb");
        errBytes.reset();
        assertThat(run("frobnicate")).isEqualTo(2);
        assertThat(err()).startsWith("siplb: unknown command 'frobnicate' " +
                                     "(expected: run, parse, hash, select, ctl or help)");
        errBytes.reset();
        assertThat(run("run", "-c")).isEqualTo(2);
        assertThat(err()).startsWith("siplb: run: option -c needs a value");
        errBytes.reset();
        assertThat(run("parse")).isEqualTo(2);
        assertThat(err()).startsWith("siplb: parse: no FILE given");
        errBytes.reset();
        assertThat(run("parse", "--verbose", "x.sip")).isEqualTo(2);
        assertThat(err()).startsWith("siplb: parse: unknown option '--verbose' (expected: [--strict] FILE...)");
        assertThat(out()).isEmpty();
    }

    @Test
    void parsePrintsOneJsonLinePerFileAndExitsZeroWhenAllParse() throws IOException {
        final Path file = write("invite.sip", INVITE);
        assertThat(run("parse", file.toString())).isZero();
        assertThat(out()).isEqualTo(
                "{\"file\":\"" + file + "\",\"valid\":true,\"method\":\"INVITE\"," +
                "\"requestUri\":\"sip:bob@example.com\",\"callId\":\"call-1@192.0.2.1\",\"cseq\":\"7 INVITE\"," +
                "\"from\":{\"uri\":\"sip:alice@example.com\",\"tag\":\"a1\"}," +
                "\"to\":{\"uri\":\"sip:bob@example.com\",\"tag\":null}," +
                "\"topVia\":{\"transport\":\"UDP\",\"host\":\"192.0.2.1\",\"port\":5070,\"branch\":\"z9hG4bK-abc\"}," +
                "\"headerCount\":7}" + System.lineSeparator());
    }

    @Test
    void parseReportsInvalidFilesAndExitsOne() throws IOException {
        final Path good = write("good.sip", INVITE);
        final Path bad = write("bad.sip", INVITE.replace("CSeq: 7 INVITE", "CSeq: 7 BYE"));
        final Path response = write("ok.sip", "SIP/2.0 200 OK\r\n" +
                                              "Via: SIP/2.0/UDP [2001:db8::1];branch=z9hG4bK-r\r\n" +
                                              "From: <sip:alice@example.com>;tag=a1\r\n" +
                                              "To: <sip:bob@example.com>;tag=b\"1\r\n" +
                                              "Call-ID: c2\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n");
        final Path missing = dir.resolve("missing.sip");
        assertThat(run("parse", good.toString(), bad.toString(), response.toString(), missing.toString()))
                .isEqualTo(1);
        final String[] lines = out().split(System.lineSeparator());
        assertThat(lines).hasSize(4);
        assertThat(lines[0]).contains("\"valid\":true");
        assertThat(lines[1]).startsWith("{\"file\":\"" + bad + "\",\"valid\":false,\"error\":\"")
                            .contains("\"errorReason\":\"CSEQ_METHOD_MISMATCH\"", "\"method\":\"INVITE\"");
        assertThat(lines[2]).contains("\"status\":200", "\"host\":\"[2001:db8::1]\"", "\"port\":5060");
        assertThat(lines[3]).startsWith("{\"file\":\"" + missing + "\",\"valid\":false,\"error\":\"cannot read: ");
        for (String line : lines) {
            assertThat(line).startsWith("{").endsWith("}").doesNotContain("\r", "\n");
        }
    }

    @Test
    void selectWithARequestPrintsTheMatchedRuleAndWhereItGoes() throws IOException {
        final Path conf = write("rules.conf",
                "siplb.dispatcher.sets = [ { id = 1, algorithm = round-robin, destinations = [\"sip:192.0.2.10:5060\"] }\n"
                + "  { id = 2, algorithm = hash-call-id, destinations = [\"sip:192.0.2.20:5060\", \"sip:192.0.2.21:5060\"] } ]\n"
                + "siplb.routing = [\n"
                + "  { match { method = [MESSAGE] }, reject { code = 403, reason = \"No Messages\" } }\n"
                + "  { match { request-uri-user = \"^bob$\" }, dispatch { set = 2 } }\n"
                + "  { dispatch { set = 1 } }\n"
                + "]\n");
        final Path invite = write("invite.sip", INVITE.replace("\r\n", "\n"));
        assertThat(run("select", "-c", conf.toString(), "--request", invite.toString())).isZero();
        assertThat(out()).contains("rule: siplb.routing[1] (" + conf + ":")
                         .contains("set 2, algorithm hash-call-id")
                         .containsPattern("selected: sip:192\\.0\\.2\\.2[01]:5060")
                         .contains("failover:");
        outBytes.reset();
        final Path message = write("message.sip", INVITE.replace("INVITE", "MESSAGE"));
        assertThat(run("select", "-c", conf.toString(), "--request", message.toString(), "--source",
                       "192.0.2.99:5070")).isEqualTo(1);
        assertThat(out()).contains("from 192.0.2.99:5070").contains("answer: 403 No Messages")
                         .contains("rule: siplb.routing[0]");
    }

    @Test
    void parseStrictListsEveryProblemAndExitsOneWhenAnyFileHasOne() throws IOException {
        final Path good = write("good.sip", INVITE);
        final Path phone = write("phone.sip", INVITE.replace(";tag=a1", ";tag=a\"1")
                                                    .replace("CSeq: 7 INVITE", "CSeq: 7 INVITE\r\nExpires: soon"));
        assertThat(run("parse", "--strict", good.toString())).isZero();
        assertThat(out()).contains("\"valid\":true", "\"strict\":true,\"problems\":[]");
        outBytes.reset();
        assertThat(run("parse", "--strict", good.toString(), phone.toString())).isEqualTo(1);
        final String[] lines = out().split(System.lineSeparator());
        assertThat(lines).hasSize(2);
        // The proxy forwards the phone's message (valid) although the grammar names two problems.
        assertThat(lines[1]).startsWith("{\"file\":\"" + phone + "\",\"valid\":true,")
                            .contains("\"tag\":\"a\\\"1\"")
                            .endsWith(",\"strict\":false,\"problems\":[" +
                                      "{\"header\":\"From\",\"value\":\"tag=a\\\"1\",\"expected\":\"tag=token\"}," +
                                      "{\"header\":\"Expires\",\"value\":\"soon\"," +
                                      "\"expected\":\"delta-seconds (1*DIGIT)\"}]}");
        // Without --strict the same file is valid and the exit status 0.
        outBytes.reset();
        assertThat(run("parse", phone.toString())).isZero();
        assertThat(out()).contains("\"valid\":true").doesNotContain("strict", "problems");
        assertThat(run("parse", "--strict")).isEqualTo(2);
        assertThat(err()).contains("parse: no FILE given (expected: siplb parse [--strict] FILE...)");
    }

    @Test
    void hashPrintsKamailiosHashAndSlot() {
        assertThat(run("hash", "--slots", "4", "call-1@192.0.2.1")).isZero();
        final int hash = KamailioHash.hash("call-1@192.0.2.1");
        assertThat(out()).isEqualTo("{\n\thashid: " + KamailioHash.unsigned(hash) + "\n\tslot: " +
                                    Integer.remainderUnsigned(hash, 4) + "\n}\n");
        outBytes.reset();
        assertThat(run("hash", "--slots=7", "alice", "example.com")).isZero();
        final int hash2 = KamailioHash.hash("alice", "example.com");
        assertThat(out()).contains("\tslot: " + Integer.remainderUnsigned(hash2, 7) + '\n');
        assertThat(run("hash", "value")).isEqualTo(2);
        assertThat(err()).contains("hash: --slots N is required");
        assertThat(run("hash", "--slots", "0", "v")).isEqualTo(2);
        assertThat(err()).contains("hash: --slots 0 (expected: > 0)");
        assertThat(run("hash", "--slots", "2", "a", "b", "c")).isEqualTo(2);
        assertThat(err()).contains("hash: 3 values given (expected: VALUE [VALUE2])");
    }

    @Test
    void selectPrintsTheDestinationOfAKeyAndItsFailover() throws IOException {
        final Path conf = write("select.conf",
                                "siplb.dispatcher.sets = [ { id = 3, algorithm = hash-call-id, destinations = " +
                                "[\"sip:127.0.0.1:5080\", \"sip:127.0.0.1:5082\"] } ]\n");
        assertThat(run("select", "-c", conf.toString(), "--set", "3", "--key", "call-1")).isZero();
        assertThat(out()).startsWith("set 3: algorithm hash-call-id (0)")
                         .containsPattern("selected: sip:127\\.0\\.0\\.1:508[02] ")
                         .containsPattern("1\\. sip:127\\.0\\.0\\.1:508[02] ");
        final String first = out();
        outBytes.reset();
        assertThat(run("select", "-c", conf.toString(), "--set", "3", "--key", "call-1")).isZero();
        assertThat(out()).isEqualTo(first);
        outBytes.reset();
        assertThat(run("select", "-c", conf.toString(), "--set", "9", "--key", "call-1")).isEqualTo(2);
        assertThat(err()).contains("select: set: 9 (expected: one of the configured sets: 3)");
        assertThat(run("select", "-c", conf.toString(), "--set", "3")).isEqualTo(2);

        final Path list = write("dispatcher.list", "4 sip:127.0.0.1:5090 1\n");
        outBytes.reset();
        assertThat(run("select", "-c", list.toString(), "--set", "4", "--key", "k")).isEqualTo(1);
        assertThat(out()).contains("no destination: NO_ACTIVE_DESTINATION");

        errBytes.reset();
        final Path bad = write("bad.list", "4 sip:127.0.0.1:5090 x\n");
        assertThat(run("select", "-c", bad.toString(), "--set", "4", "--key", "k")).isEqualTo(2);
        assertThat(err()).startsWith("siplb: configuration error: ").contains("bad.list:1");
    }

    @Test
    void runWithABadConfigurationExitsTwoNamingFileAndLine() throws IOException {
        final Path conf = write("bad.conf", "siplb {\n  listen = [\"sctp:127.0.0.1:5060\"]\n}\n");
        assertThat(run("run", "-c", conf.toString())).isEqualTo(2);
        assertThat(err()).isEqualTo("siplb: configuration error: " + conf + ":2: siplb.listen[0]: " +
                                    "\"sctp:127.0.0.1:5060\": unknown transport 'sctp' (expected: " +
                                    "udp|tcp|tls|ws|wss:HOST:PORT, e.g. udp:127.0.0.1:5060 or tls:[::1]:5061)" +
                                    System.lineSeparator());
        errBytes.reset();
        assertThat(run("-c", dir.resolve("absent.conf").toString())).isEqualTo(2);
        assertThat(err()).contains("absent.conf: no such file");
    }

    @Test
    void runWithTheAdminPortInUseExitsOneNamingTheKey() throws IOException {
        try (java.net.ServerSocket taken = new java.net.ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            final Path conf = write("busy-admin.conf", "siplb {\n  listen = [\"udp:127.0.0.1:0\"]\n"
                                    + "  admin.listen = \"127.0.0.1:" + taken.getLocalPort() + "\"\n}\n");
            assertThat(run("run", "-c", conf.toString())).isEqualTo(1);
            assertThat(err()).startsWith("siplb: cannot listen on siplb.admin.listen 127.0.0.1:"
                                         + taken.getLocalPort() + ": ")
                             .contains("Address already in use")
                             .contains("(expected: a free local address and port)");
        }
    }

    @Test
    void runOnAPortInUseExitsOneNamingTheAddress() throws IOException {
        try (DatagramSocket taken = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))) {
            final Path conf = write("busy.conf", "siplb.listen = [\"udp:127.0.0.1:" + taken.getLocalPort() + "\"]\n");
            assertThat(run("run", "-c", conf.toString())).isEqualTo(1);
            assertThat(err()).startsWith("siplb: cannot listen on udp:127.0.0.1:" + taken.getLocalPort() + ": ")
                             .contains("Address already in use")
                             .contains("(expected: a free local address and port)");
        }
    }

    @Test
    void runWithoutDashCUsesSiplbHome() {
        final int status = Main.execute(new String[] { "run" }, new PrintStream(outBytes, true, StandardCharsets.UTF_8),
                                        new PrintStream(errBytes, true, StandardCharsets.UTF_8), dir.toString());
        assertThat(status).isEqualTo(2);
        assertThat(err()).contains(dir.resolve("conf").resolve("siplb.conf") + ": no such file");
    }
}
