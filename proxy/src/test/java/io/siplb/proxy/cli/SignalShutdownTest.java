package io.siplb.proxy.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.InetSocketAddress;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.siplb.proxy.testing.SipPeer;
import io.siplb.proxy.testing.TestServers;

/**
 * Runs {@code siplb run -c FILE} as a separate JVM, forwards one request through it, then stops it with SIGTERM and
 * checks the graceful shutdown: listeners closed, counters logged, the process gone. Not thread-safe; confined to the
 * test thread.
 */
class SignalShutdownTest {

    private static final Pattern LISTENING = Pattern.compile("Listening on udp:127\\.0\\.0\\.1:(\\d+)");

    @TempDir
    Path dir;

    @Test
    void sigtermStopsSiplbGracefully() throws IOException, InterruptedException, URISyntaxException {
        try (SipPeer uac = SipPeer.bind(); SipPeer uas = SipPeer.bind()) {
            final Path conf = dir.resolve("siplb.conf");
            Files.write(conf, TestServers.config(TestServers.set1(uas)).getBytes(StandardCharsets.UTF_8));
            final Path logback = Paths.get(Main.class.getResource("/logback.xml").toURI());
            final List<String> command = new ArrayList<>();
            command.add(Paths.get(System.getProperty("java.home"), "bin", "java").toString());
            command.add("-Dlogback.configurationFile=" + logback);
            command.add("-cp");
            command.add(System.getProperty("java.class.path"));
            command.add(Main.class.getName());
            command.add("run");
            command.add("-c");
            command.add(conf.toString());
            final Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
            final BlockingQueue<String> lines = new LinkedBlockingQueue<>();
            final Thread reader = new Thread(() -> {
                try (BufferedReader r = new BufferedReader(
                        new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                    String line;
                    while ((line = r.readLine()) != null) {
                        lines.add(line);
                    }
                } catch (IOException ignored) {
                    // the process is gone
                }
            }, "siplb-output");
            reader.setDaemon(true);
            reader.start();
            try {
                final List<String> seen = new ArrayList<>();
                int port = -1;
                final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
                while (port < 0 || seen.stream().noneMatch(l -> l.contains("siplb is running"))) {
                    final String line = lines.poll(deadline - System.nanoTime(), TimeUnit.NANOSECONDS);
                    assertThat(line).as("siplb output so far: %s", seen).isNotNull();
                    seen.add(line);
                    final Matcher m = LISTENING.matcher(line);
                    if (m.find()) {
                        port = Integer.parseInt(m.group(1));
                    }
                }
                assertThat(seen).anyMatch(l -> l.contains("Set 1 (hash-call-id, default for initial requests): " +
                                                          "sending to sip:127.0.0.1:" + uas.port()));

                uac.send("OPTIONS sip:bob@example.com SIP/2.0\r\n" +
                         "Via: SIP/2.0/UDP 127.0.0.1:" + uac.port() + ";branch=z9hG4bK-sig\r\n" +
                         "Max-Forwards: 70\r\nFrom: <sip:a@example.com>;tag=1\r\nTo: <sip:b@example.com>\r\n" +
                         "Call-ID: signal-1\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n",
                         new InetSocketAddress("127.0.0.1", port));
                assertThat(uas.receive(5000)).startsWith("OPTIONS sip:bob@example.com SIP/2.0\r\n");

                // SIGTERM; ProcessHandle.destroy() leaves the output pipe open (Process.destroy() would close it).
                assertThat(process.toHandle().destroy()).isTrue();
                assertThat(process.waitFor(15, TimeUnit.SECONDS)).as("siplb exited after SIGTERM").isTrue();
                assertThat(process.exitValue()).isEqualTo(143);
                reader.join(5000);
                final List<String> rest = new ArrayList<>();
                lines.drainTo(rest);
                assertThat(rest).anyMatch(l -> l.contains("Stopping: closing 2 listener socket(s)"));
                assertThat(rest).anyMatch(l -> l.contains("Stopped. Counters: {requests.forwarded=1, " +
                                                          "requests.received=1}"));
            } finally {
                if (process.isAlive()) {
                    process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
                }
            }
        }
    }
}
