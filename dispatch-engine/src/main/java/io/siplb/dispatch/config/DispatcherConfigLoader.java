package io.siplb.dispatch.config;

import static java.util.Objects.requireNonNull;

import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigList;
import com.typesafe.config.ConfigObject;
import com.typesafe.config.ConfigOrigin;
import com.typesafe.config.ConfigParseOptions;
import com.typesafe.config.ConfigValue;
import com.typesafe.config.ConfigValueType;

import io.siplb.dispatch.Algorithm;
import io.siplb.dispatch.Destination;
import io.siplb.dispatch.DestinationAttributes;
import io.siplb.dispatch.DestinationSet;
import io.siplb.dispatch.DispatcherSettings;
import io.siplb.dispatch.HashMode;
import io.siplb.dispatch.state.CallLoadConfig;
import io.siplb.dispatch.state.StateConfig;

/**
 * Loads {@link DispatcherSettings} from the {@code siplb.dispatcher} section of the configuration: sets written
 * inline in HOCON, a Kamailio {@code dispatcher.list} file, or both. Stateless. Immutable.
 *
 * <table>
 *   <caption>{@code siplb.dispatcher} keys</caption>
 *   <tr><th>key</th><th>type</th><th>default</th><th>meaning</th></tr>
 *   <tr><td>sets</td><td>list or object</td><td>none</td><td>inline sets (below)</td></tr>
 *   <tr><td>list-file</td><td>string</td><td>none</td><td>Kamailio {@code dispatcher.list}, relative to the
 *       configuration file's directory</td></tr>
 *   <tr><td>hash-mode</td><td>consistent | kamailio</td><td>consistent</td><td>see {@link HashMode}</td></tr>
 *   <tr><td>bounded-load-factor</td><td>number</td><td>0 (off)</td><td>consistent hashing load cap
 *       {@code c >= 1}</td></tr>
 *   <tr><td>default-algorithm</td><td>name or number</td><td>round-robin</td><td>algorithm of sets that name
 *       none</td></tr>
 *   <tr><td>probing.failure-threshold</td><td>integer &gt;= 1</td><td>1 (siplb's proxy: 3)</td><td>consecutive failures (probes or
 *       passive signals) before a destination goes down ({@link StateConfig#probingThreshold()}, Kamailio
 *       {@code ds_probing_threshold}); the other {@code probing} keys are the proxy's</td></tr>
 *   <tr><td>probing.success-threshold</td><td>integer &gt;= 1</td><td>1</td><td>consecutive probe successes before
 *       a down destination is active again ({@link StateConfig#inactiveThreshold()}, {@code ds_inactive_threshold})
 *       </td></tr>
 *   <tr><td>state.latency-alpha</td><td>number in (0, 1)</td><td>0.1</td><td>EWMA weight of a new latency
 *       sample ({@link StateConfig#latencyAlpha()})</td></tr>
 *   <tr><td>state.history-size</td><td>integer 1..1024</td><td>16</td><td>health transitions kept per
 *       destination</td></tr>
 *   <tr><td>state.call-load.max-calls</td><td>integer &gt;= 1</td><td>100000</td><td>calls the call-load table
 *       tracks at most ({@link CallLoadConfig#maxCalls()})</td></tr>
 *   <tr><td>state.call-load.expire</td><td>duration &gt; 0</td><td>7200s</td><td>lifetime of a tracked call
 *       ({@code ds_hash_expire})</td></tr>
 *   <tr><td>state.call-load.init-expire</td><td>duration &gt; 0</td><td>7200s</td><td>lifetime of a call not
 *       confirmed by a 2xx ({@code ds_hash_initexpire})</td></tr>
 * </table>
 *
 * <pre>
 * siplb.dispatcher {
 *   hash-mode = consistent
 *   list-file = "dispatcher.list"            # sets 1.. in Kamailio's format
 *   sets = [
 *     { id = 1, algorithm = hash-call-id }   # algorithm for set 1 of the list file
 *     { id = 2, algorithm = weighted, destinations = [
 *         { uri = "sip:10.0.0.1:5060", priority = 0, flags = 0, attrs = "weight=50;duid=a" }
 *         { uri = "sip:10.0.0.2:5060", attrs { weight = 50, duid = b } }
 *         "sip:10.0.0.3:5060"
 *     ] }
 *   ]
 *   # or the map form:  sets { 2 { algorithm = weighted, destinations = [ ... ] } }
 * }
 * </pre>
 * A set present in both the list file and {@code sets} gets the list file's destinations first, then the inline
 * ones, and the inline algorithm.
 */
public final class DispatcherConfigLoader {

    /** The configuration path of the dispatcher section. */
    public static final String PATH = "siplb.dispatcher";
    /** The algorithm of sets that name none. */
    public static final Algorithm DEFAULT_ALGORITHM = Algorithm.ROUND_ROBIN;

    private static final Set<String> SET_KEYS = Set.of("id", "algorithm", "destinations");
    private static final Set<String> DESTINATION_KEYS = Set.of("uri", "flags", "priority", "attrs");
    private static final String STATE_KEY_LIST = "latency-alpha, history-size, call-load";
    private static final Set<String> STATE_KEYS = Set.of("latency-alpha", "history-size", "call-load");
    private static final String CALL_LOAD_KEY_LIST = "max-calls, expire, init-expire";
    private static final Set<String> CALL_LOAD_KEYS = Set.of("max-calls", "expire", "init-expire");

    private DispatcherConfigLoader() {
    }

    /**
     * Parses and resolves the HOCON file {@code configFile}, then {@link #load(Config, Path) loads} it.
     *
     * @throws DispatchConfigException naming the file, line and expected value
     */
    public static DispatcherSettings load(Path configFile) {
        requireNonNull(configFile, "configFile");
        final Config root;
        try {
            root = ConfigFactory.parseFile(configFile.toFile(), ConfigParseOptions.defaults().setAllowMissing(false))
                                .resolve();
        } catch (ConfigException e) {
            throw new DispatchConfigException(e.getMessage(), e);
        }
        return load(root, configFile);
    }

    /**
     * Loads the {@code siplb.dispatcher} section of {@code root}. {@code configFile} is the file {@code root} was
     * read from (list-file is relative to its directory); it may be {@code null}, in which case paths are relative
     * to the working directory. An absent section gives settings without sets.
     *
     * @throws DispatchConfigException naming the file, line (or key) and expected value
     */
    public static DispatcherSettings load(Config root, Path configFile) {
        requireNonNull(root, "root");
        final Loader loader = new Loader(configFile);
        try {
            return loader.load(root);
        } catch (ConfigException e) {
            throw new DispatchConfigException(e.getMessage(), e);
        }
    }

    /**
     * Loads a Kamailio {@code dispatcher.list} file alone, every set using {@code algorithm}.
     *
     * @throws DispatchConfigException naming the file, line and expected value
     */
    public static DispatcherSettings loadListFile(Path listFile, Algorithm algorithm, HashMode hashMode) {
        requireNonNull(listFile, "listFile");
        requireNonNull(algorithm, "algorithm");
        requireNonNull(hashMode, "hashMode");
        final Map<Integer, List<Destination>> bySet = new TreeMap<>();
        final Map<Destination, String> origins = new IdentityHashMap<>();
        for (DispatcherListParser.Entry e : DispatcherListParser.parse(listFile, listFile.toString())) {
            bySet.computeIfAbsent(e.setId, k -> new ArrayList<>()).add(e.destination);
            origins.put(e.destination, listFile + ":" + e.line);
        }
        final DispatcherSettings.Builder b = DispatcherSettings.builder().hashMode(hashMode)
                                                               .source(listFile.toString());
        for (Map.Entry<Integer, List<Destination>> e : bySet.entrySet()) {
            checkDuplicates(e.getKey(), e.getValue(), origins);
            try {
                b.addSet(DestinationSet.of(e.getKey(), algorithm, e.getValue()));
            } catch (IllegalArgumentException ex) {
                throw new DispatchConfigException(listFile + ": " + ex.getMessage(), ex);
            }
        }
        return b.build();
    }

    /**
     * Rejects two destinations of a set with the same identity (the same {@code duid}, or the same URI without
     * distinct {@code duid}s), naming where both are configured.
     */
    private static void checkDuplicates(int setId, List<Destination> destinations, Map<Destination, String> origins) {
        final Map<Object, Destination> seen = new HashMap<>();
        for (Destination d : destinations) {
            final String duid = d.attributes().duid();
            Destination first = seen.putIfAbsent(d.key(), d);
            if (first == null && duid == null) {
                first = seen.putIfAbsent("uri:" + d.uri(), d);
            }
            if (first != null) {
                final String what = duid != null && duid.equals(first.attributes().duid())
                                    ? "duplicate duid \"" + duid + "\" (expected: unique in a set"
                                    : "duplicate uri \"" + d.uri() + "\" (expected: unique in a set, or distinct "
                                      + "duid attributes";
                throw new DispatchConfigException(origins.get(d) + ": set " + setId + ": " + what + "; first at "
                                                  + origins.get(first) + ')');
            }
        }
    }

    /** One load: remembers the configuration file for messages and relative paths. Not thread-safe. */
    private static final class Loader {
        private final Path configFile;
        /** Where each destination is configured ({@code file:line}), for duplicate errors. */
        private final Map<Destination, String> origins = new IdentityHashMap<>();

        Loader(Path configFile) {
            this.configFile = configFile;
        }

        DispatcherSettings load(Config root) {
            final DispatcherSettings.Builder builder = DispatcherSettings.builder();
            final List<String> sources = new ArrayList<>();
            if (configFile != null) {
                sources.add(configFile.toString());
            }
            if (!root.hasPath(PATH)) {
                return builder.source(String.join(", ", sources)).build();
            }
            final Config c = root.getConfig(PATH);
            if (c.hasPath("hash-mode")) {
                final ConfigValue v = c.getValue("hash-mode");
                try {
                    builder.hashMode(HashMode.fromConfig(string(v, "hash-mode")));
                } catch (IllegalArgumentException e) {
                    throw error(v, "hash-mode", "\"" + v.unwrapped() + "\" (expected: consistent or kamailio)");
                }
            }
            if (c.hasPath("bounded-load-factor")) {
                final ConfigValue v = c.getValue("bounded-load-factor");
                if (v.valueType() != ConfigValueType.NUMBER) {
                    throw error(v, "bounded-load-factor", render(v) + " (expected: 0 to disable, or a number >= 1)");
                }
                try {
                    builder.boundedLoadFactor(((Number) v.unwrapped()).doubleValue());
                } catch (IllegalArgumentException e) {
                    throw error(v, "bounded-load-factor", render(v) + " (expected: 0 to disable, or a number >= 1)");
                }
            }
            Algorithm defaultAlgorithm = DEFAULT_ALGORITHM;
            if (c.hasPath("default-algorithm")) {
                defaultAlgorithm = algorithm(c.getValue("default-algorithm"), "default-algorithm");
            }
            final StateConfig.Builder state = StateConfig.builder();
            if (c.hasPath("probing")) {
                readThresholds(c.getValue("probing"), state);
            }
            if (c.hasPath("state")) {
                readState(c.getValue("state"), builder, state);
            }
            if (c.hasPath("probing") || c.hasPath("state")) {
                builder.stateConfig(state.build());
            }

            // Set id -> (algorithm or null, destinations in configuration order).
            final Map<Integer, Algorithm> algorithms = new TreeMap<>();
            final Map<Integer, List<Destination>> destinations = new TreeMap<>();
            if (c.hasPath("list-file")) {
                final ConfigValue v = c.getValue("list-file");
                final String name = string(v, "list-file");
                final Path base = configFile != null && configFile.getParent() != null ? configFile.getParent()
                                                                                          : null;
                final Path file = base != null ? base.resolve(name) : Paths.get(name);
                if (!file.toFile().isFile()) {
                    throw error(v, "list-file", "\"" + file + "\" does not exist (expected: a readable "
                                                + "dispatcher.list file, relative to the configuration file)");
                }
                sources.add(file.toString());
                for (DispatcherListParser.Entry e : DispatcherListParser.parse(file, file.toString())) {
                    destinations.computeIfAbsent(e.setId, k -> new ArrayList<>()).add(e.destination);
                    origins.put(e.destination, file + ":" + e.line);
                }
            }
            if (c.hasPath("sets")) {
                final ConfigValue sets = c.getValue("sets");
                if (sets.valueType() == ConfigValueType.LIST) {
                    final ConfigList list = (ConfigList) sets;
                    final Map<Integer, String> seen = new LinkedHashMap<>();
                    for (int i = 0; i < list.size(); i++) {
                        final String key = "sets[" + i + ']';
                        final ConfigValue s = list.get(i);
                        if (s.valueType() != ConfigValueType.OBJECT) {
                            throw error(s, key, render(s) + " (expected: an object with id, algorithm, "
                                                + "destinations)");
                        }
                        final ConfigObject o = (ConfigObject) s;
                        final ConfigValue idValue = o.get("id");
                        if (idValue == null) {
                            throw error(s, key + ".id", "missing (expected: a non-negative integer set id)");
                        }
                        final int id = nonNegativeInt(idValue, key + ".id");
                        final String previous = seen.putIfAbsent(id, key);
                        if (previous != null) {
                            throw error(idValue, key + ".id", id + " (expected: unique set ids; also defined in "
                                                              + previous + ')');
                        }
                        readSet(o, id, key, algorithms, destinations);
                    }
                } else if (sets.valueType() == ConfigValueType.OBJECT) {
                    final ConfigObject map = (ConfigObject) sets;
                    for (Map.Entry<String, ConfigValue> e : map.entrySet()) {
                        final String key = "sets." + e.getKey();
                        final int id;
                        try {
                            id = Integer.parseInt(e.getKey());
                        } catch (NumberFormatException ex) {
                            throw error(e.getValue(), key, "set id \"" + e.getKey()
                                                           + "\" (expected: a non-negative integer)");
                        }
                        if (id < 0 || e.getValue().valueType() != ConfigValueType.OBJECT) {
                            throw error(e.getValue(), key, render(e.getValue())
                                                           + " (expected: non-negative integer key with an object "
                                                           + "value)");
                        }
                        final ConfigObject o = (ConfigObject) e.getValue();
                        if (o.containsKey("id") && nonNegativeInt(o.get("id"), key + ".id") != id) {
                            throw error(o.get("id"), key + ".id", render(o.get("id")) + " (expected: " + id
                                                                  + ", the key of the set)");
                        }
                        readSet(o, id, key, algorithms, destinations);
                    }
                } else {
                    throw error(sets, "sets", render(sets) + " (expected: a list of sets or an object keyed by "
                                              + "set id)");
                }
            }
            for (Map.Entry<Integer, Algorithm> e : algorithms.entrySet()) {
                if (!destinations.containsKey(e.getKey()) || destinations.get(e.getKey()).isEmpty()) {
                    throw new DispatchConfigException(where(c.getValue("sets")) + ": " + PATH + ".sets: set "
                                                      + e.getKey() + " has no destinations (expected: at least one, "
                                                      + "inline or in the list file)");
                }
            }
            for (Map.Entry<Integer, List<Destination>> e : destinations.entrySet()) {
                final Algorithm a = algorithms.getOrDefault(e.getKey(), defaultAlgorithm);
                checkDuplicates(e.getKey(), e.getValue(), origins);
                try {
                    builder.addSet(DestinationSet.of(e.getKey(), a, e.getValue()));
                } catch (IllegalArgumentException ex) {
                    throw new DispatchConfigException(String.join(", ", sources) + ": " + ex.getMessage(), ex);
                }
            }
            return builder.source(String.join(", ", sources)).build();
        }

        /**
         * Reads {@code probing.failure-threshold} and {@code probing.success-threshold} into the state settings; the
         * other {@code probing} keys belong to the proxy, which checks them.
         */
        private void readThresholds(ConfigValue v, StateConfig.Builder state) {
            if (v.valueType() != ConfigValueType.OBJECT) {
                throw error(v, "probing", render(v) + " (expected: an object)");
            }
            final ConfigObject o = (ConfigObject) v;
            if (o.containsKey("failure-threshold")) {
                state.probingThreshold(intInRange(o.get("failure-threshold"), "probing.failure-threshold", 1,
                                                  Integer.MAX_VALUE, "an integer >= 1"));
            }
            if (o.containsKey("success-threshold")) {
                state.inactiveThreshold(intInRange(o.get("success-threshold"), "probing.success-threshold", 1,
                                                   Integer.MAX_VALUE, "an integer >= 1"));
            }
        }

        /** Reads {@code state} (and {@code state.call-load}) into the state and call-load settings. */
        private void readState(ConfigValue v, DispatcherSettings.Builder builder, StateConfig.Builder state) {
            final ConfigObject o = object(v, "state", STATE_KEYS, STATE_KEY_LIST);
            if (o.containsKey("latency-alpha")) {
                final ConfigValue a = o.get("latency-alpha");
                final double alpha = a.valueType() == ConfigValueType.NUMBER ? ((Number) a.unwrapped()).doubleValue()
                                                                              : Double.NaN;
                if (!(alpha > 0 && alpha < 1)) {
                    throw error(a, "state.latency-alpha", render(a) + " (expected: a number > 0 and < 1)");
                }
                state.latencyAlpha(alpha);
            }
            if (o.containsKey("history-size")) {
                state.historySize(intInRange(o.get("history-size"), "state.history-size", 1,
                                             StateConfig.MAX_HISTORY_SIZE,
                                             "an integer from 1 to " + StateConfig.MAX_HISTORY_SIZE));
            }
            if (o.containsKey("call-load")) {
                final ConfigObject cl = object(o.get("call-load"), "state.call-load", CALL_LOAD_KEYS,
                                               CALL_LOAD_KEY_LIST);
                final CallLoadConfig.Builder callLoad = CallLoadConfig.builder();
                if (cl.containsKey("max-calls")) {
                    callLoad.maxCalls(intInRange(cl.get("max-calls"), "state.call-load.max-calls", 1,
                                                 Integer.MAX_VALUE, "an integer >= 1"));
                }
                if (cl.containsKey("expire")) {
                    callLoad.expire(duration(cl.get("expire"), "state.call-load.expire"));
                }
                if (cl.containsKey("init-expire")) {
                    callLoad.initExpire(duration(cl.get("init-expire"), "state.call-load.init-expire"));
                }
                builder.callLoadConfig(callLoad.build());
            }
        }

        /** Returns {@code v} as an object whose keys are all in {@code keys}. */
        private ConfigObject object(ConfigValue v, String key, Set<String> keys, String keyList) {
            if (v.valueType() != ConfigValueType.OBJECT) {
                throw error(v, key, render(v) + " (expected: an object with " + keyList + ')');
            }
            final ConfigObject o = (ConfigObject) v;
            for (Map.Entry<String, ConfigValue> e : o.entrySet()) {
                if (!keys.contains(e.getKey())) {
                    throw error(e.getValue(), key + '.' + e.getKey(), "unknown key (expected: one of " + keyList + ')');
                }
            }
            return o;
        }

        /** An integer in {@code [min, max]}; the message says {@code expected} for any other value. */
        private int intInRange(ConfigValue v, String key, int min, int max, String expected) {
            final int i;
            try {
                i = integer(v, key);
            } catch (DispatchConfigException e) {
                throw error(v, key, render(v) + " (expected: " + expected + ')');
            }
            if (i < min || i > max) {
                throw error(v, key, i + " (expected: " + expected + ')');
            }
            return i;
        }

        /** A positive duration with a unit ({@code 7200s}, {@code 2h}); a bare number is refused (milliseconds?). */
        private Duration duration(ConfigValue v, String key) {
            final String expected = " (expected: a duration > 0 with a unit, e.g. 7200s or 2h)";
            if (v.valueType() != ConfigValueType.STRING) {
                throw error(v, key, render(v) + expected);
            }
            final Duration d;
            try {
                d = ConfigFactory.empty().withValue("d", v).getDuration("d");
            } catch (ConfigException e) {
                throw error(v, key, render(v) + expected);
            }
            if (d.isNegative() || d.isZero()) {
                throw error(v, key, render(v) + expected);
            }
            return d;
        }

        private void readSet(ConfigObject o, int id, String key, Map<Integer, Algorithm> algorithms,
                             Map<Integer, List<Destination>> destinations) {
            for (Map.Entry<String, ConfigValue> e : o.entrySet()) {
                if (!SET_KEYS.contains(e.getKey())) {
                    throw error(e.getValue(), key + '.' + e.getKey(), "unknown key (expected: one of id, "
                                                                       + "algorithm, destinations)");
                }
            }
            algorithms.put(id, o.containsKey("algorithm") ? algorithm(o.get("algorithm"), key + ".algorithm")
                                                           : null);
            if (!o.containsKey("algorithm")) {
                algorithms.remove(id);
                if (!o.containsKey("destinations")) {
                    throw error(o, key, "set " + id + " has neither algorithm nor destinations (expected: at least "
                                        + "one of them)");
                }
            }
            final ConfigValue dv = o.get("destinations");
            if (dv == null) {
                return;
            }
            if (dv.valueType() != ConfigValueType.LIST) {
                throw error(dv, key + ".destinations", render(dv) + " (expected: a list of destinations)");
            }
            final ConfigList list = (ConfigList) dv;
            final List<Destination> target = destinations.computeIfAbsent(id, k -> new ArrayList<>());
            for (int i = 0; i < list.size(); i++) {
                final String k = key + ".destinations[" + i + ']';
                final Destination d = readDestination(list.get(i), id, k);
                target.add(d);
                origins.put(d, where(list.get(i)) + ": " + PATH + '.' + k);
            }
        }

        private Destination readDestination(ConfigValue v, int setId, String key) {
            String uri;
            int flags = 0;
            int priority = 0;
            DestinationAttributes attrs = DestinationAttributes.EMPTY;
            ConfigValue uriValue = v;
            if (v.valueType() == ConfigValueType.STRING) {
                uri = (String) v.unwrapped();
            } else if (v.valueType() == ConfigValueType.OBJECT) {
                final ConfigObject o = (ConfigObject) v;
                for (Map.Entry<String, ConfigValue> e : o.entrySet()) {
                    if (!DESTINATION_KEYS.contains(e.getKey())) {
                        throw error(e.getValue(), key + '.' + e.getKey(), "unknown key (expected: one of uri, "
                                                                           + "flags, priority, attrs)");
                    }
                }
                uriValue = o.get("uri");
                if (uriValue == null) {
                    throw error(v, key + ".uri", "missing (expected: a sip: or sips: URI)");
                }
                uri = string(uriValue, key + ".uri");
                if (o.containsKey("flags")) {
                    final ConfigValue f = o.get("flags");
                    if (f.valueType() == ConfigValueType.NUMBER || f.valueType() == ConfigValueType.STRING) {
                        try {
                            flags = DispatcherListParser.parseFlags(String.valueOf(f.unwrapped()).trim(), "");
                        } catch (DispatchConfigException e) {
                            throw error(f, key + ".flags", render(f)
                                                           + " (expected: decimal or 0x-prefixed hex integer)");
                        }
                    } else {
                        throw error(f, key + ".flags", render(f) + " (expected: decimal or 0x-prefixed hex integer)");
                    }
                }
                if (o.containsKey("priority")) {
                    priority = integer(o.get("priority"), key + ".priority");
                }
                if (o.containsKey("attrs")) {
                    attrs = attributes(o.get("attrs"), key + ".attrs");
                }
            } else {
                throw error(v, key, render(v) + " (expected: a URI string or an object with uri, flags, priority, "
                                    + "attrs)");
            }
            try {
                return Destination.of(setId, uri, flags, priority, attrs);
            } catch (IllegalArgumentException e) {
                throw error(uriValue, key, e.getMessage());
            }
        }

        private DestinationAttributes attributes(ConfigValue v, String key) {
            try {
                if (v.valueType() == ConfigValueType.STRING) {
                    return DestinationAttributes.parse((String) v.unwrapped());
                }
                if (v.valueType() == ConfigValueType.OBJECT) {
                    final Map<String, String> map = new LinkedHashMap<>();
                    final StringBuilder body = new StringBuilder();
                    for (Map.Entry<String, ConfigValue> e : ((ConfigObject) v).entrySet()) {
                        final ConfigValue value = e.getValue();
                        if (value.valueType() == ConfigValueType.OBJECT || value.valueType() == ConfigValueType.LIST
                            || value.valueType() == ConfigValueType.NULL) {
                            throw error(value, key + '.' + e.getKey(), render(value)
                                                                        + " (expected: a string or a number)");
                        }
                        final String s = String.valueOf(value.unwrapped());
                        map.put(e.getKey(), s);
                        if (body.length() > 0) {
                            body.append(';');
                        }
                        body.append(e.getKey()).append('=').append(s);
                    }
                    return DestinationAttributes.of(body.toString(), map);
                }
            } catch (IllegalArgumentException e) {
                throw error(v, key, e.getMessage());
            }
            throw error(v, key, render(v) + " (expected: \"name=value;...\" or an object)");
        }

        private Algorithm algorithm(ConfigValue v, String key) {
            if (v.valueType() != ConfigValueType.STRING && v.valueType() != ConfigValueType.NUMBER) {
                throw error(v, key, render(v) + " (expected: " + Algorithm.expectedValues() + ')');
            }
            try {
                return Algorithm.fromConfig(String.valueOf(v.unwrapped()));
            } catch (IllegalArgumentException e) {
                throw error(v, key, render(v) + " (expected: " + Algorithm.expectedValues() + ')');
            }
        }

        private String string(ConfigValue v, String key) {
            if (v.valueType() != ConfigValueType.STRING) {
                throw error(v, key, render(v) + " (expected: a string)");
            }
            return (String) v.unwrapped();
        }

        private int integer(ConfigValue v, String key) {
            if (v.valueType() == ConfigValueType.NUMBER) {
                final Number n = (Number) v.unwrapped();
                if (n.doubleValue() == n.intValue()) {
                    return n.intValue();
                }
            } else if (v.valueType() == ConfigValueType.STRING) {
                try {
                    return Integer.parseInt(((String) v.unwrapped()).trim());
                } catch (NumberFormatException e) {
                    // reported below
                }
            }
            throw error(v, key, render(v) + " (expected: an integer)");
        }

        private int nonNegativeInt(ConfigValue v, String key) {
            final int i;
            try {
                i = integer(v, key);
            } catch (DispatchConfigException e) {
                throw error(v, key, render(v) + " (expected: a non-negative integer)");
            }
            if (i < 0) {
                throw error(v, key, i + " (expected: a non-negative integer)");
            }
            return i;
        }

        private DispatchConfigException error(ConfigValue v, String key, String message) {
            return new DispatchConfigException(where(v) + ": " + PATH + '.' + key + ": " + message);
        }

        private String where(ConfigValue v) {
            final ConfigOrigin o = v.origin();
            String file;
            if (o.filename() != null) {
                file = o.filename();
                if (configFile != null && Paths.get(file).toAbsolutePath().normalize()
                                               .equals(configFile.toAbsolutePath().normalize())) {
                    file = configFile.toString();
                }
            } else if (o.resource() != null) {
                file = o.resource();
            } else if (configFile != null) {
                file = configFile.toString();
            } else {
                file = o.description();
            }
            return o.lineNumber() > 0 ? file + ':' + o.lineNumber() : file;
        }

        private static String render(ConfigValue v) {
            return v.render(com.typesafe.config.ConfigRenderOptions.concise());
        }
    }
}
