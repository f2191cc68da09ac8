package io.siplb.proxy.cli;

import java.io.IOException;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.siplb.codec.SipMessage;
import io.siplb.codec.SipMessageParser;
import io.siplb.dispatch.Destination;
import io.siplb.dispatch.Dispatcher;
import io.siplb.dispatch.Transport;
import io.siplb.proxy.config.ListenAddress;
import io.siplb.proxy.config.ProxySettings;
import io.siplb.proxy.config.SiplbConfig;
import io.siplb.proxy.core.OwnAddresses;
import io.siplb.proxy.routing.RequestRouter;
import io.siplb.proxy.routing.RoutingRules;
import io.siplb.proxy.routing.RoutingDecision;

/**
 * {@code siplb select -c FILE --request REQFILE [--source IP:PORT]}: routes the request in REQFILE as siplb
 * configured by FILE would, without sockets, and prints which routing rule matched and where the request would go:
 * the answer siplb would send, the next hop a Route or the Request-URI names, or the set, algorithm, selected
 * destination and failover list. A request file with bare LF line ends is read with CRLF. Exit status 1 when the
 * request would be answered instead of forwarded. Static methods only. Immutable.
 */
public final class RequestSelect {

    private RequestSelect() {}

    static int run(Map<String, String> o, PrintStream out) {
        final String file = o.get("-c");
        if (file == null) {
            throw new UsageException("select: -c FILE is required with --request");
        }
        final SiplbConfig config = SiplbConfig.load(Paths.get(file));
        final Path requestFile = Paths.get(o.get("--request"));
        final byte[] bytes;
        try {
            bytes = withCrlf(Files.readAllBytes(requestFile));
        } catch (IOException e) {
            throw new UsageException("select: --request " + requestFile + ": " + e.getMessage() +
                                     " (expected: a readable file holding one SIP request)");
        }
        final InetSocketAddress source = source(o.get("--source"));
        final Dispatcher dispatcher = Dispatcher.create(config.dispatcher());
        final List<InetSocketAddress> listen = new ArrayList<>();
        for (ListenAddress l : config.proxy().listen()) {
            listen.add(l.address());
        }
        final OwnAddresses own = new OwnAddresses(listen, config.proxy().advertisedHost(),
                                                  config.proxy().advertisedPort());
        return route(bytes, source, dispatcher, config.routing(), own, config.proxy().mode(), out);
    }

    /**
     * Routes the request in {@code bytes} (CRLF line ends) from {@code source} as a siplb with {@code dispatcher},
     * {@code rules}, addresses {@code own} and {@code mode} would, and prints the outcome to {@code out} as
     * {@code siplb select --request} does; the admin API calls it with the running siplb's dispatcher and rules.
     * Sends nothing and changes no state but round-robin positions of {@code dispatcher}.
     *
     * @return {@link Main#EXIT_OK} when the request would be forwarded, else {@link Main#EXIT_FAILED}
     */
    public static int route(byte[] bytes, InetSocketAddress source, Dispatcher dispatcher, RoutingRules rules,
                            OwnAddresses own, ProxySettings.Mode mode, PrintStream out) {
        final boolean stateless = mode == ProxySettings.Mode.STATELESS;
        final RequestRouter router = new RequestRouter(dispatcher, () -> rules, () -> own, stateless,
                                                       EnumSet.of(Transport.UDP));
        final ByteBuf buf = Unpooled.wrappedBuffer(bytes);
        final SipMessage msg = new SipMessageParser().parse(buf);
        buf.release();
        try {
            if (!msg.decoderResult().isSuccess() || !msg.isRequest()) {
                out.println("request: not a valid request: " + msg.errorText());
                out.println("siplb would answer " + (msg.errorStatus() > 0 ? msg.errorStatus() : "nothing (drop)"));
                return Main.EXIT_FAILED;
            }
            out.println("request: " + msg.methodName() + ' ' + msg.requestUri() + " (Call-ID " + msg.callId() +
                        ") from " + ListenAddress.hostPort(source));
            out.println("mode: " + mode.name().toLowerCase(java.util.Locale.ROOT));
            final RoutingDecision d = router.route(msg, source);
            if (d instanceof RoutingDecision.Reject) {
                final RoutingDecision.Reject r = (RoutingDecision.Reject) d;
                out.println("answer: " + r.status() + (r.reasonPhrase() != null ? " " + r.reasonPhrase() : "") +
                            (r.reason() != null ? " (" + r.reason().metricName() + ')' : ""));
                final var rule = rules.match(msg, source, dispatcher.snapshot());
                if (rule != null && rule.action() instanceof io.siplb.proxy.routing.RuleAction.Reject) {
                    out.println("rule: " + rule.key() + " (" + rule.origin() + ')');
                }
                return Main.EXIT_FAILED;
            }
            if (d instanceof RoutingDecision.Forward) {
                final RoutingDecision.Forward f = (RoutingDecision.Forward) d;
                out.println("next hop: " + ListenAddress.hostPort(f.hop().address()) + ' ' +
                            f.hop().transport().uriName() + " (named by the request: Route or Request-URI)");
                return Main.EXIT_OK;
            }
            if (d instanceof RoutingDecision.Lookup) {
                final RoutingDecision.Lookup l = (RoutingDecision.Lookup) d;
                out.println("next hop: " + l.name() + " (looked up in DNS when the request arrives)");
                return Main.EXIT_OK;
            }
            final RoutingDecision.Dispatch dispatch = (RoutingDecision.Dispatch) d;
            out.println("rule: " + dispatch.rule().key() + " (" + dispatch.rule().origin() + ')');
            out.println("set " + dispatch.action().setId() + ", algorithm " + dispatch.algorithm().configName());
            final List<Destination> ds = dispatch.selection().destinations();
            out.println((dispatch.selection().isParallel() ? "forked to: " : "selected: ") + describe(ds.get(0)));
            if (ds.size() > 1) {
                out.println(dispatch.selection().isParallel() ? "and:" : "failover:");
                for (int i = 1; i < ds.size(); i++) {
                    out.println("  " + i + ". " + describe(ds.get(i)));
                }
            }
            return Main.EXIT_OK;
        } finally {
            msg.release();
        }
    }

    private static String describe(Destination d) {
        final InetSocketAddress a = d.address();
        return d.uri() + (a != null && !a.isUnresolved() ? " (" + ListenAddress.hostPort(a) + ' '
                                                               + d.transport().uriName() + ')' : "");
    }

    /**
     * Parses {@code IP:PORT} (IPv6 in brackets; port 5060 when absent), {@code null} for 127.0.0.1:5060.
     *
     * @throws UsageException naming the text and the expected form
     */
    public static InetSocketAddress source(String text) {
        if (text == null) {
            return new InetSocketAddress("127.0.0.1", 5060);
        }
        final int colon = text.lastIndexOf(':');
        try {
            final String host = colon > 0 ? text.substring(0, colon) : text;
            final int port = colon > 0 ? Integer.parseInt(text.substring(colon + 1)) : 5060;
            final InetSocketAddress a = new InetSocketAddress(
                    io.netty.util.NetUtil.createInetAddressFromIpAddressString(
                            host.startsWith("[") ? host.substring(1, host.length() - 1) : host), port);
            if (a.getAddress() == null) {
                throw new IllegalArgumentException(text);
            }
            return a;
        } catch (RuntimeException e) {
            throw new UsageException("select: --source '" + text + "' (expected: IP:PORT, e.g. 192.0.2.7:5060)");
        }
    }

    /** Returns {@code bytes} with every bare LF of the header block written CRLF (files edited by hand). */
    public static byte[] withCrlf(byte[] bytes) {
        final java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream(bytes.length + 64);
        for (int i = 0; i < bytes.length; i++) {
            if (bytes[i] == '\n' && (i == 0 || bytes[i - 1] != '\r')) {
                out.write('\r');
            }
            out.write(bytes[i]);
        }
        return out.toByteArray();
    }
}
