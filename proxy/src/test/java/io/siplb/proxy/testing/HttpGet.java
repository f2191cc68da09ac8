package io.siplb.proxy.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

import io.siplb.proxy.config.ListenAddress;

/**
 * Sends one HTTP request to siplb's admin listener with the JDK's client over a real loopback connection and
 * returns the whole response. Static methods only; thread-safe.
 */
public final class HttpGet {

    private static final HttpClient CLIENT = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(3)).build();

    private HttpGet() {}

    /** Sends {@code GET path}, with {@code authorization} as the Authorization header unless {@code null}. */
    public static HttpResponse<String> get(InetSocketAddress admin, String path, String authorization) {
        return send(admin, "GET", path, authorization);
    }

    /** Sends {@code method path} without a body. */
    public static HttpResponse<String> send(InetSocketAddress admin, String method, String path,
                                            String authorization) {
        final HttpRequest.Builder b = HttpRequest.newBuilder(
                URI.create("http://" + ListenAddress.hostPort(admin) + path))
                .timeout(Duration.ofSeconds(5))
                .method(method, HttpRequest.BodyPublishers.noBody());
        if (authorization != null) {
            b.header("Authorization", authorization);
        }
        try {
            return CLIENT.send(b.build(), HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
