package io.siplb.proxy.lifecycle;

import static java.util.Objects.requireNonNull;

import java.io.IOException;
import java.nio.file.ClosedWatchServiceException;
import java.nio.file.FileSystems;
import java.nio.file.Path;
import java.nio.file.StandardWatchEventKinds;
import java.nio.file.WatchEvent;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reloads the configuration when one of its files changes: the configuration file, the files it includes and the
 * list file ({@link ConfigReloader#files()}). A {@link WatchService} watches each file's <em>directory</em> (and,
 * for a file reached through symbolic links, the directory of its real path), so that the ways files are replaced
 * are all seen: an edit in place, an editor's save to a temporary file renamed over the original, and a Kubernetes
 * ConfigMap update, which swaps the {@code ..data} symbolic link of the mounted directory to a new timestamped
 * directory. Only events on the watched files' names (and on {@code ..}-names) count: other files of the
 * directories, such as a log written next to the configuration, are ignored. Events are debounced ({@code siplb.reload.debounce}, 250 ms: a burst of writes and renames gives one
 * reload once it has been quiet that long), and a reload runs only when the content of a watched file actually
 * differs from what the last attempt read (SHA-256 of each file), so touching a file, or a directory's unrelated
 * files, reloads nothing, and a broken file is reported once, not at every event, until it changes again. After each
 * attempt the watched directories follow the files of the configuration in force (a new list file, a ConfigMap's new
 * real directory).
 *
 * <p>Runs on a daemon thread of its own ({@code siplb-config-watch}), never on an event loop. Thread-safe:
 * {@link #close()} may be called from any thread; everything else is confined to the watcher's thread.
 */
final class ConfigWatcher implements AutoCloseable {

    private static final Logger logger = LoggerFactory.getLogger(ConfigWatcher.class);

    private final ConfigReloader reloader;
    private final WatchService watch;
    private final Thread thread;
    private volatile boolean closed;
    /** Watched directory → its key. Confined to the watcher thread. */
    private final Map<Path, WatchKey> keys = new HashMap<>();
    /**
     * Watched directory → the names in it whose events matter: the watched files' names (lexical and real). Names
     * starting with {@code ..} always matter (a ConfigMap's {@code ..data} link and timestamped directories); the
     * rest of a directory (a log file written next to the configuration, an editor's temporary file) is ignored, so
     * that it cannot keep postponing a reload.
     */
    private final Map<Path, Set<String>> names = new HashMap<>();
    /** The content digest of each watched file at the last attempt ({@code "missing"} for none). */
    private Map<Path, String> lastDigests;
    /** Whether a file changed between the load of the running configuration and the start of this watcher. */
    private final boolean changedDuringStart;

    private ConfigWatcher(ConfigReloader reloader) throws IOException {
        this.reloader = reloader;
        watch = FileSystems.getDefault().newWatchService();
        // What the running configuration was loaded from: a file changed since (during start-up, before this
        // watcher existed) differs, and the first check reloads it.
        final Map<Path, String> now = digests(reloader.files());
        lastDigests = new LinkedHashMap<>(now);
        for (Map.Entry<Path, String> e : reloader.current().loadedDigests().entrySet()) {
            lastDigests.computeIfPresent(e.getKey(), (k, v) -> e.getValue());
        }
        changedDuringStart = !now.equals(lastDigests);
        register(reloader.files());
        thread = new Thread(this::run, "siplb-config-watch");
        thread.setDaemon(true);
    }

    /**
     * Starts watching the files of {@code reloader}'s configuration.
     *
     * @throws IOException when the file system offers no watch service or a directory cannot be watched
     */
    static ConfigWatcher start(ConfigReloader reloader) throws IOException {
        final ConfigWatcher w = new ConfigWatcher(requireNonNull(reloader, "reloader"));
        w.thread.start();
        logger.info("Watching {} for changes (debounce {})", w.lastDigests.keySet(),
                    reloader.current().reload().debounce());
        return w;
    }

    private void run() {
        // System.nanoTime() when the debounced check is due; 0 = none pending
        long deadline = changedDuringStart ? System.nanoTime() | 1 : 0;
        while (!closed) {
            try {
                final long wait = deadline == 0 ? TimeUnit.SECONDS.toNanos(1) : deadline - System.nanoTime();
                final WatchKey key = wait <= 0 ? watch.poll() : watch.poll(wait, TimeUnit.NANOSECONDS);
                if (key != null) {
                    boolean any = false;
                    final Set<String> relevant = names.getOrDefault((Path) key.watchable(), Set.of());
                    for (WatchEvent<?> e : key.pollEvents()) {
                        if (e.kind() == StandardWatchEventKinds.OVERFLOW || !(e.context() instanceof Path)) {
                            any = true;
                            continue;
                        }
                        final String name = e.context().toString();
                        any |= name.startsWith("..") || relevant.contains(name);
                    }
                    if (!key.reset()) {
                        keys.values().remove(key); // the directory went away; registered again after a check
                    }
                    if (any) {
                        deadline = System.nanoTime() + reloader.current().reload().debounce().toNanos();
                        if (deadline == 0) {
                            deadline = 1;
                        }
                    }
                    continue;
                }
                if (deadline != 0 && System.nanoTime() - deadline >= 0) {
                    deadline = 0;
                    check();
                }
            } catch (InterruptedException | ClosedWatchServiceException e) {
                break;
            } catch (RuntimeException e) {
                logger.warn("Config watcher: unexpected error; watching on", e);
            }
        }
    }

    /** Reloads when a watched file's content changed since the last attempt; then follows the new files. */
    private void check() {
        final Set<Path> files = reloader.files();
        final Map<Path, String> now = digests(files);
        if (!now.equals(lastDigests)) {
            lastDigests = now;
            reloader.reload("file change");
            final Set<Path> after = reloader.files();
            if (!after.equals(files)) {
                lastDigests = digests(after);
            }
        }
        register(reloader.files());
    }

    /** Watches the directories of {@code files} (lexical and real parents) and no others. */
    private void register(Set<Path> files) {
        final Set<Path> dirs = new HashSet<>();
        names.clear();
        for (Path f : files) {
            if (f.getParent() != null) {
                dirs.add(f.getParent());
                names.computeIfAbsent(f.getParent(), k -> new HashSet<>()).add(f.getFileName().toString());
            }
            try {
                final Path real = f.toRealPath();
                if (real.getParent() != null) {
                    dirs.add(real.getParent());
                    names.computeIfAbsent(real.getParent(), k -> new HashSet<>())
                         .add(real.getFileName().toString());
                }
            } catch (IOException e) {
                // missing for now: its directory is watched, the file is seen when it appears
            }
        }
        for (Map.Entry<Path, WatchKey> e : new HashMap<>(keys).entrySet()) {
            if (!dirs.contains(e.getKey()) || !e.getValue().isValid()) {
                e.getValue().cancel();
                keys.remove(e.getKey());
            }
        }
        for (Path dir : dirs) {
            if (keys.containsKey(dir)) {
                continue;
            }
            try {
                keys.put(dir, dir.register(watch, StandardWatchEventKinds.ENTRY_CREATE,
                                           StandardWatchEventKinds.ENTRY_MODIFY,
                                           StandardWatchEventKinds.ENTRY_DELETE));
            } catch (IOException | ClosedWatchServiceException e) {
                logger.warn("Config watcher: cannot watch {}: {}", dir, e.toString());
            }
        }
    }

    /** The SHA-256 of each file's content (following symbolic links), {@code "missing"} when it cannot be read. */
    static Map<Path, String> digests(Set<Path> files) {
        return io.siplb.proxy.config.FileDigests.of(files);
    }

    /** Stops watching and waits (at most 2 s) for the watcher's thread to end. Idempotent. */
    @Override
    public void close() {
        closed = true;
        try {
            watch.close();
        } catch (IOException e) {
            logger.debug("Config watcher: closing the watch service", e);
        }
        if (Thread.currentThread() != thread) {
            try {
                thread.join(2000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
