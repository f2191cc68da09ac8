package io.siplb.proxy.admin;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.handler.timeout.IdleStateEvent;

/**
 * Serves one admin connection: checks the bearer token, routes the request ({@link AdminRouter}) and writes the
 * handler's response; a request that fails to decode gets a 400. Keep-alive follows HTTP/1.1 rules.
 *
 * <p>A deferred response ({@link AdminResponse#later}) is written on the connection's event loop when it completes;
 * the connection stops reading until then, so responses keep the order of the requests.
 *
 * <p>Ownership: the aggregated request is released by {@link SimpleChannelInboundHandler} after
 * {@link #channelRead0} (a deferred response keeps only its method and version); the response buffer is released by
 * the channel once written. One instance per connection; confined to the admin event loop.
 */
final class AdminHttpHandler extends SimpleChannelInboundHandler<FullHttpRequest> {

    private static final Logger logger = LoggerFactory.getLogger(AdminHttpHandler.class);

    private final AdminRouter router;
    /** The expected {@code Authorization} value ({@code Bearer TOKEN}) as bytes, or {@code null}: no token. */
    private final byte[] expectedAuthorization;

    AdminHttpHandler(AdminRouter router, byte[] token) {
        this.router = router;
        if (token == null) {
            expectedAuthorization = null;
        } else {
            final byte[] prefix = "Bearer ".getBytes(StandardCharsets.US_ASCII);
            expectedAuthorization = new byte[prefix.length + token.length];
            System.arraycopy(prefix, 0, expectedAuthorization, 0, prefix.length);
            System.arraycopy(token, 0, expectedAuthorization, prefix.length, token.length);
        }
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest req) {
        final boolean keepAlive = HttpUtil.isKeepAlive(req);
        final AdminResponse response;
        if (!req.decoderResult().isSuccess()) {
            response = AdminResponse.error(HttpResponseStatus.BAD_REQUEST,
                                           "malformed HTTP request: " + req.decoderResult().cause());
            write(ctx, req.method(), req.protocolVersion(), response, false);
            return;
        }
        final QueryStringDecoder uri = new QueryStringDecoder(req.uri());
        final String path = uri.path();
        final AdminRouter.Route route = router.find(req.method(), path);
        if ((route == null || !route.open) && !authorized(req)) {
            response = unauthorized(req);
        } else if (route == null) {
            response = router.miss(req.method(), path);
        } else {
            response = handle(route, new AdminRequest(req.method(), path, uri.parameters(), req.headers(),
                                                      req.content().toString(StandardCharsets.UTF_8)));
        }
        if (response.deferred() != null) {
            final HttpMethod method = req.method();
            final HttpVersion version = req.protocolVersion();
            final String what = req.method() + " " + path;
            ctx.channel().config().setAutoRead(false);
            response.deferred().whenComplete((r, failure) -> ctx.executor().execute(() -> {
                AdminResponse done = r;
                final Throwable e = failure instanceof java.util.concurrent.CompletionException
                                    && failure.getCause() != null ? failure.getCause() : failure;
                if (e != null || r == null) {
                    logger.warn("Admin request {} failed", what, e);
                    done = AdminResponse.error(HttpResponseStatus.INTERNAL_SERVER_ERROR, what + " failed: " +
                                               (e == null ? "no response" : e.getClass().getSimpleName() + ": " +
                                                                            e.getMessage()));
                }
                write(ctx, method, version, done, keepAlive);
                ctx.channel().config().setAutoRead(true);
            }));
            return;
        }
        write(ctx, req.method(), req.protocolVersion(), response, keepAlive);
    }

    private static AdminResponse handle(AdminRouter.Route route, AdminRequest request) {
        try {
            final AdminResponse r = route.handler.handle(request);
            if (r == null) {
                throw new IllegalStateException("the handler of " + request + " returned no response");
            }
            return r;
        } catch (RuntimeException e) {
            logger.warn("Admin request {} failed", request, e);
            return AdminResponse.error(HttpResponseStatus.INTERNAL_SERVER_ERROR,
                                       request + " failed: " + e.getClass().getSimpleName() + ": " + e.getMessage());
        }
    }

    /** Whether the request carries the token, compared in constant time (or no token is configured). */
    private boolean authorized(FullHttpRequest req) {
        if (expectedAuthorization == null) {
            return true;
        }
        final String given = req.headers().get(HttpHeaderNames.AUTHORIZATION);
        if (given == null) {
            return false;
        }
        return MessageDigest.isEqual(expectedAuthorization, given.trim().getBytes(StandardCharsets.UTF_8));
    }

    private static AdminResponse unauthorized(FullHttpRequest req) {
        final String given = req.headers().get(HttpHeaderNames.AUTHORIZATION);
        final String why;
        if (given == null) {
            why = "missing Authorization header (expected: Authorization: Bearer <siplb.admin.token>)";
        } else if (!given.trim().regionMatches(true, 0, "Bearer ", 0, 7)) {
            why = "Authorization is not a bearer token (expected: Authorization: Bearer <siplb.admin.token>)";
        } else {
            why = "wrong bearer token (expected: the value of siplb.admin.token)";
        }
        return AdminResponse.error(HttpResponseStatus.UNAUTHORIZED, why);
    }

    private static void write(ChannelHandlerContext ctx, HttpMethod method, HttpVersion version, AdminResponse r,
                              boolean keepAlive) {
        final byte[] body = r.body();
        final boolean head = method.equals(HttpMethod.HEAD);
        final ByteBuf content = head ? ctx.alloc().buffer(0) : ctx.alloc().buffer(body.length).writeBytes(body);
        final FullHttpResponse res = new DefaultFullHttpResponse(version, r.status(), content);
        res.headers().set(HttpHeaderNames.CONTENT_TYPE, r.contentType());
        res.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, body.length);
        res.headers().set(HttpHeaderNames.CACHE_CONTROL, HttpHeaderValues.NO_STORE);
        if (r.status().equals(HttpResponseStatus.UNAUTHORIZED)) {
            res.headers().set(HttpHeaderNames.WWW_AUTHENTICATE, "Bearer realm=\"siplb\"");
        }
        if (r.allow() != null) {
            res.headers().set(HttpHeaderNames.ALLOW, r.allow());
        }
        if (keepAlive) {
            if (!version.isKeepAliveDefault()) {
                res.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.KEEP_ALIVE);
            }
            ctx.writeAndFlush(res);
        } else {
            res.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
            ctx.writeAndFlush(res).addListener(ChannelFutureListener.CLOSE);
        }
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
        if (evt instanceof IdleStateEvent) {
            ctx.close();
            return;
        }
        super.userEventTriggered(ctx, evt);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        logger.debug("Admin connection {} failed", ctx.channel(), cause);
        ctx.close();
    }
}
