package io.siplb.proxy.core;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** SRV answers expire with their TTL (clamped to 1 s .. 1 day), "no SRV record" after 5 s, and the cache is bounded. */
class SrvCacheTest {

    private static final long S = 1_000_000_000L;

    @Test
    void answersLiveForTheirTtlAndNegativeOnesForFiveSeconds() {
        final SrvCache cache = new SrvCache();
        final NextHopResolver.Srv target = new NextHopResolver.Srv(10, 5, 5070, "primary.example.test");
        final long t0 = 42 * S;
        assertThat(cache.get("edge.example.test", t0)).isNull();
        cache.put("edge.example.test", target, 30, t0);
        assertThat(cache.get("edge.example.test", t0 + 29 * S)).isSameAs(target);
        assertThat(cache.get("edge.example.test", t0 + 30 * S)).isNull();

        cache.put("none.example.test", null, 3600, t0);
        assertThat(cache.get("none.example.test", t0 + 4 * S)).isSameAs(SrvCache.NONE);
        assertThat(cache.get("none.example.test", t0 + SrvCache.NEGATIVE_TTL_SECONDS * S)).isNull();

        // A TTL of 0 still caches for a second; a huge one for a day at most.
        cache.put("zero.example.test", target, 0, t0);
        assertThat(cache.get("zero.example.test", t0 + S / 2)).isSameAs(target);
        cache.put("long.example.test", target, Long.MAX_VALUE, t0);
        assertThat(cache.get("long.example.test", t0 + 86_399 * S)).isSameAs(target);
        assertThat(cache.get("long.example.test", t0 + 86_400 * S)).isNull();
    }

    @Test
    void startsOverWhenFull() {
        final SrvCache cache = new SrvCache();
        final NextHopResolver.Srv target = new NextHopResolver.Srv(0, 0, 5060, "t.example.test");
        for (int i = 0; i < SrvCache.MAX_ENTRIES; i++) {
            cache.put("n" + i + ".example.test", target, 60, 0);
        }
        assertThat(cache.get("n0.example.test", S)).isSameAs(target);
        cache.put("one-more.example.test", target, 60, 0);
        assertThat(cache.get("n0.example.test", S)).isNull();
        assertThat(cache.get("one-more.example.test", S)).isSameAs(target);
    }
}
