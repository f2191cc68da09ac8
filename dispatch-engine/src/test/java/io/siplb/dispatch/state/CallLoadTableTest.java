package io.siplb.dispatch.state;

import static io.siplb.dispatch.state.CallLoadTable.AddResult.ADDED;
import static io.siplb.dispatch.state.CallLoadTable.AddResult.AT_MAX_LOAD;
import static io.siplb.dispatch.state.CallLoadTable.AddResult.DUPLICATE;
import static io.siplb.dispatch.state.CallLoadTable.AddResult.TABLE_FULL;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

class CallLoadTableTest {

    private final TestTime time = new TestTime();
    private final StateRegistry registry = StateRegistry.create();
    private final DestinationState a = registry.getOrCreate(DestinationKey.ofDuid(1, "a"));
    private final DestinationState b = registry.getOrCreate(DestinationKey.ofDuid(1, "b"));

    private CallLoadTable table(int maxCalls) {
        return CallLoadTable.builder()
                            .maxCalls(maxCalls)
                            .initExpire(Duration.ofSeconds(30))
                            .expire(Duration.ofSeconds(3600))
                            .ticker(time)
                            .build();
    }

    @Test
    void lifecycleAddConfirmRelease() {
        final CallLoadTable t = table(10);
        assertThat(t.add("c1@host", a)).isEqualTo(ADDED);
        assertThat(t.add("c2@host", a)).isEqualTo(ADDED);
        assertThat(t.add("c1@host", b)).isEqualTo(DUPLICATE);
        assertThat(a.activeCalls()).isEqualTo(2);
        assertThat(b.activeCalls()).isZero();
        assertThat(t.size()).isEqualTo(2);

        assertThat(t.isConfirmed("c1@host")).isFalse();
        assertThat(t.onInviteResponse("c1@host", 180)).isTrue();
        assertThat(t.isConfirmed("c1@host")).isFalse();
        assertThat(t.onInviteResponse("c1@host", 200)).isTrue();
        assertThat(t.isConfirmed("c1@host")).isTrue();

        assertThat(t.release("c1@host")).isTrue(); // BYE
        assertThat(t.release("c1@host")).isFalse(); // retransmitted BYE
        assertThat(t.onInviteResponse("c2@host", 486)).isTrue(); // failed INVITE releases
        assertThat(a.activeCalls()).isZero();
        assertThat(t.size()).isZero();
        assertThat(t.added()).isEqualTo(2);
        assertThat(t.released()).isEqualTo(2);
        assertThat(t.duplicates()).isEqualTo(1);
        assertThat(t.confirm("unknown")).isFalse();
    }

    @Test
    void failoverMovesTheLoad() {
        final CallLoadTable t = table(10);
        t.add("c1", a);
        assertThat(t.moveTo("c1", b)).isTrue();
        assertThat(a.activeCalls()).isZero();
        assertThat(b.activeCalls()).isEqualTo(1);
        assertThat(t.destinationOf("c1")).isSameAs(b);
        assertThat(t.moveTo("c1", b)).isTrue(); // already there: no change
        assertThat(b.activeCalls()).isEqualTo(1);
        assertThat(t.moved()).isEqualTo(1);
        assertThat(t.moveTo("nope", a)).isFalse();
        t.release("c1");
        assertThat(b.activeCalls()).isZero();
    }

    @Test
    void unconfirmedEntriesExpireAfterInitExpireConfirmedAfterExpire() {
        final CallLoadTable t = table(10);
        t.add("unconfirmed", a);
        t.add("confirmed", a);
        t.confirm("confirmed");
        assertThat(a.activeCalls()).isEqualTo(2);

        time.advance(30, TimeUnit.SECONDS); // exactly initExpire: not yet (Kamailio: expire < now)
        assertThat(t.sweep()).isZero();
        time.advanceNanos(1);
        assertThat(t.sweep()).isEqualTo(1);
        assertThat(t.destinationOf("unconfirmed")).isNull();
        assertThat(a.activeCalls()).isEqualTo(1);

        time.advance(3600 - 30, TimeUnit.SECONDS); // 3600 s + 1 ns after selection
        assertThat(t.sweep()).isEqualTo(1);
        assertThat(t.size()).isZero();
        assertThat(a.activeCalls()).isZero();
        assertThat(t.expired()).isEqualTo(2);
    }

    @Test
    void expireCountsFromSelectionAndIsNotRefreshedByConfirmOrMove() {
        final CallLoadTable t = table(10);
        t.add("c", a);
        time.advance(20, TimeUnit.SECONDS);
        t.confirm("c");
        t.moveTo("c", b);
        time.advance(3580, TimeUnit.SECONDS);
        assertThat(t.sweep()).isZero();
        time.advanceNanos(1);
        assertThat(t.sweep()).isEqualTo(1);
        assertThat(b.activeCalls()).isZero();
        assertThat(a.activeCalls()).isZero();
    }

    @Test
    void boundedByMaxCallsAndCountsRejections() {
        final CallLoadTable t = table(3);
        for (int i = 0; i < 3; i++) {
            assertThat(t.add("c" + i, a)).isEqualTo(ADDED);
        }
        assertThat(t.add("c3", a)).isEqualTo(TABLE_FULL);
        assertThat(t.add("c4", b)).isEqualTo(TABLE_FULL);
        assertThat(t.rejectedFull()).isEqualTo(2);
        assertThat(t.size()).isEqualTo(3);
        assertThat(a.activeCalls()).isEqualTo(3);
        assertThat(b.activeCalls()).isZero();
        t.release("c0");
        assertThat(t.add("c3", a)).isEqualTo(ADDED);
    }

    @Test
    void maxLoadPerDestination() {
        final CallLoadTable t = table(100);
        assertThat(t.add("c1", a, 2)).isEqualTo(ADDED);
        assertThat(t.add("c2", a, 2)).isEqualTo(ADDED);
        assertThat(t.add("c3", a, 2)).isEqualTo(AT_MAX_LOAD);
        assertThat(t.size()).isEqualTo(2);
        assertThat(a.activeCalls()).isEqualTo(2);
        assertThat(t.add("c3", b, 2)).isEqualTo(ADDED);
    }

    @Test
    void drainCompletesWhenTheLastTrackedCallEnds() {
        final CallLoadTable t = table(10);
        t.add("c1", a);
        t.add("c2", a);
        t.confirm("c1");
        a.setAdminState(HealthState.DRAINING, "maintenance");
        assertThat(a.isActive()).isFalse();
        assertThat(a.isDrained()).isFalse();
        t.release("c1"); // BYE of an established call still arrives while draining
        assertThat(a.isDrained()).isFalse();
        time.advance(31, TimeUnit.SECONDS); // c2 never confirmed: expires after initExpire
        assertThat(t.sweep()).isEqualTo(1);
        assertThat(a.isDrained()).isTrue();
        assertThat(b.isDrained()).isFalse(); // not draining
    }

    @Test
    void rejectsBadSettings() {
        assertThatThrownBy(() -> CallLoadTable.builder().maxCalls(0))
                .hasMessage("maxCalls: 0 (expected: > 0)");
        assertThatThrownBy(() -> CallLoadTable.builder().expire(Duration.ZERO))
                .hasMessage("expire: PT0S (expected: > 0)");
    }

    @Test
    void concurrentLifecyclesKeepCountersExact() throws Exception {
        // 4 threads x 20_000 calls each: add on a or b, half confirmed, a quarter moved, all but every 10th
        // released; every 10th is left for the sweep. Counters must come out exact.
        final CallLoadTable t = table(1_000_000);
        final int threads = 4;
        final int perThread = 20_000;
        final Thread[] ts = new Thread[threads];
        for (int th = 0; th < threads; th++) {
            final int id = th;
            ts[th] = new Thread(() -> {
                for (int i = 0; i < perThread; i++) {
                    final String callId = id + "-" + i;
                    final DestinationState d = (i & 1) == 0 ? a : b;
                    assertThat(t.add(callId, d)).isEqualTo(ADDED);
                    if (i % 2 == 0) {
                        t.confirm(callId);
                    }
                    if (i % 4 == 0) {
                        t.moveTo(callId, d == a ? b : a);
                    }
                    if (i % 10 != 0) {
                        assertThat(t.release(callId)).isTrue();
                    }
                }
            });
            ts[th].start();
        }
        // A sweeper racing with the workers; nothing is old enough to expire yet.
        for (int i = 0; i < 50; i++) {
            assertThat(t.sweep()).isZero();
        }
        for (Thread th : ts) {
            th.join(60_000);
            assertThat(th.isAlive()).isFalse();
        }
        final int left = threads * perThread / 10;
        assertThat(t.size()).isEqualTo(left);
        assertThat(a.activeCalls() + b.activeCalls()).isEqualTo(left);
        // i % 10 == 0 is even: placed on a, moved to b when i % 4 == 0 (i % 20 == 0), i.e. half of them.
        assertThat(a.activeCalls()).isEqualTo(left / 2);
        assertThat(b.activeCalls()).isEqualTo(left / 2);

        time.advance(3601, TimeUnit.SECONDS);
        assertThat(t.sweep()).isEqualTo(left);
        assertThat(a.activeCalls()).isZero();
        assertThat(b.activeCalls()).isZero();
        assertThat(t.added()).isEqualTo(threads * perThread);
        assertThat(t.released() + t.expired()).isEqualTo(threads * perThread);
    }

    @Test
    void concurrentReleaseMoveAndSweepOfTheSameCallsDecrementExactlyOnce() throws Exception {
        // Three threads race to release, move and expire the same 20_000 calls; whatever wins, every counter
        // ends at zero (a lost or double decrement would leave it at +-n).
        for (int round = 0; round < 5; round++) {
            final CallLoadTable t = table(100_000);
            final int n = 20_000;
            for (int i = 0; i < n; i++) {
                t.add("c" + i, a);
            }
            time.advance(31, TimeUnit.SECONDS); // unconfirmed entries are now expired
            final Thread releaser = new Thread(() -> {
                for (int i = 0; i < n; i++) {
                    t.release("c" + i);
                }
            });
            final Thread mover = new Thread(() -> {
                for (int i = n - 1; i >= 0; i--) {
                    t.moveTo("c" + i, (i & 1) == 0 ? b : a);
                }
            });
            final Thread sweeper = new Thread(t::sweep);
            releaser.start();
            mover.start();
            sweeper.start();
            for (Thread th : new Thread[] {releaser, mover, sweeper}) {
                th.join(60_000);
                assertThat(th.isAlive()).isFalse();
            }
            t.sweep();
            assertThat(t.size()).isZero();
            assertThat(a.activeCalls()).isZero();
            assertThat(b.activeCalls()).isZero();
            assertThat(t.released() + t.expired()).isEqualTo(n);
        }
    }
}
