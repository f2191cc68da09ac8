package io.siplb.dispatch;

/**
 * The {@link SelectionStrategy} of every algorithm, and {@link #of(Algorithm)} to look one up
 * ({@link Algorithm#strategy()} delegates here). The hash algorithms 0, 1, 2, 3 and 7 share {@link #HASH}: they
 * differ only in the key the proxy hashes. Immutable.
 */
final class Selectors {

    /** Hash algorithms: {@link #CONSISTENT_HASH} or {@link #KAMAILIO_HASH}, as the set's hash mode says. */
    static final SelectionStrategy HASH = new HashStrategy();
    /** Weighted rendezvous hashing through a 65,536-slot table ({@link HashMode#CONSISTENT}). */
    static final SelectionStrategy CONSISTENT_HASH = new ConsistentHashStrategy();
    /** Kamailio's {@code hash % n}, then the next active index ({@link HashMode#KAMAILIO}). */
    static final SelectionStrategy KAMAILIO_HASH = new KamailioHashStrategy();
    /** {@link Algorithm#HASH_AUTH_USERNAME}: {@link #HASH}, or {@link #ROUND_ROBIN} without a key. */
    static final SelectionStrategy HASH_OR_ROUND_ROBIN = new HashOrRoundRobinStrategy();
    /** {@link Algorithm#ROUND_ROBIN}. */
    static final SelectionStrategy ROUND_ROBIN = new RoundRobinStrategy();
    /** {@link Algorithm#RANDOM}. */
    static final SelectionStrategy RANDOM = new RandomStrategy();
    /** {@link Algorithm#PRIORITY}. */
    static final SelectionStrategy PRIORITY = new PriorityStrategy();
    /** {@link Algorithm#WEIGHTED}. */
    static final SelectionStrategy WEIGHTED = new WeightedStrategy();
    /** {@link Algorithm#CALL_LOAD}. */
    static final SelectionStrategy CALL_LOAD = new CallLoadStrategy();
    /** {@link Algorithm#RELATIVE_WEIGHT}. */
    static final SelectionStrategy RELATIVE_WEIGHT = new RelativeWeightStrategy();
    /** {@link Algorithm#PARALLEL}. */
    static final SelectionStrategy PARALLEL = new ParallelStrategy();
    /** {@link Algorithm#LATENCY}. */
    static final SelectionStrategy LATENCY = new LatencyStrategy();
    /** {@link Algorithm#ROUND_ROBIN_OR_SERIAL}. */
    static final SelectionStrategy ROUND_ROBIN_OR_SERIAL = new RoundRobinOrSerialStrategy();
    /** {@link Algorithm#PRIORITY_WEIGHT}. */
    static final SelectionStrategy PRIORITY_WEIGHT = new PriorityWeightStrategy();
    /** {@link Algorithm#ROUND_ROBIN_OVERLOAD_CONTROL}. */
    static final SelectionStrategy OVERLOAD_CONTROL = new OverloadControlStrategy();

    /** The selector of a set without active destination: always {@link Selection.Status#NO_ACTIVE_DESTINATION}. */
    static final DestinationSelector NO_ACTIVE_DESTINATION = key -> Selection.NO_ACTIVE_DESTINATION;

    private Selectors() {
    }

    /** Returns the strategy of {@code algorithm}. */
    static SelectionStrategy of(Algorithm algorithm) {
        switch (algorithm) {
            case HASH_CALL_ID:
            case HASH_FROM_URI:
            case HASH_TO_URI:
            case HASH_REQUEST_URI:
            case HASH_KEY:
                return HASH;
            case HASH_AUTH_USERNAME:
                return HASH_OR_ROUND_ROBIN;
            case ROUND_ROBIN:
                return ROUND_ROBIN;
            case RANDOM:
                return RANDOM;
            case PRIORITY:
                return PRIORITY;
            case WEIGHTED:
                return WEIGHTED;
            case CALL_LOAD:
                return CALL_LOAD;
            case RELATIVE_WEIGHT:
                return RELATIVE_WEIGHT;
            case PARALLEL:
                return PARALLEL;
            case LATENCY:
                return LATENCY;
            case ROUND_ROBIN_OR_SERIAL:
                return ROUND_ROBIN_OR_SERIAL;
            case PRIORITY_WEIGHT:
                return PRIORITY_WEIGHT;
            case ROUND_ROBIN_OVERLOAD_CONTROL:
                return OVERLOAD_CONTROL;
            default:
                throw new AssertionError(algorithm);
        }
    }
}
