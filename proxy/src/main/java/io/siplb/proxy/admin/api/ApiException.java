package io.siplb.proxy.admin.api;

import static java.util.Objects.requireNonNull;

import io.netty.handler.codec.http.HttpResponseStatus;

/**
 * A request the admin API cannot carry out, with the 4xx status and the sentence that says what was wrong (and what
 * was expected); answered as {@code {"error": "..."}}. Immutable.
 */
final class ApiException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    private final transient HttpResponseStatus status;

    ApiException(HttpResponseStatus status, String message) {
        super(requireNonNull(message, "message"), null, false, false);
        this.status = requireNonNull(status, "status");
    }

    /** Returns a 400 Bad Request. */
    static ApiException badRequest(String message) {
        return new ApiException(HttpResponseStatus.BAD_REQUEST, message);
    }

    /** Returns a 404 Not Found (an unknown set or destination). */
    static ApiException notFound(String message) {
        return new ApiException(HttpResponseStatus.NOT_FOUND, message);
    }

    /** Returns a 409 Conflict (e.g. adding a destination a set already has). */
    static ApiException conflict(String message) {
        return new ApiException(HttpResponseStatus.CONFLICT, message);
    }

    HttpResponseStatus status() {
        return status;
    }
}
