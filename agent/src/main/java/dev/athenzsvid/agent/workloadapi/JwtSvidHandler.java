package dev.athenzsvid.agent.workloadapi;

import static java.util.Objects.requireNonNull;

import dev.athenzsvid.agent.attestation.AttestationException;
import dev.athenzsvid.agent.attestation.Caller;
import dev.athenzsvid.agent.attestation.IdentityMapper;
import dev.athenzsvid.agent.cache.CachedToken;
import dev.athenzsvid.agent.cache.JwtSvidCache;
import dev.athenzsvid.agent.cache.TokenService;
import dev.athenzsvid.agent.config.Identity;
import dev.athenzsvid.agent.config.SpiffeId;
import dev.athenzsvid.agent.upstream.UpstreamException;
import dev.athenzsvid.proto.workload.JWTSVID;
import dev.athenzsvid.proto.workload.JWTSVIDRequest;
import dev.athenzsvid.proto.workload.JWTSVIDResponse;
import io.grpc.Status;
import io.grpc.StatusException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * FetchJWTSVID: checks the request, attests the caller, picks its identities (all of them,
 * default first, or the one named) and gets a token for each. Thread-safe.
 */
public final class JwtSvidHandler {
  private static final Logger log = LoggerFactory.getLogger(JwtSvidHandler.class);

  private final IdentityMapper mapper;
  private final TokenService tokens;
  private final Duration serverTimeout;

  /**
   * @param serverTimeout the server's own deadline: the longest a caller without a deadline
   *     waits before a stale cached token is served
   */
  public JwtSvidHandler(IdentityMapper mapper, TokenService tokens, Duration serverTimeout) {
    this.mapper = requireNonNull(mapper, "mapper");
    this.tokens = requireNonNull(tokens, "tokens");
    this.serverTimeout = requireNonNull(serverTimeout, "serverTimeout");
  }

  /**
   * @param caller attests the caller; used only once the request is known to be well formed
   * @param timeLeft the caller's remaining deadline, or null when it has none
   * @throws StatusException for a bad request or caller, before any server call
   */
  public CompletableFuture<JWTSVIDResponse> fetch(JWTSVIDRequest request,
      CallerInterceptor.CallerLookup caller, Duration timeLeft) throws StatusException {
    List<String> audiences = checkAudiences(request.getAudienceList());
    SpiffeId requested = null;
    if (!request.getSpiffeId().isEmpty()) {
      try {
        requested = SpiffeId.parse(request.getSpiffeId());
      } catch (IllegalArgumentException e) {
        throw invalid(StatusMessages.INVALID_SPIFFE_ID + ": " + e.getMessage());
      }
    }
    Caller attested = attest(caller);
    List<Identity> identities = new ArrayList<>(mapper.identities(attested));
    if (requested != null) {
      String wanted = requested.toString();
      identities.removeIf(identity -> !identity.spiffeId().toString().equals(wanted));
    }
    if (identities.isEmpty()) {
      log.atDebug().addKeyValue("pid", attested.pid()).addKeyValue("uid", attested.uid())
          .addKeyValue("requested", request.getSpiffeId()).log("no identity for caller");
      throw new StatusException(
          Status.PERMISSION_DENIED.withDescription(StatusMessages.NO_IDENTITY));
    }
    Duration budget = staleBudget(timeLeft);
    if (identities.size() == 1) {
      // The common case, kept free of the fan-in below: a cached token completes at once.
      Identity identity = identities.get(0);
      return tokens.fetch(identity, audiences, budget).handle((token, error) -> {
        if (error != null) {
          throw new CompletionException(toStatus(error));
        }
        return JWTSVIDResponse.newBuilder().addSvids(svid(identity, token)).build();
      });
    }
    List<CompletableFuture<JWTSVID>> svids = new ArrayList<>();
    for (Identity identity : identities) {
      svids.add(tokens.fetch(identity, audiences, budget)
          .thenApply(token -> svid(identity, token)));
    }
    return CompletableFuture.allOf(svids.toArray(new CompletableFuture<?>[0]))
        .handle((ignored, error) -> {
          if (error != null) {
            throw new CompletionException(toStatus(error));
          }
          JWTSVIDResponse.Builder response = JWTSVIDResponse.newBuilder();
          svids.forEach(f -> response.addSvids(f.join()));
          return response.build();
        });
  }

  static List<String> checkAudiences(List<String> audiences) throws StatusException {
    if (audiences.isEmpty()) {
      throw invalid(StatusMessages.MISSING_AUDIENCE);
    }
    if (audiences.size() > Limits.MAX_AUDIENCES) {
      throw invalid(StatusMessages.TOO_MANY_AUDIENCES);
    }
    for (String audience : audiences) {
      if (audience.isEmpty()) {
        throw invalid(StatusMessages.EMPTY_AUDIENCE);
      }
      if (audience.isBlank()) {
        throw invalid(StatusMessages.BLANK_AUDIENCE);
      }
      if (audience.length() > Limits.MAX_AUDIENCE_LENGTH) {
        throw invalid(StatusMessages.AUDIENCE_TOO_LONG);
      }
    }
    return List.copyOf(audiences);
  }

  static Caller attest(CallerInterceptor.CallerLookup caller) throws StatusException {
    try {
      return caller.get();
    } catch (AttestationException e) {
      Status status = e.callerGone() ? Status.UNAUTHENTICATED : Status.INTERNAL;
      throw new StatusException(status.withDescription(e.getMessage()));
    }
  }

  /** Waits for the server until shortly before the caller's deadline, then serves stale. */
  private Duration staleBudget(Duration timeLeft) {
    if (timeLeft == null) {
      return serverTimeout;
    }
    Duration margin = timeLeft.dividedBy(5);
    if (margin.compareTo(Duration.ofMillis(50)) < 0) {
      margin = Duration.ofMillis(50);
    }
    Duration budget = timeLeft.minus(margin);
    if (budget.isNegative()) {
      return Duration.ZERO;
    }
    return budget.compareTo(serverTimeout) > 0 ? serverTimeout : budget;
  }

  private static JWTSVID svid(Identity identity, CachedToken token) {
    return JWTSVID.newBuilder()
        .setSpiffeId(identity.spiffeId().toString())
        .setSvid(token.token())
        .setHint(identity.hint())
        .build();
  }

  private static StatusException toStatus(Throwable error) {
    Throwable cause = error;
    while (cause instanceof CompletionException && cause.getCause() != null) {
      cause = cause.getCause();
    }
    if (cause instanceof UpstreamException upstream && upstream.refused()) {
      return new StatusException(Status.PERMISSION_DENIED.withDescription(
          StatusMessages.SERVER_REFUSED + " (HTTP " + upstream.httpStatus() + "): "
              + upstream.getMessage()));
    }
    if (cause instanceof UpstreamException || cause instanceof JwtSvidCache.BackoffException
        || cause instanceof JwtSvidCache.OverloadedException) {
      return new StatusException(Status.UNAVAILABLE.withDescription(
          StatusMessages.SERVER_UNAVAILABLE + ": " + cause.getMessage()));
    }
    log.atError().setCause(cause).log("unexpected failure fetching JWT-SVID");
    return new StatusException(Status.INTERNAL.withDescription("internal error"));
  }

  private static StatusException invalid(String message) {
    return new StatusException(Status.INVALID_ARGUMENT.withDescription(message));
  }
}
