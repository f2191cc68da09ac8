package io.siplb.dispatch;

/**
 * {@link Algorithm#RELATIVE_WEIGHT}: smooth weighted round-robin by {@code rweight} over the active destinations,
 * with Kamailio's congestion control: a {@code cc=1} destination with a {@code weight} gets
 * {@code rweight = max(0, weight - (estimate - average latency))}; when every destination has cc, more than one
 * is congested and none is normal, {@code rweight = (sum of congestion << 4) / own congestion}. The latencies
 * are read when the selector is built (with the snapshot; {@code Dispatcher.refresh()} rebuilds it). rweights
 * 50, 25, 25 → abca abca; all 0 → {@link RoundRobinStrategy round-robin}. Immutable.
 */
final class RelativeWeightStrategy implements SelectionStrategy {

    @Override
    public DestinationSelector newSelector(SetView set, DestinationSelector previous) {
        return WeightedStrategy.sequence(set, Hashing.smoothWeightedSequence(relativeWeights(set)),
                                         set.counters.relativeWeight);
    }

    /** Kamailio's relative weights of the active destinations, with congestion control. */
    private static int[] relativeWeights(SetView set) {
        final int count = set.activeCount;
        final int[] rw = new int[count];
        final int[] congestion = new int[count];
        boolean allCc = count > 0;
        int congested = 0;
        int normal = 0;
        long totalCongestion = 0;
        for (int k = 0; k < count; k++) {
            final int i = set.activeIdx[k];
            final DestinationAttributes a = set.dests[i].attributes();
            rw[k] = a.rweight();
            if (!a.congestionControl() || a.weight() <= 0) {
                allCc = false;
                continue;
            }
            final double est = set.latencyEstimate(i);
            final double avg = set.latencyAverage(i);
            if (Double.isNaN(est) || Double.isNaN(avg)) {
                normal++;
                continue;
            }
            final int cms = (int) Math.max(0, est - avg);
            congestion[k] = cms;
            rw[k] = Math.max(0, a.weight() - cms);
            if (rw[k] == 0) {
                congested++;
                totalCongestion += cms;
            } else {
                normal++;
            }
        }
        if (allCc && congested > 1 && normal == 0) {
            for (int k = 0; k < count; k++) {
                rw[k] = congestion[k] > 0 ? (int) Math.min(Integer.MAX_VALUE, (totalCongestion << 4) / congestion[k])
                                          : 0;
            }
        }
        return rw;
    }
}
