package io.siplb.loadtests.interop;

import static java.util.Objects.requireNonNull;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * One child process started by the interop suite, with its output in a log file and a stop that is bounded in
 * time and only ever signals this process's own pid. Children still running when the test JVM exits (for example
 * when the build is interrupted) are killed by a shutdown hook. Not thread-safe; confined to the test thread.
 */
final class ChildProcess implements AutoCloseable {

    /** Children not yet stopped; the shutdown hook kills them when the JVM exits. */
    private static final Set<Process> RUNNING = ConcurrentHashMap.newKeySet();

    static {
        Runtime.getRuntime().addShutdownHook(new Thread(() -> RUNNING.forEach(Process::destroyForcibly),
                                                        "interop-child-reaper"));
    }

    /** How long {@link #close()} waits after SIGTERM before SIGKILL. */
    private static final Duration TERM_GRACE = Duration.ofSeconds(10);

    /** How long {@link #close()} waits for the process to disappear after SIGKILL. */
    private static final Duration KILL_GRACE = Duration.ofSeconds(5);

    static ChildProcess start(String name, List<String> command, Path workDir, Path log) throws IOException {
        return start(name, command, workDir, log, null);
    }

    /**
     * Starts {@code command} with its standard output in {@code log} and its standard error in {@code errorLog}
     * ({@code null}: in {@code log} too).
     */
    static ChildProcess start(String name, List<String> command, Path workDir, Path log, Path errorLog)
            throws IOException {
        requireNonNull(name, "name");
        requireNonNull(command, "command");
        final ProcessBuilder builder = new ProcessBuilder(command)
                .directory(workDir.toFile())
                .redirectOutput(log.toFile());
        if (errorLog == null) {
            builder.redirectErrorStream(true);
        } else {
            builder.redirectError(errorLog.toFile());
        }
        final Process process = builder.start();
        RUNNING.add(process);
        // No child reads stdin (sipp runs with -nostdin); close it so nothing can block on it.
        process.getOutputStream().close();
        return new ChildProcess(name, command, process, log);
    }

    private final String name;
    private final List<String> command;
    private final Process process;
    private final Path log;

    private ChildProcess(String name, List<String> command, Process process, Path log) {
        this.name = name;
        this.command = List.copyOf(command);
        this.process = process;
        this.log = log;
    }

    String name() {
        return name;
    }

    long pid() {
        return process.pid();
    }

    Path log() {
        return log;
    }

    boolean isAlive() {
        return process.isAlive();
    }

    /**
     * Waits at most {@code timeout} for the process to exit.
     *
     * @return the exit code, or {@code null} if it is still running
     */
    Integer waitFor(Duration timeout) throws InterruptedException {
        if (process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            return process.exitValue();
        }
        return null;
    }

    /**
     * Sends {@code signal} (for example {@code USR1}) to this process's pid with {@code kill(1)}; does nothing when
     * the process has already exited.
     */
    void signal(String signal) throws IOException, InterruptedException {
        if (!process.isAlive()) {
            return;
        }
        final Process kill = new ProcessBuilder("kill", "-" + signal, Long.toString(process.pid()))
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .start();
        if (!kill.waitFor(5, TimeUnit.SECONDS)) {
            kill.destroyForcibly();
        }
    }

    /** SIGTERM, then SIGKILL after {@link #TERM_GRACE}; returns after at most about 15 seconds. */
    @Override
    public void close() throws InterruptedException {
        try {
            if (!process.isAlive()) {
                return;
            }
            process.destroy();
            if (process.waitFor(TERM_GRACE.toMillis(), TimeUnit.MILLISECONDS)) {
                return;
            }
            process.destroyForcibly();
            process.waitFor(KILL_GRACE.toMillis(), TimeUnit.MILLISECONDS);
        } finally {
            if (!process.isAlive()) {
                RUNNING.remove(process);
            }
        }
    }

    @Override
    public String toString() {
        return name + " (pid " + process.pid() + ", log " + log + "): " + String.join(" ", command);
    }
}
