package dev.athenzsvid.agent.bundle;

import static java.util.Objects.requireNonNull;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Expiry;
import com.google.protobuf.Struct;
import com.nimbusds.jose.Algorithm;
import com.nimbusds.jose.Header;
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
import com.nimbusds.jose.util.Base64URL;
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
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;

/**
 * Validates JWT-SVIDs as DESIGN.md section 2 says: an allowed algorithm, an allowed
 * {@code typ}, a {@code kid} found in the bundle of the trust domain of {@code sub} (never by
 * kid alone), a good signature, {@code exp} present, {@code exp}/{@code nbf}/{@code iat}
 * within {@link #LEEWAY}, and {@code aud} containing the expected value.
 *
 * <p>Never blocks: when the bundle is missing or lacks the token's key, the bundle source is
 * asked again (it limits how often) and the result completes when that is done; otherwise it
 * is complete on return.
 *
 * <p>A token whose signature and times checked out is remembered until it expires, in a
 * bounded cache (at most {@link #MAX_REMEMBERED} tokens, the least useful going first), with
 * its claims already converted for the response, so validating it again costs no signature
 * check and no conversion: its expiry, its audience and the presence of its key in the
 * current bundle are still checked on every call, so a key that leaves the bundle takes its
 * tokens with it. Thread-safe: the remembered tokens live in a concurrent cache.
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

  /** A valid token's subject and claims ({@code aud} always a list), also as a Struct. */
  public record Validated(SpiffeId spiffeId, Map<String, Object> claims, Struct claimsStruct) {
    public Validated {
      requireNonNull(spiffeId, "spiffeId");
      claims = Map.copyOf(claims);
      requireNonNull(claimsStruct, "claimsStruct");
    }
  }

  /** The most tokens whose verification is remembered. */
  public static final int MAX_REMEMBERED = 10_000;

  /** A token that passed every check but the audience, with what it was checked against. */
  private record Verified(String trustDomainId, String kid, JWK key, Instant expiry,
      List<String> audiences, Validated result) {}

  /** A token whose header and claims checked out; its key and signature are still to check. */
  private record Parsed(SignedJWT jwt, JWTClaimsSet claims, SpiffeId subject, String kid,
      List<String> audiences) {}

  private final BundleSource bundles;
  private final Clock clock;
  private final Cache<String, Verified> verified;

  public JwtSvidValidator(BundleSource bundles, Clock clock) {
    this(bundles, clock, MAX_REMEMBERED);
  }

  JwtSvidValidator(BundleSource bundles, Clock clock, int maxRemembered) {
    this.bundles = requireNonNull(bundles, "bundles");
    this.clock = requireNonNull(clock, "clock");
    this.verified = Caffeine.newBuilder()
        .maximumSize(maxRemembered)
        .expireAfter(Expiry.writing((String token, Verified v) ->
            Duration.between(clock.instant(), v.expiry().plus(LEEWAY))))
        .ticker(() -> TimeUnit.MILLISECONDS.toNanos(clock.millis()))
        // Upkeep runs on the calling thread: a few entries' worth per call, no extra thread.
        .executor(Runnable::run)
        .build();
  }

  /**
   * Validates {@code token} for {@code audience}; both non-empty. The future fails with
   * {@link InvalidTokenException}, possibly wrapped in a {@link CompletionException}.
   */
  public CompletableFuture<Validated> validate(String token, String audience) {
    requireNonNull(token, "token");
    requireNonNull(audience, "audience");
    try {
      Verified known = verified.getIfPresent(token);
      if (known != null && stillTrusted(token, known)) {
        return CompletableFuture.completedFuture(checkAudience(known, audience));
      }
      Parsed parsed = parse(token);
      String trustDomainId = parsed.subject().trustDomainId();
      Optional<JwtBundle> bundle = bundles.bundle(trustDomainId);
      Optional<JWK> key = bundle.flatMap(b -> b.key(parsed.kid()));
      if (key.isPresent()) {
        return CompletableFuture.completedFuture(
            checkAudience(verify(token, parsed, key.get()), audience));
      }
      return bundles.refreshedBundle(trustDomainId).thenApply(refreshed -> {
        try {
          return checkAudience(verify(token, parsed, key(trustDomainId, parsed, refreshed)),
              audience);
        } catch (InvalidTokenException e) {
          throw new CompletionException(e);
        }
      });
    } catch (InvalidTokenException e) {
      return CompletableFuture.failedFuture(e);
    }
  }

  /** The number of tokens whose verification is remembered (after pending upkeep). */
  public int rememberedCount() {
    verified.cleanUp();
    return (int) verified.estimatedSize();
  }

  /**
   * True when a remembered token may be answered without a signature check: not expired, and
   * its key is still the one the bundle has under that kid. Forgets it otherwise.
   */
  private boolean stillTrusted(String token, Verified known) throws InvalidTokenException {
    if (!clock.instant().isBefore(known.expiry().plus(LEEWAY))) {
      verified.invalidate(token);
      throw new InvalidTokenException(EXPIRED);
    }
    Optional<JWK> current = bundles.bundle(known.trustDomainId())
        .flatMap(bundle -> bundle.key(known.kid()));
    // The same object while the bundle is unchanged: the manager publishes a new bundle
    // only when its content changes, so equals runs only after a change.
    if (current.isPresent()
        && (current.get() == known.key() || current.get().equals(known.key()))) {
      return true;
    }
    verified.invalidate(token);
    return false;
  }

  private static Validated checkAudience(Verified verified, String audience)
      throws InvalidTokenException {
    if (!verified.audiences().contains(audience)) {
      throw new InvalidTokenException(WRONG_AUDIENCE + " " + audience);
    }
    return verified.result();
  }

  /** Every check that needs no key: header, subject, times, audience present. */
  private Parsed parse(String token) throws InvalidTokenException {
    if (!compactForm(token)) {
      throw new InvalidTokenException(MALFORMED);
    }
    SignedJWT jwt;
    JWTClaimsSet claims;
    try {
      jwt = SignedJWT.parse(token);
      claims = jwt.getJWTClaimsSet();
    } catch (ParseException e) {
      throw new InvalidTokenException(unsecured(token) ? BAD_ALGORITHM + ": none" : MALFORMED);
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
    checkTimes(claims);
    List<String> audiences = claims.getAudience();
    if (audiences == null || audiences.isEmpty()) {
      throw new InvalidTokenException(MISSING_AUDIENCE);
    }
    return new Parsed(jwt, claims, subject, kid, List.copyOf(audiences));
  }

  /**
   * True for three dot-separated runs of base64url characters without padding: the JWS compact
   * serialization and nothing looser. The JWS parser also takes padding, the standard base64
   * alphabet and white space, which would let one token be written several ways.
   */
  private static boolean compactForm(String token) {
    int dots = 0;
    for (int i = 0; i < token.length(); i++) {
      char c = token.charAt(i);
      if (c == '.') {
        dots++;
      } else if (!(c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9'
          || c == '-' || c == '_')) {
        return false;
      }
    }
    return dots == 2;
  }

  /** True for an unsecured JWS ({@code alg: none}), which the JWS parser refuses outright. */
  private static boolean unsecured(String token) {
    int dot = token.indexOf('.');
    if (dot <= 0) {
      return false;
    }
    try {
      return Algorithm.NONE.equals(Header.parse(new Base64URL(token.substring(0, dot)))
          .getAlgorithm());
    } catch (ParseException e) {
      return false;
    }
  }

  /** Checks the signature, then remembers the token with its claims converted once. */
  private Verified verify(String token, Parsed parsed, JWK key) throws InvalidTokenException {
    verifySignature(parsed.jwt(), key);
    Map<String, Object> values = new LinkedHashMap<>(parsed.claims().toJSONObject());
    values.put("aud", parsed.audiences());
    Validated result = new Validated(parsed.subject(), values, ClaimsStruct.of(values));
    Verified checked = new Verified(parsed.subject().trustDomainId(), parsed.kid(), key,
        parsed.claims().getExpirationTime().toInstant(), parsed.audiences(), result);
    verified.put(token, checked);
    return checked;
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

  /** The token's key in the bundle as known after asking the server again. */
  private static JWK key(String trustDomainId, Parsed parsed, Optional<JwtBundle> bundle)
      throws InvalidTokenException {
    if (bundle.isEmpty()) {
      throw new InvalidTokenException(NO_BUNDLE + " " + trustDomainId);
    }
    return bundle.get().key(parsed.kid())
        .orElseThrow(() -> new InvalidTokenException(UNKNOWN_KID + " " + parsed.kid()));
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
