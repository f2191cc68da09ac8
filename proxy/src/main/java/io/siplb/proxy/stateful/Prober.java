package io.siplb.proxy.stateful;

import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.util.concurrent.ScheduledFuture;
import io.siplb.codec.SipMessage;
import io.siplb.dispatch.Destination;
import io.siplb.dispatch.DestinationSet;
import io.siplb.dispatch.DispatchSnapshot;
import io.siplb.dispatch.Transport;
import io.siplb.dispatch.state.DestinationState;
import io.siplb.proxy.config.ProbeSettings;
import io.siplb.proxy.core.NextHop;
import io.siplb.proxy.transport.Egress;

/**
 * Keepalive probing (Kamailio's {@code ds_ping_interval}): once per interval, each eligible destination (by
 * {@link ProbeSettings.Mode}; never a disabled one or one with the no-ping flag) gets an OPTIONS (or the configured
 * method) at a random moment of the interval, so a large set is not pinged in one burst. The reply is matched by
 * branch; a final response the reply codes accept is a success, any other final response, no final response within
 * the timeout or an ICMP port unreachable a failure; the destination's state follows the engine's thresholds
 * ({@link DestinationState#probeSucceeded}, {@link DestinationState#probeFailed}, applied on the writer thread) and
 * the round-trip time feeds its latency statistics. A destination address listed in several sets is probed once and
 * the result applies to each. Runs on the event loop of the forwarder that owns it. Not thread-safe; confined to that
 * event loop.
 */
final class Prober {

    private final StatefulForwarder f;
    private final ProbeSettings settings;
    private final long intervalNanos;
    private final Map<String, Probe> pending = new HashMap<>();
    private long sequence;

    /** One probe in flight. Not thread-safe; confined to the event loop. */
    private static final class Probe {
        final List<DestinationState> states;
        final InetSocketAddress address;
        final long sentNanos;
        ScheduledFuture<?> timeout;

        Probe(List<DestinationState> states, InetSocketAddress address, long sentNanos) {
            this.states = states;
            this.address = address;
            this.sentNanos = sentNanos;
        }
    }

    Prober(StatefulForwarder f, ProbeSettings settings) {
        this.f = f;
        this.settings = settings;
        intervalNanos = settings.interval().toNanos();
    }

    void start() {
        if (intervalNanos > 0) {
            f.schedule(this::round, intervalNanos);
        }
    }

    /**
     * Plans one round: every eligible destination at a random moment of the next interval; none while probing is
     * off ({@link io.siplb.proxy.core.ProxyContext#probingEnabled()}).
     */
    private void round() {
        if (!f.ctx.probingEnabled()) {
            f.schedule(this::round, intervalNanos);
            return;
        }
        final DispatchSnapshot snapshot = f.ctx.dispatcher().snapshot();
        // One probe per transport and address, for every destination there.
        final Map<String, List<DestinationState>> targets = new LinkedHashMap<>();
        final Map<String, Destination> first = new HashMap<>();
        for (DestinationSet set : snapshot.sets()) {
            for (Destination d : set.destinations()) {
                final InetSocketAddress a = d.address();
                final DestinationState s = f.ctx.dispatcher().state(d);
                if (s == null || a == null || a.isUnresolved() || d.transport() == Transport.SCTP
                    || (d.flags() & Destination.FLAG_NOPING) != 0 || !eligible(d, s)) {
                    continue;
                }
                final String key = d.transport().uriName() + ':' + a;
                targets.computeIfAbsent(key, k -> new ArrayList<>()).add(s);
                first.putIfAbsent(key, d);
            }
        }
        for (Map.Entry<String, List<DestinationState>> e : targets.entrySet()) {
            final Destination d = first.get(e.getKey());
            final List<DestinationState> states = e.getValue();
            final long delay = ThreadLocalRandom.current().nextLong(Math.max(1, intervalNanos));
            f.schedule(() -> send(d, states), delay);
        }
        f.schedule(this::round, intervalNanos);
    }

    private boolean eligible(Destination d, DestinationState s) {
        return settings.probes(s.health(), d.flags());
    }

    private void send(Destination d, List<DestinationState> states) {
        if (!f.ctx.probingEnabled()) {
            return; // turned off after this round was planned
        }
        final Object hop = f.router.nextHop(d);
        if (!(hop instanceof NextHop)) {
            return; // a transport siplb does not listen on, or siplb itself
        }
        final InetSocketAddress to = d.address();
        // Over the destination's own transport: a new connection when none is open.
        final Egress out = f.io.egressTowards((NextHop) hop, f);
        if (out == null) {
            return;
        }
        final String branch = f.newBranch() + "p";
        final String from = d.attributes().pingFrom() != null ? d.attributes().pingFrom() : settings.from();
        final String uri = d.uri();
        final String text = settings.method() + ' ' + uri + " SIP/2.0\r\n" +
                            "Via: " + out.viaSentBy() + ";branch=" + branch + "\r\n" +
                            "Max-Forwards: 70\r\n" +
                            "From: <" + from + ">;tag=" + Long.toString(++sequence, 36) + "\r\n" +
                            "To: <" + uri + ">\r\n" +
                            "Call-ID: " + branch + "@siplb\r\n" +
                            "CSeq: 1 " + settings.method() + "\r\n" +
                            "Content-Length: 0\r\n\r\n";
        final ByteBuf buf = ByteBufUtil.writeUtf8(out.alloc(), text);
        final Probe probe = new Probe(states, to, System.nanoTime());
        pending.put(branch, probe);
        probe.timeout = f.schedule(() -> {
            if (pending.remove(branch) == probe) {
                for (DestinationState s : probe.states) {
                    s.counters().probeTimeout();
                }
                failed(probe, "probe timeout");
            }
        }, settings.timeout().toNanos());
        f.io.send(out, buf, to, true, io.siplb.codec.SipMethod.of(settings.method()));
    }

    /** Handles a response whose branch is a probe's; returns false when it is not one. */
    boolean onResponse(SipMessage response) {
        final String branch = response.topVia().branch();
        final Probe probe = pending.get(branch);
        if (probe == null) {
            return false;
        }
        final int status = response.statusCode();
        if (status < 200) {
            return true;
        }
        pending.remove(branch);
        probe.timeout.cancel(false);
        final long rttNanos = System.nanoTime() - probe.sentNanos;
        for (DestinationState s : probe.states) {
            s.counters().probeRtt().record(rttNanos);
        }
        if (settings.isSuccess(status)) {
            final long rtt = System.nanoTime() - probe.sentNanos;
            for (DestinationState s : probe.states) {
                s.latency().recordNanos(rtt);
            }
            f.shared.onWriter(() -> {
                for (DestinationState s : probe.states) {
                    s.probeSucceeded("probe answered " + status);
                }
            });
        } else {
            failed(probe, "probe answered " + status);
        }
        return true;
    }

    /** An ICMP port unreachable from {@code remote}: its probes in flight fail. */
    void onTransportError(InetSocketAddress remote) {
        for (Map.Entry<String, Probe> e : new ArrayList<>(pending.entrySet())) {
            if (e.getValue().address.equals(remote)) {
                pending.remove(e.getKey());
                e.getValue().timeout.cancel(false);
                failed(e.getValue(), "probe: ICMP port unreachable");
            }
        }
    }

    private void failed(Probe probe, String reason) {
        for (DestinationState s : probe.states) {
            s.latency().recordTimeout();
        }
        f.shared.onWriter(() -> {
            for (DestinationState s : probe.states) {
                s.probeFailed(reason);
            }
        });
    }
}
