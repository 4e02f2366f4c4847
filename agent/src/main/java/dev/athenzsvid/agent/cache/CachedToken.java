package dev.athenzsvid.agent.cache;

import static java.util.Objects.requireNonNull;

import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import java.text.ParseException;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

/**
 * A token and the times that govern its reuse. Immutable. {@link #toString()} leaves the token
 * out so it can never reach a log.
 *
 * @param token the compact JWS
 * @param keyId the {@code kid} that signed it
 * @param issuedAt its {@code iat}, or when it was fetched if it has none
 * @param expiresAt its {@code exp}
 * @param refreshAt when to fetch a new one: about half the lifetime, a little earlier by jitter
 */
public record CachedToken(String token, String keyId, Instant issuedAt, Instant expiresAt,
    Instant refreshAt) {
  /** The share of the lifetime after which a token is refreshed, before jitter. */
  public static final double REFRESH_FRACTION = 0.5;
  /** The largest share of the lifetime jitter moves the refresh earlier. */
  public static final double MAX_JITTER = 0.05;

  public CachedToken {
    requireNonNull(token, "token");
    requireNonNull(keyId, "keyId");
    requireNonNull(issuedAt, "issuedAt");
    requireNonNull(expiresAt, "expiresAt");
    requireNonNull(refreshAt, "refreshAt");
  }

  /**
   * Reads the times out of {@code token} (not verified: it came from the server over mTLS).
   *
   * @param jitter a value in [0, 1) that picks the refresh point within the jitter window
   */
  public static CachedToken of(String token, Instant fetchedAt, double jitter)
      throws ParseException {
    SignedJWT jwt = SignedJWT.parse(token);
    JWTClaimsSet claims = jwt.getJWTClaimsSet();
    if (claims.getExpirationTime() == null) {
      throw new ParseException("token has no exp", 0);
    }
    String kid = jwt.getHeader().getKeyID();
    Instant expires = claims.getExpirationTime().toInstant();
    Instant issued = claims.getIssueTime() == null ? fetchedAt : claims.getIssueTime().toInstant();
    if (issued.isAfter(fetchedAt)) {
      issued = fetchedAt;
    }
    Duration lifetime = Duration.between(issued, expires);
    double fraction = REFRESH_FRACTION - MAX_JITTER * Math.min(Math.max(jitter, 0), 1);
    Instant refresh = issued.plusMillis((long) (lifetime.toMillis() * fraction));
    return new CachedToken(token, kid == null ? "" : kid, issued, expires, refresh);
  }

  /** The token's subject and audiences, for checking what the server sent. */
  static Subject subject(String token) throws ParseException {
    JWTClaimsSet claims = SignedJWT.parse(token).getJWTClaimsSet();
    List<String> audiences = claims.getAudience() == null ? List.of() : claims.getAudience();
    return new Subject(claims.getSubject() == null ? "" : claims.getSubject(), audiences);
  }

  record Subject(String sub, List<String> audiences) {}

  /** Usable at {@code now}: not expired. */
  public boolean validAt(Instant now) {
    return now.isBefore(expiresAt);
  }

  /** Reusable without asking the server at {@code now}. */
  public boolean freshAt(Instant now) {
    return now.isBefore(refreshAt) && validAt(now);
  }

  @Override
  public String toString() {
    return "CachedToken[keyId=" + keyId + ", issuedAt=" + issuedAt + ", expiresAt=" + expiresAt
        + ", refreshAt=" + refreshAt + "]";
  }
}
