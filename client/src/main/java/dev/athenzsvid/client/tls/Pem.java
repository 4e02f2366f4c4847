package dev.athenzsvid.client.tls;

import static java.util.Objects.requireNonNull;

import java.io.IOException;
import java.io.Reader;
import java.io.StringReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.InvalidKeyException;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.SignatureException;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.openssl.PEMKeyPair;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;

/**
 * Reads and writes PEM keys and certificates: PKCS#8, PKCS#1 (RSA) and SEC1 (EC) private
 * keys, and certificate chains. Every failure names the file. Stateless and thread-safe.
 */
public final class Pem {
  /** Message of {@link #checkKeyMatches} when the key is not the certificate's. */
  public static final String KEY_MISMATCH = "private key does not match the certificate";

  private static final SecureRandom RANDOM = new SecureRandom();

  private Pem() {}

  /**
   * Fails unless {@code key} is the private half of the certificate's public key: signs a
   * few random bytes with the key and verifies them with the certificate. Catches a key file
   * and certificate file that were paired by mistake before TLS handshakes fail on it.
   *
   * @throws GeneralSecurityException with message {@link #KEY_MISMATCH} on a mismatch, or
   *     naming the algorithm when it cannot be checked
   */
  public static void checkKeyMatches(PrivateKey key, X509Certificate certificate)
      throws GeneralSecurityException {
    requireNonNull(key, "key");
    requireNonNull(certificate, "certificate");
    PublicKey publicKey = certificate.getPublicKey();
    if (!normalized(key.getAlgorithm()).equals(normalized(publicKey.getAlgorithm()))) {
      throw new GeneralSecurityException(KEY_MISMATCH);
    }
    String algorithm = signatureAlgorithm(key);
    byte[] challenge = new byte[32];
    RANDOM.nextBytes(challenge);
    Signature signer = Signature.getInstance(algorithm);
    signer.initSign(key);
    signer.update(challenge);
    byte[] signature = signer.sign();
    boolean valid;
    try {
      Signature verifier = Signature.getInstance(algorithm);
      verifier.initVerify(publicKey);
      verifier.update(challenge);
      valid = verifier.verify(signature);
    } catch (InvalidKeyException | SignatureException e) {
      // A key of another size or curve yields a signature (or a key) the other side rejects.
      valid = false;
    }
    if (!valid) {
      throw new GeneralSecurityException(KEY_MISMATCH);
    }
  }

  private static String signatureAlgorithm(PrivateKey key) throws GeneralSecurityException {
    return switch (key.getAlgorithm()) {
      case "EC", "ECDSA" -> "SHA256withECDSA";
      case "RSA" -> "SHA256withRSA";
      case "EdDSA", "Ed25519", "Ed448" -> key.getAlgorithm();
      default -> throw new GeneralSecurityException(
          "cannot check a " + key.getAlgorithm() + " key against its certificate");
    };
  }

  // Providers name the same family differently (BouncyCastle "ECDSA" and "Ed25519", the JDK
  // "EC" and "EdDSA").
  private static String normalized(String algorithm) {
    return switch (algorithm) {
      case "ECDSA" -> "EC";
      case "Ed25519", "Ed448" -> "EdDSA";
      default -> algorithm;
    };
  }

  /** The single private key in {@code file}. */
  public static PrivateKey readPrivateKey(Path file) throws IOException {
    Object object;
    try (Reader reader = Files.newBufferedReader(file); PEMParser parser = new PEMParser(reader)) {
      object = parser.readObject();
    }
    JcaPEMKeyConverter converter = new JcaPEMKeyConverter();
    if (object instanceof PEMKeyPair pair) {
      return converter.getKeyPair(pair).getPrivate();
    }
    if (object instanceof PrivateKeyInfo info) {
      return converter.getPrivateKey(info);
    }
    throw new IOException(file + ": no unencrypted PEM private key found");
  }

  /** Every certificate in {@code file}, in file order (leaf first for a chain). */
  public static List<X509Certificate> readCertificates(Path file) throws IOException {
    try (Reader reader = Files.newBufferedReader(file)) {
      return readCertificates(reader, file.toString());
    }
  }

  /** Every certificate in the PEM text; {@code source} names it in errors. */
  public static List<X509Certificate> readCertificates(String pem, String source)
      throws IOException {
    return readCertificates(new StringReader(pem), source);
  }

  private static List<X509Certificate> readCertificates(Reader reader, String source)
      throws IOException {
    List<X509Certificate> certificates = new ArrayList<>();
    JcaX509CertificateConverter converter = new JcaX509CertificateConverter();
    try (PEMParser parser = new PEMParser(reader)) {
      for (Object object = parser.readObject(); object != null; object = parser.readObject()) {
        if (object instanceof X509CertificateHolder holder) {
          certificates.add(converter.getCertificate(holder));
        }
      }
    } catch (CertificateException e) {
      throw new IOException(source + ": bad certificate: " + e.getMessage(), e);
    }
    if (certificates.isEmpty()) {
      throw new IOException(source + ": no PEM certificate found");
    }
    return List.copyOf(certificates);
  }

  /** A key store with one entry, alias {@code identity}, holding the key and its chain. */
  public static KeyStore keyStore(PrivateKey key, List<X509Certificate> chain)
      throws GeneralSecurityException, IOException {
    KeyStore store = KeyStore.getInstance("PKCS12");
    store.load(null, null);
    store.setKeyEntry("identity", key, new char[0], chain.toArray(new X509Certificate[0]));
    return store;
  }

  /** A key store of trusted certificates, aliases {@code ca-0}, {@code ca-1}, ... */
  public static KeyStore trustStore(List<X509Certificate> certificates)
      throws GeneralSecurityException, IOException {
    KeyStore store = KeyStore.getInstance("PKCS12");
    store.load(null, null);
    for (int i = 0; i < certificates.size(); i++) {
      store.setCertificateEntry("ca-" + i, certificates.get(i));
    }
    return store;
  }

  /** Writes objects (keys, certificates) as PEM, replacing {@code file}. */
  public static void write(Path file, Object... objects) throws IOException {
    try (JcaPEMWriter writer = new JcaPEMWriter(Files.newBufferedWriter(file))) {
      for (Object object : objects) {
        writer.writeObject(object);
      }
    }
  }
}
