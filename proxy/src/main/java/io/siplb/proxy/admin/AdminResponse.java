package io.siplb.proxy.admin;

import static java.util.Objects.requireNonNull;

import java.nio.charset.StandardCharsets;

import io.netty.handler.codec.http.HttpResponseStatus;
import io.siplb.proxy.cli.Json;

/**
 * What an admin handler answers: status, content type and body; JSON errors are {@code {"error": "..."}}.
 * Immutable (the body array is never changed after construction).
 */
public final class AdminResponse {

    /** {@code application/json}. */
    public static final String JSON = "application/json; charset=utf-8";
    /** {@code text/plain}. */
    public static final String TEXT = "text/plain; charset=utf-8";

    private final HttpResponseStatus status;
    private final String contentType;
    private final byte[] body;
    private final String allow;

    private AdminResponse(HttpResponseStatus status, String contentType, byte[] body, String allow) {
        this.status = requireNonNull(status, "status");
        this.contentType = requireNonNull(contentType, "contentType");
        this.body = requireNonNull(body, "body");
        this.allow = allow;
    }

    /** Returns a response of {@code contentType} with {@code body} encoded as UTF-8. */
    public static AdminResponse of(HttpResponseStatus status, String contentType, String body) {
        return new AdminResponse(status, contentType, body.getBytes(StandardCharsets.UTF_8), null);
    }

    /** Returns a JSON response; {@code json} is already JSON text. */
    public static AdminResponse json(HttpResponseStatus status, String json) {
        return of(status, JSON, json);
    }

    /** Returns {@code {"error": message}} with {@code status}. */
    public static AdminResponse error(HttpResponseStatus status, String message) {
        return json(status, "{\"error\": " + Json.quote(message) + "}");
    }

    /** Returns a 405 naming the methods {@code path} allows (also in the {@code Allow} header). */
    static AdminResponse methodNotAllowed(String method, String path, String allowed) {
        final AdminResponse r = error(HttpResponseStatus.METHOD_NOT_ALLOWED,
                                      method + " is not allowed on " + path + " (expected: " + allowed + ")");
        return new AdminResponse(r.status, r.contentType, r.body, allowed);
    }

    /** Returns the status. */
    public HttpResponseStatus status() {
        return status;
    }

    /** Returns the content type. */
    public String contentType() {
        return contentType;
    }

    /** Returns the body (not a copy: do not change it). */
    byte[] body() {
        return body;
    }

    /** Returns the {@code Allow} header of a 405, else {@code null}. */
    String allow() {
        return allow;
    }

    /** Returns the body as text. */
    public String bodyText() {
        return new String(body, StandardCharsets.UTF_8);
    }
}
