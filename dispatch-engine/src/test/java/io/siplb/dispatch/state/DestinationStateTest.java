package io.siplb.dispatch.state;

import static io.siplb.dispatch.state.HealthState.ACTIVE;
import static io.siplb.dispatch.state.HealthState.DISABLED;
import static io.siplb.dispatch.state.HealthState.DRAINING;
import static io.siplb.dispatch.state.HealthState.INACTIVE;
import static io.siplb.dispatch.state.HealthState.PROBING;
import static io.siplb.dispatch.state.HealthState.TRYING;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

class DestinationStateTest {

    private final TestTime time = new TestTime();
    private final List<HealthTransition> seen = Collections.synchronizedList(new ArrayList<>());

    private DestinationState newState(int probingThreshold, int inactiveThreshold, HealthState initial) {
        final StateRegistry registry = new StateRegistry(StateConfig.builder()
                                                                    .probingThreshold(probingThreshold)
                                                                    .inactiveThreshold(inactiveThreshold)
                                                                    .historySize(4)
                                                                    .clock(time)
                                                                    .ticker(time)
                                                                    .build());
        registry.addListener((s, t) -> seen.add(t));
        return registry.getOrCreate(DestinationKey.ofUri(1, "sip:10.0.0.1:5060"), initial);
    }

    @Test
    void probingThresholdOfThreeTakesThreeConsecutiveFailures() {
        final DestinationState s = newState(3, 1, ACTIVE);

        assertThat(s.probeFailed("408 timeout")).isEqualTo(TRYING);
        assertThat(s.consecutiveFailures()).isEqualTo(1);
        assertThat(s.isActive()).isTrue(); // TRYING is still selectable, as in Kamailio
        assertThat(s.probeFailed("408 timeout")).isEqualTo(TRYING);
        assertThat(s.consecutiveFailures()).isEqualTo(2);
        assertThat(s.probeFailed("408 timeout")).isEqualTo(PROBING);
        assertThat(s.consecutiveFailures()).isZero();
        assertThat(s.isActive()).isFalse();

        assertThat(seen).extracting(HealthTransition::from, HealthTransition::to)
                        .containsExactly(org.assertj.core.groups.Tuple.tuple(ACTIVE, TRYING),
                                         org.assertj.core.groups.Tuple.tuple(TRYING, PROBING));
    }

    @Test
    void aSuccessWhileTryingResetsTheFailureCount() {
        final DestinationState s = newState(3, 1, ACTIVE);
        s.probeFailed("f");
        s.probeFailed("f");
        assertThat(s.probeSucceeded("200 OK")).isEqualTo(ACTIVE);
        assertThat(s.consecutiveFailures()).isZero();
        // Two more failures are not enough: the count restarted.
        s.probeFailed("f");
        assertThat(s.probeFailed("f")).isEqualTo(TRYING);
        assertThat(s.probeFailed("f")).isEqualTo(PROBING);
    }

    @Test
    void defaultThresholdsOfOneGoDownAndUpOnASingleProbe() {
        final DestinationState s = newState(1, 1, ACTIVE);
        assertThat(s.probeFailed("timeout")).isEqualTo(PROBING);
        assertThat(s.probeSucceeded("200")).isEqualTo(ACTIVE);
        assertThat(s.transitionCount()).isEqualTo(2);
    }

    @Test
    void inactiveThresholdOfThreeNeedsThreeConsecutiveSuccesses() {
        final DestinationState s = newState(1, 3, ACTIVE);
        s.probeFailed("timeout");
        assertThat(s.probeSucceeded("200")).isEqualTo(PROBING);
        assertThat(s.consecutiveSuccesses()).isEqualTo(1);
        assertThat(s.probeSucceeded("200")).isEqualTo(PROBING);
        assertThat(s.consecutiveSuccesses()).isEqualTo(2);
        // A failure restarts the count.
        assertThat(s.probeFailed("timeout")).isEqualTo(PROBING);
        assertThat(s.consecutiveSuccesses()).isZero();
        s.probeSucceeded("200");
        s.probeSucceeded("200");
        assertThat(s.probeSucceeded("200")).isEqualTo(ACTIVE);
        assertThat(s.consecutiveSuccesses()).isZero();
    }

    @Test
    void passiveFailuresUseTheProbingThresholdAndGoInactiveWhenNotProbed() {
        final DestinationState s = newState(2, 1, ACTIVE);
        assertThat(s.isProbed()).isFalse();
        assertThat(s.passiveFailure("503 Service Unavailable")).isEqualTo(TRYING);
        assertThat(s.passiveFailure("408 Request Timeout")).isEqualTo(INACTIVE);
        // Inactive and not probed: further passive signals change nothing.
        assertThat(s.passiveFailure("503")).isEqualTo(INACTIVE);
        assertThat(s.passiveSuccess("200")).isEqualTo(INACTIVE);
        // A probe failure shows it is probed after all: Kamailio adds the P flag (IP).
        assertThat(s.probeFailed("timeout")).isEqualTo(PROBING);
        assertThat(s.probeSucceeded("200")).isEqualTo(ACTIVE);
    }

    @Test
    void passiveFailuresOnAProbedDestinationGoToProbing() {
        final DestinationState s = newState(1, 1, ACTIVE);
        s.setProbed(true);
        assertThat(s.passiveFailure("transport error")).isEqualTo(PROBING);
        assertThat(s.lastTransition().cause()).isEqualTo(TransitionCause.PASSIVE_FAILURE);
    }

    @Test
    void passiveSuccessEndsTryingButDoesNotReviveADownDestination() {
        final DestinationState s = newState(3, 1, ACTIVE);
        s.passiveFailure("503");
        assertThat(s.passiveSuccess("180 Ringing")).isEqualTo(ACTIVE);
        assertThat(s.lastTransition().cause()).isEqualTo(TransitionCause.PASSIVE_SUCCESS);
        final long before = s.transitionCount();
        assertThat(s.passiveSuccess("200")).isEqualTo(ACTIVE);
        assertThat(s.transitionCount()).isEqualTo(before);
    }

    @Test
    void disabledIgnoresProbesAndSignalsAndOnlyAdminLeavesIt() {
        final DestinationState s = newState(1, 1, DISABLED);
        assertThat(s.probeSucceeded("200")).isEqualTo(DISABLED);
        assertThat(s.probeFailed("timeout")).isEqualTo(DISABLED);
        assertThat(s.passiveFailure("503")).isEqualTo(DISABLED);
        assertThat(s.mark(ACTIVE, "rule")).isFalse();
        assertThat(s.health()).isEqualTo(DISABLED);
        assertThat(s.transitionCount()).isZero();

        assertThat(s.setAdminState(ACTIVE, "admin enable")).isEqualTo(DISABLED);
        assertThat(s.health()).isEqualTo(ACTIVE);
        assertThat(s.lastTransition().cause()).isEqualTo(TransitionCause.ADMIN);
    }

    @Test
    void drainingRefusesNewCallsKeepsInDialogAndIgnoresSignals() {
        final DestinationState s = newState(1, 1, ACTIVE);
        s.setAdminState(DRAINING, "maintenance");
        assertThat(s.isActive()).isFalse();
        assertThat(s.isUsable()).isTrue();
        assertThat(s.probeFailed("timeout")).isEqualTo(DRAINING);
        assertThat(s.passiveFailure("503")).isEqualTo(DRAINING);
        assertThat(s.probeSucceeded("200")).isEqualTo(DRAINING);
        assertThat(s.mark(INACTIVE, "rule")).isFalse();
        assertThat(s.setAdminState(ACTIVE, "maintenance over")).isEqualTo(DRAINING);
        assertThat(s.isActive()).isTrue();
    }

    @Test
    void markBypassesThresholds() {
        final DestinationState s = newState(5, 5, ACTIVE);
        assertThat(s.mark(PROBING, "ds_mark_dst ip")).isTrue();
        assertThat(s.health()).isEqualTo(PROBING);
        assertThat(s.mark(ACTIVE, "ds_mark_dst a")).isTrue();
        assertThat(s.health()).isEqualTo(ACTIVE);
        assertThat(s.lastTransition().cause()).isEqualTo(TransitionCause.MARK);
    }

    @Test
    void transitionsCarryReasonAndTimeAndTheHistoryIsBounded() {
        final DestinationState s = newState(1, 1, ACTIVE);
        for (int i = 0; i < 5; i++) {
            time.advance(1, TimeUnit.SECONDS);
            s.probeFailed("down " + i);
            time.advance(1, TimeUnit.SECONDS);
            s.probeSucceeded("up " + i);
        }
        assertThat(s.transitionCount()).isEqualTo(10);
        final List<HealthTransition> h = s.transitions();
        assertThat(h).hasSize(4); // historySize(4): the 4 most recent, oldest first
        assertThat(h).extracting(HealthTransition::reason).containsExactly("down 3", "up 3", "down 4", "up 4");
        assertThat(h).extracting(HealthTransition::epochMillis)
                     .containsExactly(TestTime.START_MILLIS + 7000, TestTime.START_MILLIS + 8000,
                                      TestTime.START_MILLIS + 9000, TestTime.START_MILLIS + 10_000);
        assertThat(h.get(3).time().toEpochMilli()).isEqualTo(TestTime.START_MILLIS + 10_000);
        assertThat(s.sinceEpochMillis()).isEqualTo(TestTime.START_MILLIS + 10_000);
        assertThat(seen).hasSize(10);
        assertThatThrownBy(() -> h.add(h.get(0))).isInstanceOf(UnsupportedOperationException.class);
    }

    @Test
    void healthStateFlagsAndPredicates() {
        assertThat(HealthState.fromKamailioFlags(0)).isEqualTo(ACTIVE);
        assertThat(HealthState.fromKamailioFlags(8)).isEqualTo(ACTIVE);
        assertThat(HealthState.fromKamailioFlags(1)).isEqualTo(INACTIVE);
        assertThat(HealthState.fromKamailioFlags(1 | 8)).isEqualTo(PROBING);
        assertThat(HealthState.fromKamailioFlags(2)).isEqualTo(TRYING);
        assertThat(HealthState.fromKamailioFlags(4 | 1)).isEqualTo(DISABLED);
        assertThat(HealthState.values()).filteredOn(HealthState::acceptsNewCalls).containsExactly(ACTIVE, TRYING);
        assertThat(HealthState.values()).filteredOn(HealthState::isUsable).containsExactly(ACTIVE, TRYING, DRAINING);
        assertThat(HealthState.values()).filteredOn(HealthState::isDown).containsExactly(INACTIVE, PROBING);
    }

    @Test
    void concurrentFailuresAreEachCountedExactlyOnce() throws Exception {
        // probingThreshold 1_000_000: 4 threads x 50_000 failures must leave exactly 200_000 counted.
        final DestinationState s = newState(1_000_000, 1, ACTIVE);
        final int threads = 4;
        final int perThread = 50_000;
        final Thread[] ts = new Thread[threads];
        for (int t = 0; t < threads; t++) {
            ts[t] = new Thread(() -> {
                for (int i = 0; i < perThread; i++) {
                    s.passiveFailure("503");
                }
            });
            ts[t].start();
        }
        for (Thread t : ts) {
            t.join(30_000);
            assertThat(t.isAlive()).isFalse();
        }
        assertThat(s.health()).isEqualTo(TRYING);
        assertThat(s.consecutiveFailures()).isEqualTo(threads * perThread);
        assertThat(s.transitionCount()).isEqualTo(1);
    }

    @Test
    void aListenerThatThrowsDoesNotBreakTheStateOrOtherListeners() {
        final StateRegistry registry = StateRegistry.create();
        final List<HealthState> got = new ArrayList<>();
        registry.addListener((s, t) -> {
            throw new IllegalStateException("listener failure");
        });
        registry.addListener((s, t) -> got.add(t.to()));
        final DestinationState s = registry.getOrCreate(DestinationKey.ofDuid(2, "gw1"));
        assertThat(s.probeFailed("timeout")).isEqualTo(PROBING);
        assertThat(got).containsExactly(PROBING);
        assertThat(s.health()).isEqualTo(PROBING);
    }
}
