package dev.athenzsvid.agent.bundle;

import static java.util.Objects.requireNonNull;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.JWSVerifier;
import com.nimbusds.jose.crypto.ECDSAVerifier;
import com.nimbusds.jose.crypto.RSASSAVerifier;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import dev.athenzsvid.agent.config.SpiffeId;
import java.text.ParseException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Validates JWT-SVIDs as DESIGN.md section 2 says: an allowed algorithm, an allowed
 * {@code typ}, a {@code kid} found in the bundle of the trust domain of {@code sub} (never by
 * kid alone), a good signature, {@code exp} present, {@code exp}/{@code nbf}/{@code iat}
 * within {@link #LEEWAY}, and {@code aud} containing the expected value.
 *
 * <p>A token whose signature and times checked out is remembered until it expires (at most
 * {@link #MAX_REMEMBERED} tokens), so validating it again costs no signature check: its
 * expiry, its audience and the presence of its key in the current bundle are still checked on
 * every call, so a key that leaves the bundle takes its tokens with it. Thread-safe: the
 * remembered tokens live in a concurrent map.
 */
public final class JwtSvidValidator {
  /** Clock skew tolerated for {@code exp}, {@code nbf} and {@code iat}. */
  public static final Duration LEEWAY = Duration.ofSeconds(30);

  public static final String MALFORMED = "token is not a well-formed JWS";
  public static final String BAD_ALGORITHM = "unsupported token signature algorithm";
  public static final String BAD_TYPE = "unsupported token type";
  public static final String MISSING_KID = "token header has no key id";
  public static final String MISSING_SUBJECT = "token has no subject";
  public static final String BAD_SUBJECT = "token subject is not a valid SPIFFE ID";
  public static final String NO_BUNDLE = "no bundle for trust domain";
  public static final String UNKNOWN_KID = "no key in bundle with key id";
  public static final String KEY_MISMATCH = "bundle key does not fit the token algorithm";
  public static final String BAD_SIGNATURE = "token signature is not valid";
  public static final String MISSING_EXPIRY = "token has no expiry";
  public static final String EXPIRED = "token has expired";
  public static final String NOT_YET_VALID = "token is not valid yet";
  public static final String ISSUED_IN_FUTURE = "token is issued in the future";
  public static final String MISSING_AUDIENCE = "token has no audience";
  public static final String WRONG_AUDIENCE = "token audience does not include";

  private static final Set<JWSAlgorithm> ALGORITHMS = Set.of(
      JWSAlgorithm.RS256, JWSAlgorithm.RS384, JWSAlgorithm.RS512,
      JWSAlgorithm.ES256, JWSAlgorithm.ES384, JWSAlgorithm.ES512,
      JWSAlgorithm.PS256, JWSAlgorithm.PS384, JWSAlgorithm.PS512);
  private static final Set<String> TYPES = Set.of("JWT", "JOSE");

  /** A valid token's subject and claims ({@code aud} always a list). */
  public record Validated(SpiffeId spiffeId, Map<String, Object> claims) {
    public Validated {
      requireNonNull(spiffeId, "spiffeId");
      claims = Map.copyOf(claims);
    }
  }

  /** The most tokens whose verification is remembered. */
  public static final int MAX_REMEMBERED = 10_000;

  /** A token that passed every check but the audience, with what it was checked against. */
  private record Verified(String trustDomainId, String kid, JWK key, Instant expiry,
      List<String> audiences, Validated result) {}

  private final BundleSource bundles;
  private final Clock clock;
  private final ConcurrentHashMap<String, Verified> verified = new ConcurrentHashMap<>();

  public JwtSvidValidator(BundleSource bundles, Clock clock) {
    this.bundles = requireNonNull(bundles, "bundles");
    this.clock = requireNonNull(clock, "clock");
  }

  /** Validates {@code token} for {@code audience}; both non-empty. */
  public Validated validate(String token, String audience) throws InvalidTokenException {
    requireNonNull(token, "token");
    requireNonNull(audience, "audience");
    Verified known = verified.get(token);
    if (known != null && stillTrusted(token, known)) {
      return checkAudience(known.audiences(), audience, known.result());
    }
    Verified checked = verify(token);
    remember(token, checked);
    return checkAudience(checked.audiences(), audience, checked.result());
  }

  /** The number of tokens whose verification is remembered. */
  public int rememberedCount() {
    return verified.size();
  }

  /**
   * True when a remembered token may be answered without a signature check: not expired, and
   * its key is still the one the bundle has under that kid. Forgets it otherwise.
   */
  private boolean stillTrusted(String token, Verified known) throws InvalidTokenException {
    if (!clock.instant().isBefore(known.expiry().plus(LEEWAY))) {
      verified.remove(token);
      throw new InvalidTokenException(EXPIRED);
    }
    Optional<JWK> current = bundles.bundle(known.trustDomainId())
        .flatMap(bundle -> bundle.key(known.kid()));
    if (current.isPresent() && current.get().equals(known.key())) {
      return true;
    }
    verified.remove(token);
    return false;
  }

  private void remember(String token, Verified checked) {
    if (verified.size() >= MAX_REMEMBERED) {
      Instant now = clock.instant();
      verified.values().removeIf(v -> !now.isBefore(v.expiry().plus(LEEWAY)));
    }
    if (verified.size() < MAX_REMEMBERED) {
      verified.put(token, checked);
    }
  }

  private static Validated checkAudience(List<String> audiences, String audience,
      Validated result) throws InvalidTokenException {
    if (!audiences.contains(audience)) {
      throw new InvalidTokenException(WRONG_AUDIENCE + " " + audience);
    }
    return result;
  }

  /** Every check but the audience, signature included. */
  private Verified verify(String token) throws InvalidTokenException {
    SignedJWT jwt;
    JWTClaimsSet claims;
    try {
      jwt = SignedJWT.parse(token);
      claims = jwt.getJWTClaimsSet();
    } catch (ParseException e) {
      throw new InvalidTokenException(MALFORMED);
    }
    JWSHeader header = jwt.getHeader();
    if (!ALGORITHMS.contains(header.getAlgorithm())) {
      throw new InvalidTokenException(BAD_ALGORITHM + ": " + header.getAlgorithm());
    }
    JOSEObjectType type = header.getType();
    if (type != null && !TYPES.contains(type.getType())) {
      throw new InvalidTokenException(BAD_TYPE + ": " + type.getType());
    }
    String kid = header.getKeyID();
    if (kid == null || kid.isEmpty()) {
      throw new InvalidTokenException(MISSING_KID);
    }
    SpiffeId subject = subject(claims);
    JWK key = key(subject.trustDomainId(), kid);
    verifySignature(jwt, key);
    checkTimes(claims);
    List<String> audiences = claims.getAudience();
    if (audiences == null || audiences.isEmpty()) {
      throw new InvalidTokenException(MISSING_AUDIENCE);
    }
    Map<String, Object> values = new LinkedHashMap<>(claims.toJSONObject());
    values.put("aud", List.copyOf(audiences));
    return new Verified(subject.trustDomainId(), kid, key,
        claims.getExpirationTime().toInstant(), List.copyOf(audiences),
        new Validated(subject, values));
  }

  private static SpiffeId subject(JWTClaimsSet claims) throws InvalidTokenException {
    String sub = claims.getSubject();
    if (sub == null || sub.isEmpty()) {
      throw new InvalidTokenException(MISSING_SUBJECT);
    }
    try {
      return SpiffeId.parse(sub);
    } catch (IllegalArgumentException e) {
      throw new InvalidTokenException(BAD_SUBJECT + ": " + e.getMessage());
    }
  }

  private JWK key(String trustDomainId, String kid) throws InvalidTokenException {
    Optional<JwtBundle> bundle = bundles.bundle(trustDomainId);
    if (bundle.isEmpty()) {
      throw new InvalidTokenException(NO_BUNDLE + " " + trustDomainId);
    }
    Optional<JWK> key = bundle.get().key(kid);
    if (key.isEmpty()) {
      key = bundles.refreshedBundle(trustDomainId).flatMap(b -> b.key(kid));
    }
    return key.orElseThrow(() -> new InvalidTokenException(UNKNOWN_KID + " " + kid));
  }

  private static void verifySignature(SignedJWT jwt, JWK key) throws InvalidTokenException {
    JWSAlgorithm algorithm = jwt.getHeader().getAlgorithm();
    boolean ok;
    try {
      JWSVerifier verifier;
      if (key instanceof ECKey ec && JWSAlgorithm.Family.EC.contains(algorithm)) {
        verifier = new ECDSAVerifier(ec);
      } else if (key instanceof RSAKey rsa && JWSAlgorithm.Family.RSA.contains(algorithm)) {
        verifier = new RSASSAVerifier(rsa);
      } else {
        throw new InvalidTokenException(KEY_MISMATCH);
      }
      ok = jwt.verify(verifier);
    } catch (JOSEException | IllegalStateException e) {
      ok = false;
    }
    if (!ok) {
      throw new InvalidTokenException(BAD_SIGNATURE);
    }
  }

  private void checkTimes(JWTClaimsSet claims) throws InvalidTokenException {
    Instant now = clock.instant();
    Date exp = claims.getExpirationTime();
    if (exp == null) {
      throw new InvalidTokenException(MISSING_EXPIRY);
    }
    if (!now.isBefore(exp.toInstant().plus(LEEWAY))) {
      throw new InvalidTokenException(EXPIRED);
    }
    Date nbf = claims.getNotBeforeTime();
    if (nbf != null && now.plus(LEEWAY).isBefore(nbf.toInstant())) {
      throw new InvalidTokenException(NOT_YET_VALID);
    }
    Date iat = claims.getIssueTime();
    if (iat != null && now.plus(LEEWAY).isBefore(iat.toInstant())) {
      throw new InvalidTokenException(ISSUED_IN_FUTURE);
    }
  }
}
