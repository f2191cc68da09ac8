package io.siplb.proxy.stream;

import static java.util.Objects.requireNonNull;

import java.util.List;

import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.MessageToMessageDecoder;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import io.siplb.codec.SipMessageParser;

/**
 * Parses each whole WebSocket text or binary frame as one SIP message (RFC 7118 §5: one message per frame, no
 * framing by Content-Length). Control frames are answered by Netty's protocol handler before this one.
 *
 * <p>Ownership: the frame is released by {@link MessageToMessageDecoder} after {@link #decode}; the parsed message
 * holds its own retained slice of the frame's content and is released by {@link StreamSipHandler}.
 *
 * <p>Not thread-safe (the parser is shared and thread-safe; the handler is per connection, on its event loop).
 */
final class WebSocketSipDecoder extends MessageToMessageDecoder<WebSocketFrame> {

    private final SipMessageParser parser;

    WebSocketSipDecoder(SipMessageParser parser) {
        super(WebSocketFrame.class);
        this.parser = requireNonNull(parser, "parser");
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, WebSocketFrame frame, List<Object> out) {
        if (frame instanceof TextWebSocketFrame || frame instanceof BinaryWebSocketFrame) {
            if (frame.content().isReadable()) {
                out.add(parser.parse(frame.content()));
            }
        }
    }
}
