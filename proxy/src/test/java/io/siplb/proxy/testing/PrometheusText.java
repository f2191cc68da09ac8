package io.siplb.proxy.testing;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * A strict parser of the Prometheus text exposition format 0.0.4, for tests of {@code /metrics}: every line must be
 * a {@code # HELP}, a {@code # TYPE} or a sample; names, label names and escapes must be valid; a family's
 * {@code TYPE} comes once, before its samples, which are contiguous; no series repeats; counter samples end in
 * {@code _total}; every histogram has {@code _bucket} series with non-decreasing counts ending in {@code le="+Inf"}
 * equal to its {@code _count}, and a {@code _sum}. A violation throws {@link IllegalArgumentException} naming the
 * line. Immutable once parsed.
 */
public final class PrometheusText {

    private static final Pattern METRIC_NAME = Pattern.compile("[a-zA-Z_:][a-zA-Z0-9_:]*");
    private static final Pattern LABEL_NAME = Pattern.compile("[a-zA-Z_][a-zA-Z0-9_]*");
    private static final Set<String> TYPES = Set.of("counter", "gauge", "histogram", "summary", "untyped");

    /** One sample line. Immutable. */
    public record Sample(String name, Map<String, String> labels, double value) {}

    private final Map<String, String> types = new LinkedHashMap<>();
    private final List<Sample> samples = new ArrayList<>();

    private PrometheusText() {}

    /** Parses {@code text}; throws {@link IllegalArgumentException} naming the first violation and its line. */
    public static PrometheusText parse(String text) {
        final PrometheusText p = new PrometheusText();
        p.read(text);
        p.checkHistograms();
        return p;
    }

    private void read(String text) {
        if (!text.isEmpty() && !text.endsWith("\n")) {
            throw new IllegalArgumentException("the exposition does not end with a line feed");
        }
        final String[] lines = text.split("\n", -1);
        final Set<String> seenSeries = new HashSet<>();
        final Set<String> closedFamilies = new HashSet<>();
        final Set<String> helped = new HashSet<>();
        String currentFamily = null;
        for (int i = 0; i < lines.length - 1; i++) {
            final String line = lines[i];
            final int no = i + 1;
            if (line.isEmpty()) {
                throw new IllegalArgumentException("line " + no + ": empty line");
            }
            if (line.startsWith("#")) {
                final String[] parts = line.split(" ", 4);
                if (parts.length >= 3 && parts[1].equals("TYPE")) {
                    final String name = parts[2];
                    if (!METRIC_NAME.matcher(name).matches() || parts.length != 4 || !TYPES.contains(parts[3])) {
                        throw new IllegalArgumentException("line " + no + ": bad TYPE line: " + line);
                    }
                    if (types.containsKey(name)) {
                        throw new IllegalArgumentException("line " + no + ": second TYPE of " + name);
                    }
                    if (currentFamily != null) {
                        closedFamilies.add(currentFamily);
                    }
                    types.put(name, parts[3]);
                    currentFamily = name;
                } else if (parts.length >= 3 && parts[1].equals("HELP")) {
                    if (!METRIC_NAME.matcher(parts[2]).matches() || !helped.add(parts[2])) {
                        throw new IllegalArgumentException("line " + no + ": bad or repeated HELP: " + line);
                    }
                } else if (!line.startsWith("# ") && !line.equals("#")) {
                    throw new IllegalArgumentException("line " + no + ": bad comment: " + line);
                }
                continue;
            }
            final Sample s = sample(line, no);
            final String family = familyOf(s.name());
            if (family == null) {
                throw new IllegalArgumentException("line " + no + ": sample " + s.name() + " has no TYPE before it");
            }
            if (closedFamilies.contains(family)) {
                throw new IllegalArgumentException("line " + no + ": samples of " + family + " are not contiguous");
            }
            if (!family.equals(currentFamily)) {
                throw new IllegalArgumentException("line " + no + ": sample " + s.name() + " outside its family");
            }
            if (types.get(family).equals("counter") && !s.name().endsWith("_total")
                && !s.name().equals(family + "_created")) {
                throw new IllegalArgumentException("line " + no + ": counter sample " + s.name() +
                                                   " (expected: a name ending in _total)");
            }
            if (!seenSeries.add(s.name() + new TreeMap<>(s.labels()))) {
                throw new IllegalArgumentException("line " + no + ": repeated series " + s.name() + s.labels());
            }
            samples.add(s);
        }
    }

    private String familyOf(String sampleName) {
        if (types.containsKey(sampleName)) {
            return sampleName;
        }
        for (String suffix : new String[] { "_total", "_created", "_bucket", "_count", "_sum" }) {
            if (sampleName.endsWith(suffix)) {
                final String base = sampleName.substring(0, sampleName.length() - suffix.length());
                if (types.containsKey(base)) {
                    return base;
                }
            }
        }
        return null;
    }

    private static Sample sample(String line, int no) {
        int i = 0;
        while (i < line.length() && line.charAt(i) != '{' && line.charAt(i) != ' ') {
            i++;
        }
        final String name = line.substring(0, i);
        if (!METRIC_NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("line " + no + ": bad metric name: " + line);
        }
        final Map<String, String> labels = new LinkedHashMap<>();
        if (i < line.length() && line.charAt(i) == '{') {
            i++;
            while (true) {
                if (i >= line.length()) {
                    throw new IllegalArgumentException("line " + no + ": unterminated labels: " + line);
                }
                if (line.charAt(i) == '}') {
                    i++;
                    break;
                }
                final int eq = line.indexOf('=', i);
                if (eq < 0) {
                    throw new IllegalArgumentException("line " + no + ": label without '=': " + line);
                }
                final String label = line.substring(i, eq);
                if (!LABEL_NAME.matcher(label).matches() || label.startsWith("__")) {
                    throw new IllegalArgumentException("line " + no + ": bad label name '" + label + "': " + line);
                }
                if (eq + 1 >= line.length() || line.charAt(eq + 1) != '"') {
                    throw new IllegalArgumentException("line " + no + ": unquoted label value: " + line);
                }
                final StringBuilder v = new StringBuilder();
                int j = eq + 2;
                for (; j < line.length() && line.charAt(j) != '"'; j++) {
                    char c = line.charAt(j);
                    if (c == '\\') {
                        if (j + 1 >= line.length()) {
                            throw new IllegalArgumentException("line " + no + ": dangling escape: " + line);
                        }
                        final char e = line.charAt(++j);
                        c = switch (e) {
                            case '\\' -> '\\';
                            case '"' -> '"';
                            case 'n' -> '\n';
                            default -> throw new IllegalArgumentException("line " + no + ": bad escape \\" + e);
                        };
                    }
                    v.append(c);
                }
                if (j >= line.length()) {
                    throw new IllegalArgumentException("line " + no + ": unterminated label value: " + line);
                }
                if (labels.put(label, v.toString()) != null) {
                    throw new IllegalArgumentException("line " + no + ": repeated label " + label + ": " + line);
                }
                i = j + 1;
                if (i < line.length() && line.charAt(i) == ',') {
                    i++;
                }
            }
        }
        if (i >= line.length() || line.charAt(i) != ' ') {
            throw new IllegalArgumentException("line " + no + ": no value: " + line);
        }
        final String[] rest = line.substring(i + 1).split(" ");
        if (rest.length < 1 || rest.length > 2) {
            throw new IllegalArgumentException("line " + no + ": expected a value and an optional timestamp: " + line);
        }
        final double value;
        try {
            value = switch (rest[0]) {
                case "+Inf" -> Double.POSITIVE_INFINITY;
                case "-Inf" -> Double.NEGATIVE_INFINITY;
                case "NaN" -> Double.NaN;
                default -> Double.parseDouble(rest[0]);
            };
            if (rest.length == 2) {
                Long.parseLong(rest[1]);
            }
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("line " + no + ": bad number: " + line);
        }
        return new Sample(name, Collections.unmodifiableMap(labels), value);
    }

    private void checkHistograms() {
        for (Map.Entry<String, String> t : types.entrySet()) {
            if (!t.getValue().equals("histogram")) {
                continue;
            }
            final String name = t.getKey();
            final Map<Map<String, String>, List<Sample>> buckets = new LinkedHashMap<>();
            for (Sample s : samples) {
                if (s.name().equals(name + "_bucket")) {
                    final Map<String, String> rest = new TreeMap<>(s.labels());
                    if (rest.remove("le") == null) {
                        throw new IllegalArgumentException(name + ": bucket without le: " + s);
                    }
                    buckets.computeIfAbsent(rest, k -> new ArrayList<>()).add(s);
                }
            }
            for (Map.Entry<Map<String, String>, List<Sample>> b : buckets.entrySet()) {
                double previousLe = Double.NEGATIVE_INFINITY;
                double previous = 0;
                for (Sample s : b.getValue()) {
                    final String leText = s.labels().get("le");
                    final double le = leText.equals("+Inf") ? Double.POSITIVE_INFINITY : Double.parseDouble(leText);
                    if (le <= previousLe || s.value() < previous) {
                        throw new IllegalArgumentException(name + ": buckets out of order or decreasing at " + s);
                    }
                    previousLe = le;
                    previous = s.value();
                }
                if (previousLe != Double.POSITIVE_INFINITY) {
                    throw new IllegalArgumentException(name + b.getKey() + ": no le=\"+Inf\" bucket");
                }
                final Sample count = find(name + "_count", b.getKey());
                if (count == null || count.value() != previous || find(name + "_sum", b.getKey()) == null) {
                    throw new IllegalArgumentException(name + b.getKey() + ": _count missing or not the +Inf " +
                                                       "bucket, or _sum missing");
                }
            }
        }
    }

    private Sample find(String name, Map<String, String> labels) {
        for (Sample s : samples) {
            if (s.name().equals(name) && new TreeMap<>(s.labels()).equals(new TreeMap<>(labels))) {
                return s;
            }
        }
        return null;
    }

    /** Returns the type of family {@code name} ({@code counter}, {@code gauge}, ...), or {@code null}. */
    public String type(String name) {
        return types.get(name);
    }

    /** Returns every sample, in exposition order. */
    public List<Sample> samples() {
        return Collections.unmodifiableList(samples);
    }

    /** Returns the samples named {@code name} (e.g. {@code siplb_messages_received_total}). */
    public List<Sample> samples(String name) {
        final List<Sample> l = new ArrayList<>();
        for (Sample s : samples) {
            if (s.name().equals(name)) {
                l.add(s);
            }
        }
        return l;
    }

    /**
     * Returns the value of the sample {@code name} whose labels include {@code labels} (name, value pairs), or
     * {@code null} when none does; throws when several do.
     */
    public Double value(String name, String... labels) {
        Double found = null;
        outer:
        for (Sample s : samples(name)) {
            for (int i = 0; i < labels.length; i += 2) {
                if (!labels[i + 1].equals(s.labels().get(labels[i]))) {
                    continue outer;
                }
            }
            if (found != null) {
                throw new IllegalArgumentException("several samples " + name + " match " + List.of(labels));
            }
            found = s.value();
        }
        return found;
    }

    /** Returns the sum of the samples {@code name} whose labels include {@code labels}. */
    public double sum(String name, String... labels) {
        double total = 0;
        outer:
        for (Sample s : samples(name)) {
            for (int i = 0; i < labels.length; i += 2) {
                if (!labels[i + 1].equals(s.labels().get(labels[i]))) {
                    continue outer;
                }
            }
            total += s.value();
        }
        return total;
    }
}
