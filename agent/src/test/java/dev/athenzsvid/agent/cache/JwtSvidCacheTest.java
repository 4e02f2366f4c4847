package dev.athenzsvid.agent.cache;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.athenzsvid.agent.FakeClock;
import dev.athenzsvid.agent.FakeUpstream;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class JwtSvidCacheTest {
  private static final String ID = "spiffe://athenz.io/ns/default/sa/athenz.demo.api";

  private final FakeClock clock = new FakeClock(Instant.parse("2030-01-01T00:00:00Z"));
  private final AtomicInteger loads = new AtomicInteger();

  private JwtSvidCache cache(int max) {
    return new JwtSvidCache(max, clock, Runnable::run, Backoff.DEFAULT);
  }

  private CachedToken load(CacheKey key) throws Exception {
    loads.incrementAndGet();
    String token = FakeUpstream.sign(FakeUpstream.newKey("k1"), key.spiffeId(), key.audiences(),
        clock.millis(), Duration.ofMinutes(10));
    return CachedToken.of(token, clock.instant(), 0.5);
  }

  private JwtSvidCache.Loader loader() {
    return key -> {
      try {
        return load(key);
      } catch (Exception e) {
        throw new IllegalStateException(e);
      }
    };
  }

  @Test
  void cacheKey_sameSetAnyOrder_equal_differentSplits_differentEncoding() {
    assertEquals(new CacheKey(ID, List.of("b", "a", "a")), new CacheKey(ID, List.of("a", "b")));
    assertNotEquals(new CacheKey(ID, List.of("a,b")).encoded(),
        new CacheKey(ID, List.of("a", "b")).encoded());
    assertNotEquals(new CacheKey(ID, List.of("1:a")).encoded(),
        new CacheKey(ID, List.of("1", "a")).encoded());
  }

  @Test
  void lookup_afterLoad_freshUntilAboutHalfLife() {
    JwtSvidCache cache = cache(10);
    CacheKey key = new CacheKey(ID, List.of("a"));
    cache.refill(key, loader()).join();
    assertTrue(cache.lookup(key).fresh());
    clock.advance(Duration.ofMinutes(4));
    assertTrue(cache.lookup(key).fresh());
    clock.advance(Duration.ofSeconds(61));
    assertFalse(cache.lookup(key).fresh());
    assertTrue(cache.lookup(key).token().isPresent());
  }

  @Test
  void lookup_expired_neverServed() {
    JwtSvidCache cache = cache(10);
    CacheKey key = new CacheKey(ID, List.of("a"));
    cache.refill(key, loader()).join();
    clock.advance(Duration.ofMinutes(10));
    assertTrue(cache.lookup(key).token().isEmpty());
  }

  @Test
  void refill_overCapacity_leastRecentlyUsedEvicted() {
    JwtSvidCache cache = cache(2);
    CacheKey a = new CacheKey(ID, List.of("a"));
    CacheKey b = new CacheKey(ID, List.of("b"));
    CacheKey c = new CacheKey(ID, List.of("c"));
    cache.refill(a, loader()).join();
    cache.refill(b, loader()).join();
    cache.lookup(a);
    cache.refill(c, loader()).join();
    assertEquals(2, cache.size());
    assertTrue(cache.lookup(a).token().isPresent());
    assertTrue(cache.lookup(b).token().isEmpty());
  }

  @Test
  void retainKeyIds_keyLeftBundle_tokensDropped() {
    JwtSvidCache cache = cache(10);
    CacheKey key = new CacheKey(ID, List.of("a"));
    cache.refill(key, loader()).join();
    cache.retainKeyIds(Set.of("k2"));
    assertTrue(cache.lookup(key).token().isEmpty());
  }

  @Test
  void refill_jitter_refreshBetween45And50PercentOfLifetime() throws Exception {
    String token = FakeUpstream.sign(FakeUpstream.newKey("k1"), ID, List.of("a"),
        clock.millis(), Duration.ofMinutes(100));
    assertEquals(clock.instant().plus(Duration.ofMinutes(50)),
        CachedToken.of(token, clock.instant(), 0).refreshAt());
    assertEquals(clock.instant().plus(Duration.ofMinutes(45)),
        CachedToken.of(token, clock.instant(), 1).refreshAt());
  }
}
