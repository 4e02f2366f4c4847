package dev.athenzsvid.agent.workloadapi;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import com.nimbusds.jose.jwk.ECKey;
import dev.athenzsvid.agent.FakeClock;
import dev.athenzsvid.agent.FakeUpstream;
import dev.athenzsvid.agent.TokenCases;
import dev.athenzsvid.agent.bundle.BundleSource;
import dev.athenzsvid.agent.bundle.JwtBundle;
import dev.athenzsvid.agent.bundle.JwtSvidValidator;
import dev.athenzsvid.proto.workload.ValidateJWTSVIDRequest;
import dev.athenzsvid.proto.workload.ValidateJWTSVIDResponse;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/** ValidateJWTSVID's answers without gRPC: the parts that are not the validator's rules. */
class ValidateHandlerTest {
  private static final ECKey KEY = FakeUpstream.newKey("k1");
  private static final Instant NOW = Instant.parse("2030-01-01T00:00:00Z");

  /** Serves one bundle with {@link #KEY} for every trust domain. */
  private static final class FakeBundles implements BundleSource {
    @Override
    public Optional<JwtBundle> bundle(String trustDomainId) {
      return Optional.of(new JwtBundle(trustDomainId, List.of(KEY.toPublicJWK())));
    }

    @Override
    public CompletableFuture<Optional<JwtBundle>> refreshedBundle(String trustDomainId) {
      return CompletableFuture.completedFuture(bundle(trustDomainId));
    }
  }

  private final ValidateHandler handler =
      new ValidateHandler(new JwtSvidValidator(new FakeBundles(), new FakeClock(NOW)));

  private ValidateJWTSVIDResponse validate(String token, String audience) throws Exception {
    return handler.validate(ValidateJWTSVIDRequest.newBuilder().setSvid(token)
        .setAudience(audience).build()).join();
  }

  @Test
  void validate_sameTokenAgain_claimsConvertedOnceAndReused() throws Exception {
    String token = TokenCases.edited(c -> c).make(KEY, NOW);
    ValidateJWTSVIDResponse first = validate(token, TokenCases.AUDIENCE);
    ValidateJWTSVIDResponse second = validate(token, "x");
    assertEquals(TokenCases.SUBJECT, second.getSpiffeId());
    assertSame(first.getClaims(), second.getClaims());
  }
}
