package io.siplb.testing;

import static org.junit.jupiter.api.Assertions.fail;

import java.lang.reflect.Field;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;

import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.buffer.UnpooledByteBufAllocator;
import io.netty.util.ResourceLeakDetector;
import io.netty.util.ResourceLeakDetectorFactory;

/**
 * Fails a test class when a Netty reference-counted object (a {@link ByteBuf} above all) leaked while it ran.
 *
 * <p>Netty's paranoid leak detector only logs the leaks it finds. This extension installs a
 * {@link ResourceLeakDetectorFactory} whose detectors also record every report, and after each test class forces
 * garbage collection, makes the detectors look at their reference queues (by allocating a few tracked buffers)
 * and fails with the recorded access records. It is registered for every test through JUnit's extension
 * auto-detection ({@code META-INF/services/org.junit.jupiter.api.extension.Extension} in the sip-codec test-jar,
 * with {@code junit.jupiter.extensions.autodetection.enabled=true} set by the parent POM's Surefire configuration),
 * so every module whose tests depend on the sip-codec test-jar gets it.
 *
 * <p>Thread-safe (lock-free): leaks are recorded from any thread into a concurrent queue.
 */
public final class NettyLeakExtension implements BeforeAllCallback, AfterAllCallback {

    /** How many collect-and-poll rounds {@link #detectLeaks()} runs. */
    private static final int GC_ROUNDS = 3;

    private static final Queue<String> LEAKS = new ConcurrentLinkedQueue<>();

    static {
        ResourceLeakDetector.setLevel(ResourceLeakDetector.Level.PARANOID);
        ResourceLeakDetectorFactory.setResourceLeakDetectorFactory(new RecordingFactory());
    }

    @Override
    public void beforeAll(ExtensionContext context) {
        assertInstalled();
        // Whatever an earlier class left behind was reported against that class.
        detectLeaks();
    }

    @Override
    public void afterAll(ExtensionContext context) {
        List<String> leaks = detectLeaks();
        if (!leaks.isEmpty()) {
            fail(leaks.size() + " Netty resource leak(s) in " + context.getDisplayName() + ":\n"
                 + String.join("\n----\n", leaks));
        }
    }

    /**
     * Collects garbage, lets the detectors poll their queues and returns (and forgets) every leak reported since
     * the last call.
     */
    public static List<String> detectLeaks() {
        for (int round = 0; round < GC_ROUNDS; round++) {
            System.gc();
            try {
                Thread.sleep(10);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
            // Each tracked allocation makes the detector poll its reference queue and report what it finds.
            for (int i = 0; i < 16; i++) {
                UnpooledByteBufAllocator.DEFAULT.heapBuffer(1).release();
                UnpooledByteBufAllocator.DEFAULT.directBuffer(1).release();
                PooledByteBufAllocator.DEFAULT.heapBuffer(1).release();
                PooledByteBufAllocator.DEFAULT.directBuffer(1).release();
            }
        }
        List<String> out = new ArrayList<>();
        for (String leak; (leak = LEAKS.poll()) != null; ) {
            out.add(leak);
        }
        return out;
    }

    /** Fails unless the {@link ByteBuf} leak detector is the recording one (it is created once, statically). */
    static void assertInstalled() {
        try {
            Class<?> abstractByteBuf = Class.forName("io.netty.buffer.AbstractByteBuf");
            Field field = abstractByteBuf.getDeclaredField("leakDetector");
            field.setAccessible(true);
            Object detector = field.get(null);
            if (!(detector instanceof RecordingDetector)) {
                fail("the recording Netty leak detector is not installed (ByteBuf classes were initialized before "
                     + NettyLeakExtension.class.getName() + "): " + detector);
            }
        } catch (ReflectiveOperationException e) {
            fail("cannot check the Netty leak detector: " + e);
        }
        if (ResourceLeakDetector.getLevel() != ResourceLeakDetector.Level.PARANOID) {
            fail("Netty leak detection level is " + ResourceLeakDetector.getLevel() + " (expected: PARANOID)");
        }
    }

    private static final class RecordingFactory extends ResourceLeakDetectorFactory {
        @Override
        public <T> ResourceLeakDetector<T> newResourceLeakDetector(Class<T> resource, int samplingInterval,
                                                                   long maxActive) {
            return new RecordingDetector<>(resource, samplingInterval);
        }
    }

    private static final class RecordingDetector<T> extends ResourceLeakDetector<T> {
        RecordingDetector(Class<?> resourceType, int samplingInterval) {
            super(resourceType, samplingInterval);
        }

        @Override
        protected boolean needReport() {
            return true;
        }

        @Override
        protected void reportTracedLeak(String resourceType, String records) {
            LEAKS.add("LEAK: " + resourceType + ".release() was not called before it was garbage-collected."
                      + records);
            super.reportTracedLeak(resourceType, records);
        }

        @Override
        protected void reportUntracedLeak(String resourceType) {
            LEAKS.add("LEAK: " + resourceType + ".release() was not called before it was garbage-collected.");
            super.reportUntracedLeak(resourceType);
        }
    }
}
