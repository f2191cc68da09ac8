package io.siplb.proxy.tls;

import static java.util.Objects.requireNonNull;

import java.nio.file.Path;

/**
 * A certificate, private key, key store or CA bundle file that siplb cannot use. The message reads
 * {@code FILE: PROBLEM}, e.g. {@code "/etc/siplb/siplb.key: the private key does not belong to the certificate of
 * /etc/siplb/siplb.pem"}, and is meant for the operator as it is. Immutable.
 */
public final class TlsMaterialException extends Exception {

    private static final long serialVersionUID = 1L;

    /** Not serialized with the exception: the message carries the file. */
    private final transient Path file;
    private final String problem;

    /** Creates a new instance naming the file and what is wrong with it. */
    public TlsMaterialException(Path file, String problem) {
        this(file, problem, null);
    }

    /** Creates a new instance naming the file, what is wrong with it and the underlying cause. */
    public TlsMaterialException(Path file, String problem, Throwable cause) {
        super(requireNonNull(file, "file") + ": " + requireNonNull(problem, "problem"), cause);
        this.file = file;
        this.problem = problem;
    }

    /** Returns the file that cannot be used. */
    public Path file() {
        return file;
    }

    /** Returns what is wrong with the file, without the file name. */
    public String problem() {
        return problem;
    }
}
