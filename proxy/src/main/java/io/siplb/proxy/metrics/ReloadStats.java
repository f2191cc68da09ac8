package io.siplb.proxy.metrics;

/**
 * What {@code /metrics} reads about configuration reloads: {@code siplb_config_reloads_total{result}} and
 * {@code siplb_config_last_reload_success_timestamp_seconds}. The reloading component implements it and is bound
 * with {@link SiplbMetrics#bindReloads}; until then the counters read 0 and the timestamp is absent.
 * Implementations are thread-safe: scrapes call them from the admin event loop.
 */
public interface ReloadStats {

    /** Returns the reloads applied so far. */
    long successes();

    /** Returns the reloads refused so far (an invalid file kept the running configuration). */
    long failures();

    /** Returns when the last reload was applied, in milliseconds since the epoch, or a value {@code <= 0}: never. */
    long lastSuccessEpochMillis();
}
