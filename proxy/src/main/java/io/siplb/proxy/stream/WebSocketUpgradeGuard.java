package io.siplb.proxy.stream;

import static java.util.Objects.requireNonNull;

import java.util.List;

import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.util.ReferenceCountUtil;
import io.siplb.proxy.stream.ConnectionStats.Cause;

/**
 * Checks a WebSocket upgrade request before Netty's handshake handler takes it: the path, when
 * {@code siplb.websocket.path} is set, and the Origin, when {@code siplb.websocket.origins} lists any; a refused
 * upgrade gets 404 or 403 and the connection is closed. Removes itself after the first request.
 *
 * <p>Ownership: a refused request is released here; an accepted one is passed on.
 *
 * <p>Not thread-safe; confined to the channel's event loop.
 */
final class WebSocketUpgradeGuard extends ChannelInboundHandlerAdapter {

    private final StreamTransports transports;
    private final String path;
    private final List<String> origins;

    WebSocketUpgradeGuard(StreamTransports transports, String path, List<String> origins) {
        this.transports = requireNonNull(transports, "transports");
        this.path = requireNonNull(path, "path");
        this.origins = requireNonNull(origins, "origins");
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!(msg instanceof FullHttpRequest)) {
            ctx.fireChannelRead(msg);
            return;
        }
        final FullHttpRequest req = (FullHttpRequest) msg;
        HttpResponseStatus refuse = null;
        if (!path.isEmpty() && !new QueryStringDecoder(req.uri()).path().equals(path)) {
            refuse = HttpResponseStatus.NOT_FOUND;
        } else if (!origins.isEmpty()) {
            final String origin = req.headers().get(HttpHeaderNames.ORIGIN);
            if (origin == null || !origins.contains(origin)) {
                refuse = HttpResponseStatus.FORBIDDEN;
            }
        }
        if (refuse == null) {
            ctx.pipeline().remove(this);
            ctx.fireChannelRead(msg);
            return;
        }
        ReferenceCountUtil.release(req);
        transports.stats().count(Cause.WEBSOCKET_UPGRADE_FAILED);
        final DefaultFullHttpResponse res = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, refuse,
                                                                        Unpooled.EMPTY_BUFFER);
        res.headers().set(HttpHeaderNames.CONTENT_LENGTH, 0);
        ctx.writeAndFlush(res).addListener(ChannelFutureListener.CLOSE);
    }
}
