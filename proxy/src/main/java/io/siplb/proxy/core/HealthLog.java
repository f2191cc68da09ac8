package io.siplb.proxy.core;

import java.util.concurrent.atomic.LongAdder;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.siplb.dispatch.state.DestinationState;
import io.siplb.dispatch.state.HealthListener;
import io.siplb.dispatch.state.HealthState;
import io.siplb.dispatch.state.HealthTransition;

/**
 * Logs every health transition of a destination once, with its set, destination, old and new state and reason
 * (WARN when it leaves rotation, INFO otherwise), and counts them. Registered on the dispatcher's state registry.
 * Thread-safe: transitions are reported on the health writer thread or the admin API's.
 */
public final class HealthLog implements HealthListener {

    private static final Logger logger = LoggerFactory.getLogger(HealthLog.class);

    private final LongAdder transitions = new LongAdder();

    @Override
    public void onTransition(DestinationState state, HealthTransition t) {
        transitions.increment();
        final boolean down = t.from().acceptsNewCalls() && !t.to().acceptsNewCalls();
        final String text = "set " + state.key().setId() + " destination " + state.key().id() + ": "
                            + name(t.from()) + " -> " + name(t.to()) + " (" + t.cause() + ": " + t.reason() + ")";
        if (down) {
            logger.warn("{}", text);
        } else {
            logger.info("{}", text);
        }
    }

    /** Returns how many transitions were reported. */
    public long transitions() {
        return transitions.sum();
    }

    private static String name(HealthState s) {
        return s.name().toLowerCase(java.util.Locale.ROOT);
    }
}
