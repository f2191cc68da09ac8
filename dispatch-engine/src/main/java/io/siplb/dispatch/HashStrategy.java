package io.siplb.dispatch;

/**
 * The hash algorithms 0, 1, 2, 3 and 7 ({@code hash-call-id}, {@code hash-from-uri}, {@code hash-to-uri},
 * {@code hash-request-uri}, {@code hash-key}): the key's hash picks the destination, through
 * {@link ConsistentHashStrategy} or {@link KamailioHashStrategy} as the set's {@link HashMode} says; a request
 * without a key gets {@link Selection.Status#MISSING_KEY}. All of them share one selector per set (the key is
 * what differs, and the proxy computes it), so a set used with several hash algorithms builds one rendezvous
 * table. Immutable.
 */
final class HashStrategy implements SelectionStrategy {

    @Override
    public DestinationSelector newSelector(SetView set, DestinationSelector previous) {
        return set.selector(set.hashMode == HashMode.KAMAILIO ? Selectors.KAMAILIO_HASH : Selectors.CONSISTENT_HASH);
    }
}
