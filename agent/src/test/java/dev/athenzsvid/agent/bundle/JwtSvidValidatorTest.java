package dev.athenzsvid.agent.bundle;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.nimbusds.jose.jwk.ECKey;
import dev.athenzsvid.agent.FakeClock;
import dev.athenzsvid.agent.FakeUpstream;
import dev.athenzsvid.agent.TokenCases;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/** One case per validation rule of DESIGN.md section 2 ({@link TokenCases}). */
class JwtSvidValidatorTest {
  private static final ECKey KEY = FakeUpstream.newKey("k1");
  private static final Instant NOW = Instant.parse("2030-01-01T00:00:00Z");

  private final FakeClock clock = new FakeClock(NOW);
  private final JwtSvidValidator validator = new JwtSvidValidator(new FakeBundles(), clock);

  /** Serves one bundle with {@link #KEY} for athenz.io. */
  private static final class FakeBundles implements BundleSource {
    @Override
    public Optional<JwtBundle> bundle(String trustDomainId) {
      return trustDomainId.equals("spiffe://athenz.io")
          ? Optional.of(new JwtBundle(trustDomainId, List.of(KEY.toPublicJWK())))
          : Optional.empty();
    }

    @Override
    public CompletableFuture<Optional<JwtBundle>> refreshedBundle(String trustDomainId) {
      return CompletableFuture.completedFuture(bundle(trustDomainId));
    }
  }

  /** Validates and waits, throwing what the future fails with. */
  static JwtSvidValidator.Validated validate(JwtSvidValidator validator, String token,
      String audience) throws InvalidTokenException {
    try {
      return validator.validate(token, audience).join();
    } catch (CompletionException e) {
      if (e.getCause() instanceof InvalidTokenException invalid) {
        throw invalid;
      }
      throw e;
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("dev.athenzsvid.agent.TokenCases#valid")
  void validate_validToken_subjectAndAudAsList(String name, TokenCases.Maker maker,
      List<String> aud) throws Exception {
    JwtSvidValidator.Validated result =
        validate(validator, maker.make(KEY, NOW), TokenCases.AUDIENCE);
    assertEquals(TokenCases.SUBJECT, result.spiffeId().toString());
    assertEquals(aud, result.claims().get("aud"));
    assertEquals(aud.size(), result.claimsStruct().getFieldsOrThrow("aud").getListValue()
        .getValuesCount());
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("dev.athenzsvid.agent.TokenCases#invalid")
  void validate_invalidToken_reasonNamed(String name, TokenCases.Maker maker, String reason)
      throws Exception {
    String token = maker.make(KEY, NOW);
    InvalidTokenException e = assertThrows(InvalidTokenException.class,
        () -> validate(validator, token, TokenCases.AUDIENCE));
    assertTrue(e.getMessage().startsWith(reason), e.getMessage());
  }

  @Test
  void validate_malformed_reasonNamed() {
    InvalidTokenException e = assertThrows(InvalidTokenException.class,
        () -> validate(validator, "not.a.jws", TokenCases.AUDIENCE));
    assertEquals(JwtSvidValidator.MALFORMED, e.getMessage());
  }

  /** Each a valid token written another way than the JWS compact serialization. */
  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"padding", "standard alphabet", "leading space", "trailing newline"})
  void validate_looseEncodingOfValidToken_malformed(String variant) throws Exception {
    String token = FakeUpstream.sign(KEY, TokenCases.SUBJECT, List.of(TokenCases.AUDIENCE),
        NOW.toEpochMilli(), Duration.ofMinutes(5));
    String[] parts = token.split("\\.");
    String loose = switch (variant) {
      case "padding" -> parts[0] + "." + parts[1] + "==." + parts[2];
      case "standard alphabet" -> parts[0] + "+." + parts[1] + "." + parts[2];
      case "leading space" -> " " + token;
      default -> token + "\n";
    };
    assertEquals(TokenCases.SUBJECT,
        validate(validator, token, TokenCases.AUDIENCE).spiffeId().toString());
    InvalidTokenException e = assertThrows(InvalidTokenException.class,
        () -> validate(validator, loose, TokenCases.AUDIENCE));
    assertEquals(JwtSvidValidator.MALFORMED, e.getMessage());
  }

  @Test
  void validate_leeway_thirtySeconds() {
    assertEquals(Duration.ofSeconds(30), JwtSvidValidator.LEEWAY);
  }

  /** Junk never makes the validator ask the server for a bundle. */
  @Test
  void validate_expiredTokenWithUnknownKid_expiredWithoutRefetch() throws Exception {
    AtomicBoolean asked = new AtomicBoolean();
    JwtSvidValidator counting = new JwtSvidValidator(new BundleSource() {
      @Override
      public Optional<JwtBundle> bundle(String trustDomainId) {
        return Optional.empty();
      }

      @Override
      public CompletableFuture<Optional<JwtBundle>> refreshedBundle(String trustDomainId) {
        asked.set(true);
        return CompletableFuture.completedFuture(Optional.empty());
      }
    }, clock);
    String token = TokenCases.timed((c, now) -> c.expirationTime(
        Date.from(now.minusSeconds(600)))).make(FakeUpstream.newKey("k9"), NOW);
    InvalidTokenException e = assertThrows(InvalidTokenException.class,
        () -> validate(counting, token, TokenCases.AUDIENCE));
    assertEquals(JwtSvidValidator.EXPIRED, e.getMessage());
    assertFalse(asked.get());
  }
}
