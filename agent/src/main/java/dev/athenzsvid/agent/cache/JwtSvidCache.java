package dev.athenzsvid.agent.cache;

import static java.util.Objects.requireNonNull;

import dev.athenzsvid.agent.upstream.UpstreamException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;

/**
 * Tokens by {@link CacheKey}, bounded, evicting the least recently used keys. Refills are
 * single-flight per key: however many callers ask at once, one loader call runs and all share
 * its result; refills of different keys run in parallel on the given executor. After a failed
 * refill the key backs off ({@link Backoff}) and refills fail at once until the wait is over.
 * A refusal by the server removes the key's token, so revoked access is never hidden by the
 * cache. Expired tokens are never returned.
 *
 * <p>Thread-safe without a lock over the whole cache: keys live in a concurrent map, a lookup
 * reads one entry's volatile fields and stamps its last use, and each entry's own monitor
 * guards its refill state. When a new key takes the cache over its bound, the least recently
 * used keys (about one percent of the bound at a time, so the scan is paid rarely) make room.
 */
public final class JwtSvidCache {
  /** Loads a token for a key; runs on the refill executor and may block up to its deadline. */
  public interface Loader {
    CachedToken load(CacheKey key) throws UpstreamException;
  }

  /** A refill refused without a server call because the key is backing off. */
  public static final class BackoffException extends Exception {
    private static final long serialVersionUID = 1L;

    BackoffException(String message, Throwable cause) {
      super(message, cause);
    }
  }

  /** The message of {@link OverloadedException}. */
  public static final String OVERLOADED = "agent is overloaded: too many token requests at once";

  /** A refill refused without a server call because every refill thread and slot is busy. */
  public static final class OverloadedException extends Exception {
    private static final long serialVersionUID = 1L;

    OverloadedException(Throwable cause) {
      super(OVERLOADED, cause);
    }
  }

  /** The cache's view of a key: its valid token, if any, and whether it needs no refill. */
  public record Lookup(Optional<CachedToken> token, boolean fresh) {
    static final Lookup MISS = new Lookup(Optional.empty(), false);
  }

  private static final class Entry {
    volatile CachedToken token;
    /** {@link System#nanoTime()} of the last use, for eviction order. */
    volatile long lastUsed = System.nanoTime();
    // Guarded by this entry's monitor.
    CompletableFuture<CachedToken> refill;
    int failures;
    Instant retryAt;
    Exception lastError;
  }

  private final ConcurrentHashMap<CacheKey, Entry> entries = new ConcurrentHashMap<>();
  private final int maxEntries;
  private final Clock clock;
  private final Executor executor;
  private final Backoff backoff;
  /**
   * Key ids that have left the bundle: a refill that ends after its key left does not keep its
   * token. Grows by one id a key rotation, and shrinks when an id comes back.
   */
  private final Set<String> retiredKeyIds = ConcurrentHashMap.newKeySet();
  /** The key ids of the last {@link #retainKeyIds} call; written only by its caller. */
  private volatile Set<String> bundleKeyIds = Set.of();

  /**
   * @param maxEntries the most keys held; the least recently used go first
   * @param executor runs loaders; a rejected refill fails with {@link OverloadedException}
   */
  public JwtSvidCache(int maxEntries, Clock clock, Executor executor, Backoff backoff) {
    if (maxEntries < 1) {
      throw new IllegalArgumentException("maxEntries must be at least 1");
    }
    this.maxEntries = maxEntries;
    this.clock = requireNonNull(clock, "clock");
    this.executor = requireNonNull(executor, "executor");
    this.backoff = requireNonNull(backoff, "backoff");
  }

  /** The key's token if it is still valid, counting as a use of the key. */
  public Lookup lookup(CacheKey key) {
    requireNonNull(key, "key");
    Entry entry = entries.get(key);
    if (entry == null) {
      return Lookup.MISS;
    }
    entry.lastUsed = System.nanoTime();
    CachedToken token = entry.token;
    if (token == null) {
      return Lookup.MISS;
    }
    Instant now = clock.instant();
    if (!token.validAt(now)) {
      return Lookup.MISS;
    }
    return new Lookup(Optional.of(token), token.freshAt(now));
  }

  /**
   * Starts a refill of {@code key}, or joins the one already running. The future fails with
   * {@link UpstreamException} when the loader fails, {@link BackoffException} at once while
   * the key backs off, or {@link OverloadedException} when the executor refuses the refill.
   * Callers must not complete or cancel the returned future.
   */
  public CompletableFuture<CachedToken> refill(CacheKey key, Loader loader) {
    requireNonNull(key, "key");
    requireNonNull(loader, "loader");
    while (true) {
      Entry entry = entries.computeIfAbsent(key, k -> new Entry());
      if (entries.size() > maxEntries) {
        evict(entry);
      }
      CompletableFuture<CachedToken> future;
      synchronized (entry) {
        if (entries.get(key) != entry) {
          // Removed since the lookup (a refusal, an eviction, retainKeyIds), always under
          // this monitor: a refill of it would fill a token no lookup finds while the next
          // caller starts a second refill. Look the key up again.
          continue;
        }
        if (entry.refill != null) {
          return entry.refill;
        }
        Instant now = clock.instant();
        if (entry.retryAt != null && now.isBefore(entry.retryAt)) {
          long seconds = Math.max(1, Duration.between(now, entry.retryAt).toSeconds());
          return CompletableFuture.failedFuture(new BackoffException(
              describe(entry.lastError) + "; next attempt in " + seconds + "s",
              entry.lastError));
        }
        future = new CompletableFuture<>();
        entry.refill = future;
      }
      try {
        executor.execute(() -> run(key, entry, loader, future));
      } catch (RejectedExecutionException e) {
        // The server is not at fault: no backoff, and the next caller may try at once.
        synchronized (entry) {
          entry.refill = null;
        }
        future.completeExceptionally(new OverloadedException(e));
      }
      return future;
    }
  }

  /**
   * Removes the least recently used keys until the cache is within its bound, sparing
   * {@code keep} (the key being added) and keys with a refill under way.
   */
  private void evict(Entry keep) {
    int excess = entries.size() - maxEntries;
    if (excess <= 0) {
      return;
    }
    int batch = Math.max(excess, maxEntries / 100);
    List<Map.Entry<CacheKey, Entry>> oldest = new ArrayList<>(entries.entrySet());
    oldest.sort(Comparator.comparingLong(e -> e.getValue().lastUsed));
    for (Map.Entry<CacheKey, Entry> candidate : oldest) {
      if (batch == 0) {
        break;
      }
      Entry entry = candidate.getValue();
      if (entry == keep) {
        continue;
      }
      synchronized (entry) {
        if (entry.refill == null && entries.remove(candidate.getKey(), entry)) {
          batch--;
        }
      }
    }
  }

  private void run(CacheKey key, Entry entry, Loader loader,
      CompletableFuture<CachedToken> future) {
    try {
      finish(key, entry, future, loader.load(key), null);
    } catch (UpstreamException e) {
      finish(key, entry, future, null, e);
    } catch (RuntimeException e) {
      finish(key, entry, future, null, new UpstreamException("unexpected failure", e));
    }
  }

  private void finish(CacheKey key, Entry entry, CompletableFuture<CachedToken> future,
      CachedToken token, UpstreamException error) {
    synchronized (entry) {
      entry.refill = null;
      if (token != null) {
        // Read under the entry's monitor, as retainKeyIds visits it: either that visit comes
        // after this and drops the token, or the id is already retired here.
        if (!retiredKeyIds.contains(token.keyId())) {
          entry.token = token;
        }
        entry.failures = 0;
        entry.retryAt = null;
        entry.lastError = null;
      } else if (error.refused()) {
        entry.token = null;
        entries.remove(key, entry);
      } else {
        entry.failures++;
        entry.retryAt = clock.instant().plus(backoff.after(entry.failures));
        entry.lastError = error;
      }
    }
    if (token != null) {
      future.complete(token);
    } else {
      future.completeExceptionally(error);
    }
  }

  /**
   * Drops every token signed by a key no longer in {@code keyIds}. A refill in flight whose
   * token turns out to be signed by such a key hands it to the callers waiting for it and does
   * not keep it. A key id the agent has never seen in a bundle is not refused: the server may
   * sign with a new key before the agent polls the bundle that has it.
   */
  public void retainKeyIds(Set<String> keyIds) {
    requireNonNull(keyIds, "keyIds");
    for (String previous : bundleKeyIds) {
      if (!keyIds.contains(previous)) {
        retiredKeyIds.add(previous);
      }
    }
    retiredKeyIds.removeAll(keyIds);
    bundleKeyIds = Set.copyOf(keyIds);
    for (Map.Entry<CacheKey, Entry> item : entries.entrySet()) {
      Entry entry = item.getValue();
      synchronized (entry) {
        CachedToken token = entry.token;
        if (token != null && !keyIds.contains(token.keyId())) {
          retiredKeyIds.add(token.keyId());
          entry.token = null;
          if (entry.refill == null) {
            entries.remove(item.getKey(), entry);
          }
        }
      }
    }
  }

  /** The number of tokens held (keys whose last refill failed hold none). */
  public int size() {
    int count = 0;
    for (Entry entry : entries.values()) {
      if (entry.token != null) {
        count++;
      }
    }
    return count;
  }

  private static String describe(Exception error) {
    return error == null ? "server call failed" : error.getMessage();
  }
}
