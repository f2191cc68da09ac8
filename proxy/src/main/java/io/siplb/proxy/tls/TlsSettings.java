package io.siplb.proxy.tls;

import static java.util.Objects.requireNonNull;

import java.nio.file.Path;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigList;
import com.typesafe.config.ConfigValue;
import com.typesafe.config.ConfigValueType;

import io.siplb.proxy.config.ConfigErrors;
import io.siplb.proxy.config.SiplbConfigException;

/**
 * siplb's TLS settings, read from {@code siplb.tls} by {@link #parse(Config, String, Path)} or built with
 * {@link #builder()}; {@link TlsContexts} turns them into Netty {@code SslContext}s. Paths are resolved against the
 * configuration file's folder. Immutable.
 *
 * <table>
 * <caption>Keys</caption>
 * <tr><th>Key</th><th>Type</th><th>Default</th><th>Meaning</th></tr>
 * <tr><td>{@code certificate}</td><td>path</td><td>none</td><td>PEM certificate chain of siplb, leaf first
 *     (presented to clients, and to destinations that ask for one)</td></tr>
 * <tr><td>{@code private-key}</td><td>path</td><td>none</td><td>PEM private key of the certificate, unencrypted
 *     (PKCS#8, PKCS#1 RSA or SEC1 EC); set together with {@code certificate}</td></tr>
 * <tr><td>{@code ca-bundle}</td><td>{@code system} or path</td><td>{@code system}</td><td>the CAs trusted for
 *     destinations' and clients' certificates: the JDK's default trust store, or a PEM file</td></tr>
 * <tr><td>{@code verify-destinations}</td><td>boolean</td><td>{@code true}</td><td>check the chain and the host
 *     name (RFC 5922 §7.2) of every destination siplb connects to</td></tr>
 * <tr><td>{@code client-auth}</td><td>{@code none}, {@code optional}, {@code required}</td><td>{@code none}</td>
 *     <td>whether clients connecting to siplb must present a certificate (verified against {@code ca-bundle})</td></tr>
 * <tr><td>{@code protocols}</td><td>list of strings</td><td>{@code ["TLSv1.2", "TLSv1.3"]}</td><td>TLS versions
 *     offered and accepted</td></tr>
 * <tr><td>{@code ciphers}</td><td>list of strings</td><td>{@code []} (the provider's defaults)</td><td>cipher
 *     suites, IANA names</td></tr>
 * <tr><td>{@code handshake-timeout}</td><td>duration</td><td>{@code 5s}</td><td>a handshake not finished in this
 *     time closes the connection</td></tr>
 * <tr><td>{@code reload-interval}</td><td>duration</td><td>{@code 10s}</td><td>how often the files are checked
 *     for changes ({@code 0s}: never)</td></tr>
 * </table>
 */
public final class TlsSettings {

    /** Whether clients connecting to siplb must present a certificate. */
    public enum ClientAuth {
        /** No certificate is asked for. */
        NONE,
        /** A certificate is asked for; a client without one is accepted, one with an untrusted one refused. */
        OPTIONAL,
        /** A client without a trusted certificate is refused. */
        REQUIRED
    }

    /**
     * siplb's own private key and certificate chain: PEM files ({@code siplb.tls.certificate} and
     * {@code siplb.tls.private-key}), or a PKCS#12 key store (the {@link DevCertificate}). Immutable.
     */
    public sealed interface KeyMaterial permits KeyMaterial.Pem, KeyMaterial.Pkcs12 {

        /** Returns PEM key material: a certificate chain file (leaf first) and its private key file. */
        static KeyMaterial pem(Path certificate, Path privateKey) {
            return new Pem(certificate, privateKey);
        }

        /** Returns key material in a PKCS#12 key store: its first key entry and that entry's chain. */
        static KeyMaterial pkcs12(Path keyStore, String password) {
            return new Pkcs12(keyStore, password);
        }

        /** Returns the files to read, and to watch for changes. */
        List<Path> files();

        /** A PEM certificate chain and private key. Immutable. */
        record Pem(Path certificate, Path privateKey) implements KeyMaterial {
            /** Creates the key material. */
            public Pem {
                requireNonNull(certificate, "certificate");
                requireNonNull(privateKey, "privateKey");
            }

            @Override
            public List<Path> files() {
                return List.of(certificate, privateKey);
            }
        }

        /** A PKCS#12 key store and its password (the store's and the key's). Immutable. */
        record Pkcs12(Path keyStore, String password) implements KeyMaterial {
            /** Creates the key material. */
            public Pkcs12 {
                requireNonNull(keyStore, "keyStore");
                requireNonNull(password, "password");
            }

            @Override
            public List<Path> files() {
                return List.of(keyStore);
            }

            @Override
            public String toString() {
                return "Pkcs12[keyStore=" + keyStore + ']'; // never the password
            }
        }
    }

    /** The default of {@code siplb.tls.protocols}. */
    public static final List<String> DEFAULT_PROTOCOLS = List.of("TLSv1.2", "TLSv1.3");

    /** The default of {@code siplb.tls.handshake-timeout}. */
    public static final Duration DEFAULT_HANDSHAKE_TIMEOUT = Duration.ofSeconds(5);

    /** The default of {@code siplb.tls.reload-interval}. */
    public static final Duration DEFAULT_RELOAD_INTERVAL = Duration.ofSeconds(10);

    private static final String BASE = "siplb.tls";

    private static final Set<String> KEYS =
            Set.of("certificate", "private-key", "ca-bundle", "verify-destinations", "client-auth", "protocols",
                   "ciphers", "handshake-timeout", "reload-interval");

    private static final String KEY_LIST = "certificate, private-key, ca-bundle, verify-destinations, client-auth, " +
                                           "protocols, ciphers, handshake-timeout, reload-interval";

    private final KeyMaterial keyMaterial;
    private final Path caBundle;
    private final boolean verifyDestinations;
    private final ClientAuth clientAuth;
    private final List<String> protocols;
    private final List<String> ciphers;
    private final Duration handshakeTimeout;
    private final Duration reloadInterval;

    private TlsSettings(Builder b) {
        keyMaterial = b.keyMaterial;
        caBundle = b.caBundle;
        verifyDestinations = b.verifyDestinations;
        clientAuth = b.clientAuth;
        protocols = List.copyOf(b.protocols);
        ciphers = List.copyOf(b.ciphers);
        handshakeTimeout = b.handshakeTimeout;
        reloadInterval = b.reloadInterval;
    }

    /** Returns a builder with every default and no key material. */
    public static Builder builder() {
        return new Builder();
    }

    /** Returns a builder holding these settings. */
    public Builder toBuilder() {
        final Builder b = new Builder();
        b.keyMaterial = keyMaterial;
        b.caBundle = caBundle;
        b.verifyDestinations = verifyDestinations;
        b.clientAuth = clientAuth;
        b.protocols = protocols;
        b.ciphers = ciphers;
        b.handshakeTimeout = handshakeTimeout;
        b.reloadInterval = reloadInterval;
        return b;
    }

    /**
     * Reads {@code siplb.tls} from a resolved configuration (absent keys take their defaults), reading the
     * certificate, key and CA bundle once to check them, and checking protocol and cipher names against the
     * provider {@link TlsContexts} will use.
     *
     * @param root the resolved configuration (e.g. {@code SiplbConfigLoader.parse(file)})
     * @param fileName the configuration file, named in error messages when a value has no origin
     * @param configDir the folder relative paths are resolved against: the configuration file's
     * @throws SiplbConfigException naming the file, the line, the key, the value and the expected value, e.g.
     *         {@code conf/siplb.conf:7: siplb.tls.client-auth: "always" (expected: none, optional or required)}
     */
    public static TlsSettings parse(Config root, String fileName, Path configDir) {
        return parse(root, fileName, configDir, TlsProvider.preferred());
    }

    /** {@link #parse(Config, String, Path)} checking names against {@code provider}. */
    static TlsSettings parse(Config root, String fileName, Path configDir, TlsProvider provider) {
        requireNonNull(root, "root");
        requireNonNull(fileName, "fileName");
        requireNonNull(configDir, "configDir");
        requireNonNull(provider, "provider");
        try {
            return read(root, fileName, configDir, provider);
        } catch (ConfigException e) {
            // Wrong type: Typesafe Config names the file, line and key.
            throw new SiplbConfigException(e.getMessage(), e);
        }
    }

    private static TlsSettings read(Config root, String fileName, Path configDir, TlsProvider provider) {
        final Builder b = builder();
        if (root.hasPath(BASE)) {
            final ConfigValue block = root.getValue(BASE);
            if (block.valueType() != ConfigValueType.OBJECT) {
                throw ConfigErrors.at(block, BASE, fileName, block.render() + " (expected: an object " +
                                                              "{ certificate = \"siplb.pem\", ... })");
            }
            for (String k : root.getConfig(BASE).root().keySet()) {
                if (!KEYS.contains(k)) {
                    throw ConfigErrors.at(root, key(k), fileName, "unknown key (expected: one of " + KEY_LIST + ')');
                }
            }
        }

        final String certText = stringOr(root, "certificate", "");
        final String keyText = stringOr(root, "private-key", "");
        if (certText.isEmpty() != keyText.isEmpty()) {
            final String present = certText.isEmpty() ? "private-key" : "certificate";
            final String missing = certText.isEmpty() ? "certificate" : "private-key";
            throw ConfigErrors.at(root, key(present), fileName, "set without " + key(missing) + " (expected: both " +
                                  key("certificate") + " and " + key("private-key") + ", or neither)");
        }
        if (!certText.isEmpty()) {
            final Path certificate = configDir.resolve(certText).normalize();
            final Path privateKey = configDir.resolve(keyText).normalize();
            final List<X509Certificate> chain;
            try {
                chain = TlsFiles.readCertificates(certificate);
            } catch (TlsMaterialException e) {
                throw fileError(root, "certificate", fileName, certText, e,
                                "a PEM file with siplb's certificate chain, leaf first");
            }
            final PrivateKey pk;
            try {
                pk = TlsFiles.readPrivateKey(privateKey);
            } catch (TlsMaterialException e) {
                throw fileError(root, "private-key", fileName, keyText, e,
                                "a PEM file with the unencrypted private key of " + key("certificate"));
            }
            try {
                TlsFiles.checkKeyMatches(pk, chain.get(0), privateKey, certificate);
            } catch (TlsMaterialException e) {
                throw ConfigErrors.at(root, key("private-key"), fileName,
                                      '"' + keyText + "\": the private key does not belong to the certificate of " +
                                      key("certificate") + " (expected: the key " + certText + " was issued for)");
            }
            b.keyMaterial(KeyMaterial.pem(certificate, privateKey));
        }

        final String ca = stringOr(root, "ca-bundle", "system");
        if (ca.isEmpty()) {
            throw ConfigErrors.at(root, key("ca-bundle"), fileName,
                                  "\"\" (expected: system, or the path of a PEM file of CA certificates)");
        }
        if (!"system".equalsIgnoreCase(ca)) {
            final Path bundle = configDir.resolve(ca).normalize();
            try {
                TlsFiles.readCertificates(bundle);
            } catch (TlsMaterialException e) {
                throw fileError(root, "ca-bundle", fileName, ca, e,
                                "system, or a PEM file of the CA certificates siplb trusts");
            }
            b.caBundle(bundle);
        }

        if (root.hasPath(key("verify-destinations"))) {
            b.verifyDestinations(root.getBoolean(key("verify-destinations")));
        }
        final String clientAuth = stringOr(root, "client-auth", "none");
        switch (clientAuth.toLowerCase(Locale.ROOT)) {
            case "none":
                b.clientAuth(ClientAuth.NONE);
                break;
            case "optional":
                b.clientAuth(ClientAuth.OPTIONAL);
                break;
            case "required":
                b.clientAuth(ClientAuth.REQUIRED);
                break;
            default:
                throw ConfigErrors.at(root, key("client-auth"), fileName,
                                      '"' + clientAuth + "\" (expected: none, optional or required)");
        }

        if (root.hasPath(key("protocols"))) {
            final List<String> protocols = names(root, "protocols", fileName, "TLSv1.3");
            if (protocols.isEmpty()) {
                throw ConfigErrors.at(root, key("protocols"), fileName, "[] (expected: at least one of " +
                                      String.join(", ", provider.supportedProtocols()) + ')');
            }
            b.protocols(protocols);
        }
        final String protocolProblem = unknownProtocol(provider, b.protocols);
        if (protocolProblem != null) {
            throw ConfigErrors.at(elementOrKey(root, "protocols", protocolProblem), key("protocols"), fileName,
                                  '"' + protocolProblem + "\" is not a protocol " + provider.displayName() +
                                  " knows (expected: " + String.join(", ", provider.supportedProtocols()) + ')');
        }
        if (root.hasPath(key("ciphers"))) {
            b.ciphers(names(root, "ciphers", fileName, "TLS_AES_128_GCM_SHA256"));
        }
        final String cipherProblem = unknownCipher(provider, b.ciphers);
        if (cipherProblem != null) {
            throw ConfigErrors.at(elementOrKey(root, "ciphers", cipherProblem), key("ciphers"), fileName,
                                  '"' + cipherProblem + "\" is not a cipher suite " + provider.displayName() +
                                  " knows (expected: IANA names such as TLS_AES_128_GCM_SHA256 or " +
                                  "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256, or [] for the defaults)");
        }

        if (root.hasPath(key("handshake-timeout"))) {
            final Duration d = root.getDuration(key("handshake-timeout"));
            try {
                b.handshakeTimeout(d);
            } catch (IllegalArgumentException e) {
                throw ConfigErrors.at(root, key("handshake-timeout"), fileName, d + " (expected: 10ms..10min)");
            }
        }
        if (root.hasPath(key("reload-interval"))) {
            final Duration d = root.getDuration(key("reload-interval"));
            try {
                b.reloadInterval(d);
            } catch (IllegalArgumentException e) {
                throw ConfigErrors.at(root, key("reload-interval"), fileName,
                                      d + " (expected: 0s (never) or 10ms..1d)");
            }
        }
        return b.build();
    }

    /** Returns the first of {@code protocols} that {@code provider} does not know, or {@code null}. */
    static String unknownProtocol(TlsProvider provider, List<String> protocols) {
        for (String p : protocols) {
            if (!provider.supportedProtocols().contains(p)) {
                return p;
            }
        }
        return null;
    }

    /** Returns the first of {@code ciphers} that {@code provider} does not know, or {@code null}. */
    static String unknownCipher(TlsProvider provider, List<String> ciphers) {
        for (String c : ciphers) {
            if (!provider.supportedCipherSuites().contains(c)) {
                return c;
            }
        }
        return null;
    }

    private static String key(String k) {
        return BASE + '.' + k;
    }

    private static String stringOr(Config root, String k, String otherwise) {
        return root.hasPath(key(k)) ? root.getString(key(k)).trim() : otherwise;
    }

    /** A list of strings, each element checked to be a string (named with its index and line otherwise). */
    private static List<String> names(Config root, String k, String fileName, String example) {
        final ConfigList list = root.getList(key(k));
        final List<String> names = new ArrayList<>(list.size());
        for (int i = 0; i < list.size(); i++) {
            final ConfigValue v = list.get(i);
            if (v.valueType() != ConfigValueType.STRING || ((String) v.unwrapped()).trim().isEmpty()) {
                throw ConfigErrors.at(v, key(k) + '[' + i + ']', fileName,
                                      v.render() + " (expected: a name like \"" + example + "\")");
            }
            names.add(((String) v.unwrapped()).trim());
        }
        return names;
    }

    /** The list element holding {@code name} (for its line), else the list itself. */
    private static ConfigValue elementOrKey(Config root, String k, String name) {
        if (root.hasPath(key(k))) {
            for (ConfigValue v : root.getList(key(k))) {
                if (v.valueType() == ConfigValueType.STRING && name.equals(((String) v.unwrapped()).trim())) {
                    return v;
                }
            }
            return root.getValue(key(k));
        }
        return root.root(); // the default itself: cannot happen with a provider that knows TLSv1.2 and TLSv1.3
    }

    private static SiplbConfigException fileError(Config root, String k, String fileName, String text,
                                                  TlsMaterialException e, String expected) {
        final String problem = e.problem();
        final String resolved = e.file().toString().equals(text) ? "" : " (" + e.file() + ')';
        return ConfigErrors.at(root, key(k), fileName, '"' + text + '"' + resolved + ": " + problem +
                               (problem.contains("(expected:") ? "" : " (expected: " + expected + ')'));
    }

    /** Returns siplb's key material, or {@code null} when none is configured (client side only). */
    public KeyMaterial keyMaterial() {
        return keyMaterial;
    }

    /** Returns the PEM file of trusted CAs, or {@code null} for the JDK's default trust store. */
    public Path caBundle() {
        return caBundle;
    }

    /** Returns whether the chain and host name of destinations are verified. */
    public boolean verifyDestinations() {
        return verifyDestinations;
    }

    /** Returns whether clients must present a certificate. */
    public ClientAuth clientAuth() {
        return clientAuth;
    }

    /** Returns the enabled protocols, e.g. {@code [TLSv1.2, TLSv1.3]}. */
    public List<String> protocols() {
        return protocols;
    }

    /** Returns the enabled cipher suites; empty means the provider's defaults. */
    public List<String> ciphers() {
        return ciphers;
    }

    /** Returns how long a handshake may take. */
    public Duration handshakeTimeout() {
        return handshakeTimeout;
    }

    /** Returns how often the files are checked for changes; zero means never. */
    public Duration reloadInterval() {
        return reloadInterval;
    }

    /** Returns the files whose changes {@link TlsContexts} reloads: the key material's and the CA bundle. */
    public List<Path> watchedFiles() {
        final List<Path> files = new ArrayList<>(3);
        if (keyMaterial != null) {
            files.addAll(keyMaterial.files());
        }
        if (caBundle != null) {
            files.add(caBundle);
        }
        return List.copyOf(files);
    }

    @Override
    public String toString() {
        return "TlsSettings{keyMaterial=" + keyMaterial + ", caBundle=" + (caBundle == null ? "system" : caBundle) +
               ", verifyDestinations=" + verifyDestinations + ", clientAuth=" + clientAuth + ", protocols=" +
               protocols + ", ciphers=" + (ciphers.isEmpty() ? "default" : ciphers) + ", handshakeTimeout=" +
               handshakeTimeout + ", reloadInterval=" + reloadInterval + '}';
    }

    /** Builds {@link TlsSettings}; every setter validates its argument. Not thread-safe. */
    public static final class Builder {

        private KeyMaterial keyMaterial;
        private Path caBundle;
        private boolean verifyDestinations = true;
        private ClientAuth clientAuth = ClientAuth.NONE;
        private List<String> protocols = DEFAULT_PROTOCOLS;
        private List<String> ciphers = List.of();
        private Duration handshakeTimeout = DEFAULT_HANDSHAKE_TIMEOUT;
        private Duration reloadInterval = DEFAULT_RELOAD_INTERVAL;

        private Builder() {}

        /** Sets siplb's key material; {@code null} for none (siplb then only connects, as a client). */
        public Builder keyMaterial(KeyMaterial keyMaterial) {
            this.keyMaterial = keyMaterial;
            return this;
        }

        /** Sets the PEM file of trusted CAs; {@code null} for the JDK's default trust store. */
        public Builder caBundle(Path caBundle) {
            this.caBundle = caBundle;
            return this;
        }

        /** Sets whether the chain and host name of destinations are verified. */
        public Builder verifyDestinations(boolean verifyDestinations) {
            this.verifyDestinations = verifyDestinations;
            return this;
        }

        /** Sets whether clients must present a certificate. */
        public Builder clientAuth(ClientAuth clientAuth) {
            this.clientAuth = requireNonNull(clientAuth, "clientAuth");
            return this;
        }

        /**
         * Sets the enabled protocols (duplicates dropped); checked against the provider by {@link TlsContexts}.
         *
         * @throws IllegalArgumentException when the list is empty or holds a blank name
         */
        public Builder protocols(List<String> protocols) {
            this.protocols = checkNames("protocols", protocols, false);
            return this;
        }

        /**
         * Sets the enabled cipher suites (IANA names; empty: the provider's defaults); checked against the
         * provider by {@link TlsContexts}.
         *
         * @throws IllegalArgumentException when the list holds a blank name
         */
        public Builder ciphers(List<String> ciphers) {
            this.ciphers = checkNames("ciphers", ciphers, true);
            return this;
        }

        /**
         * Sets how long a handshake may take.
         *
         * @throws IllegalArgumentException unless 10ms..10min
         */
        public Builder handshakeTimeout(Duration handshakeTimeout) {
            requireNonNull(handshakeTimeout, "handshakeTimeout");
            if (handshakeTimeout.toMillis() < 10 || handshakeTimeout.compareTo(Duration.ofMinutes(10)) > 0) {
                throw new IllegalArgumentException("handshakeTimeout: " + handshakeTimeout +
                                                   " (expected: 10ms..10min)");
            }
            this.handshakeTimeout = handshakeTimeout;
            return this;
        }

        /**
         * Sets how often the files are checked for changes.
         *
         * @throws IllegalArgumentException unless 0 (never) or 10ms..1d
         */
        public Builder reloadInterval(Duration reloadInterval) {
            requireNonNull(reloadInterval, "reloadInterval");
            if (!reloadInterval.isZero() && (reloadInterval.toMillis() < 10 ||
                                             reloadInterval.compareTo(Duration.ofDays(1)) > 0)) {
                throw new IllegalArgumentException("reloadInterval: " + reloadInterval +
                                                   " (expected: 0s (never) or 10ms..1d)");
            }
            this.reloadInterval = reloadInterval;
            return this;
        }

        /** Returns the settings. */
        public TlsSettings build() {
            return new TlsSettings(this);
        }

        private static List<String> checkNames(String what, List<String> names, boolean mayBeEmpty) {
            requireNonNull(names, what);
            final Set<String> unique = new LinkedHashSet<>();
            for (String n : names) {
                if (n == null || n.isBlank()) {
                    throw new IllegalArgumentException(what + ": " + names + " (expected: names, none blank)");
                }
                unique.add(n.trim());
            }
            if (unique.isEmpty() && !mayBeEmpty) {
                throw new IllegalArgumentException(what + ": [] (expected: at least one, e.g. TLSv1.3)");
            }
            return List.copyOf(unique);
        }
    }
}
