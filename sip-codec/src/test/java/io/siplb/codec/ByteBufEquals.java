package io.siplb.codec;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;

/** Test helper: the readable bytes of a buffer as an array (copy). Immutable. */
final class ByteBufEquals {

    private ByteBufEquals() {
    }

    static byte[] bytes(ByteBuf buf) {
        return ByteBufUtil.getBytes(buf);
    }
}
