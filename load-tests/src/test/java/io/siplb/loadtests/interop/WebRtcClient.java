package io.siplb.loadtests.interop;

import static java.util.Objects.requireNonNull;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The WebRTC SIP test client of the interop suite, from Java: runs the Node harness
 * {@code load-tests/src/test/webrtc/webrtc-call.mjs} (JsSIP in Debian's headless Chromium, driven by
 * playwright-core), which registers over a SIP WebSocket, places one call, holds it, hangs up and unregisters, and
 * parses the JSON line it prints.
 *
 * <p>{@link #locate()} finds the harness folder ({@code -Dwebrtc.dir}, default {@code src/test/webrtc} relative to
 * the module), {@code node} and {@code npm} on {@code PATH}, and Chromium ({@code -Dchromium.executable}, default
 * {@code /usr/bin/chromium}); anything missing is an {@link AssertionError} that says what to install, never a
 * skip. {@link #ensureInstalled(Path)} runs {@code npm ci} in the harness folder when its {@code node_modules} lacks
 * jssip or playwright-core (the versions are pinned in its package-lock.json; nothing downloads a browser).
 * {@link #call(Call, Path)} runs one call, bounded by the call's overall timeout plus {@link #PROCESS_SLACK}; the
 * script closes the browser itself on its own timeout and on SIGTERM. Immutable.
 */
final class WebRtcClient {

    static final String DIR_PROPERTY = "webrtc.dir";
    static final String CHROMIUM_PROPERTY = "chromium.executable";
    static final String DEFAULT_DIR = "src/test/webrtc";
    static final String DEFAULT_CHROMIUM = "/usr/bin/chromium";
    static final String SCRIPT = "webrtc-call.mjs";

    /** How long {@code npm ci} may take (six small packages from the registry). */
    static final Duration NPM_CI_TIMEOUT = Duration.ofMinutes(5);
    /** On top of the call's own overall timeout: Chromium's start and the script's cleanup. */
    static final Duration PROCESS_SLACK = Duration.ofSeconds(30);

    /** One call: the WebSocket URL, the AOR to register (and the registrar URI, or {@code null}), the target. */
    record Call(String wsUrl, String aor, String registrar, String target, Duration hold, Duration timeout,
                List<String> expectIncoming) {
        Call {
            requireNonNull(wsUrl, "wsUrl");
            requireNonNull(aor, "aor");
            requireNonNull(target, "target");
            requireNonNull(hold, "hold");
            requireNonNull(timeout, "timeout");
            expectIncoming = List.copyOf(expectIncoming);
        }
    }

    /**
     * The outcome of one run: the script's exit code (0 every step succeeded, 1 a step failed or the overall
     * timeout passed, 2 the environment is incomplete, -1 killed by this class after its bound) and its JSON line.
     */
    record Result(int exitCode, String line, Map<String, Object> json, Path stdout, Path stderr) {

        boolean ok() {
            return exitCode == 0 && Boolean.TRUE.equals(json.get("ok"));
        }

        Integer registerStatus() {
            return integer("register", "status");
        }

        boolean wsConnected() {
            return Boolean.TRUE.equals(Json.at(json, "ws", "connected"));
        }

        String subprotocol() {
            return (String) Json.at(json, "ws", "subprotocol");
        }

        /** Provisional response codes to the INVITE, in arrival order (100 Trying is hop-by-hop, not reported). */
        List<Integer> progress() {
            return integers("call", "progress");
        }

        Integer finalStatus() {
            return integer("call", "finalStatus");
        }

        boolean confirmed() {
            return Boolean.TRUE.equals(Json.at(json, "call", "confirmed"));
        }

        boolean ackSent() {
            return Boolean.TRUE.equals(Json.at(json, "call", "ackSent"));
        }

        boolean remoteSdpAccepted() {
            return Boolean.TRUE.equals(Json.at(json, "call", "remoteSdpAccepted"));
        }

        Integer byeStatus() {
            return integer("bye", "status");
        }

        Integer unregisterStatus() {
            return integer("unregister", "status");
        }

        /** Top-Via transports of the messages the browser sent ({@code WS}) and received. */
        List<String> viaTransportsSent() {
            return strings("viaTransports", "sent");
        }

        List<String> viaTransportsReceived() {
            return strings("viaTransports", "received");
        }

        /** The Record-Route values of the 200 OK to the INVITE, as the browser received them. */
        List<String> recordRoute() {
            return strings("recordRoute");
        }

        /** Methods of the requests the browser received from the peer (in-dialog, back through the proxy). */
        List<String> incomingRequests() {
            final List<String> methods = new ArrayList<>();
            if (json.get("inDialogRequests") instanceof List<?> list) {
                for (Object o : list) {
                    if (Json.at(o, "method") instanceof String m) {
                        methods.add(m);
                    }
                }
            }
            return methods;
        }

        /** The status the browser answered the first incoming {@code method} request with, or {@code null}. */
        Integer incomingAnswered(String method) {
            if (json.get("inDialogRequests") instanceof List<?> list) {
                for (Object o : list) {
                    if (method.equals(Json.at(o, "method"))) {
                        return Json.at(o, "answered") instanceof Number n ? n.intValue() : null;
                    }
                }
            }
            return null;
        }

        /** The request line of the first incoming {@code method} request's Request-URI, as the browser got it. */
        String incomingRequestUri(String method) {
            if (json.get("inDialogRequests") instanceof List<?> list) {
                for (Object o : list) {
                    if (method.equals(Json.at(o, "method"))) {
                        return (String) Json.at(o, "ruri");
                    }
                }
            }
            return null;
        }

        List<String> errors() {
            return strings("errors");
        }

        /** Short message summary, for example {@code "out REGISTER", "in 200 REGISTER", ...}. */
        List<String> messages() {
            return strings("messages");
        }

        private Integer integer(String... path) {
            return Json.at(json, path) instanceof Number n ? n.intValue() : null;
        }

        private List<Integer> integers(String... path) {
            final List<Integer> out = new ArrayList<>();
            if (Json.at(json, path) instanceof List<?> list) {
                for (Object o : list) {
                    if (o instanceof Number n) {
                        out.add(n.intValue());
                    }
                }
            }
            return out;
        }

        private List<String> strings(String... path) {
            final List<String> out = new ArrayList<>();
            if (Json.at(json, path) instanceof List<?> list) {
                for (Object o : list) {
                    out.add(String.valueOf(o));
                }
            }
            return out;
        }

        @Override
        public String toString() {
            return "exit " + exitCode + ": " + line + " (stdout " + stdout + ", stderr " + stderr + ')';
        }
    }

    /** Finds the harness, node, npm and Chromium from the system properties and {@code PATH}; fails loudly. */
    static WebRtcClient locate() {
        final Path dir = Paths.get(System.getProperty(DIR_PROPERTY, DEFAULT_DIR)).toAbsolutePath().normalize();
        final String path = System.getenv("PATH");
        final Path node = onPath("node", path);
        if (node == null) {
            throw new AssertionError("node is not installed (none on PATH " + path + "): the WebRTC harness runs "
                                     + "on Node.js 20 or later; install Node.js and npm (Debian: apt-get install "
                                     + "-y nodejs npm)");
        }
        return new WebRtcClient(dir, node, onPath("npm", path),
                                Paths.get(System.getProperty(CHROMIUM_PROPERTY, DEFAULT_CHROMIUM)));
    }

    private final Path dir;
    private final Path node;
    private final Path npm;
    private final Path chromium;

    WebRtcClient(Path dir, Path node, Path npm, Path chromium) {
        this.dir = requireNonNull(dir, "dir");
        this.node = requireNonNull(node, "node");
        this.npm = npm;
        this.chromium = requireNonNull(chromium, "chromium");
        if (!Files.isRegularFile(dir.resolve(SCRIPT))) {
            throw new AssertionError("the WebRTC harness " + dir.resolve(SCRIPT) + " is missing (-D" + DIR_PROPERTY
                                     + "=DIR names the folder with " + SCRIPT + " and package.json)");
        }
        if (!Files.isExecutable(chromium) || Files.isDirectory(chromium)) {
            throw new AssertionError("Chromium is not installed at " + chromium + " (-D" + CHROMIUM_PROPERTY
                                     + "=PATH): install Debian's chromium package (apt-get install -y chromium)");
        }
    }

    /** The harness folder (webrtc-call.mjs, package.json, sipp/, kamailio/). */
    Path dir() {
        return dir;
    }

    Path chromium() {
        return chromium;
    }

    /** True when node_modules holds the two packages the script loads. */
    boolean installed() {
        return Files.isRegularFile(dir.resolve("node_modules/jssip/package.json"))
               && Files.isRegularFile(dir.resolve("node_modules/playwright-core/package.json"));
    }

    /**
     * Runs {@code npm ci} in the harness folder unless {@link #installed()}; its output goes to
     * {@code logDir/npm-ci.log}.
     *
     * @throws AssertionError when npm is missing, fails, or takes longer than {@link #NPM_CI_TIMEOUT}
     */
    void ensureInstalled(Path logDir) throws IOException, InterruptedException {
        if (installed()) {
            return;
        }
        if (npm == null) {
            throw new AssertionError(dir.resolve("node_modules") + " lacks jssip/playwright-core and npm is not "
                                     + "installed (none on PATH): install npm (Debian: apt-get install -y npm), "
                                     + "or run 'npm ci' in " + dir);
        }
        Files.createDirectories(logDir);
        final Path log = logDir.resolve("npm-ci.log");
        final List<String> command = List.of(npm.toString(), "ci", "--no-audit", "--no-fund");
        final Integer exit;
        try (ChildProcess process = ChildProcess.start("npm-ci", command, dir, log)) {
            exit = process.waitFor(NPM_CI_TIMEOUT);
        }
        if (exit == null) {
            throw new AssertionError("'npm ci' in " + dir + " did not finish within " + NPM_CI_TIMEOUT + "; log "
                                     + log + ":\n" + tail(log, 30));
        }
        if (exit != 0 || !installed()) {
            throw new AssertionError("'npm ci' in " + dir + " exited with " + exit + "; log " + log + ":\n"
                                     + tail(log, 30));
        }
    }

    /** The command line of one call (without running it). */
    List<String> command(Call call, Path logDir) {
        final List<String> command = new ArrayList<>(List.of(
                node.toString(), dir.resolve(SCRIPT).toString(),
                "--ws", call.wsUrl(), "--aor", call.aor(), "--target", call.target(),
                "--hold", seconds(call.hold()), "--timeout", seconds(call.timeout()),
                "--chromium", chromium.toString(), "--log-dir", logDir.toString()));
        if (call.registrar() != null) {
            command.addAll(List.of("--registrar", call.registrar()));
        }
        for (String method : call.expectIncoming()) {
            command.addAll(List.of("--expect-incoming", method));
        }
        return command;
    }

    /**
     * Runs one call and returns its outcome; the JSON line, the script's stdout and stderr, Chromium's console
     * ({@code browser-console.log}), the SIP trace ({@code sip-trace.txt}) and {@code result.json} land in
     * {@code logDir}. Never returns later than the call's timeout plus {@link #PROCESS_SLACK} plus about 15 s.
     */
    Result call(Call call, Path logDir) throws IOException, InterruptedException {
        if (!installed()) {
            throw new AssertionError(dir.resolve("node_modules") + " lacks jssip/playwright-core: call "
                                     + "ensureInstalled first, or run 'npm ci' in " + dir);
        }
        Files.createDirectories(logDir);
        final Path stdout = logDir.resolve("client.out");
        final Path stderr = logDir.resolve("client.err");
        final List<String> command = command(call, logDir);
        Files.writeString(logDir.resolve("client.cmd"), String.join(" ", command) + System.lineSeparator());
        Integer exit;
        try (ChildProcess process = ChildProcess.start("webrtc-client", command, dir, stdout, stderr)) {
            exit = process.waitFor(call.timeout().plus(PROCESS_SLACK));
            // close(): SIGTERM (the script closes Chromium on it), SIGKILL after 10 s; nothing when it has exited
        }
        final int code = exit == null ? -1 : exit;
        final String line = lastJsonLine(Files.readString(stdout, StandardCharsets.UTF_8));
        Map<String, Object> json;
        if (line == null) {
            json = Map.of("ok", false, "errors",
                          List.of((exit == null ? "killed after " + call.timeout().plus(PROCESS_SLACK) : "exit " + exit)
                                  + ", no JSON line on stdout; stderr: " + tail(stderr, 20)));
        } else {
            try {
                json = Json.parseObject(line);
            } catch (IllegalArgumentException e) {
                json = Map.of("ok", false, "errors", List.of(e.getMessage()));
            }
        }
        return new Result(code, line, json, stdout, stderr);
    }

    /** The last line of {@code output} that starts with '{', or {@code null}. */
    static String lastJsonLine(String output) {
        String last = null;
        for (String line : output.split("\n")) {
            final String trimmed = line.strip();
            if (trimmed.startsWith("{")) {
                last = trimmed;
            }
        }
        return last;
    }

    private static String seconds(Duration d) {
        final long millis = d.toMillis();
        return millis % 1000 == 0 ? Long.toString(millis / 1000) : Double.toString(millis / 1000.0);
    }

    private static Path onPath(String name, String path) {
        if (path == null) {
            return null;
        }
        for (String entry : path.split(File.pathSeparator)) {
            if (entry.isEmpty()) {
                continue;
            }
            final Path candidate = Paths.get(entry, name);
            if (Files.isExecutable(candidate) && !Files.isDirectory(candidate)) {
                return candidate;
            }
        }
        return null;
    }

    static String tail(Path file, int lines) {
        try {
            final List<String> all = Files.readAllLines(file, StandardCharsets.UTF_8);
            return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
        } catch (IOException e) {
            return "(cannot read " + file + ": " + e + ')';
        }
    }
}
