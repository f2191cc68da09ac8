package io.siplb.testing;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;

/** Proves that a leaked buffer is caught, so a leak anywhere in the build fails it. */
class NettyLeakExtensionTest {

    @Test
    void recordingDetectorIsInstalledAtParanoidLevel() {
        NettyLeakExtension.assertInstalled();
    }

    @Test
    void leakedBufferIsReported() {
        List<String> found = new ArrayList<>();
        for (int attempt = 0; attempt < 20 && found.isEmpty(); attempt++) {
            leakOneBuffer();
            found.addAll(NettyLeakExtension.detectLeaks());
        }
        assertThat(found).isNotEmpty();
        assertThat(found.get(0)).contains("LEAK").contains("ByteBuf");
    }

    @Test
    void releasedBufferIsNotReported() {
        NettyLeakExtension.detectLeaks();
        ByteBuf buf = Unpooled.directBuffer(16).writeInt(42);
        buf.release();
        assertThat(NettyLeakExtension.detectLeaks()).isEmpty();
    }

    private static void leakOneBuffer() {
        // Unpooled heap buffers are not tracked (the GC frees them); direct and pooled ones are.
        ByteBuf leaked = Unpooled.directBuffer(64).writeLong(7);
        assertThat(leaked.refCnt()).isEqualTo(1);
    }
}
