package io.siplb.proxy.config;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * SHA-256 digests of configuration files, to tell whether a file's content changed (the file watcher) and what
 * content a configuration was loaded from. Static methods only; thread-safe.
 */
public final class FileDigests {

    /** The digest of a file that cannot be read. */
    public static final String MISSING = "missing";

    private FileDigests() {}

    /** Returns the SHA-256 of {@code file}'s content (following symbolic links) in hex, or {@link #MISSING}. */
    public static String of(Path file) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(file)));
        } catch (IOException e) {
            return MISSING;
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required of every JVM", e);
        }
    }

    /** Returns the digest of each of {@code files}, in their order. */
    public static Map<Path, String> of(Set<Path> files) {
        final Map<Path, String> digests = new LinkedHashMap<>();
        for (Path f : files) {
            digests.put(f, of(f));
        }
        return digests;
    }
}
