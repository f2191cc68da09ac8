package io.siplb.loadtests;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.siplb.codec.SipMessage;
import io.siplb.codec.SipMessageParser;
import jdk.jfr.Recording;

class JfrCpuShareTest {

    private static final byte[] OPTIONS = ("OPTIONS sip:b@example.com SIP/2.0\r\n" +
            "Via: SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bKjfr1\r\n" +
            "Max-Forwards: 70\r\nFrom: <sip:a@example.com>;tag=1\r\nTo: <sip:b@example.com>\r\n" +
            "Call-ID: jfr-1@example.com\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n")
            .getBytes(StandardCharsets.US_ASCII);

    @Test
    void stacksAreCategorisedByTheirFrames() {
        assertThat(JfrCpuShare.categories(List.of("io.siplb.codec.SipSyntax.checkVia",
                                                  "io.siplb.codec.SipMessageParser.parse",
                                                  "io.siplb.codec.DatagramSipDecoder.decode")))
                .containsExactly(JfrCpuShare.Category.PARSE);
        assertThat(JfrCpuShare.categories(List.of("io.siplb.codec.Via.parse",
                                                  "io.siplb.codec.DefaultSipMessage.topVia",
                                                  "io.siplb.proxy.stateful.StatefulForwarder.onRequest")))
                .containsExactly(JfrCpuShare.Category.VIEWS);
        assertThat(JfrCpuShare.categories(List.of("io.siplb.dispatch.RoundRobinStrategy.select",
                                                  "io.siplb.dispatch.DispatchSnapshot.select",
                                                  "io.siplb.proxy.routing.RequestRouter.dispatch")))
                .containsExactly(JfrCpuShare.Category.SELECT, JfrCpuShare.Category.DISPATCH);
        // A DefaultSipMessage method that builds no view, and Netty code, are in no category.
        assertThat(JfrCpuShare.categories(List.of("io.siplb.codec.DefaultSipMessage.release",
                                                  "io.netty.channel.epoll.EpollDatagramChannel.doWrite")))
                .isEmpty();
    }

    @Test
    void countsOnlyTheNamedThreadsAndFindsTheParserOnTheirStacks(@TempDir Path dir) throws Exception {
        final AtomicBoolean stop = new AtomicBoolean();
        final Runnable parsing = () -> {
            final SipMessageParser parser = new SipMessageParser();
            final ByteBuf buf = Unpooled.wrappedBuffer(OPTIONS);
            try {
                // Bounded: stops when told, or after 20 s at the latest.
                final long end = System.nanoTime() + Duration.ofSeconds(20).toNanos();
                while (!stop.get() && System.nanoTime() < end) {
                    final SipMessage m = parser.parse(buf);
                    m.release();
                }
            } finally {
                buf.release();
            }
        };
        final Thread loop = new Thread(parsing, "siplb-io-7-1");
        final Thread other = new Thread(parsing, "not-an-event-loop");
        final Path file = dir.resolve("test.jfr");
        try (Recording recording = new Recording()) {
            recording.enable("jdk.ExecutionSample").withPeriod(Duration.ofMillis(10));
            recording.enable("jdk.NativeMethodSample").withPeriod(Duration.ofMillis(20));
            recording.start();
            loop.start();
            other.start();
            Thread.sleep(1500);
            stop.set(true);
            loop.join(10_000);
            other.join(10_000);
            recording.stop();
            recording.dump(file);
        } finally {
            stop.set(true);
        }
        assertThat(Files.size(file)).isPositive();

        final JfrCpuShare share = JfrCpuShare.read(file, "siplb-io");

        assertThat(share.threads()).containsOnlyKeys("siplb-io-7-1");
        assertThat(share.javaSamples()).isPositive();
        // The thread does nothing but parse (and release): most of its samples have the parser on the stack.
        assertThat(share.samplesWithAny(JfrCpuShare.Category.PARSE)).isGreaterThan(share.javaSamples() / 2);
        assertThat(share.samplesWithAny(JfrCpuShare.Category.SELECT)).isZero();
        // Periods read from the recording: a native sample weighs two Java samples. A thread that only parses is
        // almost never in native code on a CPU; the one or two samples it can take there come from its start (the
        // classes it loads), so a tenth of its Java samples bounds them.
        assertThat(share.busyNativeInJavaSamples()).isLessThanOrEqualTo(share.javaSamples() / 10.0);
    }
}
