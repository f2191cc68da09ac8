package io.siplb.dispatch.state;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.Test;

import io.siplb.dispatch.Algorithm;
import io.siplb.dispatch.Destination;
import io.siplb.dispatch.DestinationAttributes;
import io.siplb.dispatch.DestinationSet;
import io.siplb.dispatch.DispatchSnapshot;
import io.siplb.dispatch.Dispatcher;
import io.siplb.dispatch.DispatcherSettings;
import io.siplb.dispatch.Selection;
import io.siplb.dispatch.SelectionKey;

/**
 * Readers never see a half-built snapshot. Writers reload the {@link Dispatcher} with settings whose shape is a
 * function of a generation number {@code g} written into every destination URI ({@code sip:g<g>x<i>@...}):
 * set 1 has {@code 2 + g % 6} destinations, destination {@code i} is flagged inactive when
 * {@code (g + i) % 3 == 0} (the last one never is), set 2 exists only for even {@code g}. Readers take one
 * snapshot per iteration and check, on that snapshot alone, that every table agrees with its destination list
 * and generation: tags, sizes, the active list, and the selections of several algorithms (chosen destination and
 * failover list active, of the same generation, without duplicates), plus versions that never go back.
 *
 * <p>Bounded: 2 writers x {@value #RELOADS_PER_WRITER} reloads, 1 refresher x {@value #REFRESHES} rebuilds, 2 readers
 * that stop when the writers are done, everything capped at {@value #MAX_SECONDS} s.
 */
class SnapshotPublicationStressTest {

    /** Reloads by each of the two writers; each builds every table of a new generation from scratch. */
    private static final int RELOADS_PER_WRITER = 30;
    /** Rebuilds from the current settings (as after a health change). */
    private static final int REFRESHES = 200;
    /** Health changes in the second test. */
    private static final int FLIPS = 150;
    private static final int MAX_SECONDS = 60;
    private static final Algorithm[] ALGORITHMS = {
            Algorithm.ROUND_ROBIN, Algorithm.HASH_CALL_ID, Algorithm.WEIGHTED, Algorithm.PRIORITY,
            Algorithm.RANDOM, Algorithm.RELATIVE_WEIGHT
    };

    private final AtomicLong generations = new AtomicLong();

    private static int size(long g) {
        return 2 + (int) (g % 6);
    }

    private static boolean inactive(long g, int i, int n) {
        return i < n - 1 && (g + i) % 3 == 0;
    }

    private static DispatcherSettings settings(long g) {
        final int n = size(g);
        final List<Destination> dests = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            dests.add(Destination.of(1, "sip:g" + g + 'x' + i + "@127.0.0." + (i + 1) + ":5060",
                                     inactive(g, i, n) ? Destination.FLAG_INACTIVE : 0, i % 2,
                                     DestinationAttributes.parse("weight=" + (10 * (i + 1)) + ";rweight=" + (i + 1))));
        }
        final DispatcherSettings.Builder b = DispatcherSettings.builder()
                                                               .addSet(DestinationSet.of(1, Algorithm.ROUND_ROBIN, dests))
                                                               .source("generation " + g);
        if (g % 2 == 0) {
            b.addSet(DestinationSet.of(2, Algorithm.ROUND_ROBIN,
                                       List.of(Destination.of(2, "sip:g" + g + "x0@127.0.1.1:5060", 0, 0,
                                                              DestinationAttributes.EMPTY))));
        }
        return b.build();
    }

    /** The generation tag of a destination URI, or -1. */
    private static long tag(Destination d) {
        final String u = d.uri();
        final int g = u.indexOf(":g");
        final int x = u.indexOf('x', g);
        if (g < 0 || x < 0) {
            return -1;
        }
        return Long.parseLong(u.substring(g + 2, x));
    }

    private static int index(Destination d) {
        final String u = d.uri();
        return Integer.parseInt(u.substring(u.indexOf('x') + 1, u.indexOf('@')));
    }

    /** Checks every invariant of one snapshot; returns a description of the first violation, or null. */
    private static String check(DispatchSnapshot s, long call) {
        return check(s, call, true);
    }

    /**
     * Checks one snapshot. With {@code healthFromFlags}, the active list must be exactly the destinations the
     * generation's flags leave active; without (health changing at run time), it must be a subset of the set that
     * agrees with {@link DispatchSnapshot#isActive(Destination)}, and selections must come from it.
     */
    private static String check(DispatchSnapshot s, long call, boolean healthFromFlags) {
        final DestinationSet set1 = s.set(1);
        if (set1 == null) {
            return "v" + s.version() + ": set 1 missing";
        }
        final List<Destination> all = set1.destinations();
        final long g = tag(all.get(0));
        final int n = size(g);
        if (all.size() != n) {
            return "v" + s.version() + " g" + g + ": " + all.size() + " destinations (expected " + n + ')';
        }
        final Set<Destination> expectedActive = new HashSet<>();
        for (Destination d : all) {
            if (tag(d) != g) {
                return "v" + s.version() + ": mixed generations " + g + " and " + tag(d);
            }
            if (!inactive(g, index(d), n)) {
                expectedActive.add(d);
            }
        }
        final List<Destination> active = s.activeDestinations(1);
        if (healthFromFlags) {
            if (!new HashSet<>(active).equals(expectedActive) || active.size() != expectedActive.size()) {
                return "v" + s.version() + " g" + g + ": active " + active + " (expected " + expectedActive + ')';
            }
        } else {
            expectedActive.clear();
            for (Destination d : active) {
                if (!all.contains(d) || !expectedActive.add(d)) {
                    return "v" + s.version() + " g" + g + ": active list " + active + " not a subset of " + all;
                }
            }
            for (Destination d : all) {
                if (s.isActive(d) != expectedActive.contains(d)) {
                    return "v" + s.version() + " g" + g + ": isActive(" + d + ") disagrees with " + active;
                }
            }
            if (expectedActive.isEmpty()) {
                final Selection none = s.select(1, Algorithm.ROUND_ROBIN, SelectionKey.NONE);
                return none.isSelected() ? "v" + s.version() + ": selected from a set with no active destination"
                                         : null;
            }
        }
        final DestinationSet set2 = s.set(2);
        if ((g % 2 == 0) != (set2 != null)) {
            return "v" + s.version() + " g" + g + ": set 2 present=" + (set2 != null);
        }
        if (set2 != null && tag(set2.destinations().get(0)) != g) {
            return "v" + s.version() + " g" + g + ": set 2 of generation " + tag(set2.destinations().get(0));
        }
        final SelectionKey key = SelectionKey.of("call-" + call + "@stress");
        for (Algorithm alg : ALGORITHMS) {
            final Selection sel = s.select(1, alg, key);
            if (!sel.isSelected()) {
                return "v" + s.version() + " g" + g + ' ' + alg + ": " + sel.status();
            }
            final Set<Destination> seen = new HashSet<>();
            for (Destination d : sel.destinations()) {
                if (!expectedActive.contains(d)) {
                    return "v" + s.version() + " g" + g + ' ' + alg + ": selected " + d + " not active in " + g;
                }
                if (!seen.add(d)) {
                    return "v" + s.version() + " g" + g + ' ' + alg + ": duplicate " + d + " in " + sel;
                }
            }
            if (!expectedActive.contains(sel.destination())) {
                return "v" + s.version() + " g" + g + ' ' + alg + ": chosen " + sel.destination();
            }
        }
        return null;
    }

    @Test
    void readersOnlySeeCompleteConsistentSnapshots() throws Exception {
        final Dispatcher dispatcher = Dispatcher.create(settings(generations.incrementAndGet()));
        final Queue<String> violations = new ConcurrentLinkedQueue<>();
        final AtomicBoolean writersDone = new AtomicBoolean();
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(MAX_SECONDS);
        final CountDownLatch start = new CountDownLatch(1);
        final AtomicLong readerChecks = new AtomicLong();
        final Set<Long> versionsSeen = java.util.concurrent.ConcurrentHashMap.newKeySet();

        final List<Thread> writers = new ArrayList<>();
        for (int w = 0; w < 2; w++) {
            writers.add(new Thread(() -> {
                await(start);
                for (int i = 0; i < RELOADS_PER_WRITER && System.nanoTime() < deadline; i++) {
                    dispatcher.reload(settings(generations.incrementAndGet()));
                }
            }, "writer-" + w));
        }
        writers.add(new Thread(() -> {
            await(start);
            for (int i = 0; i < REFRESHES && System.nanoTime() < deadline; i++) {
                dispatcher.refresh();
            }
        }, "refresher"));

        final List<Thread> readers = new ArrayList<>();
        for (int r = 0; r < 2; r++) {
            readers.add(new Thread(() -> {
                await(start);
                long lastVersion = 0;
                long call = 0;
                while (!writersDone.get() && System.nanoTime() < deadline) {
                    final DispatchSnapshot s = dispatcher.snapshot();
                    if (s.version() < lastVersion) {
                        violations.add("version went back from " + lastVersion + " to " + s.version());
                    }
                    lastVersion = s.version();
                    versionsSeen.add(lastVersion);
                    final String v = check(s, call++);
                    if (v != null) {
                        violations.add(v);
                        return;
                    }
                    readerChecks.incrementAndGet();
                }
            }, "reader-" + r));
        }
        readers.forEach(Thread::start);
        writers.forEach(Thread::start);
        start.countDown();
        for (Thread t : writers) {
            t.join(TimeUnit.SECONDS.toMillis(MAX_SECONDS + 5));
            assertThat(t.isAlive()).as(t.getName()).isFalse();
        }
        writersDone.set(true);
        for (Thread t : readers) {
            t.join(TimeUnit.SECONDS.toMillis(10));
            assertThat(t.isAlive()).as(t.getName()).isFalse();
        }

        assertThat(violations).isEmpty();
        // The test exercised what it claims: many swaps, many checks, readers saw many generations.
        assertThat(System.nanoTime()).as("writers finished before the time cap").isLessThan(deadline);
        assertThat(dispatcher.snapshot().version()).isEqualTo(1 + 2L * RELOADS_PER_WRITER + REFRESHES);
        assertThat(readerChecks.get()).isGreaterThan(100);
        assertThat(versionsSeen).hasSizeGreaterThan(10);
        assertThat(check(dispatcher.snapshot(), 0)).isNull();
    }

    @Test
    void readersSeeConsistentSnapshotsWhileHealthChanges() throws Exception {
        // A writer reloads, another flips destinations of the current snapshot down and up through their
        // DestinationState (each change makes the registry listener rebuild the snapshot), readers check each
        // snapshot against itself: one generation, active list consistent with isActive, selections from it.
        final Dispatcher dispatcher = Dispatcher.create(settings(generations.incrementAndGet()));
        final Queue<String> violations = new ConcurrentLinkedQueue<>();
        final AtomicBoolean writersDone = new AtomicBoolean();
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(MAX_SECONDS);
        final CountDownLatch start = new CountDownLatch(1);
        final AtomicLong readerChecks = new AtomicLong();
        final AtomicLong flips = new AtomicLong();

        final Thread reloader = new Thread(() -> {
            await(start);
            for (int i = 0; i < RELOADS_PER_WRITER && System.nanoTime() < deadline; i++) {
                dispatcher.reload(settings(generations.incrementAndGet()));
            }
        }, "reloader");
        final Thread flipper = new Thread(() -> {
            await(start);
            final java.util.Random random = new java.util.Random(42);
            for (int i = 0; i < FLIPS && System.nanoTime() < deadline; i++) {
                final List<Destination> dests = dispatcher.snapshot().set(1).destinations();
                final DestinationState st = dispatcher.state(dests.get(random.nextInt(dests.size())));
                if (st != null) { // null: dropped by a reload in between
                    final boolean down = random.nextBoolean();
                    if (down ? st.probeFailed("stress") == HealthState.PROBING
                             : st.mark(HealthState.ACTIVE, "stress")) {
                        flips.incrementAndGet();
                    }
                }
            }
        }, "flipper");
        final List<Thread> readers = new ArrayList<>();
        for (int r = 0; r < 2; r++) {
            readers.add(new Thread(() -> {
                await(start);
                long lastVersion = 0;
                long call = 0;
                while (!writersDone.get() && System.nanoTime() < deadline) {
                    final DispatchSnapshot s = dispatcher.snapshot();
                    if (s.version() < lastVersion) {
                        violations.add("version went back from " + lastVersion + " to " + s.version());
                    }
                    lastVersion = s.version();
                    final String v = check(s, call++, false);
                    if (v != null) {
                        violations.add(v);
                        return;
                    }
                    readerChecks.incrementAndGet();
                }
            }, "reader-" + r));
        }
        readers.forEach(Thread::start);
        reloader.start();
        flipper.start();
        start.countDown();
        for (Thread t : new Thread[] {reloader, flipper}) {
            t.join(TimeUnit.SECONDS.toMillis(MAX_SECONDS + 5));
            assertThat(t.isAlive()).as(t.getName()).isFalse();
        }
        writersDone.set(true);
        for (Thread t : readers) {
            t.join(TimeUnit.SECONDS.toMillis(10));
            assertThat(t.isAlive()).as(t.getName()).isFalse();
        }
        assertThat(violations).isEmpty();
        assertThat(System.nanoTime()).as("writers finished before the time cap").isLessThan(deadline);
        assertThat(flips.get()).isGreaterThan(FLIPS / 10);
        assertThat(readerChecks.get()).isGreaterThan(100);
        // Every flip that changed selectability rebuilt the snapshot: more versions than reloads.
        assertThat(dispatcher.snapshot().version()).isGreaterThan(1L + RELOADS_PER_WRITER + FLIPS / 10);
        assertThat(check(dispatcher.snapshot(), 0, false)).isNull();
    }

    @Test
    void theCheckerDetectsAnInconsistentSnapshot() {
        // The invariant checker must be able to fail: a generation whose flags disagree with its tag is caught.
        final long g = 3; // size 5; i=0 inactive by the rule
        final List<Destination> dests = new ArrayList<>();
        for (int i = 0; i < size(g); i++) {
            dests.add(Destination.of(1, "sip:g" + g + 'x' + i + "@127.0.0." + (i + 1) + ":5060", 0, 0,
                                     DestinationAttributes.EMPTY));
        }
        final Dispatcher d = Dispatcher.create(DispatcherSettings.builder()
                                                                 .addSet(DestinationSet.of(1, Algorithm.ROUND_ROBIN, dests))
                                                                 .build());
        assertThat(check(d.snapshot(), 0)).contains("active");
        assertThat(check(Dispatcher.create(settings(g)).snapshot(), 0)).isNull();
    }

    private static void await(CountDownLatch latch) {
        try {
            latch.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
