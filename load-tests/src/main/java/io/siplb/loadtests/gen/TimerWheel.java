package io.siplb.loadtests.gen;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import io.netty.channel.EventLoop;
import io.netty.util.concurrent.ScheduledFuture;

/**
 * A hashed timer wheel driven by one periodic task on one event loop: every call of the generator has at most one
 * pending timer (its next retransmission, its timeout or the end of its hold time, whichever comes first), an
 * intrusive entry that is rescheduled in place, so timers cost no allocation and no priority-queue work. Resolution is
 * {@link #TICK_NANOS}; a timer fires on the first tick at or after its deadline, and the entry is told its deadline,
 * so latencies measured from a deadline include the wheel's lateness (never less than the truth).
 *
 * <p>Not thread-safe; confined to the event loop it was created for: timers are scheduled, cancelled and fired only
 * on that loop.
 */
final class TimerWheel {

    /** The wheel's resolution: one millisecond. */
    static final long TICK_NANOS = TimeUnit.MILLISECONDS.toNanos(1);

    /** Slots of the wheel (a power of two): one turn is 4.096 s; later deadlines wait for their turn. */
    private static final int SLOTS = 4096;

    /** A timer: extend it and implement {@link #onTimer}. Confined to the wheel's event loop. */
    abstract static class Timer {
        Timer prev;
        Timer next;
        long deadlineNanos;
        int slot;
        boolean scheduled;

        /** Called on the wheel's event loop at or after {@code deadlineNanos}; {@code now} is the tick's time. */
        abstract void onTimer(long deadlineNanos, long now);

        /** Called instead of {@link #onTimer} when the wheel is closed with this timer pending. */
        abstract void onDiscard();

        final boolean isScheduled() {
            return scheduled;
        }
    }

    private final EventLoop loop;
    private final Timer[] heads = new Timer[SLOTS];
    private final List<Timer> due = new ArrayList<>();
    private long lastTick;
    private int size;
    private ScheduledFuture<?> ticker;

    TimerWheel(EventLoop loop) {
        this.loop = loop;
        lastTick = System.nanoTime() / TICK_NANOS;
    }

    /** Starts the periodic tick; call once, from any thread. */
    void start() {
        ticker = loop.scheduleAtFixedRate(this::tick, TICK_NANOS, TICK_NANOS, TimeUnit.NANOSECONDS);
    }

    EventLoop loop() {
        return loop;
    }

    /** Returns the number of pending timers. */
    int size() {
        return size;
    }

    /** Schedules (or reschedules) {@code t} for {@code deadlineNanos} ({@link System#nanoTime()} time). */
    void schedule(Timer t, long deadlineNanos) {
        assert loop.inEventLoop();
        if (t.scheduled) {
            unlink(t);
        }
        t.deadlineNanos = deadlineNanos;
        // A deadline in a tick already passed goes to the next tick's slot.
        final long tick = Math.max(deadlineNanos / TICK_NANOS, lastTick + 1);
        final int slot = (int) (tick & (SLOTS - 1));
        t.slot = slot;
        t.prev = null;
        t.next = heads[slot];
        if (t.next != null) {
            t.next.prev = t;
        }
        heads[slot] = t;
        t.scheduled = true;
        size++;
    }

    /** Cancels {@code t} if it is pending. */
    void cancel(Timer t) {
        assert loop.inEventLoop();
        if (t.scheduled) {
            unlink(t);
        }
    }

    private void unlink(Timer t) {
        if (t.prev != null) {
            t.prev.next = t.next;
        } else {
            heads[t.slot] = t.next;
        }
        if (t.next != null) {
            t.next.prev = t.prev;
        }
        t.prev = null;
        t.next = null;
        t.scheduled = false;
        size--;
    }

    /** Fires every timer whose deadline has passed. */
    void tick() {
        final long now = System.nanoTime();
        final long nowTick = now / TICK_NANOS;
        // After a long stall, visit each slot at most once.
        final long from = Math.max(lastTick + 1, nowTick - SLOTS + 1);
        for (long tick = from; tick <= nowTick; tick++) {
            final int slot = (int) (tick & (SLOTS - 1));
            for (Timer t = heads[slot]; t != null; ) {
                final Timer next = t.next;
                if (t.deadlineNanos / TICK_NANOS <= nowTick) {
                    unlink(t);
                    due.add(t);
                }
                t = next;
            }
        }
        lastTick = nowTick;
        for (int i = 0; i < due.size(); i++) {
            final Timer t = due.get(i);
            t.onTimer(t.deadlineNanos, now);
        }
        due.clear();
    }

    /** Stops the tick and discards every pending timer ({@link Timer#onDiscard()}); call on the event loop. */
    void close() {
        assert loop.inEventLoop();
        if (ticker != null) {
            ticker.cancel(false);
        }
        for (int s = 0; s < SLOTS; s++) {
            while (heads[s] != null) {
                final Timer t = heads[s];
                unlink(t);
                t.onDiscard();
            }
        }
    }
}
