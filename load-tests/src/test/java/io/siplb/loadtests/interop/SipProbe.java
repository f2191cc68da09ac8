package io.siplb.loadtests.interop;

import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Readiness probe for a SIP UDP listener on loopback: sends an OPTIONS with {@code Max-Forwards: 0}, which a proxy
 * answers itself (483 Too Many Hops, RFC 3261 §16.3 item 3) without involving a backend, and waits for any SIP
 * response. Not thread-safe; confined to the test thread.
 */
final class SipProbe {

    /** How long one probe waits for its response. */
    private static final Duration PROBE_TIMEOUT = Duration.ofMillis(300);

    /**
     * Probes {@code target} until it answers, {@code process} exits or {@code timeout} passes.
     *
     * @return the first line of the response, or {@code null} when there was none
     */
    static String awaitResponse(InetSocketAddress target, ChildProcess process, Duration timeout)
            throws IOException {
        final long deadline = System.nanoTime() + timeout.toNanos();
        try (DatagramSocket socket = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))) {
            socket.setSoTimeout((int) PROBE_TIMEOUT.toMillis());
            final byte[] receiveBuffer = new byte[65536];
            int attempt = 0;
            while (System.nanoTime() < deadline && process.isAlive()) {
                final byte[] request = options(socket, target, ++attempt).getBytes(StandardCharsets.US_ASCII);
                socket.send(new DatagramPacket(request, request.length, target));
                final DatagramPacket response = new DatagramPacket(receiveBuffer, receiveBuffer.length);
                try {
                    socket.receive(response);
                } catch (SocketTimeoutException e) {
                    continue;
                } catch (IOException e) {
                    // ICMP port unreachable while the listener is not bound yet.
                    sleepQuietly(PROBE_TIMEOUT);
                    continue;
                }
                final String text = new String(response.getData(), 0, response.getLength(),
                                               StandardCharsets.ISO_8859_1);
                if (text.startsWith("SIP/2.0 ")) {
                    final int eol = text.indexOf('\r');
                    return eol < 0 ? text : text.substring(0, eol);
                }
            }
        }
        return null;
    }

    private static String options(DatagramSocket socket, InetSocketAddress target, int attempt) {
        final String local = "127.0.0.1:" + socket.getLocalPort();
        final String remote = target.getHostString() + ':' + target.getPort();
        final long id = ThreadLocalRandom.current().nextLong() & Long.MAX_VALUE;
        return "OPTIONS sip:" + remote + " SIP/2.0\r\n" +
               "Via: SIP/2.0/UDP " + local + ";branch=z9hG4bK-probe-" + id + "\r\n" +
               "Max-Forwards: 0\r\n" +
               "From: <sip:probe@" + local + ">;tag=probe" + id + "\r\n" +
               "To: <sip:" + remote + ">\r\n" +
               "Call-ID: probe-" + id + "@127.0.0.1\r\n" +
               "CSeq: " + attempt + " OPTIONS\r\n" +
               "Content-Length: 0\r\n" +
               "\r\n";
    }

    private static void sleepQuietly(Duration duration) {
        try {
            Thread.sleep(duration.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private SipProbe() {}
}
