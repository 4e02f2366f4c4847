package dev.athenzsvid.bench;

import dev.athenzsvid.agent.cache.Backoff;
import dev.athenzsvid.agent.cache.CacheKey;
import dev.athenzsvid.agent.cache.CachedToken;
import dev.athenzsvid.agent.cache.JwtSvidCache;
import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Threads;

/**
 * The agent's token cache on its hot path: a lookup that finds a fresh token, in a cache
 * holding {@code entries} tokens, from two threads at once (the machine's cores).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Threads(2)
public class CacheBenchmark {
  private static final String SPIFFE_ID = "spiffe://athenz.io/ns/default/sa/bench.api";

  @Param({"10000"})
  public int entries;

  private JwtSvidCache cache;
  private CacheKey[] keys;

  @Setup
  public void setUp() {
    cache = new JwtSvidCache(entries, Clock.systemUTC(), Runnable::run, Backoff.DEFAULT);
    keys = new CacheKey[entries];
    Instant now = Instant.now();
    CachedToken token = new CachedToken("x".repeat(600), "k1", now,
        now.plus(1, ChronoUnit.HOURS), now.plus(30, ChronoUnit.MINUTES));
    for (int i = 0; i < entries; i++) {
      keys[i] = new CacheKey(SPIFFE_ID, List.of("https://aud-" + i + ".example.com"));
      cache.refill(keys[i], key -> token).join();
    }
  }

  /** A lookup of an existing key object, as after the request is parsed. */
  @Benchmark
  public JwtSvidCache.Lookup lookupHit() {
    int i = java.util.concurrent.ThreadLocalRandom.current().nextInt(entries);
    return cache.lookup(keys[i]);
  }

  /** Building the key from the request's audiences, then the lookup: the whole cache step. */
  @Benchmark
  public JwtSvidCache.Lookup keyAndLookup() {
    int i = java.util.concurrent.ThreadLocalRandom.current().nextInt(entries);
    return cache.lookup(new CacheKey(SPIFFE_ID, List.of("https://aud-" + i + ".example.com")));
  }
}
