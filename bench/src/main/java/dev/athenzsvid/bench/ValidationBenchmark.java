package dev.athenzsvid.bench;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.gen.ECKeyGenerator;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import dev.athenzsvid.agent.bundle.BundleSource;
import dev.athenzsvid.agent.bundle.JwtBundle;
import dev.athenzsvid.agent.bundle.JwtSvidValidator;
import dev.athenzsvid.client.crypto.CryptoProviders;
import java.time.Clock;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * The agent's ValidateJWTSVID work without gRPC: ES256 tokens validated for the first time
 * (signature checked) and again (remembered), with the JDK's or the native provider.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class ValidationBenchmark {
  private static final String TD = "spiffe://athenz.io";
  private static final int TOKENS = 1_000;

  /** {@code native} installs the native provider first, as the agent does at start. */
  @Param({"jdk", "native"})
  public String provider;

  private String[] tokens;
  private String repeated;
  private int next;
  private BundleSource bundles;
  private JwtSvidValidator remembering;

  @Setup
  public void setUp() throws Exception {
    if (provider.equals("native")) {
      CryptoProviders.install();
    }
    ECKey key = new ECKeyGenerator(Curve.P_256).keyID("k1").generate();
    JwtBundle bundle = new JwtBundle(TD, List.of(key.toPublicJWK()));
    bundles = new BundleSource() {
      @Override
      public Optional<JwtBundle> bundle(String trustDomainId) {
        return Optional.of(bundle);
      }

      @Override
      public CompletableFuture<Optional<JwtBundle>> refreshedBundle(String trustDomainId) {
        return CompletableFuture.completedFuture(Optional.of(bundle));
      }
    };
    ECDSASigner signer = new ECDSASigner(key);
    tokens = new String[TOKENS];
    Date expiry = Date.from(Instant.now().plusSeconds(3600));
    for (int i = 0; i < TOKENS; i++) {
      SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.ES256).keyID("k1").build(),
          new JWTClaimsSet.Builder().subject(TD + "/ns/default/sa/bench.api")
              .audience("https://api.example.com").expirationTime(expiry)
              .claim("nonce", Integer.toHexString(i)).build());
      jwt.sign(signer);
      tokens[i] = jwt.serialize();
    }
    repeated = tokens[0];
    // Built here, from this instance's own key and tokens, so it remembers across calls.
    remembering = new JwtSvidValidator(bundles, Clock.systemUTC());
  }

  /** Each call a token never seen before: parse, signature check, claims. */
  @Benchmark
  public JwtSvidValidator.Validated fresh() throws Exception {
    // A new validator per token keeps the memory of earlier ones out of the measurement.
    String token = tokens[next++ % TOKENS];
    return new JwtSvidValidator(bundles, Clock.systemUTC())
        .validate(token, "https://api.example.com").join();
  }

  /** The same token again and again: answered from memory after the first call. */
  @Benchmark
  public JwtSvidValidator.Validated repeated() throws Exception {
    return remembering.validate(repeated, "https://api.example.com").join();
  }
}
