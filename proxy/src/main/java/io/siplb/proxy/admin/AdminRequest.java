package io.siplb.proxy.admin;

import static java.util.Objects.requireNonNull;

import java.util.List;
import java.util.Map;

import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;

/**
 * One request to the admin listener as a handler sees it: method, path (without the query), decoded query
 * parameters, headers and the body as text. Immutable (the headers are a copy).
 */
public final class AdminRequest {

    private final HttpMethod method;
    private final String path;
    private final Map<String, List<String>> query;
    private final HttpHeaders headers;
    private final String body;

    AdminRequest(HttpMethod method, String path, Map<String, List<String>> query, HttpHeaders headers, String body) {
        this.method = requireNonNull(method, "method");
        this.path = requireNonNull(path, "path");
        this.query = Map.copyOf(query);
        this.headers = headers.copy();
        this.body = requireNonNull(body, "body");
    }

    /** Returns the method. */
    public HttpMethod method() {
        return method;
    }

    /** Returns the path, e.g. {@code /health/ready}. */
    public String path() {
        return path;
    }

    /** Returns the first value of query parameter {@code name}, or {@code null}. */
    public String queryParam(String name) {
        final List<String> v = query.get(name);
        return v == null || v.isEmpty() ? null : v.get(0);
    }

    /** Returns the names of the query parameters. */
    public java.util.Set<String> queryNames() {
        return query.keySet();
    }

    /** Returns the headers. */
    public HttpHeaders headers() {
        return headers;
    }

    /** Returns the body decoded as UTF-8 ({@code ""} when there is none). */
    public String body() {
        return body;
    }

    @Override
    public String toString() {
        return method + " " + path;
    }
}
