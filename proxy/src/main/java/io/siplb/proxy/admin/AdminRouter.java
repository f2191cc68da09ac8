package io.siplb.proxy.admin;

import static java.util.Objects.requireNonNull;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.StringJoiner;

import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;

/**
 * The admin listener's routes: method and exact path to a {@link Handler}. A route is either protected (it needs
 * the bearer token when one is configured) or open (the health checks, which load balancers and orchestrators call
 * without credentials). {@link #route} answers 404 for an unknown path and 405 (with the allowed methods) for a
 * known path with another method.
 *
 * <p>Routes are added before the listener starts ({@link AdminServer#start} takes the router); thread-safe once
 * published: {@link #route} only reads.
 */
public final class AdminRouter {

    /** Answers one request; runs on the admin event loop, so it must not block. */
    @FunctionalInterface
    public interface Handler {
        /** Returns the response to {@code request}. */
        AdminResponse handle(AdminRequest request);
    }

    /** A handler and whether it needs the token. Immutable. */
    static final class Route {
        final Handler handler;
        final boolean open;

        Route(Handler handler, boolean open) {
            this.handler = handler;
            this.open = open;
        }
    }

    /** Path, then method name, to route; insertion order (for {@code Allow}). */
    private final Map<String, Map<String, Route>> routes = new LinkedHashMap<>();

    /** Adds a route that needs the bearer token when one is configured. */
    public AdminRouter add(HttpMethod method, String path, Handler handler) {
        return put(method, path, handler, false);
    }

    /** Adds a route anyone may call (health checks). */
    public AdminRouter addOpen(HttpMethod method, String path, Handler handler) {
        return put(method, path, handler, true);
    }

    private synchronized AdminRouter put(HttpMethod method, String path, Handler handler, boolean open) {
        requireNonNull(method, "method");
        requireNonNull(path, "path");
        requireNonNull(handler, "handler");
        if (!path.startsWith("/")) {
            throw new IllegalArgumentException("path: " + path + " (expected: starting with /)");
        }
        final Map<String, Route> byMethod = routes.computeIfAbsent(path, p -> new LinkedHashMap<>());
        if (byMethod.putIfAbsent(method.name(), new Route(handler, open)) != null) {
            throw new IllegalArgumentException(method + " " + path + ": already routed (expected: one handler)");
        }
        if (method.equals(HttpMethod.GET)) {
            byMethod.putIfAbsent(HttpMethod.HEAD.name(), new Route(handler, open));
        }
        return this;
    }

    /**
     * Returns the route of {@code method} and {@code path}, or {@code null} when there is none; {@link #miss} says
     * why.
     */
    synchronized Route find(HttpMethod method, String path) {
        final Map<String, Route> byMethod = routes.get(path);
        return byMethod != null ? byMethod.get(method.name()) : null;
    }

    /** Returns the 404 or 405 for a request {@link #find} found no route for. */
    synchronized AdminResponse miss(HttpMethod method, String path) {
        final Map<String, Route> byMethod = routes.get(path);
        if (byMethod == null) {
            final StringJoiner known = new StringJoiner(", ");
            for (String p : routes.keySet()) {
                known.add(p);
            }
            return AdminResponse.error(HttpResponseStatus.NOT_FOUND,
                                       "no such path: " + path + " (expected: one of " + known + ")");
        }
        final StringJoiner allowed = new StringJoiner(", ");
        for (String m : byMethod.keySet()) {
            allowed.add(m);
        }
        return AdminResponse.methodNotAllowed(method.name(), path, allowed.toString());
    }
}
