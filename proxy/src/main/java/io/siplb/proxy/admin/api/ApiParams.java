package io.siplb.proxy.admin.api;

import static java.util.Objects.requireNonNull;

import java.util.List;
import java.util.Set;
import java.util.TreeSet;

import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigObject;
import com.typesafe.config.ConfigParseOptions;
import com.typesafe.config.ConfigSyntax;
import com.typesafe.config.ConfigValue;
import com.typesafe.config.ConfigValueType;

import io.siplb.proxy.admin.AdminRequest;

/**
 * The parameters of one admin API request: the members of a JSON object body, or (when the body is empty) the
 * query parameters. Every accessor names the parameter and the expected value when it is missing or malformed
 * ({@link ApiException}, 400). Immutable.
 */
final class ApiParams {

    private final AdminRequest request;
    /** The body's members, or {@code null} when the parameters come from the query string. */
    private final ConfigObject body;

    private ApiParams(AdminRequest request, ConfigObject body) {
        this.request = request;
        this.body = body;
    }

    /**
     * Reads the parameters of {@code request}, accepting only the names in {@code allowed}.
     *
     * @throws ApiException when the body is not a JSON object or names a parameter not in {@code allowed}
     */
    static ApiParams of(AdminRequest request, String... allowed) {
        requireNonNull(request, "request");
        final String text = request.body().strip();
        ConfigObject body = null;
        if (!text.isEmpty()) {
            if (!text.startsWith("{")) {
                throw ApiException.badRequest("malformed JSON body: " + abbreviate(text)
                                              + " (expected: a JSON object, e.g. {\"set\": 1})");
            }
            try {
                body = ConfigFactory.parseString(text, ConfigParseOptions.defaults()
                                                                         .setSyntax(ConfigSyntax.JSON)
                                                                         .setOriginDescription("body"))
                                    .root();
            } catch (ConfigException e) {
                throw ApiException.badRequest("malformed JSON body: " + e.getMessage()
                                              + " (expected: a JSON object, e.g. {\"set\": 1})");
            }
        }
        final ApiParams p = new ApiParams(request, body);
        final Set<String> names = body != null ? body.keySet() : request.queryNames();
        final List<String> ok = List.of(allowed);
        for (String n : names) {
            if (!ok.contains(n)) {
                throw ApiException.badRequest("unknown parameter '" + n + "' (expected: "
                                              + (ok.isEmpty() ? "none" : String.join(", ", new TreeSet<>(ok)))
                                              + ')');
            }
        }
        return p;
    }

    /** Returns whether {@code name} is given (and not JSON {@code null}). */
    boolean has(String name) {
        if (body != null) {
            final ConfigValue v = body.get(name);
            return v != null && v.valueType() != ConfigValueType.NULL;
        }
        return request.queryParam(name) != null;
    }

    /** Returns the string {@code name}, or {@code null} when absent. */
    String string(String name) {
        if (body == null) {
            return request.queryParam(name);
        }
        final ConfigValue v = body.get(name);
        if (v == null || v.valueType() == ConfigValueType.NULL) {
            return null;
        }
        if (v.valueType() != ConfigValueType.STRING) {
            throw ApiException.badRequest(name + ": " + v.render() + " (expected: a string)");
        }
        return (String) v.unwrapped();
    }

    /** Returns the string {@code name}; {@code expected} describes it in the error when it is missing. */
    String requiredString(String name, String expected) {
        final String s = string(name);
        if (s == null || s.isBlank()) {
            throw missing(name, expected);
        }
        return s.strip();
    }

    /** Returns the integer {@code name}, or {@code fallback} when absent. */
    int integer(String name, int fallback, String expected) {
        if (!has(name)) {
            return fallback;
        }
        if (body != null) {
            final ConfigValue v = body.get(name);
            if (v.valueType() == ConfigValueType.NUMBER && v.unwrapped() instanceof Integer) {
                return (Integer) v.unwrapped();
            }
            throw ApiException.badRequest(name + ": " + v.render() + " (expected: " + expected + ')');
        }
        final String s = request.queryParam(name).strip();
        try {
            return Integer.parseInt(s);
        } catch (NumberFormatException e) {
            throw ApiException.badRequest(name + ": \"" + s + "\" (expected: " + expected + ')');
        }
    }

    /** Returns the integer {@code name}; it must be given. */
    int requiredInteger(String name, String expected) {
        if (!has(name)) {
            throw missing(name, expected);
        }
        return integer(name, 0, expected);
    }

    /** Returns the boolean {@code name} ({@code true}/{@code false}, also {@code on}/{@code off}); it must be given. */
    boolean requiredBoolean(String name) {
        if (!has(name)) {
            throw missing(name, "true or false");
        }
        final String text;
        if (body != null) {
            final ConfigValue v = body.get(name);
            if (v.valueType() == ConfigValueType.BOOLEAN) {
                return (Boolean) v.unwrapped();
            }
            text = v.valueType() == ConfigValueType.STRING ? (String) v.unwrapped() : v.render();
        } else {
            text = request.queryParam(name).strip();
        }
        switch (text) {
            case "true":
            case "on":
                return true;
            case "false":
            case "off":
                return false;
            default:
                throw ApiException.badRequest(name + ": \"" + text + "\" (expected: true or false)");
        }
    }

    static ApiException missing(String name, String expected) {
        return ApiException.badRequest("missing parameter '" + name + "' (expected: " + expected + ')');
    }

    private static String abbreviate(String s) {
        return '"' + (s.length() > 40 ? s.substring(0, 40) + "..." : s) + '"';
    }

    @Override
    public String toString() {
        return body != null ? body.render() : request.toString();
    }
}
