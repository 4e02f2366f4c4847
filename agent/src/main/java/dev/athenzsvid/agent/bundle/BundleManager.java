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
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps this trust domain's JWT bundle current: polls the server's JWKS every refresh
 * interval (on a scheduler it does not own), fetches at once on demand, and tells subscribers
 * when the content changes, never when it stays the same. A failed fetch keeps the previous
 * bundle.
 *
 * <p>Thread-safe. Fetches are serialised by {@link #fetchLock} so concurrent triggers cause one
 * request; {@link #current} is read without locking.
 */
public final class BundleManager implements BundleSource {
  private static final Logger log = LoggerFactory.getLogger(BundleManager.class);

  /** How often at most an unknown key id makes the agent ask the server again. */
  public static final Duration UNKNOWN_KID_REFETCH = Duration.ofSeconds(10);

  /** Logged when a scheduled fetch fails before any bundle was fetched. */
  static final String FETCH_FAILED_NONE_YET = "cannot fetch JWT bundle; none yet";
  /** Logged when a scheduled fetch fails and an earlier bundle stays in use. */
  static final String FETCH_FAILED_KEEPING =
      "cannot refresh JWT bundle; keeping the previous one";

  private final Upstream upstream;
  private final String trustDomainId;
  private final Clock clock;
  private final AgentMetrics metrics;
  private final List<Consumer<JwtBundle>> subscribers = new CopyOnWriteArrayList<>();
  private final Object fetchLock = new Object();
  /** Written under {@link #fetchLock}. */
  private volatile JwtBundle current;
  /** Guarded by {@link #fetchLock}. */
  private Instant lastFetch = Instant.EPOCH;

  public BundleManager(Upstream upstream, String trustDomainId, Clock clock,
      AgentMetrics metrics) {
    this.upstream = requireNonNull(upstream, "upstream");
    this.trustDomainId = requireNonNull(trustDomainId, "trustDomainId");
    this.clock = requireNonNull(clock, "clock");
    this.metrics = requireNonNull(metrics, "metrics");
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

  /** The current bundle, fetching it first if there is none yet. */
  public JwtBundle currentOrFetch() throws UpstreamException {
    JwtBundle bundle = current;
    if (bundle != null) {
      return bundle;
    }
    refresh();
    return requireNonNull(current, "current");
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

  /** Fetches the JWKS now; subscribers hear of it if it changed. */
  public void refresh() throws UpstreamException {
    synchronized (fetchLock) {
      lastFetch = clock.instant();
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
        return;
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
    }
  }

  /** One scheduled fetch: failures are logged, never thrown to the scheduler. */
  void refreshQuietly() {
    try {
      refresh();
    } catch (UpstreamException e) {
      log.atWarn().addKeyValue("error", e.getMessage())
          .log(current == null ? FETCH_FAILED_NONE_YET : FETCH_FAILED_KEEPING);
    } catch (RuntimeException e) {
      log.atError().setCause(e).log("unexpected failure refreshing JWT bundle");
    }
  }

  @Override
  public Optional<JwtBundle> bundle(String trustDomain) {
    if (!trustDomainId.equals(trustDomain)) {
      return Optional.empty();
    }
    if (current == null) {
      refreshQuietly();
    }
    return current();
  }

  @Override
  public Optional<JwtBundle> refreshedBundle(String trustDomain) {
    if (!trustDomainId.equals(trustDomain)) {
      return Optional.empty();
    }
    boolean due;
    synchronized (fetchLock) {
      due = !clock.instant().isBefore(lastFetch.plus(UNKNOWN_KID_REFETCH));
    }
    if (due) {
      refreshQuietly();
    }
    return current();
  }
}
