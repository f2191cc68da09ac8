package io.siplb.proxy.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import io.siplb.proxy.config.SiplbConfig;
import io.siplb.proxy.lifecycle.SiplbServer;

/**
 * Starts siplb in-process from a HOCON text written to a file, listening on an ephemeral port of 127.0.0.1. Static
 * methods only. Immutable.
 */
public final class TestServers {

    private TestServers() {}

    /**
     * Returns a config text of a stateless siplb listening on 127.0.0.1:0 with two I/O threads, followed by
     * {@code extra}.
     */
    public static String config(String extra) {
        return "siplb.proxy.mode = stateless\n" + statefulConfig(extra);
    }

    /**
     * Returns a config text of a stateful siplb (the default mode) listening on 127.0.0.1:0 with two I/O threads and
     * its admin listener on an ephemeral port of 127.0.0.1, followed by {@code extra}. Keepalive probing is off
     * ({@code probing.interval = 0s}) so that the test peers see only the traffic a test sends; tests of probing set
     * an interval in {@code extra}.
     */
    public static String statefulConfig(String extra) {
        return "siplb {\n" +
               "  listen = [\"udp:127.0.0.1:0\"]\n" +
               "  io.threads = 2\n" +
               "  admin.listen = \"127.0.0.1:0\"\n" +
               "  shutdown { quiet-period = 0ms, timeout = 2s }\n" +
               "  dispatcher.probing.interval = 0s\n" +
               "}\n" + extra + '\n';
    }

    /** Returns the dispatcher section with set 1 (hash-call-id) pointing at the given peers. */
    public static String set1(SipPeer... destinations) {
        final int[] ports = new int[destinations.length];
        for (int i = 0; i < destinations.length; i++) {
            ports[i] = destinations[i].port();
        }
        return set1(ports);
    }

    /** Returns the dispatcher section with set 1 (hash-call-id) pointing at the given JAIN-SIP agents. */
    public static String set1(JainSipAgent... destinations) {
        final int[] ports = new int[destinations.length];
        for (int i = 0; i < destinations.length; i++) {
            ports[i] = destinations[i].port();
        }
        return set1(ports);
    }

    /** Returns the dispatcher section with set 1 (hash-call-id) pointing at the given ports of 127.0.0.1. */
    public static String set1(int... ports) {
        final StringBuilder sb = new StringBuilder("siplb.dispatcher.sets = [ { id = 1, algorithm = hash-call-id, " +
                                                   "destinations = [");
        for (int i = 0; i < ports.length; i++) {
            if (i > 0) {
                sb.append(", ");
            }
            sb.append("\"sip:127.0.0.1:").append(ports[i]).append('"');
        }
        return sb.append("] } ]").toString();
    }

    /**
     * Writes {@code text} to {@code dir/siplb.conf}, loads it and starts siplb; unless {@code text} sets
     * {@code admin.listen}, the admin listener goes on an ephemeral port of 127.0.0.1 (appended, so line numbers in
     * errors stay those of {@code text}), never on the default 9460 another siplb of the machine may hold.
     */
    public static SiplbServer start(Path dir, String text) {
        final Path file = dir.resolve("siplb.conf");
        final String withAdmin = text.contains("admin.listen") ? text
                                                               : text + "\nsiplb.admin.listen = \"127.0.0.1:0\"\n";
        try {
            Files.write(file, withAdmin.getBytes(StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return SiplbServer.start(SiplbConfig.load(file));
    }

    /** Returns the first listener address of {@code server}. */
    public static InetSocketAddress address(SiplbServer server) {
        return server.localAddresses().get(0);
    }
}
