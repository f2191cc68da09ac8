package io.siplb.dispatch;

import static java.util.Objects.requireNonNull;

import java.util.Collections;
import java.util.List;

/**
 * The result of a selection: the chosen destination followed by its failover list, or the reason nothing was
 * chosen. Selections for the hash, round-robin and weighted algorithms are precomputed in the
 * {@link DispatchSnapshot}, so returning one allocates nothing. Immutable.
 *
 * <p>{@link #destinations()} is the ordered candidate list: the chosen destination first, then the failover
 * destinations (Kamailio's {@code _dsdst_} list). For {@link Algorithm#PARALLEL}, {@link #isParallel()} is
 * {@code true} and every entry is meant to be forked to at once.
 */
public final class Selection {

    /** Why a selection has, or has not, a destination. */
    public enum Status {
        /** A destination was chosen. */
        SELECTED,
        /** No set has the requested id. */
        NO_SUCH_SET,
        /** The set has no destination that accepts new calls (all inactive, disabled, or at maxload). */
        NO_ACTIVE_DESTINATION,
        /** The algorithm hashes a key and the request had none (e.g. an empty {@code hash-key} value). */
        MISSING_KEY
    }

    static final Selection NO_SUCH_SET = new Selection(Status.NO_SUCH_SET, Collections.emptyList(), false);
    static final Selection NO_ACTIVE_DESTINATION =
            new Selection(Status.NO_ACTIVE_DESTINATION, Collections.emptyList(), false);
    static final Selection MISSING_KEY = new Selection(Status.MISSING_KEY, Collections.emptyList(), false);

    private final Status status;
    private final List<Destination> destinations;
    private final boolean parallel;

    private Selection(Status status, List<Destination> destinations, boolean parallel) {
        this.status = status;
        this.destinations = destinations;
        this.parallel = parallel;
    }

    /**
     * Returns a successful selection over {@code destinations} (chosen first), which must not be empty and must
     * never change: the list is used as is, not copied, so that snapshots can share views of one array.
     */
    static Selection of(List<Destination> destinations, boolean parallel) {
        requireNonNull(destinations, "destinations");
        if (destinations.isEmpty()) {
            throw new IllegalArgumentException("destinations: [] (expected: at least one)");
        }
        return new Selection(Status.SELECTED, destinations, parallel);
    }

    /** Returns the status. */
    public Status status() {
        return status;
    }

    /** Returns {@code true} when a destination was chosen. */
    public boolean isSelected() {
        return status == Status.SELECTED;
    }

    /** Returns the chosen destination, or {@code null} when {@link #isSelected()} is {@code false}. */
    public Destination destination() {
        return destinations.isEmpty() ? null : destinations.get(0);
    }

    /** Returns the chosen destination followed by the failover list (empty when nothing was chosen). */
    public List<Destination> destinations() {
        return destinations;
    }

    /** Returns the number of candidates: the chosen one plus the failover ones. */
    public int size() {
        return destinations.size();
    }

    /** Returns candidate {@code i}: 0 is the chosen destination, 1 the first failover, and so on. */
    public Destination get(int i) {
        return destinations.get(i);
    }

    /** Returns the failover list: the candidates after the chosen one. */
    public List<Destination> failover() {
        return destinations.isEmpty() ? destinations : destinations.subList(1, destinations.size());
    }

    /** Returns {@code true} for {@link Algorithm#PARALLEL}: fork to every candidate at once. */
    public boolean isParallel() {
        return parallel;
    }

    /**
     * Returns this selection with at most {@code limit} candidates including the chosen one (Kamailio's
     * {@code limit} argument); {@code limit <= 0} means no limit. Returns {@code this} when nothing is cut.
     */
    public Selection limit(int limit) {
        if (limit <= 0 || limit >= destinations.size()) {
            return this;
        }
        return new Selection(status, destinations.subList(0, limit), parallel);
    }

    @Override
    public String toString() {
        return isSelected() ? "Selection{" + destinations + (parallel ? ", parallel" : "") + '}'
                            : "Selection{" + status + '}';
    }
}
