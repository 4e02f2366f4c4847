package dev.athenzsvid.agent.bundle;

import static java.util.Objects.requireNonNull;

import dev.athenzsvid.agent.metrics.AgentMetrics;
import dev.athenzsvid.agent.upstream.Upstream;
import dev.athenzsvid.agent.upstream.UpstreamException;
import java.text.ParseException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps this trust domain's JWT bundle current: polls the server's JWKS every refresh
 * interval, fetches on demand when a bundle is missing or lacks a key, and tells subscribers
 * when the content changes, never when it stays the same. A failed fetch keeps the previous
 * bundle.
 *
 * <p>Fetches never run on the caller's thread: they run on the fetch executor given at
 * construction (the agent's bundle scheduler), and callers get a future. They are
 * single-flight: a trigger while a fetch is running joins it, so at most one request is in
 * flight and {@link #current} changes in fetch order. On-demand fetches are rate-limited to one
 * per {@link #UNKNOWN_KID_REFETCH}. Thread-safe: {@link #lock} guards only the in-flight
 * bookkeeping and is never held across a server call; {@link #current} is read without it.
 */
public final class BundleManager implements BundleSource {
  private static final Logger log = LoggerFactory.getLogger(BundleManager.class);

  /** How often at most an unknown key id or a missing bundle makes the agent ask again. */
  public static final Duration UNKNOWN_KID_REFETCH = Duration.ofSeconds(10);

  /** Logged when a scheduled fetch fails before any bundle was fetched. */
  static final String FETCH_FAILED_NONE_YET = "cannot fetch JWT bundle; none yet";
  /** Logged when a scheduled fetch fails and an earlier bundle stays in use. */
  static final String FETCH_FAILED_KEEPING =
      "cannot refresh JWT bundle; keeping the previous one";
  /** Why a fetch could not even start. */
  static final String SHUTTING_DOWN = "agent is shutting down";
  /** Why no bundle is there when no fetch was due and none has failed yet. */
  static final String NOT_FETCHED = "no bundle fetched yet";

  private final Upstream upstream;
  private final String trustDomainId;
  private final Clock clock;
  private final AgentMetrics metrics;
  private final Executor fetcher;
  private final List<Consumer<JwtBundle>> subscribers = new CopyOnWriteArrayList<>();
  private final Object lock = new Object();
  /** Written only by the one fetch in flight. */
  private volatile JwtBundle current;
  /** Guarded by {@link #lock}: the fetch in flight, or null. */
  private CompletableFuture<JwtBundle> inFlight;
  /** Guarded by {@link #lock}: when the last fetch started. */
  private Instant lastFetch = Instant.EPOCH;
  /** Guarded by {@link #lock}: the last fetch's failure, or null after a success. */
  private UpstreamException lastError;

  /**
   * @param fetcher runs the server calls; the agent passes its bundle scheduler thread
   */
  public BundleManager(Upstream upstream, String trustDomainId, Clock clock,
      AgentMetrics metrics, Executor fetcher) {
    this.upstream = requireNonNull(upstream, "upstream");
    this.trustDomainId = requireNonNull(trustDomainId, "trustDomainId");
    this.clock = requireNonNull(clock, "clock");
    this.metrics = requireNonNull(metrics, "metrics");
    this.fetcher = requireNonNull(fetcher, "fetcher");
  }

  /** Polls every {@code interval} on {@code scheduler}, starting now. */
  public void startPolling(ScheduledExecutorService scheduler, Duration interval) {
    scheduler.scheduleWithFixedDelay(this::refreshQuietly, 0, interval.toMillis(),
        TimeUnit.MILLISECONDS);
  }

  /** The bundle as last fetched, empty before the first successful fetch. */
  public Optional<JwtBundle> current() {
    return Optional.ofNullable(current);
  }

  /**
   * The current bundle at once if there is one; otherwise the outcome of the fetch in flight,
   * or of a new one if one is due. Fails with {@link UpstreamException} (possibly wrapped in a
   * {@link java.util.concurrent.CompletionException}) when no bundle can be had.
   */
  public CompletableFuture<JwtBundle> currentOrFetch() {
    JwtBundle bundle = current;
    if (bundle != null) {
      return CompletableFuture.completedFuture(bundle);
    }
    CompletableFuture<JwtBundle> fetch = fetch(true);
    if (fetch != null) {
      return fetch.copy();
    }
    synchronized (lock) {
      return CompletableFuture.failedFuture(
          lastError != null ? lastError : new UpstreamException(0, NOT_FETCHED));
    }
  }

  /**
   * Registers {@code subscriber} for every later change; it runs on the fetching thread and
   * must not block. Returns the action that unregisters it.
   */
  public Runnable subscribe(Consumer<JwtBundle> subscriber) {
    requireNonNull(subscriber, "subscriber");
    subscribers.add(subscriber);
    return () -> subscribers.remove(subscriber);
  }

  /**
   * Fetches the JWKS now, or joins the fetch in flight; subscribers hear of it if it changed.
   * The future completes with the bundle then current, or fails as {@link #currentOrFetch}.
   */
  public CompletableFuture<JwtBundle> refresh() {
    return fetch(false).copy();
  }

  /** One scheduled fetch: failures are logged, never thrown to the scheduler. */
  void refreshQuietly() {
    refresh().whenComplete((bundle, error) -> {
      Throwable cause = error != null && error.getCause() != null ? error.getCause() : error;
      // Unexpected failures were logged where they happened.
      if (cause instanceof UpstreamException) {
        log.atWarn().addKeyValue("error", cause.getMessage())
            .log(current == null ? FETCH_FAILED_NONE_YET : FETCH_FAILED_KEEPING);
      }
    });
  }

  @Override
  public Optional<JwtBundle> bundle(String trustDomain) {
    return trustDomainId.equals(trustDomain) ? current() : Optional.empty();
  }

  /** Joins the fetch in flight or starts one if due; completes with the bundle known then. */
  @Override
  public CompletableFuture<Optional<JwtBundle>> refreshedBundle(String trustDomain) {
    if (!trustDomainId.equals(trustDomain)) {
      return CompletableFuture.completedFuture(Optional.empty());
    }
    CompletableFuture<JwtBundle> fetch = fetch(true);
    if (fetch == null) {
      return CompletableFuture.completedFuture(current());
    }
    return fetch.handle((bundle, error) -> current());
  }

  /**
   * The fetch in flight, else a new one handed to the fetcher; null when {@code onlyIfDue}
   * and the last fetch started less than {@link #UNKNOWN_KID_REFETCH} ago. Callers must not
   * complete the returned future.
   */
  private CompletableFuture<JwtBundle> fetch(boolean onlyIfDue) {
    CompletableFuture<JwtBundle> started;
    synchronized (lock) {
      if (inFlight != null) {
        return inFlight;
      }
      Instant now = clock.instant();
      if (onlyIfDue && now.isBefore(lastFetch.plus(UNKNOWN_KID_REFETCH))) {
        return null;
      }
      lastFetch = now;
      started = new CompletableFuture<>();
      inFlight = started;
    }
    try {
      fetcher.execute(() -> run(started));
    } catch (RejectedExecutionException e) {
      finish(started, null, new UpstreamException(SHUTTING_DOWN, e));
    }
    return started;
  }

  /** The one fetch in flight: asks the server, publishes a changed bundle, then finishes. */
  private void run(CompletableFuture<JwtBundle> started) {
    try {
      finish(started, fetchAndPublish(), null);
    } catch (UpstreamException e) {
      finish(started, null, e);
    } catch (RuntimeException e) {
      log.atError().setCause(e).log("unexpected failure refreshing JWT bundle");
      finish(started, null, new UpstreamException("unexpected failure", e));
    }
  }

  private JwtBundle fetchAndPublish() throws UpstreamException {
    long start = System.nanoTime();
    String jwks;
    try {
      jwks = upstream.fetchJwks();
      metrics.upstreamCall("jwks", System.nanoTime() - start, true);
    } catch (UpstreamException e) {
      metrics.upstreamCall("jwks", System.nanoTime() - start, false);
      throw e;
    }
    JwtBundle bundle;
    try {
      bundle = JwksConverter.convert(trustDomainId, jwks);
    } catch (ParseException e) {
      throw new UpstreamException(0, "unusable JWKS from server: " + e.getMessage());
    }
    if (bundle.equals(current)) {
      return current;
    }
    current = bundle;
    log.atInfo().addKeyValue("trustDomain", trustDomainId).addKeyValue("kids", bundle.keyIds())
        .log("JWT bundle changed");
    for (Consumer<JwtBundle> subscriber : subscribers) {
      try {
        subscriber.accept(bundle);
      } catch (RuntimeException e) {
        log.atError().setCause(e).log("bundle subscriber failed");
      }
    }
    return bundle;
  }

  private void finish(CompletableFuture<JwtBundle> started, JwtBundle bundle,
      UpstreamException error) {
    synchronized (lock) {
      if (inFlight == started) {
        inFlight = null;
      }
      lastError = error;
    }
    if (error == null) {
      started.complete(bundle);
    } else {
      started.completeExceptionally(error);
    }
  }
}
