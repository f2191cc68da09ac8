package io.siplb.proxy.stateful;

import static java.util.Objects.requireNonNull;

import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.LongAdder;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.siplb.dispatch.state.CallLoadTable;
import io.siplb.dispatch.state.DestinationState;

/**
 * What the stateful forwarders of one siplb share: the forwarder of each event loop (so that a response, or a request
 * of an existing transaction, that arrives on another loop than the one holding its transaction is handed over, see
 * {@link Branches} and {@link StatefulForwarder}), the call-load table, the one writer thread that applies passive
 * health signals (a health change rebuilds a dispatch snapshot, which must not run on an event loop), and the
 * transaction counters. Thread-safe (lock-free): the forwarder list is published once through a volatile write
 * before any socket reads.
 */
public final class StatefulProxy implements AutoCloseable {

    private static final Logger logger = LoggerFactory.getLogger(StatefulProxy.class);

    private final CallLoadTable callLoad;
    private final ExecutorService healthWriter;
    /** A random tag of this siplb instance in every branch, so that branches of a restarted siplb never match. */
    private final String instanceTag;
    private final LongAdder transactionsCreated = new LongAdder();
    private final LongAdder failovers = new LongAdder();
    /** Failovers by set id; an entry is added at the first failover of a set (rare) and never removed. */
    private final java.util.concurrent.ConcurrentHashMap<Integer, LongAdder> failoversBySet =
            new java.util.concurrent.ConcurrentHashMap<>();
    private final LongAdder handovers = new LongAdder();
    private volatile List<StatefulForwarder> forwarders = List.of();

    /** Creates the shared state over a call-load table. */
    public StatefulProxy(CallLoadTable callLoad) {
        this.callLoad = requireNonNull(callLoad, "callLoad");
        healthWriter = Executors.newSingleThreadExecutor(r -> {
            final Thread t = new Thread(r, "siplb-health");
            t.setDaemon(true);
            return t;
        });
        instanceTag = Long.toString(ThreadLocalRandom.current().nextLong() >>> 28, 36);
    }

    /** Publishes the forwarder of every event loop, indexed as their branches say. */
    public void publish(List<StatefulForwarder> forwarders) {
        this.forwarders = List.copyOf(forwarders);
    }

    /** Returns the forwarder of every event loop, indexed as their branches say. */
    List<StatefulForwarder> forwarders() {
        return forwarders;
    }

    /** Returns the forwarder of loop {@code index}, or {@code null}. */
    StatefulForwarder forwarder(int index) {
        final List<StatefulForwarder> f = forwarders;
        return index >= 0 && index < f.size() ? f.get(index) : null;
    }

    /** Returns the call-load table. */
    public CallLoadTable callLoad() {
        return callLoad;
    }

    String instanceTag() {
        return instanceTag;
    }

    /** Reports a failure on real traffic to the engine, on the writer thread. */
    void passiveFailure(DestinationState state, String reason) {
        if (state != null && state.isActive()) {
            healthWriter.execute(() -> state.passiveFailure(reason));
        }
    }

    /** Reports an answer on real traffic to the engine, on the writer thread when it changes anything. */
    void passiveSuccess(DestinationState state, String reason) {
        if (state != null && state.health() == io.siplb.dispatch.state.HealthState.TRYING) {
            healthWriter.execute(() -> state.passiveSuccess(reason));
        }
    }

    /** Runs {@code task} on the writer thread (work that rebuilds snapshots or sweeps tables, off the loops). */
    public void onWriter(Runnable task) {
        if (!healthWriter.isShutdown()) {
            healthWriter.execute(task);
        }
    }

    void transactionCreated() {
        transactionsCreated.increment();
    }

    void failover(int setId) {
        failovers.increment();
        LongAdder a = failoversBySet.get(setId);
        if (a == null) {
            a = failoversBySet.computeIfAbsent(setId, k -> new LongAdder());
        }
        a.increment();
    }

    /** Returns the failovers of set {@code setId} so far. */
    public long failovers(int setId) {
        final LongAdder a = failoversBySet.get(setId);
        return a != null ? a.sum() : 0;
    }

    /** Returns the ids of the sets that had a failover, ascending. */
    public java.util.SortedSet<Integer> setsWithFailovers() {
        return new java.util.TreeSet<>(failoversBySet.keySet());
    }

    void handover() {
        handovers.increment();
    }

    /** Returns the server transactions created so far. */
    public long transactionsCreated() {
        return transactionsCreated.sum();
    }

    /** Returns the branches started as failover so far. */
    public long failovers() {
        return failovers.sum();
    }

    /**
     * Returns the messages handed over to the event loop holding their transaction: responses, and requests of a
     * transaction of another loop (a retransmission, CANCEL or ACK that loop did not read).
     */
    public long handovers() {
        return handovers.sum();
    }

    /** Returns the server transactions alive now, over every event loop (read without synchronization). */
    public int activeTransactions() {
        int n = 0;
        for (StatefulForwarder f : forwarders) {
            n += f.transactionCount();
        }
        return n;
    }

    @Override
    public void close() {
        healthWriter.shutdown();
        logger.debug("stateful proxy closed: {} transactions, {} failovers", transactionsCreated(), failovers());
    }
}
