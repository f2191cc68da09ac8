package io.siplb.proxy.admin;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.http.HttpResponse;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.siplb.proxy.testing.HttpGet;

/**
 * Deferred admin responses ({@link AdminResponse#later}) over a real loopback connection: written when the future
 * completes on another thread, a failed future answered 500 naming the exception, and the connection serving the
 * next request afterwards. Not thread-safe; confined to the test thread.
 */
class AdminDeferredResponseTest {

    private final ExecutorService worker = Executors.newSingleThreadExecutor();
    private AdminServer server;

    @AfterEach
    void stop() throws InterruptedException {
        if (server != null) {
            server.close();
        }
        worker.shutdownNow();
        assertThat(worker.awaitTermination(2, TimeUnit.SECONDS)).isTrue();
    }

    @Test
    void aDeferredResponseIsWrittenWhenItCompletesAndAFailedOneIs500() {
        final AdminRouter router = new AdminRouter()
                .add(HttpMethod.GET, "/slow", r -> AdminResponse.later(CompletableFuture.supplyAsync(() -> {
                    try {
                        Thread.sleep(200);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                    return AdminResponse.json(HttpResponseStatus.OK, "{\"done\": \"" + Thread.currentThread()
                                                                                          .getName() + "\"}");
                }, worker)))
                .add(HttpMethod.POST, "/broken", r -> AdminResponse.later(CompletableFuture.supplyAsync(() -> {
                    throw new IllegalStateException("the disk is gone");
                }, worker)));
        server = AdminServer.start(AdminSettings.of(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0),
                                                    null), router);
        final InetSocketAddress at = server.localAddress();
        for (int i = 0; i < 3; i++) {
            final HttpResponse<String> slow = HttpGet.get(at, "/slow", null);
            assertThat(slow.statusCode()).isEqualTo(200);
            assertThat(slow.body()).startsWith("{\"done\": \"pool-");
            final HttpResponse<String> broken = HttpGet.send(at, "POST", "/broken", null);
            assertThat(broken.statusCode()).isEqualTo(500);
            assertThat(broken.body()).isEqualTo("{\"error\": \"POST /broken failed: IllegalStateException: "
                                                + "the disk is gone\"}");
        }
        final HttpResponse<String> head = HttpGet.send(at, "HEAD", "/slow", null);
        assertThat(head.statusCode()).isEqualTo(200);
        assertThat(head.body()).isEmpty();
    }
}
