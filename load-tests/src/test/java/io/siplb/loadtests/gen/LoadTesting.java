package io.siplb.loadtests.gen;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;

/**
 * Starts a UAS on an ephemeral loopback port and builds UAC configurations against it, with the small schedules the
 * tests use (tens of calls, at most a few hundred, at modest rates). NIO everywhere, so the tests run where epoll
 * does not. Static methods only. Immutable.
 */
final class LoadTesting {

    private LoadTesting() {}

    static Uas uas(LoadTransport transport, UasMode mode, String name) {
        final UasConfig.Builder b = UasConfig.builder(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))
                                             .transport(transport).mode(mode).name(name).io(LoadIo.NIO);
        if (transport == LoadTransport.TLS) {
            b.tls(TestCertificates.CERT_PEM, TestCertificates.KEY_PEM);
        }
        return Uas.start(b.build());
    }

    static UacConfig.Builder uac(InetSocketAddress target, LoadTransport transport, long calls, double rate) {
        final UacConfig.Builder b = UacConfig.builder(target).transport(transport).io(LoadIo.NIO)
                                             .schedule(Schedule.constant(rate, calls))
                                             .timeout(Duration.ofSeconds(5));
        if (transport == LoadTransport.TLS) {
            b.caPem(TestCertificates.CERT_PEM);
        }
        return b;
    }
}
