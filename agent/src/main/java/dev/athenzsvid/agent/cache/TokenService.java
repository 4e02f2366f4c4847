package dev.athenzsvid.agent.cache;

import static java.util.Objects.requireNonNull;

import dev.athenzsvid.agent.config.Identity;
import dev.athenzsvid.agent.metrics.AgentMetrics;
import dev.athenzsvid.agent.upstream.TokenRequest;
import dev.athenzsvid.agent.upstream.Upstream;
import dev.athenzsvid.agent.upstream.UpstreamException;
import java.security.SecureRandom;
import java.text.ParseException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Gets JWT-SVIDs for identities, through the cache. A fresh cached token is returned at once;
 * a token past its refresh time but still valid is refreshed, and returned as it is if the
 * server fails or does not answer within the caller's budget and it is still valid then (the
 * refresh carries on in the background); with no valid token the caller waits for the server.
 * Tokens from the server are checked: {@code sub} must be the identity's SPIFFE ID and
 * {@code aud} must contain every requested audience (a server that honours only one is never
 * silently accepted).
 *
 * <p>Thread-safe; the returned futures complete on the cache's executor or a timer thread.
 */
public final class TokenService {
  private static final Logger log = LoggerFactory.getLogger(TokenService.class);
  private static final SecureRandom RANDOM = new SecureRandom();

  static final String WRONG_SUBJECT = "server returned a token for another subject";
  static final String MISSING_AUDIENCES = "server did not honour every audience; missing";
  static final String UNREADABLE = "server returned an unreadable token";
  static final String EXPIRED = "server returned an expired token";
  /** Why a stale token was not served after all. */
  static final String STALE_EXPIRED = "cached JWT-SVID expired while waiting for the server";

  private final JwtSvidCache cache;
  private final Upstream upstream;
  private final String provider;
  private final String instanceId;
  private final Clock clock;
  private final AgentMetrics metrics;

  public TokenService(JwtSvidCache cache, Upstream upstream, String provider, String instanceId,
      Clock clock, AgentMetrics metrics) {
    this.cache = requireNonNull(cache, "cache");
    this.upstream = requireNonNull(upstream, "upstream");
    this.provider = requireNonNull(provider, "provider");
    this.instanceId = requireNonNull(instanceId, "instanceId");
    this.clock = requireNonNull(clock, "clock");
    this.metrics = requireNonNull(metrics, "metrics");
  }

  /**
   * A token for {@code identity} and {@code audiences}.
   *
   * @param staleBudget how long to wait for the server when a valid, stale token can be
   *     served instead
   * @return a future failing with {@link UpstreamException} or
   *     {@link JwtSvidCache.BackoffException} when no valid token can be had
   */
  public CompletableFuture<CachedToken> fetch(Identity identity, List<String> audiences,
      Duration staleBudget) {
    requireNonNull(identity, "identity");
    requireNonNull(staleBudget, "staleBudget");
    CacheKey key = new CacheKey(identity.spiffeId().toString(), audiences);
    JwtSvidCache.Lookup lookup = cache.lookup(key);
    if (lookup.fresh()) {
      metrics.cacheHit();
      return CompletableFuture.completedFuture(lookup.token().orElseThrow());
    }
    metrics.cacheMiss();
    CompletableFuture<CachedToken> refill = cache.refill(key, k -> load(identity, k));
    Optional<CachedToken> stale = lookup.token();
    if (stale.isEmpty()) {
      return refill.copy();
    }
    CachedToken fallback = stale.get();
    return refill.copy()
        .completeOnTimeout(null, staleBudget.toNanos(), TimeUnit.NANOSECONDS)
        .handle((token, error) -> {
          if (token != null) {
            return token;
          }
          String reason = error == null ? "server did not answer in time" : rootMessage(error);
          if (error != null && isRefusal(error)) {
            throw new CompletionException(unwrap(error));
          }
          if (!fallback.validAt(clock.instant())) {
            // It expired while we waited for the server: expired tokens are never served.
            throw new CompletionException(new UpstreamException(
                STALE_EXPIRED + "; " + reason, error == null ? null : unwrap(error)));
          }
          metrics.cacheStaleHit();
          log.atWarn().addKeyValue("spiffeId", key.spiffeId())
              .addKeyValue("expiresAt", fallback.expiresAt()).addKeyValue("error", reason)
              .log("serving cached JWT-SVID because the server failed");
          return fallback;
        });
  }

  private CachedToken load(Identity identity, CacheKey key) throws UpstreamException {
    TokenRequest request = new TokenRequest(identity.domain(), identity.serviceName(), provider,
        instanceId, key.audiences(), nonce(), key.spiffeId());
    long start = System.nanoTime();
    String token;
    try {
      token = upstream.fetchToken(request);
    } catch (UpstreamException e) {
      metrics.upstreamCall("token", System.nanoTime() - start, false);
      log.atDebug().addKeyValue("spiffeId", key.spiffeId()).addKeyValue("status", e.httpStatus())
          .addKeyValue("error", e.getMessage()).log("token request failed");
      throw e;
    }
    metrics.upstreamCall("token", System.nanoTime() - start, true);
    Instant now = clock.instant();
    CachedToken cached;
    CachedToken.Subject subject;
    try {
      cached = CachedToken.of(token, now, ThreadLocalRandom.current().nextDouble());
      subject = CachedToken.subject(token);
    } catch (ParseException e) {
      throw new UpstreamException(0, UNREADABLE);
    }
    if (!subject.sub().equals(key.spiffeId())) {
      throw new UpstreamException(0, WRONG_SUBJECT);
    }
    List<String> missing = new ArrayList<>(key.audiences());
    missing.removeAll(subject.audiences());
    if (!missing.isEmpty()) {
      throw new UpstreamException(0, MISSING_AUDIENCES + " " + missing);
    }
    if (!cached.validAt(now)) {
      throw new UpstreamException(0, EXPIRED);
    }
    log.atDebug().addKeyValue("spiffeId", key.spiffeId()).addKeyValue("kid", cached.keyId())
        .addKeyValue("expiresAt", cached.expiresAt()).log("fetched JWT-SVID");
    return cached;
  }

  /** 128 random bits in hex: always valid as an Athenz entity name, unlike base64url. */
  static String nonce() {
    byte[] bytes = new byte[16];
    RANDOM.nextBytes(bytes);
    return HexFormat.of().formatHex(bytes);
  }

  private static Throwable unwrap(Throwable error) {
    Throwable cause = error;
    while (cause instanceof CompletionException && cause.getCause() != null) {
      cause = cause.getCause();
    }
    return cause;
  }

  private static boolean isRefusal(Throwable error) {
    return unwrap(error) instanceof UpstreamException e && e.refused();
  }

  private static String rootMessage(Throwable error) {
    return unwrap(error).getMessage();
  }
}
