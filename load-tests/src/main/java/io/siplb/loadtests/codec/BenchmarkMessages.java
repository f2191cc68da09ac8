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
 *   <li>{@value #INVITE}: a typical initial INVITE, 907 bytes: 16 header fields (one Route naming the load
 *       balancer, no To tag) and a 246-byte SDP body;</li>
 *   <li>{@value #RESPONSE}: the 200 OK to it as a backend sends it back through the load balancer, 844 bytes:
 *       two Via values (the load balancer's on top), a Record-Route and an SDP body.</li>
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
