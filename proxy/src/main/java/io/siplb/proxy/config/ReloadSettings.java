package io.siplb.proxy.config;

import static java.util.Objects.requireNonNull;

import java.time.Duration;
import java.util.Set;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;

/**
 * {@code siplb.reload}: whether siplb watches its configuration files and reloads them when they change, and how
 * long it waits for a burst of changes to settle. Immutable.
 *
 * <table>
 * <caption>Keys</caption>
 * <tr><th>Key</th><th>Type</th><th>Default</th><th>Meaning</th></tr>
 * <tr><td>{@code siplb.reload.watch}</td><td>boolean</td><td>{@code true}</td>
 *     <td>watch the configuration file, the files it includes and the list file</td></tr>
 * <tr><td>{@code siplb.reload.debounce}</td><td>duration</td><td>{@code 250ms}</td>
 *     <td>quiet time after the last change before reloading (10ms..10s)</td></tr>
 * </table>
 *
 * @param watch whether the files are watched
 * @param debounce the quiet time after the last change
 */
public record ReloadSettings(boolean watch, Duration debounce) {

    private static final Duration MIN_DEBOUNCE = Duration.ofMillis(10);
    private static final Duration MAX_DEBOUNCE = Duration.ofSeconds(10);

    /** The defaults: watched, 250 ms. */
    public static final ReloadSettings DEFAULTS = new ReloadSettings(true, Duration.ofMillis(250));

    /** Validates the values. */
    public ReloadSettings {
        requireNonNull(debounce, "debounce");
        if (debounce.compareTo(MIN_DEBOUNCE) < 0 || debounce.compareTo(MAX_DEBOUNCE) > 0) {
            throw new IllegalArgumentException("debounce: " + debounce + " (expected: 10ms..10s)");
        }
    }

    /**
     * Reads {@code siplb.reload} of {@code root} (absent: the defaults).
     *
     * @throws SiplbConfigException naming the file, line and key, and the expected value
     */
    public static ReloadSettings parse(Config root, String fileName) {
        final String base = "siplb.reload";
        if (!root.hasPath(base)) {
            return DEFAULTS;
        }
        try {
            final Config c = root.getConfig(base);
            for (String k : c.root().keySet()) {
                if (!Set.of("watch", "debounce").contains(k)) {
                    throw ConfigErrors.at(root, base + '.' + k, fileName, "unknown key (expected: watch or debounce)");
                }
            }
            final boolean watch = c.hasPath("watch") ? c.getBoolean("watch") : DEFAULTS.watch();
            final Duration debounce = c.hasPath("debounce") ? c.getDuration("debounce") : DEFAULTS.debounce();
            try {
                return new ReloadSettings(watch, debounce);
            } catch (IllegalArgumentException e) {
                throw ConfigErrors.at(root, base + ".debounce", fileName, debounce + " (expected: 10ms..10s)");
            }
        } catch (ConfigException e) {
            throw new SiplbConfigException(e.getMessage(), e);
        }
    }
}
