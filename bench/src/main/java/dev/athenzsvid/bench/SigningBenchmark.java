package dev.athenzsvid.bench;

import com.amazon.corretto.crypto.provider.AmazonCorrettoCryptoProvider;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.Provider;
import java.security.Security;
import java.security.Signature;
import java.security.spec.ECGenParameterSpec;
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
 * Raw signing and verification rates of the token algorithms with the JDK's provider and the
 * native one: the limit issuance and validation are measured against.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class SigningBenchmark {
  /** A JWS signing input of typical size: header and claims of a JWT-SVID. */
  private static final byte[] INPUT = new byte[360];

  @Param({"jdk", "native"})
  public String provider;

  @Param({"ES256", "RS256"})
  public String algorithm;

  private Signature signer;
  private Signature verifier;
  private KeyPair keys;
  private byte[] signature;

  @Setup
  public void setUp() throws GeneralSecurityException {
    Provider chosen = provider.equals("native")
        ? AmazonCorrettoCryptoProvider.INSTANCE
        : Security.getProvider(algorithm.equals("ES256") ? "SunEC" : "SunRsaSign");
    KeyPairGenerator generator = KeyPairGenerator.getInstance(
        algorithm.equals("ES256") ? "EC" : "RSA");
    if (algorithm.equals("ES256")) {
      generator.initialize(new ECGenParameterSpec("secp256r1"));
    } else {
      generator.initialize(2048);
    }
    keys = generator.generateKeyPair();
    String jca = algorithm.equals("ES256") ? "SHA256withECDSA" : "SHA256withRSA";
    signer = Signature.getInstance(jca, chosen);
    verifier = Signature.getInstance(jca, chosen);
    signature = sign();
  }

  @Benchmark
  public byte[] sign() throws GeneralSecurityException {
    signer.initSign(keys.getPrivate());
    signer.update(INPUT);
    return signer.sign();
  }

  @Benchmark
  public boolean verify() throws GeneralSecurityException {
    verifier.initVerify(keys.getPublic());
    verifier.update(INPUT);
    return verifier.verify(signature);
  }
}
