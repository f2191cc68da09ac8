package io.siplb.proxy.admin;

import static java.util.Objects.requireNonNull;

import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;

import io.siplb.proxy.config.ConfigErrors;
import io.siplb.proxy.config.ListenAddress;
import io.siplb.proxy.config.SiplbConfigException;

/**
 * The admin HTTP listener's settings ({@code siplb.admin}): where it listens and the bearer token that protects
 * it.
 * <ul>
 *   <li>{@code listen} (string, default {@code "127.0.0.1:9460"}): {@code HOST:PORT}, an IPv6 literal in brackets;
 *       {@code ""} turns the admin listener off.</li>
 *   <li>{@code token} (string, default {@code ""}): when set, every request but {@code GET /health/live},
 *       {@code GET /health/ready} and the status page {@code GET /} (which holds no data) needs
 *       {@code Authorization: Bearer TOKEN}. Required when {@code listen} is not a loopback address.</li>
 * </ul>
 * Immutable.
 */
public final class AdminSettings {

    /** The default {@code siplb.admin.listen}. */
    public static final String DEFAULT_LISTEN = "127.0.0.1:9460";

    private static final AdminSettings DISABLED = new AdminSettings(null, null);

    private final InetSocketAddress listen;
    private final byte[] token;

    private AdminSettings(InetSocketAddress listen, byte[] token) {
        this.listen = listen;
        this.token = token;
    }

    /**
     * Returns settings listening on {@code listen} with {@code token} ({@code null} or empty: none).
     *
     * @throws IllegalArgumentException when {@code listen} is not a loopback address and there is no token
     */
    public static AdminSettings of(InetSocketAddress listen, String token) {
        requireNonNull(listen, "listen");
        final byte[] t = token == null || token.isEmpty() ? null : token.getBytes(StandardCharsets.UTF_8);
        if (t == null && !isLoopback(listen)) {
            throw new IllegalArgumentException("token: none for the non-loopback admin address " +
                                               ListenAddress.hostPort(listen) +
                                               " (expected: a bearer token off loopback)");
        }
        return new AdminSettings(listen, t);
    }

    /** Returns settings without an admin listener. */
    public static AdminSettings disabled() {
        return DISABLED;
    }

    /**
     * Reads {@code siplb.admin} from a resolved configuration.
     *
     * @param fileName the configuration file, named in errors
     * @throws SiplbConfigException naming the file, line and key, and the expected value
     */
    public static AdminSettings parse(Config root, String fileName) {
        requireNonNull(root, "root");
        requireNonNull(fileName, "fileName");
        final String listenText;
        final String token;
        try {
            listenText = root.getString("siplb.admin.listen").trim();
            token = root.getString("siplb.admin.token");
        } catch (ConfigException.WrongType e) {
            throw new SiplbConfigException(e.getMessage() + " (expected: a string)", e);
        }
        if (listenText.isEmpty()) {
            return DISABLED;
        }
        final InetSocketAddress address;
        try {
            address = ListenAddress.parse("tcp:" + listenText).address();
        } catch (IllegalArgumentException e) {
            throw ConfigErrors.at(root, "siplb.admin.listen", fileName,
                                  '"' + listenText + "\" (expected: HOST:PORT, e.g. 127.0.0.1:9460 or [::1]:9460; " +
                                  "\"\" turns the admin listener off)");
        }
        if (token.isEmpty() && !isLoopback(address)) {
            // Named at the listen line: the token is absent from the operator's file.
            throw new SiplbConfigException(
                    ConfigErrors.describe(root.getValue("siplb.admin.listen").origin(), fileName) +
                    ": siplb.admin.token: missing for the non-loopback siplb.admin.listen \"" + listenText +
                    "\" (expected: a bearer token, or a loopback listen address)");
        }
        if (!token.isEmpty() && !token.chars().allMatch(c -> c > 0x20 && c < 0x7f)) {
            throw ConfigErrors.at(root, "siplb.admin.token", fileName,
                                  "contains a space or a non-ASCII character (expected: visible ASCII characters)");
        }
        return of(address, token);
    }

    private static boolean isLoopback(InetSocketAddress a) {
        return a.getAddress() != null && a.getAddress().isLoopbackAddress();
    }

    /** Returns whether the admin listener is on. */
    public boolean isEnabled() {
        return listen != null;
    }

    /** Returns the address to listen on, or {@code null} when the admin listener is off. */
    public InetSocketAddress listen() {
        return listen;
    }

    /** Returns whether requests need a bearer token. */
    public boolean hasToken() {
        return token != null;
    }

    /** Returns the token's UTF-8 bytes (a copy), or {@code null}. */
    byte[] tokenBytes() {
        return token != null ? token.clone() : null;
    }

    @Override
    public String toString() {
        return listen == null ? "admin off"
                              : "admin " + ListenAddress.hostPort(listen) + (token != null ? " (token)" : "");
    }
}
