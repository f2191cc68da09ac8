package io.siplb.proxy.stateful;

import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

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
 * Keepalive probing (Kamailio's {@code ds_ping_interval}). Every probed address (one per transport and address,
 * however many sets list it) has its own timer on this event loop: a probe (OPTIONS or the configured method) every
 * interval, the first one at a random moment of the first interval and each later one after the interval ±10 %, so
 * a large set is not pinged in one burst. A destination that appears in the dispatcher's snapshot after start-up (a
 * reload, the admin API) is probed at once; one that leaves it is no longer probed. Whether an address is probed when
 * its timer fires depends on the mode ({@link ProbeSettings.Mode}) and on its destinations' states at that moment;
 * disabled destinations and those with the no-ping flag (32) are never probed.
 *
 * <p>The reply is matched by branch; a final response the reply codes accept is a success, any other final
 * response, no final response within the timeout, an ICMP port unreachable or a failed connection is a failure. The
 * destinations' states follow the engine's thresholds ({@link DestinationState#probeSucceeded},
 * {@link DestinationState#probeFailed}, applied on the health writer thread); the round-trip time of an answered probe
 * feeds their latency statistics, a probe without answer counts as a latency timeout, and both are counted in the
 * destinations' {@link DestinationState#counters()} (probe round-trip histogram, probe timeouts). The settings, the
 * snapshot and
 * {@link io.siplb.proxy.core.ProxyContext#probingEnabled()} are read again every second, so a reload or the admin
 * API changes what is probed without a restart.
 *
 * <p>Not thread-safe; confined to the event loop of the forwarder that owns it (one forwarder of siplb probes).
 */
final class Prober {

    private static final long TICK_NANOS = TimeUnit.SECONDS.toNanos(1);

    private final StatefulForwarder f;
    private final Map<String, Target> targets = new HashMap<>();
    private final Map<String, Probe> pending = new HashMap<>();
    private DispatchSnapshot seenSnapshot;
    private ProbeSettings seenSettings;
    private long sequence;

    /** One probed address: its destinations and timer. Not thread-safe; confined to the event loop. */
    private static final class Target {
        final String key;
        Destination destination;
        List<DestinationState> states;
        ProbeSettings settings;
        ScheduledFuture<?> next;
        Probe inFlight;

        Target(String key) {
            this.key = key;
        }
    }

    /** One probe in flight. Not thread-safe; confined to the event loop. */
    private static final class Probe {
        final Target target;
        final List<DestinationState> states;
        final InetSocketAddress address;
        final ProbeSettings settings;
        final long sentNanos;
        ScheduledFuture<?> timeout;

        Probe(Target target, InetSocketAddress address, long sentNanos) {
            this.target = target;
            this.states = target.states;
            this.settings = target.settings;
            this.address = address;
            this.sentNanos = sentNanos;
        }
    }

    Prober(StatefulForwarder f) {
        this.f = f;
    }

    void start() {
        tick();
    }

    /** Follows the snapshot and the settings; every second. */
    private void tick() {
        final ProbeSettings settings = f.ctx.settings().probing();
        final DispatchSnapshot snapshot = f.ctx.dispatcher().snapshot();
        if (snapshot != seenSnapshot || settings != seenSettings) {
            reconcile(settings, snapshot, seenSnapshot == null || seenSettings.interval().isZero());
            seenSnapshot = snapshot;
            seenSettings = settings;
        }
        f.schedule(this::tick, TICK_NANOS);
    }

    /**
     * Brings the targets in line with {@code snapshot}: new addresses get a timer (at a random moment of the first
     * interval when {@code spread}, else at once), addresses no longer listed lose theirs.
     */
    private void reconcile(ProbeSettings settings, DispatchSnapshot snapshot, boolean spread) {
        final long interval = settings.interval().toNanos();
        final Map<String, List<DestinationState>> states = new LinkedHashMap<>();
        final Map<String, Destination> first = new HashMap<>();
        if (interval > 0) {
            for (DestinationSet set : snapshot.sets()) {
                for (Destination d : set.destinations()) {
                    final InetSocketAddress a = d.address();
                    final DestinationState s = f.ctx.dispatcher().state(d);
                    if (s == null || a == null || a.isUnresolved() || d.transport() == Transport.SCTP
                        || (d.flags() & Destination.FLAG_NOPING) != 0) {
                        continue;
                    }
                    final String key = d.transport().uriName() + ':' + a;
                    states.computeIfAbsent(key, k -> new ArrayList<>()).add(s);
                    first.putIfAbsent(key, d);
                }
            }
        }
        for (Iterator<Target> it = targets.values().iterator(); it.hasNext(); ) {
            final Target t = it.next();
            if (!states.containsKey(t.key)) {
                if (t.next != null) {
                    t.next.cancel(false);
                }
                it.remove();
            }
        }
        for (Map.Entry<String, List<DestinationState>> e : states.entrySet()) {
            final Destination d = first.get(e.getKey());
            Target t = targets.get(e.getKey());
            final boolean added = t == null;
            if (added) {
                t = new Target(e.getKey());
                targets.put(t.key, t);
            }
            t.destination = d;
            t.states = List.copyOf(e.getValue());
            t.settings = settings.forDestination(d.attributes().pingFrom(), d.attributes().others());
            if (added) {
                final Target target = t;
                final long delay = spread ? ThreadLocalRandom.current().nextLong(Math.max(1, interval)) : 0;
                t.next = f.schedule(() -> fire(target), delay);
            }
        }
    }

    /** A target's timer: probes it when eligible, then plans the next probe. */
    private void fire(Target t) {
        t.next = null;
        if (targets.get(t.key) != t) {
            return; // removed by a reconcile
        }
        if (t.inFlight == null && f.ctx.probingEnabled() && eligible(t)) {
            send(t);
        }
        final long interval = t.settings.interval().toNanos();
        if (interval > 0) {
            final long jitter = interval / 10;
            final long delay = interval - jitter + ThreadLocalRandom.current().nextLong(2 * jitter + 1);
            t.next = f.schedule(() -> fire(t), delay);
        }
    }

    private boolean eligible(Target t) {
        for (DestinationState s : t.states) {
            if (t.settings.probes(s.health(), t.destination.flags())) {
                return true;
            }
        }
        return false;
    }

    private void send(Target t) {
        final Destination d = t.destination;
        final Object hop = f.router.nextHop(d);
        if (!(hop instanceof NextHop)) {
            return; // a transport siplb does not listen on, or siplb itself
        }
        final InetSocketAddress to = d.address();
        final Probe probe = new Probe(t, to, System.nanoTime());
        // Over the destination's own transport: a new connection when none is open.
        final Egress out = f.io.egressTowards((NextHop) hop, f);
        if (out == null) {
            failed(probe, "probe: no connection to " + to);
            return;
        }
        final ProbeSettings s = t.settings;
        final String branch = f.newBranch() + "p";
        final String uri = d.uri();
        final String text = s.method() + ' ' + uri + " SIP/2.0\r\n" +
                            "Via: " + out.viaSentBy() + ";branch=" + branch + "\r\n" +
                            "Max-Forwards: 70\r\n" +
                            "From: <" + s.from() + ">;tag=" + Long.toString(++sequence, 36) + "\r\n" +
                            "To: <" + uri + ">\r\n" +
                            "Call-ID: " + branch + "@siplb\r\n" +
                            "CSeq: 1 " + s.method() + "\r\n" +
                            "Content-Length: 0\r\n\r\n";
        final ByteBuf buf = ByteBufUtil.writeUtf8(out.alloc(), text);
        pending.put(branch, probe);
        t.inFlight = probe;
        probe.timeout = f.schedule(() -> {
            if (pending.remove(branch) == probe) {
                for (DestinationState ds : probe.states) {
                    ds.counters().probeTimeout();
                }
                failed(probe, "probe timeout");
            }
        }, s.timeout().toNanos());
        f.io.send(out, buf, to, true, io.siplb.codec.SipMethod.of(s.method()));
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
        for (DestinationState ds : probe.states) {
            ds.counters().probeRtt().record(rttNanos);
        }
        done(probe);
        if (probe.settings.isSuccess(status)) {
            for (DestinationState s : probe.states) {
                s.latency().recordNanos(rttNanos);
            }
            f.shared.onWriter(() -> {
                for (DestinationState s : probe.states) {
                    s.probeSucceeded("probe answered " + status);
                }
            });
        } else {
            f.shared.onWriter(() -> {
                for (DestinationState s : probe.states) {
                    s.probeFailed("probe answered " + status);
                }
            });
        }
        return true;
    }

    /** A transport error towards {@code remote} (ICMP port unreachable, failed connection): its probes fail. */
    void onTransportError(InetSocketAddress remote) {
        for (Map.Entry<String, Probe> e : new ArrayList<>(pending.entrySet())) {
            if (e.getValue().address.equals(remote)) {
                pending.remove(e.getKey());
                e.getValue().timeout.cancel(false);
                failed(e.getValue(), "probe: transport error");
            }
        }
    }

    private void done(Probe probe) {
        if (probe.target.inFlight == probe) {
            probe.target.inFlight = null;
        }
    }

    private void failed(Probe probe, String reason) {
        done(probe);
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
