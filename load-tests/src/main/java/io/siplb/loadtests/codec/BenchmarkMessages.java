package io.siplb.loadtests.codec;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;

/**
 * The SIP messages the codec benchmarks work on, as resources of this package. Immutable.
 *
 * <ul>
 *   <li>{@value #INVITE}: a realistic INVITE as it reaches siplb after two edge proxies, 926 bytes: three Via
 *       values in two header fields (one comma-separated), two Record-Route, two Route values in one header (the
 *       first naming the load balancer), Digest credentials, no To tag, a 142-byte SDP body. A copy of sip-codec's
 *       {@code src/test/resources/messages/invite.sip}, so the benchmarks and the parser tests share it;</li>
 *   <li>{@value #RESPONSE}: the 200 OK to it as the backend sends it back through siplb, 818 bytes: four Via
 *       values in three header fields (siplb's on top), three Record-Route and an SDP body.</li>
 * </ul>
 */
final class BenchmarkMessages {

    /** The INVITE resource. */
    static final String INVITE = "invite.sip";
    /** The 200 OK resource. */
    static final String RESPONSE = "response-200.sip";

    /** Returns the bytes of the resource {@code name}. */
    static byte[] bytes(String name) {
        try (InputStream in = BenchmarkMessages.class.getResourceAsStream(name)) {
            if (in == null) {
                throw new IllegalStateException("resource " + name + " not found next to " +
                                                BenchmarkMessages.class.getName());
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Returns a new buffer of {@code alloc} (heap or direct as {@code direct} says) holding the resource. */
    static ByteBuf buffer(String name, ByteBufAllocator alloc, boolean direct) {
        final byte[] bytes = bytes(name);
        final ByteBuf buf = direct ? alloc.directBuffer(bytes.length) : alloc.heapBuffer(bytes.length);
        return buf.writeBytes(bytes);
    }

    private BenchmarkMessages() {}
}
