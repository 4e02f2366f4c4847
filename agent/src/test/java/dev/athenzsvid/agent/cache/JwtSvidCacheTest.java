package dev.athenzsvid.agent.cache;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.athenzsvid.agent.FakeClock;
import dev.athenzsvid.agent.FakeUpstream;
import dev.athenzsvid.agent.upstream.UpstreamException;
import java.text.ParseException;
import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
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
  void retainKeyIds_keyLeavesDuringRefill_tokenHandedOverNotKept() throws Exception {
    ExecutorService refills = Executors.newSingleThreadExecutor();
    try {
      JwtSvidCache cache = new JwtSvidCache(10, clock, refills, Backoff.DEFAULT);
      cache.retainKeyIds(Set.of("k1"));
      CacheKey key = new CacheKey(ID, List.of("a"));
      CountDownLatch entered = new CountDownLatch(1);
      CountDownLatch release = new CountDownLatch(1);
      CompletableFuture<CachedToken> refill = cache.refill(key, k -> {
        entered.countDown();
        try {
          release.await();
          return load(k);
        } catch (Exception e) {
          throw new IllegalStateException(e);
        }
      });
      assertTrue(entered.await(5, TimeUnit.SECONDS));
      cache.retainKeyIds(Set.of("k2"));
      release.countDown();
      assertEquals("k1", refill.get(5, TimeUnit.SECONDS).keyId());
      assertTrue(cache.lookup(key).token().isEmpty());
      assertEquals(0, cache.size());
    } finally {
      refills.shutdownNow();
    }
  }

  @Test
  void retainKeyIds_keyComesBack_tokensKeptAgain() {
    JwtSvidCache cache = cache(10);
    CacheKey key = new CacheKey(ID, List.of("a"));
    cache.retainKeyIds(Set.of("k1"));
    cache.retainKeyIds(Set.of("k2"));
    cache.retainKeyIds(Set.of("k1", "k2"));
    cache.refill(key, loader()).join();
    assertTrue(cache.lookup(key).token().isPresent());
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

  @Test
  void refill_executorRejects_overloadedAndNoBackoff() {
    AtomicBoolean reject = new AtomicBoolean(true);
    Executor executor = task -> {
      if (reject.get()) {
        throw new RejectedExecutionException("queue full");
      }
      task.run();
    };
    JwtSvidCache cache = new JwtSvidCache(10, clock, executor, Backoff.DEFAULT);
    CacheKey key = new CacheKey(ID, List.of("a"));
    CompletionException e =
        assertThrows(CompletionException.class, () -> cache.refill(key, loader()).join());
    assertInstanceOf(JwtSvidCache.OverloadedException.class, e.getCause());
    assertEquals(JwtSvidCache.OVERLOADED, e.getCause().getMessage());
    assertEquals(0, loads.get());

    reject.set(false);
    cache.refill(key, loader()).join();
    assertEquals(1, loads.get(), "no backoff: the next caller reached the server at once");
  }

  /**
   * A refiller that looked its entry up just before a refusal removed it must not refill the
   * removed entry: the token would land where no lookup finds it. The refiller is held in
   * that gap by making it wait, while evicting, for the monitor of another entry that
   * {@code retainKeyIds} holds (inside {@code Set.contains}).
   */
  @Test
  void refill_entryRemovedBeforeRefillerLocksIt_tokenLandsInMappedEntry() throws Exception {
    ExecutorService loaders = Executors.newCachedThreadPool();
    try {
      JwtSvidCache cache = new JwtSvidCache(2, clock, loaders, Backoff.DEFAULT);
      CacheKey held = new CacheKey(ID, List.of("held"));
      CacheKey target = new CacheKey(ID, List.of("target"));
      CacheKey third = new CacheKey(ID, List.of("third"));
      cache.refill(held, key -> token(key, "k-held")).join();

      CountDownLatch refusal = new CountDownLatch(1);
      AtomicInteger targetLoads = new AtomicInteger();
      CompletableFuture<CachedToken> refused = cache.refill(target, key -> {
        if (targetLoads.incrementAndGet() == 1) {
          await(refusal);
          throw new UpstreamException(403, "forbidden");
        }
        return token(key, "k1");
      });

      CountDownLatch inContains = new CountDownLatch(1);
      CountDownLatch releaseContains = new CountDownLatch(1);
      Thread retainer = new Thread(() -> cache.retainKeyIds(new HashSet<>(Set.of("k-held")) {
        @Override
        public boolean contains(Object kid) {
          inContains.countDown();
          await(releaseContains);
          return super.contains(kid);
        }
      }));
      retainer.start();
      assertTrue(inContains.await(5, TimeUnit.SECONDS), "retainKeyIds holds the held entry");

      Thread overfill = new Thread(() -> cache.refill(third, loader()));
      overfill.start();
      awaitState(overfill, Thread.State.BLOCKED);
      CompletableFuture<CompletableFuture<CachedToken>> refill = new CompletableFuture<>();
      Thread refiller = new Thread(() -> refill.complete(cache.refill(target, key -> {
        targetLoads.incrementAndGet();
        return token(key, "k1");
      })));
      refiller.start();
      awaitState(refiller, Thread.State.BLOCKED);

      refusal.countDown();
      CompletionException e = assertThrows(CompletionException.class, refused::join);
      assertInstanceOf(UpstreamException.class, e.getCause());
      releaseContains.countDown();

      CachedToken token = refill.get(5, TimeUnit.SECONDS).get(5, TimeUnit.SECONDS);
      assertEquals(token, cache.lookup(target).token().orElseThrow());
      assertEquals(2, targetLoads.get());
    } finally {
      loaders.shutdownNow();
    }
  }

  private CachedToken token(CacheKey key, String kid) throws UpstreamException {
    try {
      String token = FakeUpstream.sign(FakeUpstream.newKey(kid), key.spiffeId(),
          key.audiences(), clock.millis(), Duration.ofMinutes(10));
      return CachedToken.of(token, clock.instant(), 0.5);
    } catch (ParseException e) {
      throw new UpstreamException("unreadable", e);
    }
  }

  private static void await(CountDownLatch latch) {
    try {
      if (!latch.await(10, TimeUnit.SECONDS)) {
        throw new IllegalStateException("latch not released");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** Waits, without sleeping, until {@code thread} is in {@code state}. */
  private static void awaitState(Thread thread, Thread.State state) {
    long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
    while (thread.getState() != state) {
      if (System.nanoTime() > until) {
        throw new AssertionError(thread.getName() + " is " + thread.getState());
      }
      Thread.onSpinWait();
    }
  }
}
