package io.siplb.loadtests.interop;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;

/**
 * Finds the sipp executable, or fails the suite with a message saying how to install it: the interop suite never
 * skips for lack of sipp. Immutable.
 */
final class SippExecutable {

    /** Where Debian's sip-tester package installs sipp. */
    static final String DEFAULT = "/usr/bin/sipp";

    /**
     * Returns {@code configured} when it is executable, else {@code sipp} from the directories of {@code path}
     * (the {@code PATH} environment variable; may be {@code null}).
     *
     * @throws AssertionError when neither exists, naming the package to install
     */
    static Path locate(String configured, String path) {
        final Path direct = Paths.get(configured);
        if (Files.isExecutable(direct) && !Files.isDirectory(direct)) {
            return direct;
        }
        if (path != null) {
            for (String entry : path.split(File.pathSeparator)) {
                if (entry.isEmpty()) {
                    continue;
                }
                final Path candidate = Paths.get(entry, "sipp");
                if (Files.isExecutable(candidate) && !Files.isDirectory(candidate)) {
                    return candidate;
                }
            }
        }
        throw new AssertionError("sipp is not installed (no executable " + configured + ", none on PATH " + path + "): the " +
                   "interop suite needs it; install Debian's sip-tester package (apt-get install -y sip-tester) " +
                   "or pass -Dsipp.executable=/path/to/sipp");
    }

    private SippExecutable() {}
}
