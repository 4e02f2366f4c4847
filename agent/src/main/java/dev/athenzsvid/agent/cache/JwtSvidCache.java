package dev.athenzsvid.agent.cache;

import static java.util.Objects.requireNonNull;

import dev.athenzsvid.agent.upstream.UpstreamException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;

/**
 * Tokens by {@link CacheKey}, bounded, evicting the least recently used key. Refills are
 * single-flight per key: however many callers ask at once, one loader call runs and all share
 * its result; refills of different keys run in parallel on the given executor. After a failed
 * refill the key backs off ({@link Backoff}) and refills fail at once until the wait is over.
 * A refusal by the server removes the key's token, so revoked access is never hidden by the
 * cache. Expired tokens are never returned.
 *
 * <p>Thread-safe. {@link #lock} guards the map and each entry's mutable fields; it is held only
 * for map bookkeeping, never while a loader runs.
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

  /** The cache's view of a key: its valid token, if any, and whether it needs no refill. */
  public record Lookup(Optional<CachedToken> token, boolean fresh) {}

  private static final class Entry {
    // All fields guarded by JwtSvidCache.lock.
    CachedToken token;
    CompletableFuture<CachedToken> refill;
    int failures;
    Instant retryAt;
    Exception lastError;
  }

  private final Object lock = new Object();
  /** Access-ordered, so iteration starts at the least recently used key. Guarded by lock. */
  private final LinkedHashMap<CacheKey, Entry> entries;
  private final Clock clock;
  private final Executor executor;
  private final Backoff backoff;

  /**
   * @param maxEntries the most keys held; the least recently used goes first
   * @param executor runs loaders; a rejected refill fails like an unreachable server
   */
  public JwtSvidCache(int maxEntries, Clock clock, Executor executor, Backoff backoff) {
    if (maxEntries < 1) {
      throw new IllegalArgumentException("maxEntries must be at least 1");
    }
    this.clock = requireNonNull(clock, "clock");
    this.executor = requireNonNull(executor, "executor");
    this.backoff = requireNonNull(backoff, "backoff");
    this.entries = new LinkedHashMap<>(16, 0.75f, true) {
      private static final long serialVersionUID = 1L;

      @Override
      protected boolean removeEldestEntry(Map.Entry<CacheKey, Entry> eldest) {
        return size() > maxEntries;
      }
    };
  }

  /** The key's token if it is still valid, counting as a use of the key. */
  public Lookup lookup(CacheKey key) {
    requireNonNull(key, "key");
    Instant now = clock.instant();
    synchronized (lock) {
      Entry entry = entries.get(key);
      if (entry == null || entry.token == null) {
        return new Lookup(Optional.empty(), false);
      }
      if (!entry.token.validAt(now)) {
        entry.token = null;
        return new Lookup(Optional.empty(), false);
      }
      return new Lookup(Optional.of(entry.token), entry.token.freshAt(now));
    }
  }

  /**
   * Starts a refill of {@code key}, or joins the one already running. The future fails with
   * {@link UpstreamException} when the loader fails, or {@link BackoffException} at once while
   * the key backs off. Callers must not complete or cancel the returned future.
   */
  public CompletableFuture<CachedToken> refill(CacheKey key, Loader loader) {
    requireNonNull(key, "key");
    requireNonNull(loader, "loader");
    Instant now = clock.instant();
    CompletableFuture<CachedToken> future;
    Entry entry;
    synchronized (lock) {
      entry = entries.computeIfAbsent(key, k -> new Entry());
      if (entry.refill != null) {
        return entry.refill;
      }
      if (entry.retryAt != null && now.isBefore(entry.retryAt)) {
        long seconds = Math.max(1, Duration.between(now, entry.retryAt).toSeconds());
        return CompletableFuture.failedFuture(new BackoffException(
            describe(entry.lastError) + "; next attempt in " + seconds + "s", entry.lastError));
      }
      future = new CompletableFuture<>();
      entry.refill = future;
    }
    Entry target = entry;
    try {
      executor.execute(() -> run(key, target, loader, future));
    } catch (RejectedExecutionException e) {
      finish(key, target, future, null, new UpstreamException("agent is overloaded", e));
    }
    return future;
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
    synchronized (lock) {
      entry.refill = null;
      if (token != null) {
        entry.token = token;
        entry.failures = 0;
        entry.retryAt = null;
        entry.lastError = null;
      } else if (error.refused()) {
        if (entries.get(key) == entry) {
          entries.remove(key);
        }
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

  /** Drops every token signed by a key no longer in {@code keyIds}. */
  public void retainKeyIds(Set<String> keyIds) {
    requireNonNull(keyIds, "keyIds");
    synchronized (lock) {
      for (Iterator<Entry> it = entries.values().iterator(); it.hasNext(); ) {
        Entry entry = it.next();
        if (entry.token != null && !keyIds.contains(entry.token.keyId())) {
          entry.token = null;
          if (entry.refill == null) {
            it.remove();
          }
        }
      }
    }
  }

  /** The number of keys held. */
  public int size() {
    synchronized (lock) {
      return entries.size();
    }
  }

  private static String describe(Exception error) {
    return error == null ? "server call failed" : error.getMessage();
  }
}
