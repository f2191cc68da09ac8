package io.siplb.proxy.cli;

import java.io.IOException;
import java.io.PrintStream;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigParseOptions;
import com.typesafe.config.ConfigSyntax;

import io.siplb.proxy.admin.AdminSettings;
import io.siplb.proxy.config.ListenAddress;
import io.siplb.proxy.config.SiplbConfig;

/**
 * {@code siplb ctl VERB ...}: drives a running siplb through its admin API (as {@code kamcmd dispatcher.*} drives
 * Kamailio) and prints readable tables, or with {@code --json} the API's JSON for scripts. Verbs: {@code list},
 * {@code reload}, {@code set-state}, {@code add}, {@code remove}, {@code ping}, {@code hash}, {@code select}.
 *
 * <p>The API is found by {@code --admin URL}; else by {@code -c FILE} (that configuration's
 * {@code siplb.admin.listen} and {@code siplb.admin.token}, loaded as {@code siplb run} loads it); else at
 * {@code http://127.0.0.1:9460}. The token is {@code --token}, else the file's, else {@code $SIPLB_ADMIN_TOKEN}.
 * Exit status 0 on success; 1 when siplb cannot be reached or answers an error (the message names the URL, and a
 * 401 says whether the token was missing or wrong), or a selection picks nothing; 2 for a usage or configuration
 * error. Static methods only. Immutable.
 */
final class CtlCommand {

    static final String USAGE_LINE = "ctl list|reload|set-state|add|remove|ping|hash|select";

    private static final List<String> VALUED = List.of("--admin", "-c", "--token", "--set", "--duid", "--reason",
                                                       "--algorithm", "--slots", "--key", "--request", "--source");
    private static final List<String> FLAGS = List.of("--json");

    private CtlCommand() {}

    /** Where the API is and the token to send. Immutable. */
    static final class Target {
        final String base;
        final String token;

        Target(String base, String token) {
            this.base = base;
            this.token = token;
        }
    }

    static int run(List<String> args, PrintStream out, PrintStream err, Map<String, String> env) {
        if (args.isEmpty()) {
            throw new UsageException("ctl: no verb given (expected: " + USAGE_LINE + ")");
        }
        final String verb = args.get(0);
        final Map<String, String> o = Options.parse("ctl " + verb, args.subList(1, args.size()), VALUED, FLAGS);
        final boolean json = o.containsKey("--json");
        final Target target = target(o, env);
        final int n = Options.positionalCount(o);
        switch (verb) {
            case "list": {
                positional(verb, o, 0, 0, "[--set ID]");
                final String path = "/api/sets" + (o.containsKey("--set") ? "?set=" + enc(o.get("--set")) : "");
                return call(target, "GET", path, null, out, err, json, CtlCommand::printList);
            }
            case "reload":
                positional(verb, o, 0, 0, "");
                return call(target, "POST", "/api/reload", null, out, err, json,
                            (r, p) -> p.println(r.get("message")));
            case "set-state": {
                positional(verb, o, 1, 3, "STATE SET URI | STATE --duid DUID [--set SET]");
                final Json body = new Json().add("state", o.get("0"));
                if (o.containsKey("--duid")) {
                    if (n != 1) {
                        throw new UsageException("ctl set-state: --duid goes with STATE only (expected: set-state "
                                                 + "STATE --duid DUID [--set SET])");
                    }
                    body.add("duid", o.get("--duid"));
                    if (o.containsKey("--set")) {
                        body.add("set", integer("--set", o.get("--set")));
                    }
                } else {
                    if (n != 3) {
                        throw new UsageException("ctl set-state: " + n + " argument(s) (expected: set-state STATE "
                                                 + "SET URI, or set-state STATE --duid DUID)");
                    }
                    body.add("set", integer("SET", o.get("1"))).add("uri", o.get("2"));
                }
                if (o.containsKey("--reason")) {
                    body.add("reason", o.get("--reason"));
                }
                return call(target, "POST", "/api/destination/state", body.toString(), out, err, json,
                            (r, p) -> p.println("set " + r.get("set") + " " + r.get("uri") + ": " + r.get("from")
                                                + " -> " + r.get("to") + " (" + r.get("kamailio") + ")"));
            }
            case "add": {
                positional(verb, o, 2, 5, "SET URI [FLAGS [PRIORITY [ATTRS]]] [--algorithm NAME]");
                final Json body = new Json().add("set", integer("SET", o.get("0"))).add("uri", o.get("1"));
                if (n > 2) {
                    body.add("flags", integer("FLAGS", o.get("2")));
                }
                if (n > 3) {
                    body.add("priority", integer("PRIORITY", o.get("3")));
                }
                if (n > 4) {
                    body.add("attrs", o.get("4"));
                }
                if (o.containsKey("--algorithm")) {
                    body.add("algorithm", o.get("--algorithm"));
                }
                return call(target, "POST", "/api/destination/add", body.toString(), out, err, json,
                            (r, p) -> p.println("added " + r.get("uri") + " to set " + r.get("set") + " ("
                                                + r.get("state") + "; " + r.get("destinations")
                                                + " destination(s))"));
            }
            case "remove": {
                positional(verb, o, 0, 2, "SET URI | --duid DUID [--set SET]");
                final Json body = new Json();
                if (o.containsKey("--duid")) {
                    if (n != 0) {
                        throw new UsageException("ctl remove: --duid goes alone (expected: remove --duid DUID "
                                                 + "[--set SET])");
                    }
                    body.add("duid", o.get("--duid"));
                    if (o.containsKey("--set")) {
                        body.add("set", integer("--set", o.get("--set")));
                    }
                } else {
                    if (n != 2) {
                        throw new UsageException("ctl remove: " + n + " argument(s) (expected: remove SET URI, or "
                                                 + "remove --duid DUID)");
                    }
                    body.add("set", integer("SET", o.get("0"))).add("uri", o.get("1"));
                }
                return call(target, "POST", "/api/destination/remove", body.toString(), out, err, json,
                            (r, p) -> p.println("removed " + r.get("uri") + " from set " + r.get("set") + " ("
                                                + r.get("destinations") + " destination(s) left)"));
            }
            case "ping": {
                positional(verb, o, 0, 1, "[on|off]");
                if (n == 0) {
                    return call(target, "GET", "/api/probing", null, out, err, json, CtlCommand::printProbing);
                }
                final String v = o.get("0").toLowerCase(Locale.ROOT);
                if (!v.equals("on") && !v.equals("off")) {
                    throw new UsageException("ctl ping: '" + o.get("0") + "' (expected: on or off)");
                }
                return call(target, "POST", "/api/probing", new Json().add("enabled", v.equals("on")).toString(),
                            out, err, json, CtlCommand::printProbing);
            }
            case "hash": {
                positional(verb, o, 1, 2, "--slots N VALUE [VALUE2]");
                if (!o.containsKey("--slots")) {
                    throw new UsageException("ctl hash: --slots N is required (expected: ctl hash --slots N VALUE "
                                             + "[VALUE2])");
                }
                final String path = "/api/hash?slots=" + enc(o.get("--slots")) + "&value=" + enc(o.get("0"))
                                    + (n > 1 ? "&value2=" + enc(o.get("1")) : "");
                return call(target, "GET", path, null, out, err, json, (r, p) -> p.print(r.get("text")));
            }
            case "select": {
                positional(verb, o, 0, 0, "--set ID --key KEY [--algorithm NAME] | --request FILE "
                                          + "[--source IP:PORT]");
                final Json body = new Json();
                if (o.containsKey("--request")) {
                    final Path file = Paths.get(o.get("--request"));
                    try {
                        body.add("request", Files.readString(file, StandardCharsets.UTF_8));
                    } catch (IOException e) {
                        throw new UsageException("ctl select: --request " + file + ": " + e.getMessage()
                                                 + " (expected: a readable file holding one SIP request)");
                    }
                    if (o.containsKey("--source")) {
                        body.add("source", o.get("--source"));
                    }
                } else {
                    if (!o.containsKey("--set") || !o.containsKey("--key")) {
                        throw new UsageException("ctl select: --set ID and --key KEY are required (or --request "
                                                 + "FILE)");
                    }
                    body.add("set", integer("--set", o.get("--set"))).add("key", o.get("--key"));
                    if (o.containsKey("--algorithm")) {
                        body.add("algorithm", o.get("--algorithm"));
                    }
                }
                final int[] picked = { Main.EXIT_OK };
                final int status = call(target, "POST", "/api/select", body.toString(), out, err, json, (r, p) -> {
                    p.print(r.get("text"));
                    if (Boolean.FALSE.equals(r.get("forwarded")) || r.containsKey("status")
                                                                    && r.get("selected") == null) {
                        picked[0] = Main.EXIT_FAILED;
                    }
                });
                return status != Main.EXIT_OK ? status : picked[0];
            }
            default:
                throw new UsageException("ctl: unknown verb '" + verb + "' (expected: " + USAGE_LINE + ")");
        }
    }

    private static void positional(String verb, Map<String, String> o, int min, int max, String expected) {
        final int n = Options.positionalCount(o);
        if (n < min || n > max) {
            throw new UsageException("ctl " + verb + ": " + n + " argument(s) (expected: ctl " + verb
                                     + (expected.isEmpty() ? "" : " " + expected) + ")");
        }
    }

    private static long integer(String name, String text) {
        try {
            return Long.parseLong(text.trim());
        } catch (NumberFormatException e) {
            throw new UsageException("ctl: " + name + " '" + text + "' (expected: an integer)");
        }
    }

    private static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }

    /**
     * Finds the API: {@code --admin URL}; else {@code -c FILE}'s {@code siplb.admin.listen} and token; else
     * {@value AdminSettings#DEFAULT_LISTEN}.
     */
    static Target target(Map<String, String> o, Map<String, String> env) {
        String token = o.get("--token");
        final String base;
        if (o.containsKey("--admin")) {
            final String url = o.get("--admin").trim();
            final URI uri;
            try {
                uri = URI.create(url);
            } catch (IllegalArgumentException e) {
                throw new UsageException("ctl: --admin '" + url + "' (expected: a URL, e.g. http://127.0.0.1:9460)");
            }
            if (!"http".equalsIgnoreCase(uri.getScheme()) || uri.getHost() == null) {
                throw new UsageException("ctl: --admin '" + url + "' (expected: an http:// URL, e.g. "
                                         + "http://127.0.0.1:9460)");
            }
            base = url.endsWith("/") ? url.substring(0, url.length() - 1) : url;
        } else if (o.containsKey("-c")) {
            final Path file = Paths.get(o.get("-c"));
            final SiplbConfig config = SiplbConfig.load(file);
            final AdminSettings admin = config.admin();
            if (!admin.isEnabled()) {
                throw new UsageException("ctl: " + file + " turns the admin listener off (siplb.admin.listen = "
                                         + "\"\") (expected: a listen address, or --admin URL)");
            }
            final InetSocketAddress listen = admin.listen();
            if (listen.getPort() == 0) {
                throw new UsageException("ctl: " + file + ": siplb.admin.listen has port 0, chosen at start "
                                         + "(expected: a fixed port, or --admin URL)");
            }
            base = "http://" + ListenAddress.hostPort(connectable(listen));
            if (token == null) {
                final String t = config.root().getString("siplb.admin.token");
                token = t.isEmpty() ? null : t;
            }
        } else {
            base = "http://" + AdminSettings.DEFAULT_LISTEN;
        }
        if (token == null) {
            final String t = env.get("SIPLB_ADMIN_TOKEN");
            token = t == null || t.isEmpty() ? null : t;
        }
        return new Target(base, token);
    }

    /** A wildcard listen address is reached over loopback of the same family. */
    private static InetSocketAddress connectable(InetSocketAddress listen) {
        final InetAddress a = listen.getAddress();
        if (a != null && a.isAnyLocalAddress()) {
            return new InetSocketAddress(a instanceof java.net.Inet6Address ? "::1" : "127.0.0.1",
                                         listen.getPort());
        }
        return listen;
    }

    /** Prints a successful answer's fields; called on the thread running the command. */
    @FunctionalInterface
    interface Printer {
        void print(Map<String, Object> answer, PrintStream out);
    }

    private static int call(Target t, String method, String path, String body, PrintStream out, PrintStream err,
                            boolean json, Printer printer) {
        final String url = t.base + path;
        final HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url))
                .timeout(Duration.ofSeconds(30))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                                             : HttpRequest.BodyPublishers.ofString(body));
        if (body != null) {
            b.header("Content-Type", "application/json");
        }
        if (t.token != null) {
            b.header("Authorization", "Bearer " + t.token);
        }
        final HttpResponse<String> r;
        try {
            final HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
            r = client.send(b.build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
        } catch (ConnectException e) {
            err.println("siplb: ctl: cannot connect to " + t.base + " (connection refused): is siplb running with "
                        + "its admin listener there? (expected: siplb.admin.listen of the running siplb; give "
                        + "--admin URL or -c FILE)");
            return Main.EXIT_FAILED;
        } catch (HttpConnectTimeoutException e) {
            err.println("siplb: ctl: cannot connect to " + t.base + " (no answer within 5 s)");
            return Main.EXIT_FAILED;
        } catch (HttpTimeoutException e) {
            err.println("siplb: ctl: " + method + " " + url + ": no response within 30 s");
            return Main.EXIT_FAILED;
        } catch (IOException e) {
            err.println("siplb: ctl: " + method + " " + url + " failed: " + e);
            return Main.EXIT_FAILED;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            err.println("siplb: ctl: interrupted");
            return Main.EXIT_FAILED;
        }
        final Map<String, Object> answer = parse(r.body());
        if (r.statusCode() == 401) {
            err.println("siplb: ctl: " + url + ": 401 Unauthorized: "
                        + (t.token == null ? "no token was sent and this siplb requires one (expected: --token, "
                                             + "-c FILE with siplb.admin.token, or $SIPLB_ADMIN_TOKEN)"
                                           : "the token is wrong (expected: the running siplb's siplb.admin.token)"));
            return Main.EXIT_FAILED;
        }
        if (r.statusCode() != 200 || answer == null) {
            if (json && answer != null) {
                out.println(r.body());
            }
            final Object error = answer != null ? answer.get("error") : null;
            err.println("siplb: ctl: " + method + " " + path + ": " + r.statusCode() + ": "
                        + (error != null ? error : "unexpected answer from " + t.base + ": " + abbreviate(r.body())));
            return Main.EXIT_FAILED;
        }
        if (json) {
            out.println(r.body());
        } else {
            printer.print(answer, out);
        }
        return Main.EXIT_OK;
    }

    private static Map<String, Object> parse(String text) {
        if (!text.strip().startsWith("{")) {
            return null;
        }
        try {
            return ConfigFactory.parseString(text, ConfigParseOptions.defaults().setSyntax(ConfigSyntax.JSON))
                                .root().unwrapped();
        } catch (ConfigException e) {
            return null;
        }
    }

    private static String abbreviate(String s) {
        return s.length() > 200 ? s.substring(0, 200) + "..." : s;
    }

    // ---- tables -----------------------------------------------------------------------------------------------

    @SuppressWarnings("unchecked")
    static void printList(Map<String, Object> answer, PrintStream out) {
        final List<String[]> rows = new ArrayList<>();
        rows.add(new String[] { "SET", "URI", "FLAGS", "PRIO", "STATE", "LATENCY avg/est/max ms", "CALLS", "SHARE",
                                "WEIGHT", "DUID" });
        for (Map<String, Object> set : (List<Map<String, Object>>) answer.get("sets")) {
            for (Map<String, Object> d : (List<Map<String, Object>>) set.get("destinations")) {
                final Map<String, Object> l = (Map<String, Object>) d.get("latency");
                final String latency = l == null || ((Number) l.get("count")).longValue() == 0
                                       ? "-"
                                       : ms(l.get("avg")) + "/" + ms(l.get("est")) + "/" + ms(l.get("max"));
                final Object share = d.get("share");
                rows.add(new String[] {
                        String.valueOf(set.get("id")), String.valueOf(d.get("uri")), String.valueOf(d.get("kamailio")),
                        String.valueOf(d.get("priority")), String.valueOf(d.get("state")), latency,
                        String.valueOf(d.get("activeCalls")),
                        share instanceof Number
                        ? String.format(Locale.ROOT, "%.1f%%", ((Number) share).doubleValue() * 100) : "-",
                        String.valueOf(d.get("weight")), d.get("duid") != null ? String.valueOf(d.get("duid")) : "-" });
            }
        }
        final int[] width = new int[rows.get(0).length];
        for (String[] row : rows) {
            for (int i = 0; i < row.length; i++) {
                width[i] = Math.max(width[i], row[i].length());
            }
        }
        for (String[] row : rows) {
            final StringBuilder sb = new StringBuilder();
            for (int i = 0; i < row.length; i++) {
                sb.append(row[i]);
                if (i < row.length - 1) {
                    sb.append(" ".repeat(width[i] - row[i].length() + 2));
                }
            }
            out.println(sb.toString().stripTrailing());
        }
        final List<Map<String, Object>> sets = (List<Map<String, Object>>) answer.get("sets");
        for (Map<String, Object> set : sets) {
            out.println("set " + set.get("id") + ": " + set.get("algorithm") + " (" + set.get("kamailioAlgorithm")
                        + "), " + ((List<?>) set.get("destinations")).size() + " destination(s), " + set.get("active")
                        + " active");
        }
        final Map<String, Object> probing = (Map<String, Object>) answer.get("probing");
        if (probing != null) {
            out.print("probing: ");
            printProbing(probing, out);
        }
    }

    private static String ms(Object v) {
        return v instanceof Number ? String.format(Locale.ROOT, "%.1f", ((Number) v).doubleValue()) : "-";
    }

    static void printProbing(Map<String, Object> p, PrintStream out) {
        final Object why = p.get("why");
        out.println((Boolean.TRUE.equals(p.get("enabled")) ? "on" : "off") + " ("
                    + (why != null ? why : "mode " + p.get("mode") + ", " + p.get("method") + " every "
                                           + p.get("interval")) + ")");
    }
}
