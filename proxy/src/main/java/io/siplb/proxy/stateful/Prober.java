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
import io.siplb.dispatch.state.HealthState;
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
    private final Map<String, Probe> pending = new HashMap<>();
    /** Every destination's transport and address before the last reload, so that a reload probes new ones. */
    private java.util.Set<String> known = java.util.Set.of();
    private long sequence;
    private boolean started;

    /** The destinations at one transport and address: the first one is probed, the result applies to all. */
    private static final class Target {
        final Destination first;
        final List<DestinationState> states = new ArrayList<>(1);

        Target(Destination first) {
            this.first = first;
        }
    }

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

    Prober(StatefulForwarder f) {
        this.f = f;
    }

    /** The probing settings in force (a reload replaces them); read once per round and per probe. */
    private ProbeSettings settings() {
        return f.ctx.settings().probing();
    }

    void start() {
        started = true;
        known = addresses();
        f.schedule(this::round, nextRoundNanos());
    }

    /** The interval in force; with probing off (0), how soon siplb looks again whether a reload turned it on. */
    private long nextRoundNanos() {
        final long interval = settings().interval().toNanos();
        return interval > 0 ? interval : 1_000_000_000L;
    }

    /**
     * After a reload: the destinations that were not probed before (new ones, or another transport or address) get
     * a probe at once; the others keep their schedule. On the event loop.
     */
    void onReload() {
        final ProbeSettings settings = settings();
        if (!started || settings.interval().isZero()) {
            return;
        }
        for (Map.Entry<String, Target> e : targets(settings).entrySet()) {
            if (!known.contains(e.getKey())) {
                send(e.getValue().first, e.getValue().states);
            }
        }
        known = addresses();
    }

    /** Every destination's transport and address, eligible for probing or not. */
    private java.util.Set<String> addresses() {
        final java.util.Set<String> keys = new java.util.HashSet<>();
        for (DestinationSet set : f.ctx.dispatcher().snapshot().sets()) {
            for (Destination d : set.destinations()) {
                if (d.address() != null) {
                    keys.add(d.transport().uriName() + ':' + d.address());
                }
            }
        }
        return keys;
    }

    /** Plans one round: every eligible destination at a random moment of the next interval. */
    private void round() {
        final ProbeSettings settings = settings();
        final long intervalNanos = settings.interval().toNanos();
        if (intervalNanos <= 0) {
            f.schedule(this::round, nextRoundNanos());
            return;
        }
        final Map<String, Target> targets = targets(settings);
        for (Target t : targets.values()) {
            final Destination d = t.first;
            final List<DestinationState> states = t.states;
            final long delay = ThreadLocalRandom.current().nextLong(Math.max(1, intervalNanos));
            f.schedule(() -> send(d, states), delay);
        }
        f.schedule(this::round, intervalNanos);
    }

    /** Every eligible destination, by transport and address (one probe for every destination there). */
    private Map<String, Target> targets(ProbeSettings settings) {
        final DispatchSnapshot snapshot = f.ctx.dispatcher().snapshot();
        // One probe per transport and address, for every destination there.
        final Map<String, Target> targets = new LinkedHashMap<>();
        for (DestinationSet set : snapshot.sets()) {
            for (Destination d : set.destinations()) {
                final InetSocketAddress a = d.address();
                final DestinationState s = f.ctx.dispatcher().state(d);
                if (s == null || a == null || a.isUnresolved() || d.transport() == Transport.SCTP
                    || (d.flags() & Destination.FLAG_NOPING) != 0 || !eligible(settings, d, s)) {
                    continue;
                }
                final String key = d.transport().uriName() + ':' + a;
                targets.computeIfAbsent(key, k -> new Target(d)).states.add(s);
            }
        }
        return targets;
    }

    private static boolean eligible(ProbeSettings settings, Destination d, DestinationState s) {
        final HealthState h = s.health();
        if (h == HealthState.DISABLED) {
            return false;
        }
        final boolean out = h == HealthState.INACTIVE || h == HealthState.PROBING || h == HealthState.TRYING;
        switch (settings.mode()) {
            case ALL:
                return true;
            case FLAGGED:
                return out || (d.flags() & Destination.FLAG_PROBING) != 0;
            default:
                return out;
        }
    }

    private void send(Destination d, List<DestinationState> states) {
        final ProbeSettings settings = settings();
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
                failed(probe, "probe timeout");
            }
        }, settings.timeout().toNanos());
        f.io.send(out, buf, to);
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
        if (settings().isSuccess(status)) {
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
