package io.siplb.dispatch;

import static java.util.Objects.requireNonNull;

import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import io.siplb.dispatch.state.CallLoadConfig;
import io.siplb.dispatch.state.StateConfig;

/**
 * Everything the {@link Dispatcher} needs from configuration: the destination sets, the hash mode, the
 * bounded-load factor, and the settings of the runtime state ({@link StateConfig}) and of the call-load table
 * ({@link CallLoadConfig}). Built by {@code io.siplb.dispatch.config.DispatcherConfigLoader} or by {@link #builder()}.
 * Immutable.
 */
public final class DispatcherSettings {

    /** The default {@link #hashMode()}. */
    public static final HashMode DEFAULT_HASH_MODE = HashMode.CONSISTENT;
    /** The default {@link #boundedLoadFactor()}: 0, no cap. */
    public static final double DEFAULT_BOUNDED_LOAD_FACTOR = 0;

    private final List<DestinationSet> sets;
    private final HashMode hashMode;
    private final double boundedLoadFactor;
    private final StateConfig stateConfig;
    private final CallLoadConfig callLoadConfig;
    private final String source;

    private DispatcherSettings(List<DestinationSet> sets, HashMode hashMode, double boundedLoadFactor,
                               StateConfig stateConfig, CallLoadConfig callLoadConfig, String source) {
        this.sets = sets;
        this.hashMode = hashMode;
        this.boundedLoadFactor = boundedLoadFactor;
        this.stateConfig = stateConfig;
        this.callLoadConfig = callLoadConfig;
        this.source = source;
    }

    /** Returns a new builder. */
    public static Builder builder() {
        return new Builder();
    }

    /** Returns the sets, in ascending id order. */
    public List<DestinationSet> sets() {
        return sets;
    }

    /** Returns the set with id {@code id}, or {@code null}. */
    public DestinationSet set(int id) {
        for (DestinationSet s : sets) {
            if (s.id() == id) {
                return s;
            }
        }
        return null;
    }

    /** Returns how hash algorithms map keys to destinations. */
    public HashMode hashMode() {
        return hashMode;
    }

    /**
     * Returns the bounded-load factor {@code c} for consistent hashing: when {@code > 0}, no destination takes a
     * new call while its active calls exceed {@code c} times the mean (the key goes to its next rendezvous
     * choice). 0 disables the cap.
     */
    public double boundedLoadFactor() {
        return boundedLoadFactor;
    }

    /**
     * Returns the settings of the destinations' runtime state (thresholds, latency EWMA alpha, history size):
     * {@link Dispatcher#create(DispatcherSettings)} creates its {@code StateRegistry} with them.
     */
    public StateConfig stateConfig() {
        return stateConfig;
    }

    /**
     * Returns the settings of the call-load table (maximum calls, lifetimes), for the
     * {@code CallLoadTable} the proxy builds ({@code CallLoadTable.builder().config(callLoadConfig())}).
     */
    public CallLoadConfig callLoadConfig() {
        return callLoadConfig;
    }

    /** Returns where the settings came from (file names), for logs and error messages. */
    public String source() {
        return source;
    }

    /**
     * Returns these settings with {@code sets} (same ids, in ascending id order) in place of the sets: a reload
     * keeps the set instances, and so the tables, of sets whose definition did not change.
     */
    DispatcherSettings withSets(List<DestinationSet> sets) {
        assert sets.size() == this.sets.size();
        return new DispatcherSettings(Collections.unmodifiableList(new ArrayList<>(sets)), hashMode,
                                      boundedLoadFactor, stateConfig, callLoadConfig, source);
    }

    @Override
    public String toString() {
        return "DispatcherSettings{source=" + source + ", hashMode=" + hashMode.configName() + ", boundedLoadFactor="
               + boundedLoadFactor + ", state=" + stateConfig + ", callLoad=" + callLoadConfig + ", sets=" + sets
               + '}';
    }

    /** Builds {@link DispatcherSettings}. Not thread-safe. */
    public static final class Builder {
        private final Map<Integer, DestinationSet> sets = new LinkedHashMap<>();
        private HashMode hashMode = DEFAULT_HASH_MODE;
        private double boundedLoadFactor = DEFAULT_BOUNDED_LOAD_FACTOR;
        private StateConfig stateConfig = StateConfig.defaults();
        private CallLoadConfig callLoadConfig = CallLoadConfig.defaults();
        private String source = "";

        private Builder() {
        }

        /** Adds a set. @throws IllegalArgumentException if a set with the same id was added */
        public Builder addSet(DestinationSet set) {
            requireNonNull(set, "set");
            if (sets.putIfAbsent(set.id(), set) != null) {
                throw new IllegalArgumentException("set " + set.id() + ": defined twice (expected: unique set ids)");
            }
            return this;
        }

        /** Sets the hash mode (default {@link HashMode#CONSISTENT}). */
        public Builder hashMode(HashMode hashMode) {
            this.hashMode = requireNonNull(hashMode, "hashMode");
            return this;
        }

        /** Sets the bounded-load factor: 0 (off) or a value {@code >= 1}. */
        public Builder boundedLoadFactor(double boundedLoadFactor) {
            if (!(boundedLoadFactor == 0 || boundedLoadFactor >= 1) || Double.isInfinite(boundedLoadFactor)) {
                throw new IllegalArgumentException("boundedLoadFactor: " + boundedLoadFactor
                                                   + " (expected: 0 to disable, or >= 1)");
            }
            this.boundedLoadFactor = boundedLoadFactor;
            return this;
        }

        /** Sets the runtime-state settings (default {@link StateConfig#defaults()}). */
        public Builder stateConfig(StateConfig stateConfig) {
            this.stateConfig = requireNonNull(stateConfig, "stateConfig");
            return this;
        }

        /** Sets the call-load table settings (default {@link CallLoadConfig#defaults()}). */
        public Builder callLoadConfig(CallLoadConfig callLoadConfig) {
            this.callLoadConfig = requireNonNull(callLoadConfig, "callLoadConfig");
            return this;
        }

        /** Sets the description of where the settings came from. */
        public Builder source(String source) {
            this.source = requireNonNull(source, "source");
            return this;
        }

        /** Returns the settings. */
        public DispatcherSettings build() {
            final List<DestinationSet> list = new ArrayList<>(sets.values());
            list.sort(Comparator.comparingInt(DestinationSet::id));
            return new DispatcherSettings(Collections.unmodifiableList(list), hashMode, boundedLoadFactor,
                                          stateConfig, callLoadConfig, source);
        }
    }
}
