package io.siplb.proxy.routing;

import static java.util.Objects.requireNonNull;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigList;
import com.typesafe.config.ConfigObject;
import com.typesafe.config.ConfigOrigin;
import com.typesafe.config.ConfigRenderOptions;
import com.typesafe.config.ConfigValue;
import com.typesafe.config.ConfigValueType;

import io.siplb.codec.SipResponses;
import io.siplb.dispatch.Algorithm;
import io.siplb.proxy.config.SiplbConfigException;

/**
 * Reads {@code siplb.routing} into {@link RoutingRules}, compiling every condition once. Every error is a
 * {@link SiplbConfigException} reading {@code FILE:LINE: KEY: VALUE (expected: ...)}, with the key path of the
 * offending value, e.g. {@code conf/siplb.conf:14: siplb.routing[2].dispatch.limit: -1 (expected: >= 0, 0 = no
 * limit)}. Unknown keys are errors, so that a misspelt condition cannot turn a rule into a catch-all. Immutable.
 *
 * <p>The shape, documented for operators in {@code conf/siplb.conf}:
 * <pre>
 * siplb.routing = [
 *   { match { source-set = 2 }, dispatch { set = 1, algorithm = round-robin } }
 *   { match { method = [MESSAGE] }, reject { code = 403 } }
 *   { dispatch { set = 1 } }
 * ]
 * </pre>
 */
public final class RoutingRulesLoader {

    /** The configuration key. */
    static final String PATH = "siplb.routing";

    private static final Set<String> RULE_KEYS = Set.of("match", "dispatch", "reject");
    private static final Set<String> MATCH_KEYS = Set.of("method", "source", "source-set", "source-set-ignore-port",
                                                         "request-uri-user", "request-uri-host", "header");
    private static final Set<String> HEADER_KEYS = Set.of("name", "value");
    private static final Set<String> DISPATCH_KEYS = Set.of("set", "algorithm", "key", "limit", "failover-codes",
                                                            "fr-timeout", "fr-inv-timeout", "max-attempts");
    private static final Set<String> REJECT_KEYS = Set.of("code", "reason");
    private static final String RULE_EXPECTED =
            "an object with an optional match { ... } and exactly one of dispatch { set = N, ... } or " +
            "reject { code = NNN }";

    private RoutingRulesLoader() {}

    /**
     * Reads {@code siplb.routing} of {@code root}. An absent or empty list is the single rule
     * {@code { dispatch { set = defaultSet } }}. Set ids are not checked against the dispatcher (see
     * {@link RoutingRules#problems}).
     *
     * @param root the resolved configuration
     * @param fileName the configuration file, named in messages when a value has no origin
     * @param defaultSet {@code siplb.proxy.default-set}
     * @throws SiplbConfigException naming the file and line, the key path, the value and what was expected
     */
    public static RoutingRules load(Config root, String fileName, int defaultSet) {
        requireNonNull(root, "root");
        requireNonNull(fileName, "fileName");
        final String defaultOrigin = root.hasPath("siplb.proxy.default-set")
                                     ? where(root.getValue("siplb.proxy.default-set").origin(), fileName)
                                     : fileName;
        if (!root.hasPath(PATH)) {
            return RoutingRules.ofDefaultSet(defaultSet, defaultOrigin);
        }
        final ConfigValue raw = root.getValue(PATH);
        if (raw.valueType() != ConfigValueType.LIST) {
            throw fail(raw, fileName, PATH, render(raw) + " (expected: a list of rules, e.g. [ { match { method = " +
                                             "[REGISTER] }, dispatch { set = 2 } }, { dispatch { set = 1 } } ])");
        }
        final ConfigList list = (ConfigList) raw;
        if (list.isEmpty()) {
            return RoutingRules.ofDefaultSet(defaultSet, defaultOrigin);
        }
        final List<RoutingRule> rules = new ArrayList<>(list.size());
        for (int i = 0; i < list.size(); i++) {
            rules.add(rule(list.get(i), i, fileName));
        }
        return RoutingRules.of(rules);
    }

    private static RoutingRule rule(ConfigValue v, int index, String fileName) {
        final String key = PATH + '[' + index + ']';
        if (v.valueType() != ConfigValueType.OBJECT) {
            throw fail(v, fileName, key, render(v) + " (expected: " + RULE_EXPECTED + ')');
        }
        final ConfigObject o = (ConfigObject) v;
        checkKeys(o, fileName, key, RULE_KEYS);
        final ConfigValue match = o.get("match");
        final ConfigValue dispatch = o.get("dispatch");
        final ConfigValue reject = o.get("reject");
        if (dispatch != null && reject != null) {
            throw fail(v, fileName, key, "both dispatch and reject (expected: " + RULE_EXPECTED + ')');
        }
        if (dispatch == null && reject == null) {
            throw fail(v, fileName, key, "neither dispatch nor reject (expected: " + RULE_EXPECTED + ')');
        }
        final RuleMatch m = match == null ? RuleMatch.ALWAYS : match(match, fileName, key + ".match");
        final RuleAction a = dispatch != null ? dispatch(dispatch, fileName, key + ".dispatch")
                                              : reject(reject, fileName, key + ".reject");
        return new RoutingRule(index, where(v.origin(), fileName), m, a);
    }

    // match { ... }

    private static RuleMatch match(ConfigValue v, String fileName, String key) {
        final ConfigObject o = object(v, fileName, key, "an object of conditions, e.g. { method = [INVITE] }");
        checkKeys(o, fileName, key, MATCH_KEYS);

        final List<String> methods = new ArrayList<>();
        final ConfigValue method = o.get("method");
        if (method != null) {
            final List<ConfigValue> items = items(method, fileName, key + ".method",
                                                  "a list of method names, e.g. [INVITE, REGISTER]");
            for (int i = 0; i < items.size(); i++) {
                final String k = method.valueType() == ConfigValueType.LIST ? key + ".method[" + i + ']'
                                                                            : key + ".method";
                final String name = scalar(items.get(i), fileName, k, "a method name, e.g. INVITE");
                if (!HeaderName.isToken(name)) {
                    throw fail(items.get(i), fileName, k, quote(name) + " (expected: a method token " +
                                                          "(RFC 3261 §25.1), case-sensitive, e.g. INVITE)");
                }
                methods.add(name);
            }
        }

        final List<IpPrefix> sources = new ArrayList<>();
        final ConfigValue source = o.get("source");
        if (source != null) {
            final List<ConfigValue> items = items(source, fileName, key + ".source",
                                                  "an IP address or CIDR block, or a list of them");
            for (int i = 0; i < items.size(); i++) {
                final String k = source.valueType() == ConfigValueType.LIST ? key + ".source[" + i + ']'
                                                                            : key + ".source";
                final String text = scalar(items.get(i), fileName, k, "an IP address or CIDR block");
                final IpPrefix p = IpPrefix.parse(text);
                if (p == null) {
                    throw fail(items.get(i), fileName, k, quote(text) + " (expected: an IPv4 or IPv6 address or " +
                                                          "CIDR block, e.g. 192.0.2.0/24 or 2001:db8::/32, " +
                                                          "IPv6 without brackets)");
                }
                sources.add(p);
            }
        }

        int sourceSet = -1;
        final ConfigValue set = o.get("source-set");
        if (set != null) {
            sourceSet = intValue(set, fileName, key + ".source-set", 0, Integer.MAX_VALUE,
                                 "a destination set id >= 0");
        }
        boolean ignorePort = false;
        final ConfigValue ignore = o.get("source-set-ignore-port");
        if (ignore != null) {
            ignorePort = booleanValue(ignore, fileName, key + ".source-set-ignore-port");
            if (set == null) {
                throw fail(ignore, fileName, key + ".source-set-ignore-port",
                           render(ignore) + " without source-set (expected: source-set = N next to it)");
            }
        }

        final Pattern user = regex(o.get("request-uri-user"), fileName, key + ".request-uri-user");
        final Pattern host = regex(o.get("request-uri-host"), fileName, key + ".request-uri-host");

        final List<RuleMatch.HeaderCondition> headers = new ArrayList<>();
        final ConfigValue header = o.get("header");
        if (header != null) {
            final String expected = "{ name = \"X-Tenant\", value = \"^acme$\" } (value optional), or a list of them";
            final List<ConfigValue> items = items(header, fileName, key + ".header", expected);
            for (int i = 0; i < items.size(); i++) {
                final String k = header.valueType() == ConfigValueType.LIST ? key + ".header[" + i + ']'
                                                                            : key + ".header";
                headers.add(header(items.get(i), fileName, k));
            }
        }
        return new RuleMatch(methods, sources, sourceSet, ignorePort, user, host, headers);
    }

    private static RuleMatch.HeaderCondition header(ConfigValue v, String fileName, String key) {
        final ConfigObject o = object(v, fileName, key, "{ name = \"X-Tenant\" } or { name = \"X-Tenant\", " +
                                                        "value = \"^acme$\" }");
        checkKeys(o, fileName, key, HEADER_KEYS);
        final ConfigValue nameValue = o.get("name");
        if (nameValue == null) {
            throw fail(v, fileName, key + ".name", "unset (expected: a header name, e.g. name = \"X-Tenant\")");
        }
        final String name = scalar(nameValue, fileName, key + ".name", "a header name, e.g. \"X-Tenant\"").trim();
        if (!HeaderName.isToken(name)) {
            throw fail(nameValue, fileName, key + ".name",
                       quote(name) + " (expected: a header name token (RFC 3261 §25.1), e.g. \"X-Tenant\")");
        }
        return new RuleMatch.HeaderCondition(HeaderName.of(name), regex(o.get("value"), fileName, key + ".value"));
    }

    /** Compiles a regular expression value; {@code null} when {@code v} is. */
    private static Pattern regex(ConfigValue v, String fileName, String key) {
        if (v == null) {
            return null;
        }
        final String text = scalar(v, fileName, key, "a regular expression string, e.g. \"^\\\\+44\"");
        try {
            return Pattern.compile(text);
        } catch (PatternSyntaxException e) {
            throw fail(v, fileName, key, quote(text) + ": " + e.getDescription() +
                                         (e.getIndex() >= 0 ? " near index " + e.getIndex() : "") +
                                         " (expected: a Java regular expression, found anywhere in the text)");
        }
    }

    // dispatch { ... } and reject { ... }

    private static RuleAction dispatch(ConfigValue v, String fileName, String key) {
        final ConfigObject o = object(v, fileName, key, "{ set = N, ... }");
        checkKeys(o, fileName, key, DISPATCH_KEYS);
        final ConfigValue setValue = o.get("set");
        if (setValue == null) {
            throw fail(v, fileName, key + ".set", "unset (expected: set = N, a destination set id >= 0)");
        }
        final int set = intValue(setValue, fileName, key + ".set", 0, Integer.MAX_VALUE,
                                 "a destination set id >= 0");

        Algorithm algorithm = null;
        final ConfigValue algValue = o.get("algorithm");
        if (algValue != null) {
            final String text = scalar(algValue, fileName, key + ".algorithm", Algorithm.expectedValues());
            try {
                algorithm = Algorithm.fromConfig(text);
            } catch (IllegalArgumentException e) {
                throw fail(algValue, fileName, key + ".algorithm",
                           quote(text) + " (expected: " + Algorithm.expectedValues() + ')');
            }
        }

        KeySpec keySpec = null;
        final ConfigValue keyValue = o.get("key");
        if (keyValue != null) {
            final String text = scalar(keyValue, fileName, key + ".key", KeySpec.EXPECTED);
            if (algorithm != Algorithm.HASH_KEY) {
                throw fail(keyValue, fileName, key + ".key",
                           quote(text) + " with algorithm " +
                           (algorithm == null ? "unset (the set's own)" : "= " + algorithm.configName()) +
                           " (expected: algorithm = hash-key next to a key; the other hash algorithms have their " +
                           "own key)");
            }
            try {
                keySpec = KeySpec.parse(text);
            } catch (IllegalArgumentException e) {
                throw fail(keyValue, fileName, key + ".key", e.getMessage());
            }
        } else if (algorithm == Algorithm.HASH_KEY) {
            throw fail(algValue, fileName, key + ".key",
                       "unset with algorithm = hash-key (expected: key = one of " + KeySpec.EXPECTED + ')');
        }

        final ConfigValue limitValue = o.get("limit");
        final int limit = limitValue == null ? 0 : intValue(limitValue, fileName, key + ".limit", 0,
                                                            Integer.MAX_VALUE, ">= 0, 0 = no limit");

        int[] codes = null;
        final ConfigValue codesValue = o.get("failover-codes");
        if (codesValue != null) {
            final String expected = "a list of response codes 300..699, e.g. [408, 503]";
            if (codesValue.valueType() != ConfigValueType.LIST) {
                throw fail(codesValue, fileName, key + ".failover-codes",
                           render(codesValue) + " (expected: " + expected + ')');
            }
            final ConfigList items = (ConfigList) codesValue;
            codes = new int[items.size()];
            for (int i = 0; i < codes.length; i++) {
                codes[i] = intValue(items.get(i), fileName, key + ".failover-codes[" + i + ']', 300, 699,
                                    "a response code 300..699");
            }
        }

        final Duration fr = duration(o.get("fr-timeout"), fileName, key + ".fr-timeout");
        final Duration frInv = duration(o.get("fr-inv-timeout"), fileName, key + ".fr-inv-timeout");
        final ConfigValue attemptsValue = o.get("max-attempts");
        final int maxAttempts = attemptsValue == null ? 0 : intValue(attemptsValue, fileName, key + ".max-attempts",
                                                                     1, Integer.MAX_VALUE, ">= 1");
        try {
            return new RuleAction.Dispatch(set, algorithm, keySpec, limit, codes, fr, frInv, maxAttempts);
        } catch (IllegalArgumentException e) {
            // Not reached: every value was checked above, with its own origin.
            throw fail(v, fileName, key, e.getMessage());
        }
    }

    private static RuleAction reject(ConfigValue v, String fileName, String key) {
        final ConfigObject o = object(v, fileName, key, "{ code = NNN, reason = \"...\" } (reason optional)");
        checkKeys(o, fileName, key, REJECT_KEYS);
        final ConfigValue codeValue = o.get("code");
        if (codeValue == null) {
            throw fail(v, fileName, key + ".code", "unset (expected: code = a response code 400..699)");
        }
        final int code = intValue(codeValue, fileName, key + ".code", 400, 699, "a response code 400..699");
        final ConfigValue reasonValue = o.get("reason");
        final String reason = reasonValue == null ? SipResponses.reasonPhrase(code)
                                                  : scalar(reasonValue, fileName, key + ".reason",
                                                           "a Reason-Phrase, e.g. \"Forbidden\"");
        try {
            return new RuleAction.Reject(code, reason);
        } catch (IllegalArgumentException e) {
            throw fail(reasonValue != null ? reasonValue : v, fileName, key + ".reason",
                       e.getMessage().substring("reason: ".length()));
        }
    }

    // Values

    private static void checkKeys(ConfigObject o, String fileName, String key, Set<String> allowed) {
        for (String k : new TreeSet<>(o.keySet())) {
            if (!allowed.contains(k)) {
                throw fail(o.get(k), fileName, key + '.' + k,
                           "unknown key (expected: one of " + String.join(", ", new TreeSet<>(allowed)) + ')');
            }
        }
    }

    private static ConfigObject object(ConfigValue v, String fileName, String key, String expected) {
        if (v.valueType() != ConfigValueType.OBJECT) {
            throw fail(v, fileName, key, render(v) + " (expected: " + expected + ')');
        }
        return (ConfigObject) v;
    }

    /** A list's elements, or a single scalar as a list of one; an empty list is an error. */
    private static List<ConfigValue> items(ConfigValue v, String fileName, String key, String expected) {
        if (v.valueType() == ConfigValueType.LIST) {
            final ConfigList list = (ConfigList) v;
            if (list.isEmpty()) {
                throw fail(v, fileName, key, "[] (expected: " + expected + "; leave the key out to match any)");
            }
            return list;
        }
        if (v.valueType() == ConfigValueType.NULL) {
            throw fail(v, fileName, key, "null (expected: " + expected + ')');
        }
        return List.of(v);
    }

    private static String scalar(ConfigValue v, String fileName, String key, String expected) {
        switch (v.valueType()) {
            case STRING:
            case NUMBER:
            case BOOLEAN:
                return String.valueOf(v.unwrapped());
            default:
                throw fail(v, fileName, key, render(v) + " (expected: " + expected + ')');
        }
    }

    private static int intValue(ConfigValue v, String fileName, String key, int min, int max, String expected) {
        long n = Long.MIN_VALUE;
        if (v.valueType() == ConfigValueType.NUMBER) {
            final Number number = (Number) v.unwrapped();
            if (number instanceof Integer || number instanceof Long) {
                n = number.longValue();
            }
        } else if (v.valueType() == ConfigValueType.STRING) {
            try {
                n = Long.parseLong(((String) v.unwrapped()).trim());
            } catch (NumberFormatException e) {
                // n stays unset
            }
        }
        if (n == Long.MIN_VALUE || n < min || n > max) {
            throw fail(v, fileName, key, render(v) + " (expected: " + expected + ')');
        }
        return (int) n;
    }

    private static boolean booleanValue(ConfigValue v, String fileName, String key) {
        if (v.valueType() == ConfigValueType.BOOLEAN) {
            return (Boolean) v.unwrapped();
        }
        if (v.valueType() == ConfigValueType.STRING) {
            final String s = ((String) v.unwrapped()).trim().toLowerCase(Locale.ROOT);
            if (s.equals("true") || s.equals("false")) {
                return s.equals("true");
            }
        }
        throw fail(v, fileName, key, render(v) + " (expected: true or false)");
    }

    private static Duration duration(ConfigValue v, String fileName, String key) {
        if (v == null) {
            return null;
        }
        final String expected = " (expected: a duration > 0, e.g. 500ms or 32s)";
        final Duration d;
        try {
            d = ConfigFactory.empty().withValue("d", v).getDuration("d");
        } catch (ConfigException e) {
            throw fail(v, fileName, key, render(v) + expected);
        }
        if (d.isNegative() || d.isZero()) {
            throw fail(v, fileName, key, render(v) + expected);
        }
        return d;
    }

    private static String quote(String s) {
        return '"' + s + '"';
    }

    private static String render(ConfigValue v) {
        return v.render(ConfigRenderOptions.concise());
    }

    private static SiplbConfigException fail(ConfigValue v, String fileName, String key, String problem) {
        return new SiplbConfigException(where(v != null ? v.origin() : null, fileName) + ": " + key + ": " +
                                        problem);
    }

    /** {@code FILE:LINE} of {@code origin}, as {@code io.siplb.proxy.config.ConfigErrors} formats it. */
    static String where(ConfigOrigin origin, String fileName) {
        if (origin == null) {
            return fileName;
        }
        final String file = origin.filename() != null ? origin.filename()
                                                       : origin.resource() != null ? origin.resource() : fileName;
        final int line = origin.lineNumber();
        return line > 0 ? file + ':' + line : file;
    }
}
