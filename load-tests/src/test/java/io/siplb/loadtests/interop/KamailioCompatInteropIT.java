package io.siplb.loadtests.interop;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestInstance.Lifecycle;

import io.siplb.dispatch.Algorithm;
import io.siplb.dispatch.Destination;
import io.siplb.dispatch.Dispatcher;
import io.siplb.dispatch.HashMode;
import io.siplb.dispatch.KamailioHash;
import io.siplb.dispatch.Selection;
import io.siplb.dispatch.SelectionKey;
import io.siplb.dispatch.config.DispatcherConfigLoader;

/**
 * Kamailio compatibility: siplb's {@code hash-mode = kamailio} picks the same destination as a real Kamailio
 * dispatcher for the same Call-ID and the same {@code dispatcher.list}.
 *
 * <p>The test writes {@code target/kamailio/dispatcher.list} and {@code target/kamailio/kamailio.cfg} (from the
 * resource {@code kamailio/kamailio.cfg}) and starts Kamailio ({@code /usr/sbin/kamailio}, or
 * {@code -Dkamailio.executable}) in the foreground on a free 127.0.0.1 UDP port. Kamailio's route runs
 * {@code ds_select_dst(set, "0")} (algorithm 0: hash over the Call-ID) and answers the request itself with the
 * chosen URI in an {@code X-Dst} header (503 and {@code X-Dst: none} when the set has no active destination).
 * Nothing is forwarded or probed; the destination ports are only names.
 *
 * <p>For {@value #KEYS_PER_SET} random Call-IDs per set (lengths 1 to 80, SIP {@code word} characters, some with
 * {@code @host}, one in eight with non-ASCII UTF-8 characters so that Kamailio's signed {@code char} arithmetic
 * is exercised) it sends an OPTIONS from a plain {@link DatagramSocket} and compares Kamailio's answer with
 * {@code Dispatcher.select(set, SelectionKey.of(callId))} over the same file loaded with
 * {@code DispatcherConfigLoader.loadListFile(list, HASH_CALL_ID, KAMAILIO)}. The sets:
 * <ol>
 *   <li>five active destinations with priorities 5, 10, 5, 0, 10: Kamailio orders them by priority, highest first,
 *       and equal priorities in reverse file order;</li>
 *   <li>the same layout with the second line inactive (flags 1): its share goes to the next active index;</li>
 *   <li>the same layout with flags 0, 2 (trying, still selectable), 4 (disabled), 1, 1: the inactive entries are
 *       the first and the last index, so the search for the next active one wraps and skips several;</li>
 *   <li>two inactive destinations: no destination on either side.</li>
 * </ol>
 * It also checks, through Kamailio's {@code ctl} module and {@code kamcmd}, that {@code dispatcher.list} shows the
 * same index order and states as siplb's snapshot (so Kamailio honours the flags of the file at load), and that
 * {@code dispatcher.hash} gives {@link KamailioHash#hash(CharSequence)} and the same slot for
 * {@value #RPC_HASH_KEYS} of the keys.
 *
 * <p>Kamailio's log, the generated files, every answer ({@code results.tsv}) and a summary are kept in
 * {@code load-tests/target/kamailio/}. The random seed is printed in the summary and in any failure; rerun one with
 * {@code -Dkamailio.seed=N}.
 *
 * <p>A missing Kamailio is a failure, not a skip: install Debian's {@code kamailio} package. Kamailio is stopped
 * by its own pid when the class ends, also on failure (SIGTERM, SIGKILL after 10 s).
 */
@TestInstance(Lifecycle.PER_CLASS)
class KamailioCompatInteropIT {

    static final int KEYS_PER_SET = 500;
    static final int RPC_HASH_KEYS = 100;

    private static final String INSTALL_HINT = "install it with: apt-get install -y kamailio";
    /** How long Kamailio gets to answer its first request. */
    private static final Duration STARTUP_TIMEOUT = Duration.ofSeconds(30);
    /** How long one request waits for its answer before it is sent again. */
    private static final Duration ANSWER_TIMEOUT = Duration.ofSeconds(2);
    /** How often one request is sent at most. */
    private static final int MAX_ATTEMPTS = 3;
    /** How long one kamcmd call may take. */
    private static final Duration KAMCMD_TIMEOUT = Duration.ofSeconds(10);

    /** SIP {@code word} characters (RFC 3261 §25.1), the alphabet of Call-IDs. */
    private static final String WORD_CHARS =
            "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-.!%*_+`'~()<>:\\\"/[]?{}";
    /** Non-ASCII characters: their UTF-8 bytes are negative as C {@code char} on x86. */
    private static final String NON_ASCII = "éüß€日本ñøÅ";

    /** One line of the list file: set, flags and priority; the URI's port is allocated at run time. */
    private record Line(int set, int flags, int priority) {}

    private static final List<Line> LAYOUT = List.of(
            // set 1: all active, mixed priorities with ties (Kamailio order: 5th, 2nd, 3rd, 1st, 4th line)
            new Line(1, 0, 5), new Line(1, 0, 10), new Line(1, 0, 5), new Line(1, 0, 0), new Line(1, 0, 10),
            // set 2: the same, second line inactive
            new Line(2, 0, 5), new Line(2, 1, 10), new Line(2, 0, 5), new Line(2, 0, 0), new Line(2, 0, 10),
            // set 3: trying (selectable), disabled, and inactive at the first and the last index
            new Line(3, 0, 5), new Line(3, 2, 10), new Line(3, 4, 5), new Line(3, 1, 0), new Line(3, 1, 10),
            // set 4: nothing active
            new Line(4, 1, 0), new Line(4, 1, 0));

    private static final int[] SETS = { 1, 2, 3, 4 };

    private Path dir;
    private Path listFile;
    private int sipPort;
    private int ctlPort;
    private long seed;
    private ChildProcess kamailio;
    private Path kamcmd;
    private Dispatcher dispatcher;

    @BeforeAll
    void startKamailio() throws Exception {
        final Path executable = Paths.get(System.getProperty("kamailio.executable", "/usr/sbin/kamailio"));
        if (!Files.isExecutable(executable)) {
            fail("Kamailio not found at " + executable + " (-Dkamailio.executable=PATH); " + INSTALL_HINT);
        }
        kamcmd = executable.resolveSibling("kamcmd");
        if (!Files.isExecutable(kamcmd)) {
            fail("kamcmd not found at " + kamcmd + " (it comes with Kamailio); " + INSTALL_HINT);
        }
        final Path modules = modulesDir();
        seed = Long.getLong("kamailio.seed", System.nanoTime());

        dir = Paths.get(System.getProperty("kamailio.dir", "target/kamailio")).toAbsolutePath();
        final Path runDir = dir.resolve("run");
        Files.createDirectories(runDir);
        for (String stale : List.of("kamailio.pid", "results.tsv", "summary.txt")) {
            Files.deleteIfExists(dir.resolve(stale));
        }

        final int[] ports = freeUdpPorts(LAYOUT.size() + 1);
        sipPort = ports[LAYOUT.size()];
        ctlPort = freeTcpPort();
        final StringBuilder list = new StringBuilder(
                "# setid uri flags priority; written by KamailioCompatInteropIT, read by Kamailio and siplb\n");
        for (int i = 0; i < LAYOUT.size(); i++) {
            final Line line = LAYOUT.get(i);
            list.append(line.set()).append(" sip:127.0.0.1:").append(ports[i]).append(' ')
                .append(line.flags()).append(' ').append(line.priority()).append('\n');
        }
        listFile = dir.resolve("dispatcher.list");
        Files.writeString(listFile, list);

        final String config = resource("kamailio/kamailio.cfg")
                .replace("@SIP_PORT@", Integer.toString(sipPort))
                .replace("@CTL_PORT@", Integer.toString(ctlPort))
                .replace("@MODULES_DIR@", modules.toString())
                .replace("@LIST_FILE@", listFile.toString());
        final Path cfg = dir.resolve("kamailio.cfg");
        Files.writeString(cfg, config);

        // -DD: stay in the foreground (the pid is the main process; SIGTERM stops its children too); -E: log to
        // stderr; -Y: runtime files here, not in /run/kamailio; small memory pools.
        final List<String> command = List.of(
                executable.toString(), "-DD", "-E", "-f", cfg.toString(), "-P", dir.resolve("kamailio.pid").toString(),
                "-Y", runDir.toString(), "-m", "64", "-M", "8");
        Files.writeString(dir.resolve("kamailio.cmd"), String.join(" ", command) + '\n');
        kamailio = ChildProcess.start("kamailio", command, dir, dir.resolve("kamailio.out"));
        awaitFirstAnswer();

        dispatcher = Dispatcher.create(
                DispatcherConfigLoader.loadListFile(listFile, Algorithm.HASH_CALL_ID, HashMode.KAMAILIO));
    }

    @AfterAll
    void stopKamailio() throws InterruptedException {
        try {
            if (dispatcher != null) {
                dispatcher.close();
            }
        } finally {
            if (kamailio != null) {
                kamailio.close();
                assertThat(kamailio.isAlive()).as("kamailio (pid %d) still running after SIGKILL", kamailio.pid())
                                              .isFalse();
            }
        }
    }

    @Test
    void kamailioListsTheSameOrderAndStatesAsSiplb() throws Exception {
        final Map<Integer, List<String>> kamailioSets = parseDispatcherList(kamcmd("dispatcher.list"));
        final Map<Integer, List<String>> siplbSets = new TreeMap<>();
        for (int set : SETS) {
            final List<String> entries = new ArrayList<>();
            for (Destination d : dispatcher.snapshot().set(set).destinations()) {
                entries.add(d.uri() + ' ' + expectedStateLetter(d.flags()));
            }
            siplbSets.put(set, entries);
        }
        assertThat(kamailioSets).as("Kamailio's dispatcher.list (URI and state letter, in index order) vs siplb's "
                                    + "snapshot; list file %s", listFile)
                                .isEqualTo(siplbSets);
        // The layout's point: set 1 is in Kamailio's order (priority descending, ties in reverse file order), not
        // in file order, and Kamailio kept every state of the file.
        assertThat(kamailioSets.get(1)).containsExactly(uriOf(1, 4) + " A", uriOf(1, 1) + " A", uriOf(1, 2) + " A",
                                                        uriOf(1, 0) + " A", uriOf(1, 3) + " A");
        assertThat(kamailioSets.get(3)).extracting(e -> e.substring(e.length() - 1))
                                       .containsExactly("I", "T", "D", "A", "I");
    }

    @Test
    void everyCallIdPicksTheSameDestination() throws Exception {
        final Random random = new Random(seed);
        final List<String> mismatches = new ArrayList<>();
        final StringBuilder tsv = new StringBuilder("set\tcall-id\tkamailio-hash\tkamailio\tsiplb\n");
        final Map<Integer, Map<String, Integer>> perSet = new TreeMap<>();
        int compared = 0;
        final long started = System.nanoTime();
        try (DatagramSocket socket = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))) {
            socket.setSoTimeout((int) ANSWER_TIMEOUT.toMillis());
            int seq = 0;
            for (int set : SETS) {
                final Map<String, Integer> counts = new TreeMap<>();
                perSet.put(set, counts);
                for (int k = 0; k < KEYS_PER_SET; k++) {
                    final String callId = randomCallId(random);
                    final String fromKamailio = ask(socket, set, callId, ++seq);
                    final Selection selection = dispatcher.select(set, SelectionKey.of(callId));
                    final String fromSiplb = selection.isSelected() ? selection.destination().uri() : "none";
                    counts.merge(fromKamailio, 1, Integer::sum);
                    compared++;
                    final String hash = Integer.toUnsignedString(KamailioHash.hash(callId));
                    tsv.append(set).append('\t').append(callId).append('\t').append(hash).append('\t')
                       .append(fromKamailio).append('\t').append(fromSiplb).append('\n');
                    if (!fromKamailio.equals(fromSiplb)) {
                        mismatches.add("set " + set + " Call-ID [" + callId + "] hash " + hash + ": Kamailio "
                                       + fromKamailio + ", siplb " + fromSiplb + " (" + selection.status() + ')');
                    }
                }
            }
        }
        final long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
        Files.writeString(dir.resolve("results.tsv"), tsv);
        final String summary = "Kamailio version: " + kamailioVersion() + ", seed " + seed + ", " + compared
                               + " Call-IDs compared in " + millis + " ms, " + mismatches.size() + " differ\n"
                               + perSet.entrySet().stream()
                                       .map(e -> "set " + e.getKey() + ": " + e.getValue())
                                       .collect(Collectors.joining("\n")) + '\n';
        Files.writeString(dir.resolve("summary.txt"), summary);

        if (!mismatches.isEmpty()) {
            fail(summary + "first differences (every answer is in " + dir.resolve("results.tsv") + "):\n"
                 + String.join("\n", mismatches.subList(0, Math.min(20, mismatches.size()))));
        }
        assertThat(compared).isEqualTo(SETS.length * KEYS_PER_SET);
        // The comparison covers what it claims: in set 1 every destination is picked, in set 2 the inactive one
        // never is, in set 3 only the two selectable ones are, and set 4 has no destination.
        assertThat(perSet.get(1)).as(summary).hasSize(5).doesNotContainKey("none");
        assertThat(perSet.get(2)).as(summary).hasSize(4).doesNotContainKey(uriOf(2, 1));
        assertThat(perSet.get(3)).as(summary).containsOnlyKeys(uriOf(3, 0), uriOf(3, 1));
        assertThat(perSet.get(4)).as(summary).containsOnlyKeys("none");
    }

    @Test
    void dispatcherHashRpcEqualsKamailioHash() throws Exception {
        final Random random = new Random(seed ^ 0x5DEECE66DL);
        final List<String> mismatches = new ArrayList<>();
        for (int k = 0; k < RPC_HASH_KEYS; k++) {
            final String key = randomCallId(random);
            // "s:" makes kamcmd pass the argument as a string even when it looks like a number.
            final String out = kamcmd("dispatcher.hash", "5", "s:" + key);
            final long rpcHash = Long.parseLong(field(out, "hashid"));
            final long rpcSlot = Long.parseLong(field(out, "slot"));
            final int hash = KamailioHash.hash(key);
            final long slot = Integer.remainderUnsigned(hash, 5);
            if ((int) rpcHash != hash || rpcSlot != slot) {
                mismatches.add("[" + key + "]: dispatcher.hash " + rpcHash + " slot " + rpcSlot
                               + ", KamailioHash " + Integer.toUnsignedString(hash) + " slot " + slot);
            }
        }
        assertThat(mismatches).as("seed %d", seed).isEmpty();
    }

    // ---- Kamailio I/O ----

    /** Sends an OPTIONS for {@code set} with {@code callId}; returns the X-Dst of the answer ({@code none} on 503). */
    private String ask(DatagramSocket socket, int set, String callId, int seq) throws IOException {
        final String branch = "z9hG4bK-compat-" + seq;
        final String request =
                "OPTIONS sip:" + set + "@127.0.0.1:" + sipPort + " SIP/2.0\r\n"
                + "Via: SIP/2.0/UDP 127.0.0.1:" + socket.getLocalPort() + ";branch=" + branch + ";rport\r\n"
                + "Max-Forwards: 70\r\n"
                + "From: <sip:compat@127.0.0.1>;tag=" + seq + "\r\n"
                + "To: <sip:" + set + "@127.0.0.1>\r\n"
                + "Call-ID: " + callId + "\r\n"
                + "CSeq: " + seq + " OPTIONS\r\n"
                + "Content-Length: 0\r\n\r\n";
        final byte[] bytes = request.getBytes(StandardCharsets.UTF_8);
        final DatagramPacket out = new DatagramPacket(bytes, bytes.length,
                                                      new InetSocketAddress(InetAddress.getLoopbackAddress(), sipPort));
        final byte[] buf = new byte[8192];
        for (int attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
            socket.send(out);
            // Read until the answer to this branch arrives or the socket times out (late answers to earlier
            // attempts are skipped); each receive either returns a datagram or throws within ANSWER_TIMEOUT.
            final long deadline = System.nanoTime() + ANSWER_TIMEOUT.toNanos();
            while (System.nanoTime() < deadline) {
                final DatagramPacket in = new DatagramPacket(buf, buf.length);
                try {
                    socket.receive(in);
                } catch (SocketTimeoutException e) {
                    break;
                }
                final String response = new String(in.getData(), 0, in.getLength(), StandardCharsets.UTF_8);
                if (!response.contains("branch=" + branch + ';') && !response.contains("branch=" + branch + "\r")) {
                    continue;
                }
                return answer(response, set, callId);
            }
        }
        throw new AssertionError("Kamailio (pid " + kamailio.pid() + ") did not answer set " + set + " Call-ID ["
                                 + callId + "] after " + MAX_ATTEMPTS + " attempts; log: " + kamailio.log());
    }

    private String answer(String response, int set, String callId) {
        final String status = response.substring(0, response.indexOf("\r\n"));
        final String dst = headerValue(response, "X-Dst");
        if (dst == null) {
            throw new AssertionError("answer without X-Dst for set " + set + " Call-ID [" + callId + "]:\n" + response);
        }
        if (status.startsWith("SIP/2.0 200 ") && !"none".equals(dst)
            || status.startsWith("SIP/2.0 503 ") && "none".equals(dst)) {
            return dst;
        }
        throw new AssertionError("unexpected answer for set " + set + " Call-ID [" + callId + "]:\n" + response);
    }

    private static String headerValue(String message, String name) {
        for (String line : message.split("\r\n")) {
            if (line.regionMatches(true, 0, name + ':', 0, name.length() + 1)) {
                return line.substring(name.length() + 1).trim();
            }
        }
        return null;
    }

    private void awaitFirstAnswer() throws IOException, InterruptedException {
        final long deadline = System.nanoTime() + STARTUP_TIMEOUT.toNanos();
        try (DatagramSocket socket = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))) {
            socket.setSoTimeout(500);
            int seq = 0;
            while (System.nanoTime() < deadline) {
                if (!kamailio.isAlive()) {
                    fail("Kamailio exited with " + kamailio.waitFor(Duration.ZERO) + " before answering; log "
                         + kamailio.log() + ":\n" + tail(kamailio.log()));
                }
                final String probe = "OPTIONS sip:1@127.0.0.1:" + sipPort + " SIP/2.0\r\n"
                                     + "Via: SIP/2.0/UDP 127.0.0.1:" + socket.getLocalPort()
                                     + ";branch=z9hG4bK-startup-" + (++seq) + ";rport\r\n"
                                     + "Max-Forwards: 70\r\nFrom: <sip:compat@127.0.0.1>;tag=s\r\n"
                                     + "To: <sip:1@127.0.0.1>\r\nCall-ID: startup-" + seq + "\r\n"
                                     + "CSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n";
                final byte[] bytes = probe.getBytes(StandardCharsets.US_ASCII);
                socket.send(new DatagramPacket(bytes, bytes.length,
                                               new InetSocketAddress(InetAddress.getLoopbackAddress(), sipPort)));
                try {
                    socket.receive(new DatagramPacket(new byte[8192], 8192));
                    return;
                } catch (SocketTimeoutException e) {
                    // not up yet
                }
            }
        }
        fail("Kamailio did not answer on udp:127.0.0.1:" + sipPort + " within " + STARTUP_TIMEOUT + "; log "
             + kamailio.log() + ":\n" + tail(kamailio.log()));
    }

    /** Runs {@code kamcmd -s tcp:127.0.0.1:CTL_PORT args...} and returns its output; fails on a non-zero exit. */
    private String kamcmd(String... args) throws IOException, InterruptedException {
        final List<String> command = new ArrayList<>(List.of(kamcmd.toString(), "-s", "tcp:127.0.0.1:" + ctlPort));
        command.addAll(List.of(args));
        final Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        process.getOutputStream().close();
        final byte[] output;
        try (InputStream in = process.getInputStream()) {
            output = in.readNBytes(1 << 20);
        }
        if (!process.waitFor(KAMCMD_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
            process.destroyForcibly();
            process.waitFor(5, TimeUnit.SECONDS);
            fail("kamcmd did not finish within " + KAMCMD_TIMEOUT + ": " + command);
        }
        final String text = new String(output, StandardCharsets.UTF_8);
        if (process.exitValue() != 0) {
            fail("kamcmd exited with " + process.exitValue() + ": " + command + "\n" + text);
        }
        return text;
    }

    /** {@code dispatcher.list} output → set id → "URI state-letter" in index order. */
    static Map<Integer, List<String>> parseDispatcherList(String output) {
        final Map<Integer, List<String>> sets = new TreeMap<>();
        List<String> current = null;
        String uri = null;
        for (String raw : output.split("\n")) {
            final String line = raw.trim();
            if (line.startsWith("ID:")) {
                current = new ArrayList<>();
                sets.put(Integer.parseInt(line.substring(3).trim()), current);
            } else if (line.startsWith("URI:")) {
                uri = line.substring(4).trim();
            } else if (line.startsWith("FLAGS:") && current != null && uri != null) {
                current.add(uri + ' ' + line.substring(6).trim().charAt(0));
                uri = null;
            }
        }
        return sets;
    }

    /** Kamailio's first FLAGS letter for file flags: I (inactive) > D (disabled) > T (trying) > A. */
    private static char expectedStateLetter(int flags) {
        if ((flags & 1) != 0) {
            return 'I';
        }
        if ((flags & 4) != 0) {
            return 'D';
        }
        if ((flags & 2) != 0) {
            return 'T';
        }
        return 'A';
    }

    private static String field(String rpcOutput, String name) {
        for (String raw : rpcOutput.split("\n")) {
            final String line = raw.trim();
            if (line.startsWith(name + ':')) {
                return line.substring(name.length() + 1).trim();
            }
        }
        throw new AssertionError("no " + name + " in kamcmd output:\n" + rpcOutput);
    }

    private String kamailioVersion() throws IOException, InterruptedException {
        final Process process = new ProcessBuilder(executableOf(), "-v")
                .redirectErrorStream(true).start();
        process.getOutputStream().close();
        final String text;
        try (InputStream in = process.getInputStream()) {
            text = new String(in.readNBytes(1 << 16), StandardCharsets.UTF_8);
        }
        if (!process.waitFor(10, TimeUnit.SECONDS)) {
            process.destroyForcibly();
        }
        final String first = text.lines().findFirst().orElse("?");
        return first.startsWith("version: ") ? first.substring(9).trim() : first.trim();
    }

    private static String executableOf() {
        return System.getProperty("kamailio.executable", "/usr/sbin/kamailio");
    }

    // ---- files, ports, keys ----

    private String uriOf(int set, int indexInSet) {
        final List<String> lines = new ArrayList<>();
        try {
            for (String line : Files.readAllLines(listFile)) {
                if (line.startsWith(set + " ")) {
                    lines.add(line.split(" ")[1]);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return lines.get(indexInSet);
    }

    /** The Kamailio modules directory: {@code -Dkamailio.modules}, else where Debian's package puts it. */
    private static Path modulesDir() throws IOException {
        final String configured = System.getProperty("kamailio.modules");
        if (configured != null) {
            return Paths.get(configured);
        }
        final List<Path> candidates = new ArrayList<>();
        try (Stream<Path> arch = Files.list(Paths.get("/usr/lib"))) {
            arch.limit(10_000).forEach(p -> candidates.add(p.resolve("kamailio/modules")));
        }
        candidates.add(Paths.get("/usr/lib64/kamailio/modules"));
        candidates.add(Paths.get("/usr/local/lib64/kamailio/modules"));
        for (Path candidate : candidates) {
            if (Files.isRegularFile(candidate.resolve("dispatcher.so"))) {
                return candidate;
            }
        }
        throw new AssertionError("no Kamailio modules directory with dispatcher.so under /usr/lib/*/kamailio/modules "
                                 + "(-Dkamailio.modules=DIR); " + INSTALL_HINT);
    }

    /** {@code count} distinct free UDP ports on 127.0.0.1 (held together while allocated, so they differ). */
    private static int[] freeUdpPorts(int count) throws IOException {
        final List<DatagramSocket> held = new ArrayList<>();
        try {
            final int[] ports = new int[count];
            for (int i = 0; i < count; i++) {
                final DatagramSocket s = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
                held.add(s);
                ports[i] = s.getLocalPort();
            }
            return ports;
        } finally {
            held.forEach(DatagramSocket::close);
        }
    }

    private static int freeTcpPort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    /** A random Call-ID: 1 to 80 {@code word} characters, sometimes {@code @host}, one in eight with non-ASCII. */
    static String randomCallId(Random random) {
        final StringBuilder sb = new StringBuilder();
        final int length = 1 + random.nextInt(80);
        final boolean nonAscii = random.nextInt(8) == 0;
        for (int i = 0; i < length; i++) {
            if (nonAscii && random.nextInt(4) == 0) {
                sb.append(NON_ASCII.charAt(random.nextInt(NON_ASCII.length())));
            } else {
                sb.append(WORD_CHARS.charAt(random.nextInt(WORD_CHARS.length())));
            }
        }
        if (random.nextInt(3) == 0) {
            sb.append("@host").append(random.nextInt(1000)).append(".example.com");
        }
        return sb.toString();
    }

    private static String resource(String name) throws IOException {
        try (InputStream in = KamailioCompatInteropIT.class.getClassLoader().getResourceAsStream(name)) {
            if (in == null) {
                throw new IOException("missing test resource " + name);
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    private static String tail(Path log) {
        try {
            final List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size()));
        } catch (IOException e) {
            return "(cannot read " + log + ": " + e + ')';
        }
    }

}
