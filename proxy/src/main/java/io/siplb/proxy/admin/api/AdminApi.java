package io.siplb.proxy.admin.api;

import static java.util.Objects.requireNonNull;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.StringJoiner;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.function.Consumer;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.siplb.dispatch.Algorithm;
import io.siplb.dispatch.Destination;
import io.siplb.dispatch.DestinationAttributes;
import io.siplb.dispatch.DestinationSet;
import io.siplb.dispatch.DispatchSnapshot;
import io.siplb.dispatch.Dispatcher;
import io.siplb.dispatch.DispatcherSettings;
import io.siplb.dispatch.KamailioHash;
import io.siplb.dispatch.Selection;
import io.siplb.dispatch.SelectionKey;
import io.siplb.dispatch.cli.DispatchCommands;
import io.siplb.dispatch.state.DestinationCounters;
import io.siplb.dispatch.state.DestinationState;
import io.siplb.dispatch.state.HealthState;
import io.siplb.dispatch.state.HealthTransition;
import io.siplb.dispatch.state.LatencyStats;
import io.siplb.proxy.admin.AdminRequest;
import io.siplb.proxy.admin.AdminResponse;
import io.siplb.proxy.admin.AdminRouter;
import io.siplb.proxy.cli.Json;
import io.siplb.proxy.cli.RequestSelect;
import io.siplb.proxy.config.ListenAddress;
import io.siplb.proxy.config.ProbeSettings;
import io.siplb.proxy.config.ProxySettings;
import io.siplb.proxy.core.ProxyContext;

/**
 * The admin JSON API and the status page on the admin listener (routes in {@code proxy/README.md}, "Admin API"):
 * <ul>
 *   <li>{@code GET /}: the status page (open: it holds no data; what it shows comes from {@code /api/sets});</li>
 *   <li>{@code GET /api/sets}: sets and destinations with Kamailio's state letters and siplb's state, weights,
 *       latency, active calls, share of traffic and transition history;</li>
 *   <li>{@code POST /api/destination/state}, {@code /api/destination/add}, {@code /api/destination/remove}:
 *       operator state (active, inactive, disabled, draining) and run-time destinations (Kamailio's
 *       {@code dispatcher.set_state}, {@code dispatcher.add}, {@code dispatcher.remove});</li>
 *   <li>{@code GET|POST /api/probing}: keepalive probing on or off ({@code dispatcher.ping_active});</li>
 *   <li>{@code GET /api/hash}, {@code GET|POST /api/select}: what {@code siplb hash} and {@code siplb select}
 *       print, against the running configuration and destination states;</li>
 *   <li>{@code POST /api/reload}: reload the configuration ({@link Reloader}).</li>
 * </ul>
 * Every {@code /api} route needs the bearer token when one is configured. Parameters come from a JSON object body,
 * or from the query string when the body is empty; a bad request gets a 4xx {@code {"error": "..."}} naming the
 * parameter and the expected value.
 *
 * <p>A destination added or removed here lives until the next configuration reload, which replaces the sets with
 * the file's (as Kamailio's {@code dispatcher.add} lasts until {@code dispatcher.reload}); destinations that remain
 * keep their runtime state through both.
 *
 * <p>Thread-safety: reads run on the admin event loop and take one dispatcher snapshot each. Work that may block or
 * rebuild selection tables (state changes, add, remove, select, reload; a URI with a host name is resolved when
 * added) runs on {@code worker}, one task at a time in arrival order, and answers through
 * {@link AdminResponse#later}; state changes go through the engine's thread-safe APIs
 * ({@link DestinationState#setAdminState}, {@link Dispatcher#reload(DispatcherSettings)}). Thread-safe.
 */
public final class AdminApi {

    private static final Logger logger = LoggerFactory.getLogger(AdminApi.class);

    /** The status page, a resource next to this class. */
    static final String PAGE = "status.html";
    /** Content type of the status page. */
    static final String HTML = "text/html; charset=utf-8";

    private static final String STATES = "active, inactive, disabled or draining";

    private final ProxyContext proxy;
    private final Reloader reloader;
    private final Executor worker;
    private final Consumer<Destination> added;
    private final String page;

    /**
     * Creates the API of a running siplb.
     *
     * @param proxy the running siplb's shared state (dispatcher, rules, settings, probing switch)
     * @param reloader what {@code POST /api/reload} calls
     * @param worker runs blocking work in submission order (a single thread)
     * @param added told each destination added at run time (after it is in the dispatcher), e.g. to open its
     *              socket; called on {@code worker}
     */
    public AdminApi(ProxyContext proxy, Reloader reloader, Executor worker, Consumer<Destination> added) {
        this.proxy = requireNonNull(proxy, "proxy");
        this.reloader = requireNonNull(reloader, "reloader");
        this.worker = requireNonNull(worker, "worker");
        this.added = requireNonNull(added, "added");
        page = resource(PAGE);
    }

    /** Adds the API's routes and the status page to {@code router}; returns it. */
    public AdminRouter register(AdminRouter router) {
        requireNonNull(router, "router");
        return router.addOpen(HttpMethod.GET, "/", r -> AdminResponse.of(HttpResponseStatus.OK, HTML, page))
                     .add(HttpMethod.GET, "/api/sets", guarded(this::list))
                     .add(HttpMethod.POST, "/api/destination/state", later(this::setState))
                     .add(HttpMethod.POST, "/api/destination/add", later(this::add))
                     .add(HttpMethod.POST, "/api/destination/remove", later(this::remove))
                     .add(HttpMethod.GET, "/api/probing", guarded(this::probing))
                     .add(HttpMethod.POST, "/api/probing", guarded(this::setProbing))
                     .add(HttpMethod.GET, "/api/hash", guarded(this::hash))
                     .add(HttpMethod.GET, "/api/select", later(this::select))
                     .add(HttpMethod.POST, "/api/select", later(this::select))
                     .add(HttpMethod.POST, "/api/reload", later(this::reload));
    }

    private static AdminRouter.Handler guarded(AdminRouter.Handler h) {
        return r -> {
            try {
                return h.handle(r);
            } catch (ApiException e) {
                return AdminResponse.error(e.status(), e.getMessage());
            }
        };
    }

    /** Runs {@code h} on the worker and answers when it is done. */
    private AdminRouter.Handler later(AdminRouter.Handler h) {
        final AdminRouter.Handler g = guarded(h);
        return r -> AdminResponse.later(CompletableFuture.supplyAsync(() -> g.handle(r), worker));
    }

    private Dispatcher dispatcher() {
        return proxy.dispatcher();
    }

    // ---- GET /api/sets ---------------------------------------------------------------------------------------

    private AdminResponse list(AdminRequest r) {
        final ApiParams p = ApiParams.of(r, "set");
        final DispatchSnapshot snapshot = dispatcher().snapshot();
        final List<DestinationSet> sets = p.has("set")
                                          ? List.of(set(snapshot, p.integer("set", 0, "an integer set id")))
                                          : snapshot.sets();
        final List<Json> setsJson = new ArrayList<>();
        for (DestinationSet set : sets) {
            long total = 0;
            for (Destination d : set.destinations()) {
                final DestinationState s = dispatcher().state(d);
                total += s != null ? s.counters().selectedCount() : 0;
            }
            final List<Json> ds = new ArrayList<>();
            for (Destination d : set.destinations()) {
                ds.add(destination(snapshot, d, dispatcher().state(d), total));
            }
            setsJson.add(new Json().add("id", set.id())
                                   .add("algorithm", set.algorithm().configName())
                                   .add("kamailioAlgorithm", set.algorithm().kamailioNumber())
                                   .add("active", snapshot.activeDestinations(set.id()).size())
                                   .add("selected", total)
                                   .add("destinations", ds));
        }
        return ok(new Json().add("version", snapshot.version())
                            .add("source", snapshot.settings().source())
                            .add("mode", proxy.settings().mode().name().toLowerCase(Locale.ROOT))
                            .add("probing", probingJson())
                            .add("sets", setsJson));
    }

    private Json destination(DispatchSnapshot snapshot, Destination d, DestinationState s, long setTotal) {
        final Json j = new Json().add("uri", d.uri())
                                 .add("address", address(d))
                                 .add("transport", d.transport().uriName())
                                 .add("duid", d.attributes().duid())
                                 .add("flags", d.flags())
                                 .add("priority", d.priority())
                                 .add("attrs", d.attributes().body())
                                 .add("weight", d.attributes().weight())
                                 .add("rweight", d.attributes().rweight())
                                 .add("maxload", d.attributes().maxload())
                                 .add("selectable", snapshot.isActive(d));
        if (s == null) {
            // Removed by a reload between reading the snapshot and the registry.
            return j.add("state", "removed").add("kamailio", "IX");
        }
        final HealthState h = s.health();
        final boolean probed = probed(d, h);
        final DestinationCounters c = s.counters();
        final long selected = c.selectedCount();
        final LatencyStats.Snapshot l = s.latency().snapshot();
        final Json latency = new Json().add("count", l.count())
                                       .add("avg", l.averageMillis())
                                       .add("std", l.stdDevMillis())
                                       .add("est", l.estimateMillis())
                                       .add("max", l.maxMillis())
                                       .add("timeouts", l.timeouts());
        final Json responses = new Json();
        for (int cls = 1; cls <= 6; cls++) {
            responses.add(cls + "xx", c.responses(cls));
        }
        final List<Json> transitions = new ArrayList<>();
        for (HealthTransition t : s.transitions()) {
            transitions.add(new Json().add("time", t.time().toString())
                                      .add("from", name(t.from()))
                                      .add("to", name(t.to()))
                                      .add("cause", t.cause().name().toLowerCase(Locale.ROOT).replace('_', '-'))
                                      .add("reason", t.reason()));
        }
        return j.add("state", name(h))
                .add("kamailio", kamailioFlags(h, probed))
                .add("probed", probed)
                .add("since", Instant.ofEpochMilli(s.sinceEpochMillis()).toString())
                .add("activeCalls", s.activeCalls())
                .add("selected", selected)
                .add("share", setTotal > 0 ? (double) selected / setTotal : 0)
                .add("responses", responses)
                .add("probeTimeouts", c.probeTimeouts())
                .add("latency", latency)
                .add("transitionCount", s.transitionCount())
                .add("transitions", transitions);
    }

    /** Whether keepalives go to a destination in state {@code h} now (Kamailio's {@code P}). */
    private boolean probed(Destination d, HealthState h) {
        if (h == HealthState.PROBING) {
            return true;
        }
        final ProxySettings settings = proxy.settings();
        return settings.mode() == ProxySettings.Mode.STATEFUL && !settings.probing().interval().isZero()
               && proxy.probingEnabled() && settings.probing().probes(h, d.flags());
    }

    /**
     * Returns the two letters Kamailio's {@code dispatcher.list} shows in FLAGS: {@code A} active, {@code T} trying,
     * {@code I} inactive or probing, {@code D} disabled, then {@code P} when keepalives are sent to the destination
     * and {@code X} when not ({@code AP}, {@code AX}, {@code IP}, {@code IX}, {@code DX}, {@code TP}, {@code TX}).
     * Kamailio has no draining: a draining destination shows {@code D} (out of rotation for new calls) with its
     * probing letter; {@code state} tells it apart.
     */
    static String kamailioFlags(HealthState h, boolean probed) {
        final char first;
        switch (h) {
            case ACTIVE:
                first = 'A';
                break;
            case TRYING:
                first = 'T';
                break;
            case INACTIVE:
            case PROBING:
                first = 'I';
                break;
            default: // DISABLED, DRAINING
                first = 'D';
        }
        return new String(new char[] { first, h == HealthState.PROBING || probed ? 'P' : 'X' });
    }

    private static String name(HealthState h) {
        return h.name().toLowerCase(Locale.ROOT);
    }

    private static String address(Destination d) {
        final InetSocketAddress a = d.address();
        if (a == null) {
            return null;
        }
        return a.isUnresolved() ? a.getHostString() + ':' + a.getPort() : ListenAddress.hostPort(a);
    }

    // ---- POST /api/destination/state -------------------------------------------------------------------------

    private AdminResponse setState(AdminRequest r) {
        final ApiParams p = ApiParams.of(r, "set", "uri", "duid", "state", "reason");
        final HealthState target = state(p.requiredString("state", STATES));
        final DispatchSnapshot snapshot = dispatcher().snapshot();
        final Destination d = find(snapshot, p);
        final DestinationState s = dispatcher().state(d);
        if (s == null) {
            throw ApiException.notFound("destination " + d.uri() + " of set " + d.setId()
                                        + " was removed meanwhile (expected: a configured destination)");
        }
        final String reason = p.has("reason") ? "admin API: " + p.string("reason") : "admin API";
        final HealthState before = s.setAdminState(target, reason);
        logger.info("Admin API: set {} destination {}: {} -> {}", d.setId(), d.uri(), name(before), name(target));
        return ok(new Json().add("set", d.setId())
                            .add("uri", d.uri())
                            .add("duid", d.attributes().duid())
                            .add("from", name(before))
                            .add("to", name(s.health()))
                            .add("kamailio", kamailioFlags(s.health(), probed(d, s.health()))));
    }

    private static HealthState state(String text) {
        switch (text.toLowerCase(Locale.ROOT)) {
            case "active":
                return HealthState.ACTIVE;
            case "inactive":
                return HealthState.INACTIVE;
            case "disabled":
                return HealthState.DISABLED;
            case "draining":
                return HealthState.DRAINING;
            default:
                throw ApiException.badRequest("state: \"" + text + "\" (expected: " + STATES + ')');
        }
    }

    /** Finds the destination {@code p} names by {@code set} and {@code uri}, or by {@code duid} (and {@code set}). */
    private static Destination find(DispatchSnapshot snapshot, ApiParams p) {
        if (p.has("duid")) {
            final String duid = p.requiredString("duid", "the duid attribute of a destination");
            final List<DestinationSet> sets = p.has("set")
                                              ? List.of(set(snapshot, p.integer("set", 0, "an integer set id")))
                                              : snapshot.sets();
            final List<Destination> found = new ArrayList<>();
            for (DestinationSet set : sets) {
                for (Destination d : set.destinations()) {
                    if (duid.equals(d.attributes().duid())) {
                        found.add(d);
                    }
                }
            }
            if (found.isEmpty()) {
                throw ApiException.notFound("unknown destination: no destination has duid \"" + duid + '"'
                                            + (p.has("set") ? " in set " + sets.get(0).id() : "")
                                            + " (expected: the duid attribute of a configured destination)");
            }
            if (found.size() > 1) {
                final StringJoiner ids = new StringJoiner(", ");
                found.forEach(d -> ids.add(Integer.toString(d.setId())));
                throw ApiException.badRequest("duid \"" + duid + "\" is in sets " + ids
                                              + " (expected: set too, to say which)");
            }
            return found.get(0);
        }
        if (!p.has("set")) {
            throw ApiException.badRequest("missing parameter 'set' (expected: set and uri, or duid)");
        }
        final DestinationSet set = set(snapshot, p.integer("set", 0, "an integer set id"));
        final String uri = p.requiredString("uri", "the URI of a destination of set " + set.id() + ", or duid");
        final List<Destination> found = new ArrayList<>();
        for (Destination d : set.destinations()) {
            if (d.uri().equalsIgnoreCase(uri) || d.uri().equalsIgnoreCase("sip:" + uri)) {
                found.add(d);
            }
        }
        if (found.isEmpty()) {
            final StringJoiner uris = new StringJoiner(", ");
            set.destinations().forEach(d -> uris.add(d.uri()));
            throw ApiException.notFound("unknown destination: set " + set.id() + " has no destination " + uri
                                        + " (expected: one of " + (uris.length() == 0 ? "none" : uris) + ')');
        }
        if (found.size() > 1) {
            throw ApiException.badRequest("set " + set.id() + " has " + found.size() + " destinations " + uri
                                          + " with distinct duid attributes (expected: duid, to say which)");
        }
        return found.get(0);
    }

    private static DestinationSet set(DispatchSnapshot snapshot, int id) {
        final DestinationSet set = snapshot.set(id);
        if (set == null) {
            throw ApiException.notFound("unknown set " + id + " (expected: one of " + setIds(snapshot) + ')');
        }
        return set;
    }

    private static String setIds(DispatchSnapshot snapshot) {
        final StringJoiner ids = new StringJoiner(", ");
        snapshot.sets().forEach(s -> ids.add(Integer.toString(s.id())));
        return ids.length() == 0 ? "none configured" : ids.toString();
    }

    // ---- POST /api/destination/add, /remove ------------------------------------------------------------------

    private AdminResponse add(AdminRequest r) {
        final ApiParams p = ApiParams.of(r, "set", "uri", "flags", "priority", "attrs", "algorithm");
        final int setId = p.requiredInteger("set", "a set id, an integer >= 0");
        final String uri = p.requiredString("uri", "a sip: or sips: URI");
        final int flags = p.integer("flags", 0, "Kamailio flags, an integer >= 0");
        final int priority = p.integer("priority", 0, "an integer");
        final String attrsText = p.has("attrs") ? p.string("attrs") : "";
        final DestinationAttributes attrs;
        final Destination d;
        try {
            attrs = DestinationAttributes.parse(attrsText);
        } catch (IllegalArgumentException e) {
            throw ApiException.badRequest("attrs: " + e.getMessage());
        }
        try {
            d = Destination.of(setId, uri, flags, priority, attrs);
        } catch (IllegalArgumentException e) {
            throw ApiException.badRequest(e.getMessage());
        }
        final DispatchSnapshot current = dispatcher().snapshot();
        final DestinationSet old = current.set(setId);
        final Algorithm algorithm;
        if (p.has("algorithm")) {
            try {
                algorithm = Algorithm.fromConfig(p.string("algorithm"));
            } catch (IllegalArgumentException e) {
                throw ApiException.badRequest("algorithm: " + e.getMessage());
            }
            if (old != null && old.algorithm() != algorithm) {
                throw ApiException.conflict("algorithm: set " + setId + " uses " + old.algorithm().configName()
                                            + " (expected: no algorithm, or " + old.algorithm().configName()
                                            + ", for a set that exists)");
            }
        } else {
            algorithm = old != null ? old.algorithm() : Algorithm.ROUND_ROBIN;
        }
        final List<Destination> order = old != null ? configOrder(old) : new ArrayList<>();
        for (Destination e : order) {
            if (e.identity().equals(d.identity())) {
                throw ApiException.conflict("set " + setId + " already has destination " + e.uri()
                                            + (e.attributes().duid() != null ? " (duid \"" + e.attributes().duid()
                                                                               + "\")" : "")
                                            + " (expected: a URI the set does not have, or a distinct duid)");
            }
        }
        order.add(d);
        final DestinationSet next;
        try {
            next = DestinationSet.of(setId, algorithm, order);
        } catch (IllegalArgumentException e) {
            throw ApiException.conflict(e.getMessage());
        }
        reload(current.settings(), next, "admin API: add " + d.uri() + " to set " + setId);
        added.accept(d);
        final DestinationState s = dispatcher().state(d);
        logger.info("Admin API: added {} to set {} ({})", d.uri(), setId, s != null ? name(s.health()) : "removed");
        return ok(new Json().add("set", setId)
                            .add("uri", d.uri())
                            .add("duid", d.attributes().duid())
                            .add("algorithm", algorithm.configName())
                            .add("state", s != null ? name(s.health()) : "removed")
                            .add("destinations", order.size()));
    }

    private AdminResponse remove(AdminRequest r) {
        final ApiParams p = ApiParams.of(r, "set", "uri", "duid");
        final DispatchSnapshot current = dispatcher().snapshot();
        final Destination d = find(current, p);
        final DestinationSet old = current.set(d.setId());
        final List<Destination> order = configOrder(old);
        order.removeIf(e -> e.key().equals(d.key()));
        reload(current.settings(), DestinationSet.of(old.id(), old.algorithm(), order),
               "admin API: remove " + d.uri() + " from set " + old.id());
        logger.info("Admin API: removed {} from set {}", d.uri(), old.id());
        return ok(new Json().add("set", old.id())
                            .add("uri", d.uri())
                            .add("duid", d.attributes().duid())
                            .add("destinations", order.size()));
    }

    /**
     * Returns the destinations of {@code set} in an order that {@link DestinationSet#of} arranges into the set's
     * index order again (that order reversed), so that a rebuilt set keeps its indexes and an added destination
     * comes last in its priority, as one appended to the file.
     */
    private static List<Destination> configOrder(DestinationSet set) {
        final List<Destination> order = new ArrayList<>(set.destinations());
        Collections.reverse(order);
        return order;
    }

    /** Reloads the dispatcher with {@code settings}, {@code set} replacing (or joining) its sets. */
    private void reload(DispatcherSettings settings, DestinationSet set, String source) {
        final DispatcherSettings.Builder b = DispatcherSettings.builder()
                                                               .hashMode(settings.hashMode())
                                                               .boundedLoadFactor(settings.boundedLoadFactor())
                                                               .stateConfig(settings.stateConfig())
                                                               .callLoadConfig(settings.callLoadConfig())
                                                               .source(source);
        for (DestinationSet s : settings.sets()) {
            b.addSet(s.id() == set.id() ? set : s);
        }
        if (settings.set(set.id()) == null) {
            b.addSet(set);
        }
        try {
            dispatcher().reload(b.build());
        } catch (IllegalArgumentException e) {
            throw ApiException.badRequest(e.getMessage());
        }
    }

    // ---- /api/probing ----------------------------------------------------------------------------------------

    private AdminResponse probing(AdminRequest r) {
        ApiParams.of(r);
        return ok(probingJson());
    }

    private AdminResponse setProbing(AdminRequest r) {
        final ApiParams p = ApiParams.of(r, "enabled");
        final boolean on = p.requiredBoolean("enabled");
        final boolean before = proxy.probingEnabled();
        proxy.probingEnabled(on);
        if (before != on) {
            logger.info("Admin API: keepalive probing {}", on ? "on" : "off");
        }
        return ok(probingJson());
    }

    private Json probingJson() {
        final ProxySettings settings = proxy.settings();
        final ProbeSettings probing = settings.probing();
        final boolean prober = settings.mode() == ProxySettings.Mode.STATEFUL && !probing.interval().isZero();
        final long ms = probing.interval().toMillis();
        return new Json().add("enabled", proxy.probingEnabled())
                         .add("running", prober && proxy.probingEnabled())
                         .add("mode", probing.mode().name().toLowerCase(Locale.ROOT))
                         .add("method", probing.method())
                         .add("interval", ms % 1000 == 0 ? ms / 1000 + "s" : ms + "ms")
                         .add("why", !prober ? (settings.mode() == ProxySettings.Mode.STATELESS
                                                ? "siplb runs stateless: there is no prober"
                                                : "siplb.dispatcher.probing.interval is 0s") : null);
    }

    // ---- /api/hash, /api/select --------------------------------------------------------------------------------

    private AdminResponse hash(AdminRequest r) {
        final ApiParams p = ApiParams.of(r, "slots", "value", "value2");
        final int slots = p.requiredInteger("slots", "an integer > 0");
        if (slots <= 0) {
            throw ApiException.badRequest("slots: " + slots + " (expected: an integer > 0)");
        }
        final String value = p.string("value");
        if (value == null) {
            throw ApiParams.missing("value", "the value to hash, e.g. a Call-ID");
        }
        final String value2 = p.string("value2");
        final int h = KamailioHash.hash(value, value2);
        return ok(new Json().add("hashid", KamailioHash.unsigned(h))
                            .add("slot", Integer.remainderUnsigned(h, slots))
                            .add("text", DispatchCommands.hash(slots, value, value2)));
    }

    /**
     * As {@code siplb select}, on a copy of the running dispatcher over the live destination states: a selection
     * here moves no round-robin position of the running siplb.
     */
    private AdminResponse select(AdminRequest r) {
        final ApiParams p = ApiParams.of(r, "set", "key", "algorithm", "request", "source");
        final Dispatcher live = dispatcher();
        if (p.has("request")) {
            if (p.has("set") || p.has("key") || p.has("algorithm")) {
                throw ApiException.badRequest("select: request goes alone or with source (expected: request "
                                              + "[source], or set, key [algorithm])");
            }
            final byte[] bytes = RequestSelect.withCrlf(p.string("request").getBytes(StandardCharsets.UTF_8));
            final InetSocketAddress source;
            try {
                source = RequestSelect.source(p.string("source"));
            } catch (RuntimeException e) {
                throw ApiException.badRequest("source: \"" + p.string("source")
                                              + "\" (expected: IP:PORT, e.g. 192.0.2.7:5060)");
            }
            final Dispatcher copy = Dispatcher.create(live.snapshot().settings(), live.stateRegistry());
            final ByteArrayOutputStream text = new ByteArrayOutputStream();
            final int status;
            try (PrintStream out = new PrintStream(text, true, StandardCharsets.UTF_8)) {
                status = RequestSelect.route(bytes, source, copy, proxy.rules(), proxy.own(),
                                             proxy.settings().mode(), out);
            } finally {
                copy.close();
            }
            return ok(new Json().add("forwarded", status == 0)
                                .add("text", text.toString(StandardCharsets.UTF_8)));
        }
        if (!p.has("set")) {
            throw ApiException.badRequest("missing parameter 'set' (expected: set and key, or request)");
        }
        final DestinationSet set = set(live.snapshot(), p.integer("set", 0, "an integer set id"));
        final String key = p.string("key");
        if (key == null) {
            throw ApiParams.missing("key", "what the set's algorithm hashes, e.g. a Call-ID");
        }
        final Algorithm algorithm;
        try {
            algorithm = p.has("algorithm") ? Algorithm.fromConfig(p.string("algorithm")) : set.algorithm();
        } catch (IllegalArgumentException e) {
            throw ApiException.badRequest("algorithm: " + e.getMessage());
        }
        final Dispatcher copy = Dispatcher.create(live.snapshot().settings(), live.stateRegistry());
        try {
            final Selection selection = copy.select(set.id(), algorithm, SelectionKey.of(key));
            final List<Json> failover = new ArrayList<>();
            for (int i = 1; i < selection.size(); i++) {
                failover.add(new Json().add("uri", selection.get(i).uri()));
            }
            return ok(new Json().add("set", set.id())
                                .add("algorithm", algorithm.configName())
                                .add("key", key)
                                .add("status", selection.status().name().toLowerCase(Locale.ROOT))
                                .add("selected", selection.isSelected() ? selection.destination().uri() : null)
                                .add("parallel", selection.isParallel())
                                .add("failover", failover)
                                .add("text", DispatchCommands.selectionText(copy.snapshot(), set.id(), algorithm,
                                                                            key, selection)));
        } finally {
            copy.close();
        }
    }

    // ---- POST /api/reload ------------------------------------------------------------------------------------

    private AdminResponse reload(AdminRequest r) {
        ApiParams.of(r);
        final Reloader.Result result = reloader.reload("admin API");
        if (!result.success()) {
            return AdminResponse.json(HttpResponseStatus.UNPROCESSABLE_ENTITY,
                                      new Json().add("error", result.message()).add("result", "failure")
                                                .toString());
        }
        return ok(new Json().add("result", "success")
                            .add("message", result.message())
                            .add("version", dispatcher().snapshot().version()));
    }

    // ---- helpers ---------------------------------------------------------------------------------------------

    private static AdminResponse ok(Json json) {
        return AdminResponse.json(HttpResponseStatus.OK, json.toString());
    }

    private static String resource(String name) {
        try (InputStream in = AdminApi.class.getResourceAsStream(name)) {
            if (in == null) {
                throw new IllegalStateException(name + ": not on the class path (expected: next to "
                                                + AdminApi.class.getName() + ')');
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
