package dev.athenzsvid.agent.bundle;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import dev.athenzsvid.agent.FakeClock;
import dev.athenzsvid.agent.FakeUpstream;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import java.util.Optional;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** One case per validation rule of DESIGN.md section 2. */
class JwtSvidValidatorTest {
  private static final String SUB = "spiffe://athenz.io/ns/default/sa/athenz.demo.api";
  private static final ECKey KEY = FakeUpstream.newKey("k1");
  private static final ECKey OTHER_KEY = FakeUpstream.newKey("k1");
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
    public Optional<JwtBundle> refreshedBundle(String trustDomainId) {
      return bundle(trustDomainId);
    }
  }

  private static JWTClaimsSet.Builder claims() {
    return new JWTClaimsSet.Builder().subject(SUB).audience(List.of("aud", "x"))
        .issueTime(Date.from(NOW)).expirationTime(Date.from(NOW.plusSeconds(600)));
  }

  private static String token(JWSHeader header, JWTClaimsSet claims, ECKey key) {
    try {
      SignedJWT jwt = new SignedJWT(header, claims);
      jwt.sign(new ECDSASigner(key));
      return jwt.serialize();
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  private static String token(UnaryOperator<JWTClaimsSet.Builder> edit) {
    return token(new JWSHeader.Builder(JWSAlgorithm.ES256).keyID("k1").type(JOSEObjectType.JWT)
        .build(), edit.apply(claims()).build(), KEY);
  }

  @Test
  void validate_goodToken_subjectAndAudList() throws Exception {
    JwtSvidValidator.Validated result = validator.validate(token(c -> c), "aud");
    assertEquals(SUB, result.spiffeId().toString());
    assertEquals(List.of("aud", "x"), result.claims().get("aud"));
  }

  @Test
  void validate_singleStringAudience_returnedAsList() throws Exception {
    JwtSvidValidator.Validated result = validator.validate(token(c -> c.audience("aud")), "aud");
    assertEquals(List.of("aud"), result.claims().get("aud"));
  }

  static Stream<Arguments> invalidTokens() throws Exception {
    SignedJWT hmac = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.HS256).keyID("k1").build(),
        claims().build());
    hmac.sign(new MACSigner(new byte[32]));
    return Stream.of(
        Arguments.of("HS256", hmac.serialize(), JwtSvidValidator.BAD_ALGORITHM),
        Arguments.of("typ other", token(new JWSHeader.Builder(JWSAlgorithm.ES256).keyID("k1")
            .type(new JOSEObjectType("at+jwt")).build(), claims().build(), KEY),
            JwtSvidValidator.BAD_TYPE),
        Arguments.of("no kid", token(new JWSHeader.Builder(JWSAlgorithm.ES256).build(),
            claims().build(), KEY), JwtSvidValidator.MISSING_KID),
        Arguments.of("unknown kid", token(new JWSHeader.Builder(JWSAlgorithm.ES256).keyID("k9")
            .build(), claims().build(), KEY), JwtSvidValidator.UNKNOWN_KID),
        Arguments.of("bad signature", token(new JWSHeader.Builder(JWSAlgorithm.ES256)
            .keyID("k1").build(), claims().build(), OTHER_KEY), JwtSvidValidator.BAD_SIGNATURE),
        Arguments.of("no sub", token(c -> c.subject(null)), JwtSvidValidator.MISSING_SUBJECT),
        Arguments.of("sub not spiffe", token(c -> c.subject("athenz.demo.api")),
            JwtSvidValidator.BAD_SUBJECT),
        Arguments.of("other trust domain",
            token(c -> c.subject("spiffe://example.org/sa/x")), JwtSvidValidator.NO_BUNDLE),
        Arguments.of("no exp", token(c -> c.expirationTime(null)),
            JwtSvidValidator.MISSING_EXPIRY),
        Arguments.of("expired beyond leeway",
            token(c -> c.expirationTime(Date.from(NOW.minusSeconds(31)))),
            JwtSvidValidator.EXPIRED),
        Arguments.of("nbf beyond leeway",
            token(c -> c.notBeforeTime(Date.from(NOW.plusSeconds(31)))),
            JwtSvidValidator.NOT_YET_VALID),
        Arguments.of("iat beyond leeway",
            token(c -> c.issueTime(Date.from(NOW.plusSeconds(31)))),
            JwtSvidValidator.ISSUED_IN_FUTURE),
        Arguments.of("no aud", token(c -> c.audience((List<String>) null)),
            JwtSvidValidator.MISSING_AUDIENCE),
        Arguments.of("other aud", token(c -> c.audience("other")),
            JwtSvidValidator.WRONG_AUDIENCE));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("invalidTokens")
  void validate_invalidToken_reasonNamed(String name, String token, String reason) {
    InvalidTokenException e =
        assertThrows(InvalidTokenException.class, () -> validator.validate(token, "aud"));
    assertTrue(e.getMessage().startsWith(reason), e.getMessage());
  }

  @Test
  void validate_withinLeeway_accepted() throws Exception {
    validator.validate(token(c -> c.expirationTime(Date.from(NOW.minusSeconds(29)))
        .notBeforeTime(Date.from(NOW.plusSeconds(29)))), "aud");
    assertEquals(Duration.ofSeconds(30), JwtSvidValidator.LEEWAY);
  }

  @Test
  void validate_typJose_accepted() throws Exception {
    validator.validate(token(new JWSHeader.Builder(JWSAlgorithm.ES256).keyID("k1")
        .type(JOSEObjectType.JOSE).build(), claims().build(), KEY), "aud");
  }
}
