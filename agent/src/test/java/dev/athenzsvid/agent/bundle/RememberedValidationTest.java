package dev.athenzsvid.agent.bundle;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import dev.athenzsvid.agent.FakeClock;
import dev.athenzsvid.agent.FakeUpstream;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * A token validated once is remembered without its signature being checked again, while its
 * expiry, audience and key are still checked on every call.
 */
class RememberedValidationTest {
  private static final String TD = "spiffe://athenz.io";
  private static final Instant NOW = Instant.parse("2030-01-01T00:00:00Z");
  private static final ECKey KEY = FakeUpstream.newKey("k1");

  private final FakeClock clock = new FakeClock(NOW);
  private final AtomicReference<List<JWK>> keys = new AtomicReference<>(List.of(KEY.toPublicJWK()));
  private final BundleSource bundles = new BundleSource() {
    @Override
    public Optional<JwtBundle> bundle(String trustDomainId) {
      return Optional.of(new JwtBundle(trustDomainId, keys.get()));
    }

    @Override
    public CompletableFuture<Optional<JwtBundle>> refreshedBundle(String trustDomainId) {
      return CompletableFuture.completedFuture(bundle(trustDomainId));
    }
  };
  private final JwtSvidValidator validator = new JwtSvidValidator(bundles, clock);

  private static JwtSvidValidator.Validated validate(JwtSvidValidator validator, String token,
      String audience) throws InvalidTokenException {
    return JwtSvidValidatorTest.validate(validator, token, audience);
  }

  private static String token(ECKey key, int lifetimeSeconds) throws Exception {
    return token(key, lifetimeSeconds, "a");
  }

  private static String token(ECKey key, int lifetimeSeconds, String nonce) throws Exception {
    SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.ES256)
        .keyID(key.getKeyID()).build(),
        new JWTClaimsSet.Builder().subject(TD + "/ns/default/sa/athenz.demo.api")
            .audience(List.of("a", "b")).claim("nonce", nonce)
            .expirationTime(Date.from(NOW.plusSeconds(lifetimeSeconds))).build());
    jwt.sign(new ECDSASigner(key));
    return jwt.serialize();
  }

  @Test
  void validate_sameTokenAgain_sameResultFromMemory() throws Exception {
    String token = token(KEY, 600);
    JwtSvidValidator.Validated first = validate(validator, token, "a");
    JwtSvidValidator.Validated second = validate(validator, token, "b");
    assertSame(first, second, "answered from memory, not verified again");
    assertEquals(1, validator.rememberedCount());
  }

  @Test
  void validate_rememberedTokenWrongAudience_stillRejected() throws Exception {
    String token = token(KEY, 600);
    validate(validator, token, "a");
    InvalidTokenException e =
        assertThrows(InvalidTokenException.class, () -> validate(validator, token, "c"));
    assertEquals(JwtSvidValidator.WRONG_AUDIENCE + " c", e.getMessage());
  }

  @Test
  void validate_rememberedTokenExpired_rejectedAndForgotten() throws Exception {
    String token = token(KEY, 60);
    validate(validator, token, "a");
    clock.advance(Duration.ofSeconds(60).plus(JwtSvidValidator.LEEWAY));
    InvalidTokenException e =
        assertThrows(InvalidTokenException.class, () -> validate(validator, token, "a"));
    assertEquals(JwtSvidValidator.EXPIRED, e.getMessage());
    assertEquals(0, validator.rememberedCount());
  }

  @Test
  void validate_keyLeftBundle_rememberedTokenRejected() throws Exception {
    String token = token(KEY, 600);
    validate(validator, token, "a");
    keys.set(List.of(FakeUpstream.newKey("k2").toPublicJWK()));
    InvalidTokenException e =
        assertThrows(InvalidTokenException.class, () -> validate(validator, token, "a"));
    assertTrue(e.getMessage().startsWith(JwtSvidValidator.UNKNOWN_KID), e.getMessage());
  }

  @Test
  void validate_keyReplacedUnderSameKid_rememberedTokenVerifiedAgainAndRejected()
      throws Exception {
    String token = token(KEY, 600);
    validate(validator, token, "a");
    keys.set(List.of(FakeUpstream.newKey("k1").toPublicJWK()));
    InvalidTokenException e =
        assertThrows(InvalidTokenException.class, () -> validate(validator, token, "a"));
    assertEquals(JwtSvidValidator.BAD_SIGNATURE, e.getMessage());
  }

  /** A full memory forgets some older token, never refuses to remember the new one. */
  @Test
  void validate_memoryFullOfUnexpiredTokens_newTokenStillRemembered() throws Exception {
    JwtSvidValidator small = new JwtSvidValidator(bundles, clock, 2);
    validate(small, token(KEY, 600, "1"), "a");
    validate(small, token(KEY, 600, "2"), "a");
    String third = token(KEY, 600, "3");
    JwtSvidValidator.Validated first = validate(small, third, "a");
    assertSame(first, validate(small, third, "b"), "answered from memory, not verified again");
    assertEquals(2, small.rememberedCount());
  }

  @Test
  void validate_rememberedTokenPastExpiry_forgottenWithoutBeingAskedFor() throws Exception {
    validate(validator, token(KEY, 60), "a");
    validate(validator, token(KEY, 600, "long"), "a");
    clock.advance(Duration.ofSeconds(60).plus(JwtSvidValidator.LEEWAY));
    assertEquals(1, validator.rememberedCount());
  }
}
