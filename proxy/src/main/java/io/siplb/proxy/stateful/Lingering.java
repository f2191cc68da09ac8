package io.siplb.proxy.stateful;

import java.util.Arrays;

/**
 * The end-of-linger deadlines of one forwarder's transactions and branches: once a final response passed, a
 * transaction or branch stays only to absorb retransmissions (Timers H, I, J, K, L, M, D and the 64*T1 after an
 * abandoned branch) and then ends. Those waits are long (up to 64*T1 = 32 s), come by the thousand per second and
 * almost never need cancelling early, so they are not put on the event loop's scheduled-task heap (an O(log n)
 * insertion and removal and a task object each, with n every lingering transaction). Every wait of one duration
 * ends in the order it began, so each distinct duration has a FIFO ring of (deadline, owner, generation), and one
 * sweep every {@link #TICK_NANOS} ends the owners whose deadline passed. An entry is never removed early: an owner
 * that changed state since (a new wait, or its end) has a new {@link Owner#lingerGeneration()}, and the stale entry
 * is skipped when it comes up.
 *
 * <p>Precision: a wait ends up to {@link #TICK_NANOS} late, never early. At most {@link #MAX_DURATIONS} distinct
 * durations are queued (a reload that changes T1 or T4 adds some); beyond that {@link #add} returns {@code false}
 * and the caller schedules the wait on the event loop itself.
 *
 * <p>Not thread-safe; confined to its forwarder's event loop.
 */
final class Lingering {

    /** The period of the sweep. */
    static final long TICK_NANOS = 50_000_000L;
    static final int MAX_DURATIONS = 8;

    /**
     * What lingers: a server transaction or a branch. Its generation changes whenever it starts a new wait
     * ({@link #lingerFor}) or drops the one it has ({@link #stopLingering}); a queued entry of another generation
     * is stale. Not thread-safe; confined to its forwarder's event loop.
     */
    abstract static class Owner {
        private int generation;

        final int lingerGeneration() {
            return generation;
        }

        /** Ends this owner {@code nanos} from now on {@code f}'s loop, unless it starts another wait or stops first. */
        final void lingerFor(StatefulForwarder f, long nanos) {
            generation++;
            f.linger(this, nanos);
        }

        /** Drops the current wait, if any. */
        final void stopLingering() {
            generation++;
        }

        /** The current wait ended. */
        abstract void lingerEnded();
    }

    private final Ring[] rings = new Ring[MAX_DURATIONS];
    private int ringCount;

    /**
     * Queues the end of {@code owner}'s wait of {@code nanos} from {@code now}; returns {@code false} when no ring is
     * left for that duration.
     */
    boolean add(Owner owner, long nanos, long now) {
        for (int i = 0; i < ringCount; i++) {
            if (rings[i].duration == nanos) {
                rings[i].add(now + nanos, owner, owner.lingerGeneration());
                return true;
            }
        }
        if (ringCount == MAX_DURATIONS) {
            return false;
        }
        final Ring r = new Ring(nanos);
        rings[ringCount++] = r;
        r.add(now + nanos, owner, owner.lingerGeneration());
        return true;
    }

    /** Ends every wait whose deadline is at or before {@code now}; returns how many owners were ended. */
    int expire(long now) {
        int ended = 0;
        for (int i = 0; i < ringCount; i++) {
            ended += rings[i].expire(now);
        }
        return ended;
    }

    /** Returns the number of queued entries, stale ones included. */
    int size() {
        int n = 0;
        for (int i = 0; i < ringCount; i++) {
            n += rings[i].size;
        }
        return n;
    }

    /** Forgets every entry (the forwarder closed and ended its owners itself). */
    void clear() {
        for (int i = 0; i < ringCount; i++) {
            rings[i] = null;
        }
        ringCount = 0;
    }

    /** The waits of one duration, in the order they began (so in deadline order): a growable ring. */
    private static final class Ring {
        final long duration;
        long[] deadlines = new long[64];
        Owner[] owners = new Owner[64];
        int[] generations = new int[64];
        int head;
        int size;

        Ring(long duration) {
            this.duration = duration;
        }

        void add(long deadline, Owner owner, int generation) {
            if (size == owners.length) {
                grow();
            }
            final int i = (head + size) & (owners.length - 1);
            deadlines[i] = deadline;
            owners[i] = owner;
            generations[i] = generation;
            size++;
        }

        int expire(long now) {
            int ended = 0;
            final int mask = owners.length - 1;
            while (size > 0 && deadlines[head] - now <= 0) {
                final Owner o = owners[head];
                final int g = generations[head];
                owners[head] = null;
                head = (head + 1) & mask;
                size--;
                if (o.lingerGeneration() == g) {
                    o.lingerEnded();
                    ended++;
                }
            }
            return ended;
        }

        private void grow() {
            final int n = owners.length;
            final long[] d = new long[n * 2];
            final Owner[] o = new Owner[n * 2];
            final int[] g = new int[n * 2];
            for (int k = 0; k < size; k++) {
                final int i = (head + k) & (n - 1);
                d[k] = deadlines[i];
                o[k] = owners[i];
                g[k] = generations[i];
            }
            Arrays.fill(owners, null);
            deadlines = d;
            owners = o;
            generations = g;
            head = 0;
        }
    }
}
