package io.siplb.dispatch;

import static java.util.Objects.requireNonNull;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * Kamailio's per-destination attributes ({@code duid=gw1;weight=50;maxload=20;...}), parsed once at load.
 * Keys are case-insensitive; keys siplb does not interpret are kept as opaque strings in {@link #others()}.
 * Numeric attributes that are absent read as {@code 0} (Kamailio's default). Immutable.
 *
 * <table>
 *   <caption>Attributes</caption>
 *   <tr><th>key</th><th>meaning</th></tr>
 *   <tr><td>duid</td><td>unique id inside the set: the destination's identity and call-load key</td></tr>
 *   <tr><td>weight</td><td>0..100, for {@link Algorithm#WEIGHTED}, {@link Algorithm#PRIORITY_WEIGHT}, consistent
 *       hashing, and the {@code cc} latency tolerance in ms</td></tr>
 *   <tr><td>rweight</td><td>0..100, for {@link Algorithm#RELATIVE_WEIGHT}</td></tr>
 *   <tr><td>maxload</td><td>maximum active calls for {@link Algorithm#CALL_LOAD} (0 = no limit)</td></tr>
 *   <tr><td>cc</td><td>1 = congestion control (relative-weight, latency)</td></tr>
 *   <tr><td>latency</td><td>initial latency estimate in ms</td></tr>
 *   <tr><td>socket, sockname, ping_socket, ping_from, obproxy</td><td>kept as strings for the proxy</td></tr>
 *   <tr><td>ocmin, ocmax, ocrate</td><td>overload-control clamps and initial rate in percent (0..100)</td></tr>
 * </table>
 */
public final class DestinationAttributes {

    /** Attributes of a destination that has none. */
    public static final DestinationAttributes EMPTY = new DestinationAttributes("", null, 0, 0, 0, 0, 0, null, null,
            null, null, null, 0, 100, 0, Collections.emptyMap());

    private final String body;
    private final String duid;
    private final int weight;
    private final int rweight;
    private final int maxload;
    private final int cc;
    private final int latency;
    private final String socket;
    private final String sockname;
    private final String pingSocket;
    private final String pingFrom;
    private final String obproxy;
    private final int ocmin;
    private final int ocmax;
    private final int ocrate;
    private final Map<String, String> others;

    private DestinationAttributes(String body, String duid, int weight, int rweight, int maxload, int cc, int latency,
                                  String socket, String sockname, String pingSocket, String pingFrom, String obproxy,
                                  int ocmin, int ocmax, int ocrate, Map<String, String> others) {
        this.body = body;
        this.duid = duid;
        this.weight = weight;
        this.rweight = rweight;
        this.maxload = maxload;
        this.cc = cc;
        this.latency = latency;
        this.socket = socket;
        this.sockname = sockname;
        this.pingSocket = pingSocket;
        this.pingFrom = pingFrom;
        this.obproxy = obproxy;
        this.ocmin = ocmin;
        this.ocmax = ocmax;
        this.ocrate = ocrate;
        this.others = others;
    }

    /**
     * Parses Kamailio's attribute string: {@code name=value} pairs separated by {@code ;}, names case-insensitive.
     * An empty string gives {@link #EMPTY}.
     *
     * @throws IllegalArgumentException naming the attribute, its value and the expected value
     */
    public static DestinationAttributes parse(String body) {
        requireNonNull(body, "body");
        final Map<String, String> map = new LinkedHashMap<>();
        for (String part : body.split(";")) {
            final String p = part.trim();
            if (p.isEmpty()) {
                continue;
            }
            final int eq = p.indexOf('=');
            final String name = (eq < 0 ? p : p.substring(0, eq)).trim().toLowerCase(Locale.ROOT);
            final String value = eq < 0 ? "" : p.substring(eq + 1).trim();
            if (name.isEmpty()) {
                throw new IllegalArgumentException("attrs: \"" + body + "\" (expected: name=value pairs separated by ;)");
            }
            if (map.put(name, value) != null) {
                throw new IllegalArgumentException("attrs: duplicate attribute " + name + " in \"" + body + '"');
            }
        }
        return of(body, map);
    }

    /**
     * Builds the attributes from a map of names (case-insensitive) to values, as given by a HOCON {@code attrs}
     * object. {@code body} is the text reported by {@link #body()}.
     *
     * @throws IllegalArgumentException naming the attribute, its value and the expected value
     */
    public static DestinationAttributes of(String body, Map<String, String> attributes) {
        requireNonNull(body, "body");
        requireNonNull(attributes, "attributes");
        if (attributes.isEmpty()) {
            return body.isEmpty() ? EMPTY : new DestinationAttributes(body, null, 0, 0, 0, 0, 0, null, null, null,
                    null, null, 0, 100, 0, Collections.emptyMap());
        }
        String duid = null;
        int weight = 0;
        int rweight = 0;
        int maxload = 0;
        int cc = 0;
        int latency = 0;
        String socket = null;
        String sockname = null;
        String pingSocket = null;
        String pingFrom = null;
        String obproxy = null;
        int ocmin = 0;
        int ocmax = 100;
        int ocrate = 0;
        final Map<String, String> others = new LinkedHashMap<>();
        for (Map.Entry<String, String> e : attributes.entrySet()) {
            final String name = e.getKey().toLowerCase(Locale.ROOT);
            final String value = requireNonNull(e.getValue(), name);
            switch (name) {
                case "duid":
                    duid = nonEmpty(name, value);
                    break;
                case "weight":
                    weight = intIn(name, value, 0, 100);
                    break;
                case "rweight":
                    rweight = intIn(name, value, 0, 100);
                    break;
                case "maxload":
                    maxload = intIn(name, value, 0, Integer.MAX_VALUE);
                    break;
                case "cc":
                    cc = intIn(name, value, 0, 1);
                    break;
                case "latency":
                    latency = intIn(name, value, 0, Integer.MAX_VALUE);
                    break;
                case "socket":
                    socket = nonEmpty(name, value);
                    break;
                case "sockname":
                    sockname = nonEmpty(name, value);
                    break;
                case "ping_socket":
                    pingSocket = nonEmpty(name, value);
                    break;
                case "ping_from":
                    pingFrom = nonEmpty(name, value);
                    break;
                case "obproxy":
                    obproxy = nonEmpty(name, value);
                    break;
                case "ocmin":
                    ocmin = intIn(name, value, 0, 100);
                    break;
                case "ocmax":
                    ocmax = intIn(name, value, 0, 100);
                    break;
                case "ocrate":
                    ocrate = intIn(name, value, 0, 100);
                    break;
                default:
                    others.put(name, value);
            }
        }
        if (ocmin > ocmax) {
            throw new IllegalArgumentException("ocmin: " + ocmin + " (expected: <= ocmax " + ocmax + ')');
        }
        return new DestinationAttributes(body, duid, weight, rweight, maxload, cc, latency, socket, sockname,
                pingSocket, pingFrom, obproxy, ocmin, ocmax, Math.max(ocmin, Math.min(ocmax, ocrate)),
                others.isEmpty() ? Collections.emptyMap() : Collections.unmodifiableMap(others));
    }

    private static String nonEmpty(String name, String value) {
        if (value.isEmpty()) {
            throw new IllegalArgumentException(name + ": \"\" (expected: a non-empty value)");
        }
        return value;
    }

    private static int intIn(String name, String value, int min, int max) {
        final int v;
        try {
            v = Integer.parseInt(value.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(name + ": \"" + value + "\" (expected: integer " + min + ".."
                    + (max == Integer.MAX_VALUE ? "" : Integer.toString(max)) + ')');
        }
        if (v < min || v > max) {
            throw new IllegalArgumentException(name + ": " + v + " (expected: " + min + ".."
                    + (max == Integer.MAX_VALUE ? "" : Integer.toString(max)) + ')');
        }
        return v;
    }

    /** Returns the attribute string as written in the configuration ({@code ""} when none). */
    public String body() {
        return body;
    }

    /** Returns the {@code duid}, or {@code null} when absent. */
    public String duid() {
        return duid;
    }

    /** Returns the {@code weight} (0 when absent). */
    public int weight() {
        return weight;
    }

    /** Returns the {@code rweight} (0 when absent). */
    public int rweight() {
        return rweight;
    }

    /** Returns the {@code maxload} (0 = no limit). */
    public int maxload() {
        return maxload;
    }

    /** Returns {@code true} when {@code cc=1} (congestion control). */
    public boolean congestionControl() {
        return cc == 1;
    }

    /** Returns the initial {@code latency} in ms (0 when absent). */
    public int latency() {
        return latency;
    }

    /** Returns the {@code socket} ({@code proto:ip:port}), or {@code null}. */
    public String socket() {
        return socket;
    }

    /** Returns the {@code sockname}, or {@code null}. */
    public String sockname() {
        return sockname;
    }

    /** Returns the {@code ping_socket}, or {@code null}. */
    public String pingSocket() {
        return pingSocket;
    }

    /** Returns the {@code ping_from} URI, or {@code null}. */
    public String pingFrom() {
        return pingFrom;
    }

    /** Returns the {@code obproxy} URI, or {@code null}. */
    public String obproxy() {
        return obproxy;
    }

    /** Returns the {@code ocmin} clamp in percent (default 0). */
    public int ocmin() {
        return ocmin;
    }

    /** Returns the {@code ocmax} clamp in percent (default 100). */
    public int ocmax() {
        return ocmax;
    }

    /** Returns the initial {@code ocrate} in percent, clamped to [ocmin, ocmax] (default 0). */
    public int ocrate() {
        return ocrate;
    }

    /** Returns the attributes siplb does not interpret, lower-case name to value, in configuration order. */
    public Map<String, String> others() {
        return others;
    }

    /** Returns the value of attribute {@code name} (case-insensitive) among {@link #others()}, or {@code null}. */
    public String other(String name) {
        return others.get(name.toLowerCase(Locale.ROOT));
    }

    @Override
    public String toString() {
        return body;
    }
}
