package io.siplb.proxy.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The shaded jar ({@code proxy/target/siplb.jar}, what {@code bin/siplb} runs) on its own: its main class, the merged
 * {@code reference.conf} of every module, and the command line. Not thread-safe; confined to the test thread.
 */
class SiplbJarIT {

    @TempDir
    Path dir;

    private static final class Result {
        final int status;
        final String out;

        Result(int status, String out) {
            this.status = status;
            this.out = out;
        }
    }

    private static Result java(String... args) throws IOException, InterruptedException {
        final Path jar = Paths.get(System.getProperty("siplb.jar", "target/siplb.jar"));
        assertThat(jar).isRegularFile();
        final List<String> command = new ArrayList<>();
        command.add(Paths.get(System.getProperty("java.home"), "bin", "java").toString());
        command.add("-jar");
        command.add(jar.toString());
        command.addAll(List.of(args));
        final Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        final byte[] out = p.getInputStream().readAllBytes();
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        return new Result(p.exitValue(), new String(out, StandardCharsets.UTF_8));
    }

    @Test
    void helpAndUsageErrors() throws IOException, InterruptedException {
        final Result help = java("--help");
        assertThat(help.status).isZero();
        assertThat(help.out).contains("run [-c FILE]", "parse [--strict] FILE...", "hash --slots N", "select -c FILE",
                                      "ctl VERB [--admin URL | -c FILE]", "set-state STATE SET URI");
        final Result bad = java("--no-such-option");
        assertThat(bad.status).isEqualTo(2);
        assertThat(bad.out).contains("unknown option '--no-such-option'");
    }

    @Test
    void defaultsOfEveryModuleAreMergedIntoTheJar() throws IOException, InterruptedException {
        // No algorithm and no hash mode: both come from dispatch-engine's reference.conf inside the jar.
        final Path conf = dir.resolve("siplb.conf");
        Files.writeString(conf, "siplb.dispatcher.sets = [ { id = 1, destinations = [\"sip:127.0.0.1:5080\"] } ]\n");
        final Result select = java("select", "-c", conf.toString(), "--set", "1", "--key", "k");
        assertThat(select.status).as(select.out).isZero();
        assertThat(select.out).contains("set 1: algorithm round-robin (4), hash-mode consistent")
                              .contains("selected: sip:127.0.0.1:5080");
    }

    @Test
    void parseAndConfigurationErrors() throws IOException, InterruptedException {
        final Path msg = dir.resolve("m.sip");
        Files.writeString(msg, "OPTIONS sip:b@example.com SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1;branch=z9hG4bK1\r\n" +
                               "From: <sip:a@example.com>;tag=1\r\nTo: <sip:b@example.com>\r\nCall-ID: x\r\n" +
                               "CSeq: 1 OPTIONS\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n\r\n");
        final Result parse = java("parse", msg.toString());
        assertThat(parse.status).isZero();
        assertThat(parse.out).startsWith("{\"file\":").contains("\"valid\":true", "\"method\":\"OPTIONS\"");

        final Path conf = dir.resolve("bad.conf");
        Files.writeString(conf, "siplb {\n  io.transport = kqueue\n}\n");
        final Result run = java("run", "-c", conf.toString());
        assertThat(run.status).isEqualTo(2);
        assertThat(run.out).contains("siplb: configuration error: " + conf + ":2: siplb.io.transport: \"kqueue\" " +
                                     "(expected: auto, epoll or nio)")
                           .doesNotContain("Exception", "\tat ");
    }

    @Test
    void ctlDrivesASiplbStartedFromTheJarAndTheJarServesTheStatusPage() throws Exception {
        final int admin;
        try (java.net.ServerSocket free = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            admin = free.getLocalPort();
        }
        final Path conf = dir.resolve("siplb.conf");
        Files.writeString(conf, "siplb {\n  listen = [\"udp:127.0.0.1:0\"]\n  io.threads = 1\n"
                                + "  admin { listen = \"127.0.0.1:" + admin + "\", token = \"jar-token\" }\n"
                                + "  dispatcher.probing.mode = inactive\n"
                                + "  dispatcher.sets = [ { id = 1, destinations = [\"sip:127.0.0.1:5999\"] } ]\n}\n");
        final Path jar = Paths.get(System.getProperty("siplb.jar", "target/siplb.jar"));
        final Path log = dir.resolve("siplb.log");
        final Process siplb = new ProcessBuilder(Paths.get(System.getProperty("java.home"), "bin", "java").toString(),
                                                 "-jar", jar.toString(), "run", "-c", conf.toString())
                .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        try {
            // Bounded: up to 30 s for the admin listener to answer.
            final java.net.http.HttpClient http = java.net.http.HttpClient.newHttpClient();
            final java.net.URI page = java.net.URI.create("http://127.0.0.1:" + admin + "/");
            java.net.http.HttpResponse<String> r = null;
            for (int i = 0; i < 300 && r == null; i++) {
                assertThat(siplb.isAlive()).as("siplb exited: %s", Files.readString(log)).isTrue();
                try {
                    r = http.send(java.net.http.HttpRequest.newBuilder(page).build(),
                                  java.net.http.HttpResponse.BodyHandlers.ofString());
                } catch (java.net.ConnectException e) {
                    Thread.sleep(100);
                }
            }
            assertThat(r).as("admin listener up within 30 s: %s", Files.readString(log)).isNotNull();
            assertThat(r.statusCode()).isEqualTo(200);
            assertThat(r.body()).contains("<title>siplb status</title>", "/api/sets");

            final Result list = java("ctl", "list", "-c", conf.toString());
            assertThat(list.status).as(list.out).isZero();
            assertThat(list.out).containsPattern("1 +sip:127\\.0\\.0\\.1:5999 +AX +0 +active");
            final Result disable = java("ctl", "set-state", "disabled", "1", "sip:127.0.0.1:5999", "-c",
                                        conf.toString());
            assertThat(disable.status).as(disable.out).isZero();
            assertThat(disable.out).isEqualTo("set 1 sip:127.0.0.1:5999: active -> disabled (DX)\n");
            final Result json = java("ctl", "list", "--json", "-c", conf.toString());
            assertThat(json.out).contains("\"state\":\"disabled\"", "\"kamailio\":\"DX\"");
            final Result noToken = java("ctl", "list", "--admin", "http://127.0.0.1:" + admin);
            assertThat(noToken.status).isEqualTo(1);
            assertThat(noToken.out).contains("401 Unauthorized: no token was sent");
        } finally {
            siplb.destroy();
            if (!siplb.waitFor(10, TimeUnit.SECONDS)) {
                siplb.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
            }
        }
    }
}
