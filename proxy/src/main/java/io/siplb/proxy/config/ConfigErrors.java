package io.siplb.proxy.config;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigOrigin;
import com.typesafe.config.ConfigValue;

/**
 * Builds operator-facing {@link SiplbConfigException}s that name the file, the line and the key; shared by every
 * package that reads a part of the configuration (e.g. {@code io.siplb.proxy.tls.TlsSettings}). Immutable.
 */
public final class ConfigErrors {

    private ConfigErrors() {}

    /**
     * Returns an exception reading {@code FILE:LINE: KEY: PROBLEM}, taking the file and line from where the value of
     * {@code key} was defined (falling back to {@code fallbackFile} when the value has no origin).
     */
    public static SiplbConfigException at(Config config, String key, String fallbackFile, String problem) {
        String where = fallbackFile;
        if (config.hasPathOrNull(key)) {
            where = describe(config.getValue(key).origin(), fallbackFile);
        }
        return new SiplbConfigException(where + ": " + key + ": " + problem);
    }

    /** Same as {@link #at(Config, String, String, String)} for a value already in hand (e.g. a list element). */
    public static SiplbConfigException at(ConfigValue value, String key, String fallbackFile, String problem) {
        return new SiplbConfigException(describe(value.origin(), fallbackFile) + ": " + key + ": " + problem);
    }

    /** Formats an origin as {@code FILE:LINE}, or the origin's own description when it has no file. */
    public static String describe(ConfigOrigin origin, String fallbackFile) {
        if (origin == null) {
            return fallbackFile;
        }
        final String file = origin.filename() != null ? origin.filename()
                                                       : origin.resource() != null ? origin.resource()
                                                                                   : fallbackFile;
        final int line = origin.lineNumber();
        return line > 0 ? file + ':' + line : file;
    }
}
