package io.siplb.dispatch.state;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

/**
 * A wall clock and a monotonic ticker that tests move by hand, both starting at fixed values.
 *
 * <p>Thread-safe (lock-free).
 */
final class TestTime extends Clock implements LongSupplier {

    static final long START_MILLIS = 1_790_000_000_000L;

    private final AtomicLong nanos = new AtomicLong(1_000_000_000L);
    private final AtomicLong millis = new AtomicLong(START_MILLIS);

    void advance(long amount, TimeUnit unit) {
        nanos.addAndGet(unit.toNanos(amount));
        millis.addAndGet(unit.toMillis(amount));
    }

    void advanceNanos(long n) {
        nanos.addAndGet(n);
    }

    @Override
    public long getAsLong() {
        return nanos.get();
    }

    @Override
    public ZoneId getZone() {
        return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(ZoneId zone) {
        throw new UnsupportedOperationException();
    }

    @Override
    public long millis() {
        return millis.get();
    }

    @Override
    public Instant instant() {
        return Instant.ofEpochMilli(millis.get());
    }
}
