package dev.athenzsvid.server.signing;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import dev.athenzsvid.client.tls.Pem;
import java.io.IOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.interfaces.ECPrivateKey;
import java.security.interfaces.ECPublicKey;
import java.security.interfaces.RSAPrivateCrtKey;
import java.security.spec.ECGenParameterSpec;
import java.security.spec.ECPoint;
import java.security.spec.ECPublicKeySpec;
import java.security.spec.RSAPublicKeySpec;
import java.time.Instant;
import org.bouncycastle.asn1.x9.ECNamedCurveTable;
import org.bouncycastle.asn1.x9.X9ECParameters;
import org.bouncycastle.openssl.jcajce.JcaPKCS8Generator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads signing keys from PEM files and keeps the generated default key. Only EC P-256 and
 * RSA of 2048 bits or more are accepted. Stateless and thread-safe.
 */
public final class KeyFiles {
  /** The file name of the generated key inside its directory. */
  public static final String GENERATED_KEY_FILE = "jwt-signing-key.pem";
  static final String UNSUPPORTED = "only EC P-256 and RSA keys of 2048 bits or more sign tokens";

  private static final Logger log = LoggerFactory.getLogger(KeyFiles.class);
  private static final X9ECParameters P256 = ECNamedCurveTable.getByName("secp256r1");

  private KeyFiles() {}

  /**
   * Loads the private key in {@code file} and derives its public key.
   *
   * @throws IOException naming the file when it cannot be read or holds an unsupported key
   */
  public static SigningKey load(Path file, String kid, boolean active, Instant notAfter)
      throws IOException {
    PrivateKey key = Pem.readPrivateKey(file);
    try {
      return new SigningKey(kid, key, publicKey(key, file), active, notAfter);
    } catch (GeneralSecurityException | IllegalArgumentException e) {
      throw new IOException(file + ": " + e.getMessage(), e);
    }
  }

  /**
   * The generated EC P-256 key in {@code dir}: created (owner-only) on first use, read back on
   * every later start so the published key set does not grow across restarts. Its key id is
   * derived from the public key (RFC 7638 thumbprint), so it is stable too.
   */
  public static SigningKey loadOrGenerate(Path dir) throws IOException {
    Path file = dir.resolve(GENERATED_KEY_FILE);
    if (!Files.exists(file)) {
      generate(dir, file);
    }
    PrivateKey key = Pem.readPrivateKey(file);
    try {
      PublicKey publicKey = publicKey(key, file);
      if (!(publicKey instanceof ECPublicKey ec)) {
        throw new IOException(file + ": the generated key must be EC P-256");
      }
      String kid = new ECKey.Builder(Curve.P_256, ec).build().computeThumbprint()
          .toString().substring(0, 16);
      return new SigningKey(kid, key, publicKey, true, null);
    } catch (GeneralSecurityException | JOSEException e) {
      throw new IOException(file + ": " + e.getMessage(), e);
    }
  }

  private static void generate(Path dir, Path file) throws IOException {
    Files.createDirectories(dir);
    KeyPair pair;
    try {
      KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
      generator.initialize(new ECGenParameterSpec("secp256r1"));
      pair = generator.generateKeyPair();
    } catch (GeneralSecurityException e) {
      throw new IOException("cannot generate an EC P-256 key", e);
    }
    Path temp = dir.resolve(GENERATED_KEY_FILE + ".tmp");
    Files.deleteIfExists(temp);
    if (FileSystems.getDefault().supportedFileAttributeViews().contains("posix")) {
      Files.createFile(temp, PosixFilePermissions.asFileAttribute(
          PosixFilePermissions.fromString("rw-------")));
    }
    Pem.write(temp, new JcaPKCS8Generator(pair.getPrivate(), null));
    try {
      Files.move(temp, file, StandardCopyOption.ATOMIC_MOVE);
    } catch (AtomicMoveNotSupportedException e) {
      Files.move(temp, file);
    }
    log.info("signing key generated file={}", file);
  }

  private static PublicKey publicKey(PrivateKey key, Path file)
      throws GeneralSecurityException, IOException {
    if (key instanceof RSAPrivateCrtKey rsa) {
      if (rsa.getModulus().bitLength() < 2048) {
        throw new IOException(file + ": RSA key of " + rsa.getModulus().bitLength()
            + " bits; " + UNSUPPORTED);
      }
      return KeyFactory.getInstance("RSA").generatePublic(
          new RSAPublicKeySpec(rsa.getModulus(), rsa.getPublicExponent()));
    }
    if (key instanceof ECPrivateKey ec) {
      if (!ec.getParams().getOrder().equals(P256.getN())
          || ec.getParams().getCurve().getField().getFieldSize() != 256) {
        throw new IOException(file + ": EC key not on P-256; " + UNSUPPORTED);
      }
      org.bouncycastle.math.ec.ECPoint q = P256.getG().multiply(ec.getS()).normalize();
      ECPoint point = new ECPoint(q.getAffineXCoord().toBigInteger(),
          q.getAffineYCoord().toBigInteger());
      return KeyFactory.getInstance("EC").generatePublic(
          new ECPublicKeySpec(point, ec.getParams()));
    }
    throw new IOException(file + ": " + key.getAlgorithm() + " key; " + UNSUPPORTED);
  }
}
