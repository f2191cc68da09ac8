package io.siplb.loadtests.gen;

import java.util.Locale;
import java.util.concurrent.atomic.LongAdder;

/**
 * The counters of a {@link Uas}: requests received by method, responses sent, retransmissions sent (2xx and non-2xx
 * finals over UDP until the ACK, and finals re-sent for a retransmitted INVITE) and seen (retransmitted INVITEs),
 * ACKs matched to an answered INVITE, INVITEs whose ACK never came. Event loops increment; anyone reads.
 * Thread-safe (lock-free).
 */
public final class UasStats {

    private final LongAdder[] requests = new LongAdder[8];
    final LongAdder responsesSent = new LongAdder();
    final LongAdder retransmissionsSent = new LongAdder();
    final LongAdder retransmissionsSeen = new LongAdder();
    final LongAdder acksMatched = new LongAdder();
    final LongAdder acksUnmatched = new LongAdder();
    final LongAdder ackTimeouts = new LongAdder();
    final LongAdder unanswered = new LongAdder();
    final LongAdder malformed = new LongAdder();
    final LongAdder responsesReceived = new LongAdder();
    final LongAdder openDialogs = new LongAdder();

    UasStats() {
        for (int i = 0; i < requests.length; i++) {
            requests[i] = new LongAdder();
        }
    }

    void request(int method) {
        requests[method].increment();
    }

    /** Returns the requests received of {@code method} ({@code "INVITE"}, {@code "ACK"}, ...; other methods as
     * {@code "OTHER"}), retransmissions included. */
    public long requests(String method) {
        for (int m = 1; m < requests.length; m++) {
            if (SipBytes.methodName(m).equals(method)) {
                return requests[m].sum();
            }
        }
        return requests[SipBytes.OTHER].sum();
    }

    public long responsesSent() {
        return responsesSent.sum();
    }

    public long retransmissionsSent() {
        return retransmissionsSent.sum();
    }

    public long retransmissionsSeen() {
        return retransmissionsSeen.sum();
    }

    public long acksMatched() {
        return acksMatched.sum();
    }

    public long acksUnmatched() {
        return acksUnmatched.sum();
    }

    /** Returns the answered INVITEs whose ACK did not come within 64 x T1. */
    public long ackTimeouts() {
        return ackTimeouts.sum();
    }

    /** Returns the requests left unanswered on purpose (mode {@code silent}). */
    public long unanswered() {
        return unanswered.sum();
    }

    /**
     * Returns the dialogs up: INVITEs answered 2xx (as the first answer of their transaction) whose BYE has not come,
     * less those never ACKed within 64 x T1.
     */
    public long openDialogs() {
        return openDialogs.sum();
    }

    public long malformed() {
        return malformed.sum();
    }

    /** Returns a one-line summary. */
    public String summary() {
        final StringBuilder b = new StringBuilder("requests");
        for (int m = 1; m < requests.length; m++) {
            b.append(' ').append(SipBytes.methodName(m)).append(' ').append(requests[m].sum());
        }
        b.append(" other ").append(requests[SipBytes.OTHER].sum());
        b.append(String.format(Locale.ROOT, "; responses sent %d; retransmissions sent %d, seen %d; ACKs %d " +
                                            "(unmatched %d, timed out %d); unanswered %d; malformed %d",
                               responsesSent(), retransmissionsSent(), retransmissionsSeen(), acksMatched(),
                               acksUnmatched(), ackTimeouts(), unanswered(), malformed()));
        return b.toString();
    }
}
