package io.siplb.proxy.tls;

import static java.util.Objects.requireNonNull;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A self-signed development certificate, so that siplb can be tried over TLS on loopback without issuing a
 * certificate. It is allowed only when no {@code siplb.tls.certificate} is configured and every TLS listener
 * address is a loopback address ({@link #isApplicable(TlsSettings, Collection)}). {@link #ensure(Path)} generates
 * it at first start into a folder (siplb uses {@code var/dev-tls/} under its home folder) with the JDK's
 * {@code keytool -genkeypair}: an EC P-256 key, SHA256withECDSA, subject {@code CN=localhost}, subjectAltName
 * {@code dns:localhost, ip:127.0.0.1, ip:::1}, valid {@value #VALIDITY_DAYS} days, in a PKCS#12 key store
 * ({@value #FILE_NAME}, readable by its owner only) that both providers read through the JDK's {@code KeyStore}.
 * Later starts reuse it; one that cannot be read, or is no longer valid, is generated anew. Every use is logged
 * at WARN: it is not for production. No dependency beyond the JDK is needed.
 *
 * <p>Thread-safe: concurrent callers (threads, or siplb processes sharing the folder) may each generate a key
 * store; each is written to a temporary file and renamed over {@value #FILE_NAME} atomically, so a reader always
 * finds a complete one.
 */
public final class DevCertificate {

    /** The key store's file name in the folder. */
    public static final String FILE_NAME = "siplb-dev.p12";

    /** Days the generated certificate is valid. */
    static final int VALIDITY_DAYS = 825;

    /**
     * The key store's password. It protects nothing (it is written here): the key is a development key, and the
     * file is readable by its owner only.
     */
    static final String PASSWORD = "siplb-development";

    /** A certificate expiring sooner than this is generated anew rather than reused. */
    private static final Duration MIN_REMAINING = Duration.ofDays(1);

    /** The longest keytool may take (key generation takes well under a second). */
    private static final long KEYTOOL_TIMEOUT_SECONDS = 120;

    private static final Logger logger = LoggerFactory.getLogger(DevCertificate.class);

    private DevCertificate() {}

    /**
     * Returns whether siplb may use the development certificate: {@code settings} has no key material, and there
     * is at least one TLS listener and every one listens on a loopback address.
     */
    public static boolean isApplicable(TlsSettings settings, Collection<InetSocketAddress> tlsListenAddresses) {
        requireNonNull(settings, "settings");
        requireNonNull(tlsListenAddresses, "tlsListenAddresses");
        if (settings.keyMaterial() != null || tlsListenAddresses.isEmpty()) {
            return false;
        }
        for (InetSocketAddress a : tlsListenAddresses) {
            if (a.getAddress() == null || !a.getAddress().isLoopbackAddress()) {
                return false;
            }
        }
        return true;
    }

    /**
     * Returns the development key store in {@code dir}, generating it (and the folder) when it is missing,
     * unreadable or no longer valid, and logs at WARN that a development certificate is in use.
     *
     * @throws IOException when the folder cannot be written or keytool fails (with its output)
     */
    public static TlsSettings.KeyMaterial ensure(Path dir) throws IOException {
        requireNonNull(dir, "dir");
        final Path file = dir.resolve(FILE_NAME);
        final TlsSettings.KeyMaterial material = TlsSettings.KeyMaterial.pkcs12(file, PASSWORD);
        if (Files.exists(file)) {
            final String problem = problemOf(material);
            if (problem == null) {
                logger.warn("TLS: using the self-signed development certificate {} (localhost, 127.0.0.1, ::1): " +
                            "not for production; set siplb.tls.certificate and siplb.tls.private-key", file);
                return material;
            }
            logger.warn("TLS: the development certificate {} cannot be reused ({}): generating a new one", file,
                        problem);
        }
        generate(dir, file);
        final String problem = problemOf(material);
        if (problem != null) {
            throw new IOException(file + ": keytool wrote a key store siplb cannot use: " + problem);
        }
        logger.warn("TLS: generated the self-signed development certificate {} (localhost, 127.0.0.1, ::1): " +
                    "not for production; set siplb.tls.certificate and siplb.tls.private-key", file);
        return material;
    }

    /** Why the key store cannot be used now, or {@code null} when it can. */
    private static String problemOf(TlsSettings.KeyMaterial material) {
        final X509Certificate c;
        try {
            c = TlsFiles.load(material).certificate();
        } catch (TlsMaterialException e) {
            return e.problem();
        }
        final Instant now = Instant.now();
        if (c.getNotBefore().toInstant().isAfter(now)) {
            return "not valid before " + c.getNotBefore().toInstant();
        }
        if (c.getNotAfter().toInstant().isBefore(now.plus(MIN_REMAINING))) {
            return "expires " + c.getNotAfter().toInstant();
        }
        return null;
    }

    private static void generate(Path dir, Path file) throws IOException {
        Files.createDirectories(dir);
        final Path tmp = dir.resolve(FILE_NAME + ".tmp-" + ProcessHandle.current().pid() + '-' + System.nanoTime());
        try {
            final List<String> command = List.of(
                    keytool().toString(), "-genkeypair", "-noprompt",
                    "-alias", "siplb-dev",
                    "-keyalg", "EC", "-groupname", "secp256r1", "-sigalg", "SHA256withECDSA",
                    "-dname", "CN=localhost, OU=siplb development certificate not for production",
                    "-ext", "SAN=dns:localhost,ip:127.0.0.1,ip:::1",
                    "-validity", String.valueOf(VALIDITY_DAYS),
                    "-storetype", "PKCS12", "-keystore", tmp.toString(),
                    "-storepass", PASSWORD, "-keypass", PASSWORD);
            final Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
            p.getOutputStream().close();
            final String output = readAll(p.getInputStream());
            final boolean exited;
            try {
                exited = p.waitFor(KEYTOOL_TIMEOUT_SECONDS, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                p.destroyForcibly();
                Thread.currentThread().interrupt();
                throw new IOException("interrupted while keytool generated " + file, e);
            }
            if (!exited) {
                p.destroyForcibly();
                throw new IOException("keytool did not finish in " + KEYTOOL_TIMEOUT_SECONDS + " s: " + command);
            }
            if (p.exitValue() != 0 || !Files.isRegularFile(tmp)) {
                throw new IOException("keytool failed (exit " + p.exitValue() + ") generating " + file + ": " +
                                      output.trim());
            }
            ownerOnly(tmp);
            try {
                Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (FileSystemException e) {
                Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
            }
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    /** The keytool of the running JDK (part of {@code java.base}, so present in jlink images too). */
    private static Path keytool() {
        final boolean windows = System.getProperty("os.name", "").startsWith("Windows");
        return Paths.get(System.getProperty("java.home"), "bin", windows ? "keytool.exe" : "keytool");
    }

    private static void ownerOnly(Path file) throws IOException {
        try {
            Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
        } catch (UnsupportedOperationException e) {
            // not a POSIX file system: the folder's permissions apply
        }
    }

    private static String readAll(InputStream in) throws IOException {
        final ByteArrayOutputStream out = new ByteArrayOutputStream();
        in.transferTo(out);
        return out.toString(StandardCharsets.UTF_8);
    }
}
