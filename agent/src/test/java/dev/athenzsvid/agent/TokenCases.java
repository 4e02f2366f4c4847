package dev.athenzsvid.agent;

import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.PlainJWT;
import com.nimbusds.jwt.SignedJWT;
import dev.athenzsvid.agent.bundle.JwtSvidValidator;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import java.util.function.BiFunction;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import org.junit.jupiter.params.provider.Arguments;

/**
 * Tokens for the validation rules of DESIGN.md section 2, one rule each, shared by the
 * validator's own tests and the ValidateJWTSVID socket tests. Each case makes its token from
 * the key the bundle holds and the validator's "now", so it fits either setting. Every token
 * is for {@link #SUBJECT} and audiences {@code aud} and {@code x}, unless the case says else.
 */
public final class TokenCases {
  public static final String SUBJECT = AgentFixture.API_ID;
  public static final String AUDIENCE = "aud";

  /** Makes a token from the bundle's key and the time of validation. */
  @FunctionalInterface
  public interface Maker {
    String make(ECKey bundleKey, Instant now) throws Exception;
  }

  private TokenCases() {}

  public static JWTClaimsSet.Builder claims(Instant now) {
    return new JWTClaimsSet.Builder().subject(SUBJECT).audience(List.of(AUDIENCE, "x"))
        .issueTime(Date.from(now)).expirationTime(Date.from(now.plusSeconds(600)));
  }

  /** ES256 with the key's kid and {@code typ: JWT}, as the server signs. */
  public static JWSHeader.Builder header(ECKey key) {
    return new JWSHeader.Builder(JWSAlgorithm.ES256).keyID(key.getKeyID())
        .type(JOSEObjectType.JWT);
  }

  public static String sign(JWSHeader header, JWTClaimsSet claims, ECKey key) throws Exception {
    SignedJWT jwt = new SignedJWT(header, claims);
    jwt.sign(new ECDSASigner(key));
    return jwt.serialize();
  }

  /** A good token with its claims edited, knowing the time of validation. */
  public static Maker timed(BiFunction<JWTClaimsSet.Builder, Instant, JWTClaimsSet.Builder> edit) {
    return (key, now) -> sign(header(key).build(), edit.apply(claims(now), now).build(), key);
  }

  /** A good token with its claims edited. */
  public static Maker edited(UnaryOperator<JWTClaimsSet.Builder> edit) {
    return timed((claims, now) -> edit.apply(claims));
  }

  /** A good token with its header edited; signed by the bundle's key. */
  private static Maker headed(UnaryOperator<JWSHeader.Builder> edit) {
    return (key, now) -> sign(edit.apply(header(key)).build(), claims(now).build(), key);
  }

  /** Valid tokens: name, maker, the {@code aud} the answer carries (always a list). */
  public static Stream<Arguments> valid() {
    List<String> both = List.of(AUDIENCE, "x");
    return Stream.of(
        Arguments.of("aud as array", edited(c -> c), both),
        Arguments.of("aud as string", edited(c -> c.audience(AUDIENCE)), List.of(AUDIENCE)),
        Arguments.of("typ JOSE", headed(h -> h.type(JOSEObjectType.JOSE)), both),
        Arguments.of("no typ", headed(h -> h.type(null)), both),
        Arguments.of("exp, nbf and iat within leeway", timed((c, now) -> c
            .expirationTime(Date.from(now.minusSeconds(29)))
            .notBeforeTime(Date.from(now.plusSeconds(29)))
            .issueTime(Date.from(now.plusSeconds(29)))), both));
  }

  /** Invalid tokens: name, maker, the start of the validator's reason. */
  public static Stream<Arguments> invalid() {
    return Stream.of(
        Arguments.of("alg HS256", (Maker) (key, now) -> {
          SignedJWT hmac = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.HS256)
              .keyID(key.getKeyID()).build(), claims(now).build());
          hmac.sign(new MACSigner(new byte[32]));
          return hmac.serialize();
        }, JwtSvidValidator.BAD_ALGORITHM + ": HS256"),
        Arguments.of("alg none", (Maker) (key, now) -> new PlainJWT(claims(now).build())
            .serialize(), JwtSvidValidator.BAD_ALGORITHM + ": none"),
        Arguments.of("typ other", headed(h -> h.type(new JOSEObjectType("at+jwt"))),
            JwtSvidValidator.BAD_TYPE + ": at+jwt"),
        Arguments.of("no kid", headed(h -> h.keyID(null)), JwtSvidValidator.MISSING_KID),
        Arguments.of("unknown kid", headed(h -> h.keyID("unknown")),
            JwtSvidValidator.UNKNOWN_KID + " unknown"),
        Arguments.of("kid under another trust domain",
            edited(c -> c.subject("spiffe://example.org/sa/x")),
            JwtSvidValidator.NO_BUNDLE + " spiffe://example.org"),
        Arguments.of("bad signature", (Maker) (key, now) -> sign(header(key).build(),
            claims(now).build(), FakeUpstream.newKey(key.getKeyID())),
            JwtSvidValidator.BAD_SIGNATURE),
        Arguments.of("no sub", edited(c -> c.subject(null)), JwtSvidValidator.MISSING_SUBJECT),
        Arguments.of("sub not spiffe", edited(c -> c.subject("athenz.demo.api")),
            JwtSvidValidator.BAD_SUBJECT),
        Arguments.of("no exp", edited(c -> c.expirationTime(null)),
            JwtSvidValidator.MISSING_EXPIRY),
        Arguments.of("expired beyond leeway",
            timed((c, now) -> c.expirationTime(Date.from(now.minusSeconds(31)))),
            JwtSvidValidator.EXPIRED),
        Arguments.of("nbf beyond leeway",
            timed((c, now) -> c.notBeforeTime(Date.from(now.plusSeconds(31)))),
            JwtSvidValidator.NOT_YET_VALID),
        Arguments.of("iat beyond leeway",
            timed((c, now) -> c.issueTime(Date.from(now.plusSeconds(31)))),
            JwtSvidValidator.ISSUED_IN_FUTURE),
        Arguments.of("no aud", edited(c -> c.audience((List<String>) null)),
            JwtSvidValidator.MISSING_AUDIENCE),
        Arguments.of("wrong aud", edited(c -> c.audience("other")),
            JwtSvidValidator.WRONG_AUDIENCE + " " + AUDIENCE));
  }
}
