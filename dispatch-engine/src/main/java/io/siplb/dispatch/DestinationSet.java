package io.siplb.dispatch;

import static java.util.Objects.requireNonNull;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * A destination set (Kamailio's group): an id, its destinations in Kamailio's index order, and the algorithm used
 * when a routing rule names none. Immutable.
 *
 * <p>Kamailio's index order: the highest priority first, and destinations of equal priority in <em>reverse</em>
 * configuration order (Kamailio inserts into a list sorted by ascending priority and copies it backwards). siplb
 * keeps that order so that {@link HashMode#KAMAILIO} picks what Kamailio picks, and failover lists match.
 */
public final class DestinationSet {

    private final int id;
    private final List<Destination> destinations;
    private final Algorithm algorithm;

    private DestinationSet(int id, List<Destination> destinations, Algorithm algorithm) {
        this.id = id;
        this.destinations = destinations;
        this.algorithm = algorithm;
    }

    /**
     * Creates a set from destinations in configuration order, arranging them in Kamailio's index order.
     *
     * @throws IllegalArgumentException if a destination belongs to another set, or two destinations share an
     *         identity (the same URI without distinct {@code duid}s, or the same {@code duid})
     */
    public static DestinationSet of(int id, Algorithm algorithm, List<Destination> configOrder) {
        requireNonNull(algorithm, "algorithm");
        requireNonNull(configOrder, "configOrder");
        if (id < 0) {
            throw new IllegalArgumentException("id: " + id + " (expected: >= 0)");
        }
        final Set<String> identities = new HashSet<>();
        final Set<String> uris = new HashSet<>();
        for (Destination d : configOrder) {
            requireNonNull(d, "destination");
            if (d.setId() != id) {
                throw new IllegalArgumentException("destination " + d.uri() + ": set " + d.setId()
                                                   + " (expected: " + id + ')');
            }
            if (!identities.add(d.identity())) {
                throw new IllegalArgumentException(
                        d.attributes().duid() != null
                        ? "set " + id + ": duplicate duid \"" + d.attributes().duid() + "\" (expected: unique in a set)"
                        : "set " + id + ": duplicate uri \"" + d.uri() + "\" (expected: unique in a set, or "
                          + "distinct duid attributes)");
            }
            if (d.attributes().duid() == null && !uris.add(d.uri())) {
                throw new IllegalArgumentException("set " + id + ": duplicate uri \"" + d.uri()
                                                   + "\" (expected: unique in a set, or distinct duid attributes)");
            }
        }
        // Kamailio: sorted by ascending priority with ties in insertion order, then copied backwards.
        final List<Destination> ascending = new ArrayList<>(configOrder);
        ascending.sort((a, b) -> Integer.compare(a.priority(), b.priority()));
        Collections.reverse(ascending);
        return new DestinationSet(id, Collections.unmodifiableList(ascending), algorithm);
    }

    /** Returns the set id. */
    public int id() {
        return id;
    }

    /** Returns the destinations in Kamailio's index order (highest priority first). */
    public List<Destination> destinations() {
        return destinations;
    }

    /** Returns the algorithm used when a routing rule names none. */
    public Algorithm algorithm() {
        return algorithm;
    }

    /** Returns a copy of this set with another default algorithm. */
    public DestinationSet withAlgorithm(Algorithm algorithm) {
        requireNonNull(algorithm, "algorithm");
        return algorithm == this.algorithm ? this : new DestinationSet(id, destinations, algorithm);
    }

    /**
     * Returns {@code true} when {@code other} defines the same set: the same id and algorithm, and destinations
     * with the same definition in the same order (see {@link Destination#hasSameDefinition(Destination)}).
     */
    boolean hasSameDefinition(DestinationSet other) {
        if (other == this) {
            return true;
        }
        if (other.id != id || other.algorithm != algorithm || other.destinations.size() != destinations.size()) {
            return false;
        }
        for (int i = 0; i < destinations.size(); i++) {
            if (!destinations.get(i).hasSameDefinition(other.destinations.get(i))) {
                return false;
            }
        }
        return true;
    }

    @Override
    public String toString() {
        return "DestinationSet{id=" + id + ", algorithm=" + algorithm.configName() + ", destinations="
               + destinations + '}';
    }
}
