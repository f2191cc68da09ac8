package io.siplb.proxy.admin;

import static java.util.Objects.requireNonNull;

import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;

import io.netty.handler.codec.http.HttpResponseStatus;
import io.siplb.proxy.cli.Json;

/**
 * What an admin handler answers: status, content type and body; JSON errors are {@code {"error": "..."}}. A
 * handler whose work may block (file reads, DNS, snapshot rebuilds) returns {@link #later} with a future completed
 * off the admin event loop. Immutable (the body array is never changed after construction).
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
    /** The response to wait for, or {@code null}: this one is complete. */
    private final CompletableFuture<AdminResponse> later;

    private AdminResponse(HttpResponseStatus status, String contentType, byte[] body, String allow) {
        this.status = requireNonNull(status, "status");
        this.contentType = requireNonNull(contentType, "contentType");
        this.body = requireNonNull(body, "body");
        this.allow = allow;
        later = null;
    }

    private AdminResponse(CompletableFuture<AdminResponse> later) {
        status = HttpResponseStatus.INTERNAL_SERVER_ERROR;
        contentType = JSON;
        body = new byte[0];
        allow = null;
        this.later = later;
    }

    /**
     * Returns a response written when {@code response} completes (on any thread); while it is pending the connection
     * reads no further request. A future completed exceptionally is answered 500 naming the exception.
     */
    public static AdminResponse later(CompletableFuture<AdminResponse> response) {
        return new AdminResponse(requireNonNull(response, "response"));
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

    /** Returns the response to wait for, or {@code null} when this one is complete. */
    CompletableFuture<AdminResponse> deferred() {
        return later;
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
