package io.siplb.proxy.config;

import static java.util.Objects.requireNonNull;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigList;
import com.typesafe.config.ConfigParseOptions;
import com.typesafe.config.ConfigSyntax;
import com.typesafe.config.ConfigValue;
import com.typesafe.config.ConfigValueType;

import io.netty.util.NetUtil;
import io.siplb.proxy.routing.RoutingRules;
import io.siplb.proxy.routing.RoutingRulesLoader;

/**
 * Reads siplb's HOCON configuration: the operator's file over the defaults in {@code reference.conf}. Every error
 * becomes a {@link SiplbConfigException} naming the file, the line or key, and the expected value. Immutable.
 */
public final class SiplbConfigLoader {

    private SiplbConfigLoader() {}

    /**
     * Parses {@code file} (HOCON) with the {@code reference.conf} defaults beneath it and resolves substitutions.
     *
     * @throws SiplbConfigException when the file is missing or unreadable, or is not valid HOCON
     */
    public static Config parse(Path file) {
        requireNonNull(file, "file");
        if (!Files.isRegularFile(file)) {
            throw new SiplbConfigException(file + ": no such file (expected: a readable HOCON configuration file)");
        }
        if (!Files.isReadable(file)) {
            throw new SiplbConfigException(file + ": not readable (expected: a readable HOCON configuration file)");
        }
        try {
            final Config own = ConfigFactory.parseFile(
                    file.toFile(),
                    ConfigParseOptions.defaults().setSyntax(ConfigSyntax.CONF).setAllowMissing(false));
            return own.withFallback(ConfigFactory.defaultReference(SiplbConfigLoader.class.getClassLoader()))
                      .resolve();
        } catch (ConfigException e) {
            // Typesafe Config's messages already start with "FILE: LINE:".
            throw new SiplbConfigException(e.getMessage() + " (expected: valid HOCON)", e);
        }
    }

    /**
     * Reads the proxy's settings (everything under {@code siplb} except {@code siplb.dispatcher}).
     *
     * @param root the resolved configuration from {@link #parse(Path)}
     * @param file the configuration file, named in error messages
     * @throws SiplbConfigException when a key has the wrong type or a value is out of range
     */
    public static ProxySettings proxySettings(Config root, Path file) {
        requireNonNull(root, "root");
        requireNonNull(file, "file");
        final String fileName = file.toString();
        final ProxySettings.Builder b = ProxySettings.builder();
        try {
            readListen(root, fileName, b);

            final int ioThreads = root.getInt("siplb.io.threads");
            try {
                b.ioThreads(ioThreads);
            } catch (IllegalArgumentException e) {
                throw ConfigErrors.at(root, "siplb.io.threads", fileName, ioThreads + " (expected: 0..1024)");
            }
            final String transport = root.getString("siplb.io.transport");
            try {
                b.ioTransport(ProxySettings.IoTransport.valueOf(transport.trim().toUpperCase(Locale.ROOT)));
            } catch (IllegalArgumentException e) {
                throw ConfigErrors.at(root, "siplb.io.transport", fileName,
                                      '"' + transport + "\" (expected: auto, epoll or nio)");
            }

            final long receiveBuffer = root.getBytes("siplb.io.receive-buffer");
            if (receiveBuffer < 0 || receiveBuffer > Integer.MAX_VALUE) {
                throw ConfigErrors.at(root, "siplb.io.receive-buffer", fileName,
                                      receiveBuffer + " (expected: 0 (OS default) .. 2g bytes)");
            }
            final long sendBuffer = root.getBytes("siplb.io.send-buffer");
            if (sendBuffer < 0 || sendBuffer > Integer.MAX_VALUE) {
                throw ConfigErrors.at(root, "siplb.io.send-buffer", fileName,
                                      sendBuffer + " (expected: 0 (OS default) .. 2g bytes)");
            }
            b.socketBuffers((int) receiveBuffer, (int) sendBuffer);

            final int defaultSet = root.getInt("siplb.proxy.default-set");
            if (defaultSet < 0) {
                throw ConfigErrors.at(root, "siplb.proxy.default-set", fileName, defaultSet + " (expected: >= 0)");
            }
            b.defaultSet(defaultSet);
            readAdvertised(root, fileName, b);
            b.recordRoute(root.getBoolean("siplb.proxy.record-route"));
            if (b.advertisedHostOrNull() == null) {
                final List<ListenAddress> listen = b.listenSoFar();
                for (int i = 0; i < listen.size(); i++) {
                    if (listen.get(i).address().getAddress().isAnyLocalAddress()) {
                        throw ConfigErrors.at(root, "siplb.listen", fileName,
                                              "entry " + i + " \"" + listen.get(i) + "\" listens on every " +
                                              "interface (expected: a specific address, or set " +
                                              "siplb.proxy.advertised-address to the address written in Via " +
                                              "and Record-Route)");
                    }
                }
            }

            final Duration retryAfter = root.getDuration("siplb.proxy.retry-after");
            try {
                b.retryAfter(retryAfter);
            } catch (IllegalArgumentException e) {
                throw ConfigErrors.at(root, "siplb.proxy.retry-after", fileName,
                                      retryAfter + " (expected: 0s..1d)");
            }
            readDns(root, fileName, b);
            readTransactions(root, fileName, b);
            readProbing(root, fileName, b);
            readConnections(root, fileName, b);
            final Duration quiet = root.getDuration("siplb.shutdown.quiet-period");
            final Duration timeout = root.getDuration("siplb.shutdown.timeout");
            try {
                b.shutdown(quiet, timeout);
            } catch (IllegalArgumentException e) {
                throw ConfigErrors.at(root, "siplb.shutdown.timeout", fileName,
                                      e.getMessage().replace("timeout: ", ""));
            }
        } catch (ConfigException e) {
            // Wrong type or missing key: Typesafe Config names the file, line and key.
            throw new SiplbConfigException(e.getMessage(), e);
        }
        return b.build();
    }

    /**
     * Reads the routing rules ({@code siplb.routing}); absent or empty, the single rule dispatching to
     * {@code defaultSet}. See {@link RoutingRulesLoader#load(Config, String, int)}.
     *
     * @throws SiplbConfigException naming the file, line, key path, value and the expected value
     */
    public static RoutingRules routingRules(Config root, Path file, int defaultSet) {
        requireNonNull(root, "root");
        requireNonNull(file, "file");
        try {
            return RoutingRulesLoader.load(root, file.toString(), defaultSet);
        } catch (ConfigException e) {
            throw new SiplbConfigException(e.getMessage(), e);
        }
    }

    /**
     * {@code siplb.proxy.mode} and the transaction settings: {@code siplb.proxy.timers.{t1,t2,t4,timer-c}},
     * {@code fr-timeout}, {@code fr-inv-timeout}, {@code failover-codes}, {@code max-attempts},
     * {@code max-transactions}.
     */
    private static void readTransactions(Config root, String fileName, ProxySettings.Builder b) {
        final String mode = root.getString("siplb.proxy.mode");
        try {
            b.mode(ProxySettings.Mode.valueOf(mode.trim().toUpperCase(Locale.ROOT)));
        } catch (IllegalArgumentException e) {
            throw ConfigErrors.at(root, "siplb.proxy.mode", fileName,
                                  '"' + mode + "\" (expected: stateful or stateless)");
        }
        final TransactionSettings.Builder t = TransactionSettings.builder();
        final Duration t1 = root.getDuration("siplb.proxy.timers.t1");
        final Duration t2 = root.getDuration("siplb.proxy.timers.t2");
        final Duration t4 = root.getDuration("siplb.proxy.timers.t4");
        try {
            t.timers(t1, t2, t4);
        } catch (IllegalArgumentException e) {
            final String key = e.getMessage().startsWith("t1") ? "t1" : e.getMessage().startsWith("t2") ? "t2" : "t4";
            throw ConfigErrors.at(root, "siplb.proxy.timers." + key, fileName,
                                  e.getMessage().substring(key.length() + 2));
        }
        applyDuration(root, fileName, "siplb.proxy.timers.timer-c", t::timerC);
        applyDuration(root, fileName, "siplb.proxy.fr-timeout", t::frTimeout);
        applyDuration(root, fileName, "siplb.proxy.fr-inv-timeout", t::frInvTimeout);
        final List<Integer> codes = root.getIntList("siplb.proxy.failover-codes");
        try {
            t.failoverCodes(codes.stream().mapToInt(Integer::intValue).toArray());
        } catch (IllegalArgumentException e) {
            throw ConfigErrors.at(root, "siplb.proxy.failover-codes", fileName,
                                  e.getMessage().substring("failover-codes: ".length()));
        }
        final int maxAttempts = root.getInt("siplb.proxy.max-attempts");
        try {
            t.maxAttempts(maxAttempts);
        } catch (IllegalArgumentException e) {
            throw ConfigErrors.at(root, "siplb.proxy.max-attempts", fileName,
                                  maxAttempts + " (expected: >= 0, 0 = every destination)");
        }
        final int maxTransactions = root.getInt("siplb.proxy.max-transactions");
        try {
            t.maxTransactions(maxTransactions);
        } catch (IllegalArgumentException e) {
            throw ConfigErrors.at(root, "siplb.proxy.max-transactions", fileName,
                                  maxTransactions + " (expected: 1..10000000)");
        }
        b.transactions(t.build());
    }

    /** {@code siplb.connections} and {@code siplb.websocket} (see {@link ConnectionSettings}). */
    private static void readConnections(Config root, String fileName, ProxySettings.Builder b) {
        final String base = "siplb.connections";
        final Config c = root.getConfig(base);
        final java.util.Set<String> keys = java.util.Set.of("connect-timeout", "idle-timeout", "message-timeout",
                                                            "max", "max-per-ip", "write-buffer-low",
                                                            "write-buffer-high", "write-timeout", "max-outbound");
        for (String k : c.root().keySet()) {
            if (!keys.contains(k)) {
                throw ConfigErrors.at(root, base + '.' + k, fileName, "unknown key (expected: one of "
                                      + new java.util.TreeSet<>(keys) + ')');
            }
        }
        final Config w = root.getConfig("siplb.websocket");
        for (String k : w.root().keySet()) {
            if (!k.equals("path") && !k.equals("origins")) {
                throw ConfigErrors.at(root, "siplb.websocket." + k, fileName,
                                      "unknown key (expected: path or origins)");
            }
        }
        try {
            b.connections(new ConnectionSettings(
                    c.getDuration("connect-timeout"), c.getDuration("idle-timeout"), c.getDuration("message-timeout"),
                    c.getInt("max"), c.getInt("max-per-ip"), (int) Math.min(Integer.MAX_VALUE, c.getBytes(
                            "write-buffer-low")), (int) Math.min(Integer.MAX_VALUE, c.getBytes("write-buffer-high")),
                    c.getDuration("write-timeout"), c.getInt("max-outbound"), w.getString("path").trim(),
                    w.getStringList("origins")));
        } catch (IllegalArgumentException e) {
            final String msg = e.getMessage();
            final String key = msg.substring(0, msg.indexOf(':'));
            throw ConfigErrors.at(root, (key.equals("path") ? "siplb.websocket." : base + '.') + key, fileName,
                                  msg.substring(key.length() + 2));
        }
    }

    /** {@code siplb.dispatcher.probing}: keepalive probing (see {@link ProbeSettings}). */
    private static void readProbing(Config root, String fileName, ProxySettings.Builder b) {
        final String base = "siplb.dispatcher.probing";
        final Config p = root.getConfig(base);
        for (String k : p.root().keySet()) {
            if (!java.util.Set.of("interval", "mode", "method", "from", "timeout", "reply-codes",
                                  "failure-threshold", "success-threshold").contains(k)) {
                throw ConfigErrors.at(root, base + '.' + k, fileName, "unknown key (expected: one of interval, "
                                      + "mode, method, from, timeout, reply-codes, failure-threshold, "
                                      + "success-threshold)");
            }
        }
        final String mode = p.getString("mode");
        final ProbeSettings.Mode m;
        try {
            m = ProbeSettings.Mode.valueOf(mode.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw ConfigErrors.at(root, base + ".mode", fileName, '"' + mode + "\" (expected: all, inactive or flagged)");
        }
        try {
            b.probing(new ProbeSettings(p.getDuration("interval"), m, p.getString("method"), p.getString("from"),
                                        p.getDuration("timeout"), p.getString("reply-codes")));
        } catch (IllegalArgumentException e) {
            final String msg = e.getMessage();
            final String key = msg.substring(0, msg.indexOf(':'));
            throw ConfigErrors.at(root, base + '.' + key, fileName, msg.substring(key.length() + 2));
        }
    }

    private static void applyDuration(Config root, String fileName, String key,
                                      java.util.function.Function<Duration, ?> setter) {
        final Duration d = root.getDuration(key);
        try {
            setter.apply(d);
        } catch (IllegalArgumentException e) {
            final String m = e.getMessage();
            throw ConfigErrors.at(root, key, fileName, m.substring(m.indexOf(": ") + 2));
        }
    }

    /** {@code siplb.dns.servers}: IP literals with an optional port (53); {@code siplb.dns.timeout}. */
    private static void readDns(Config root, String fileName, ProxySettings.Builder b) {
        final List<String> servers = root.getStringList("siplb.dns.servers");
        final List<InetSocketAddress> addresses = new ArrayList<>();
        for (int i = 0; i < servers.size(); i++) {
            final String text = servers.get(i).trim();
            final InetSocketAddress a = dnsServer(text);
            if (a == null) {
                throw ConfigErrors.at(root, "siplb.dns.servers", fileName, "entry " + i + " \"" + servers.get(i) +
                                      "\" (expected: IP or IP:PORT, e.g. 192.0.2.53, 192.0.2.53:5353 or " +
                                      "[2001:db8::53]:53)");
            }
            addresses.add(a);
        }
        b.dnsServers(addresses);
        final Duration timeout = root.getDuration("siplb.dns.timeout");
        try {
            b.dnsTimeout(timeout);
        } catch (IllegalArgumentException e) {
            throw ConfigErrors.at(root, "siplb.dns.timeout", fileName, timeout + " (expected: 1ms..60s)");
        }
    }

    /** An IP literal with an optional port (default 53), or {@code null}; never a DNS lookup. */
    private static InetSocketAddress dnsServer(String text) {
        final String[] hostPort = splitHostPort(text);
        if (hostPort == null) {
            return null;
        }
        final int port = hostPort[1] == null ? 53 : portNumber(hostPort[1]);
        final InetAddress ip = NetUtil.createInetAddressFromIpAddressString(hostPort[0]);
        return ip == null || port < 0 ? null : new InetSocketAddress(ip, port);
    }

    /**
     * Splits {@code HOST[:PORT]}, an IPv6 literal in brackets or, without a port, bare: {host without brackets,
     * port text or {@code null}}, or {@code null} when something other than ":PORT" follows the brackets.
     */
    private static String[] splitHostPort(String text) {
        if (text.startsWith("[")) {
            final int close = text.indexOf(']');
            if (close < 0) {
                return null;
            }
            final String rest = text.substring(close + 1);
            if (!rest.isEmpty() && rest.charAt(0) != ':') {
                return null;
            }
            return new String[] { text.substring(1, close), rest.isEmpty() ? null : rest.substring(1) };
        }
        final int colon = text.indexOf(':');
        if (colon < 0 || colon != text.lastIndexOf(':')) {
            return new String[] { text, null }; // no port, or a bare IPv6 literal
        }
        return new String[] { text.substring(0, colon), text.substring(colon + 1) };
    }

    /** A port 1..65535, or -1. */
    private static int portNumber(String text) {
        try {
            final int p = Integer.parseInt(text);
            return p >= 1 && p <= 65535 ? p : -1;
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    private static void readListen(Config root, String fileName, ProxySettings.Builder b) {
        final String key = "siplb.listen";
        final ConfigValue raw = root.getValue(key);
        final List<ConfigValue> entries;
        if (raw.valueType() == ConfigValueType.STRING) {
            entries = List.of(raw);
        } else if (raw.valueType() == ConfigValueType.LIST) {
            entries = (ConfigList) raw;
        } else {
            throw ConfigErrors.at(raw, key, fileName,
                                  raw.valueType().name().toLowerCase(Locale.ROOT) +
                                  " (expected: a list of strings like [\"udp:127.0.0.1:5060\"])");
        }
        if (entries.isEmpty()) {
            throw ConfigErrors.at(raw, key, fileName, "[] (expected: at least one udp:HOST:PORT)");
        }
        for (int i = 0; i < entries.size(); i++) {
            final ConfigValue v = entries.get(i);
            final String elementKey = key + '[' + i + ']';
            if (v.valueType() != ConfigValueType.STRING) {
                throw ConfigErrors.at(v, elementKey, fileName,
                                      v.render() + " (expected: a string like \"udp:127.0.0.1:5060\")");
            }
            final String text = (String) v.unwrapped();
            final ListenAddress address;
            try {
                address = ListenAddress.parse(text.trim());
            } catch (IllegalArgumentException e) {
                throw ConfigErrors.at(v, elementKey, fileName, e.getMessage());
            }
            if (b.listenSoFar().contains(address)) {
                throw ConfigErrors.at(v, elementKey, fileName, '"' + text + "\" is listed twice (expected: each "
                                      + "transport and address once)");
            }
            b.addListen(address);
        }
    }

    private static void readAdvertised(Config root, String fileName, ProxySettings.Builder b) {
        final String key = "siplb.proxy.advertised-address";
        if (!root.hasPath(key)) {
            return;
        }
        final String text = root.getString(key).trim();
        if (text.isEmpty()) {
            return;
        }
        final String expected = " (expected: HOST or HOST:PORT, IPv6 in brackets, e.g. sip.example.com:5060)";
        final String[] hostPort = splitHostPort(text);
        if (hostPort == null) {
            throw ConfigErrors.at(root, key, fileName, '"' + text + '"' + expected);
        }
        // Via and Record-Route carry an IPv6 literal in brackets.
        final String host = text.startsWith("[") || hostPort[0].indexOf(':') >= 0 ? '[' + hostPort[0] + ']'
                                                                                  : hostPort[0];
        final int port = hostPort[1] == null ? -1 : parsePort(root, key, fileName, text, hostPort[1], expected);
        if (host.isEmpty() || host.chars().anyMatch(c -> c <= ' ' || c == ';' || c == '>' || c == '<')) {
            throw ConfigErrors.at(root, key, fileName, '"' + text + '"' + expected);
        }
        b.advertisedAddress(host, port);
    }

    private static int parsePort(Config root, String key, String fileName, String text, String portText,
                                 String expected) {
        final int port = portNumber(portText);
        if (port > 0) {
            return port;
        }
        throw ConfigErrors.at(root, key, fileName, '"' + text + "\": port '" + portText + "' (expected: 1..65535)" +
                                                   expected);
    }
}
