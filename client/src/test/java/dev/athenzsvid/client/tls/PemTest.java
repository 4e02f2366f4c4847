package dev.athenzsvid.client.tls;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.math.BigInteger;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.jcajce.JcaPKCS8Generator;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PemTest {
  private static final Duration DAY = Duration.ofDays(1);

  private static LocalCa ca;

  @BeforeAll
  static void createCa() throws GeneralSecurityException {
    ca = LocalCa.create("test-ca", DAY);
  }

  @Test
  void checkKeyMatches_ecPair_passes() throws GeneralSecurityException {
    LocalCa.Issued issued = ca.issue("agent", List.of(), DAY);
    assertDoesNotThrow(() -> Pem.checkKeyMatches(issued.key(), issued.certificate()));
  }

  @Test
  void checkKeyMatches_ecKeyOfAnotherCertificate_mismatch() throws GeneralSecurityException {
    LocalCa.Issued agent = ca.issue("agent", List.of(), DAY);
    LocalCa.Issued server = ca.issue("server", List.of(), DAY);
    GeneralSecurityException e = assertThrows(GeneralSecurityException.class,
        () -> Pem.checkKeyMatches(server.key(), agent.certificate()));
    assertEquals(Pem.KEY_MISMATCH, e.getMessage());
  }

  @Test
  void checkKeyMatches_rsaPair_passes() throws Exception {
    KeyPair keys = rsaKeys();
    assertDoesNotThrow(() -> Pem.checkKeyMatches(keys.getPrivate(), selfSigned(keys)));
  }

  @Test
  void checkKeyMatches_rsaKeyOfAnotherCertificate_mismatch() throws Exception {
    X509Certificate certificate = selfSigned(rsaKeys());
    PrivateKey other = rsaKeys().getPrivate();
    GeneralSecurityException e = assertThrows(GeneralSecurityException.class,
        () -> Pem.checkKeyMatches(other, certificate));
    assertEquals(Pem.KEY_MISMATCH, e.getMessage());
  }

  @Test
  void checkKeyMatches_rsaKeyWithEcCertificate_mismatch() throws Exception {
    X509Certificate certificate = ca.issue("agent", List.of(), DAY).certificate();
    PrivateKey rsa = rsaKeys().getPrivate();
    GeneralSecurityException e = assertThrows(GeneralSecurityException.class,
        () -> Pem.checkKeyMatches(rsa, certificate));
    assertEquals(Pem.KEY_MISMATCH, e.getMessage());
  }

  @Test
  void checkKeyMatches_pairReadFromFiles_passes(@TempDir Path dir) throws Exception {
    Path keyFile = dir.resolve("agent.key.pem");
    Path certFile = dir.resolve("agent.cert.pem");
    ca.issue("agent", List.of(), DAY).write(keyFile, certFile);
    PrivateKey key = Pem.readPrivateKey(keyFile);
    X509Certificate certificate = Pem.readCertificates(certFile).get(0);
    assertDoesNotThrow(() -> Pem.checkKeyMatches(key, certificate));
  }

  @Test
  void readPrivateKey_certificateFile_namesFile(@TempDir Path dir) throws Exception {
    Path certFile = dir.resolve("ca.cert.pem");
    ca.writeCertificate(certFile);
    IOException e = assertThrows(IOException.class, () -> Pem.readPrivateKey(certFile));
    assertEquals(certFile + ": no unencrypted PEM private key found", e.getMessage());
  }

  @Test
  void readCertificates_keyFile_namesFile(@TempDir Path dir) throws Exception {
    Path keyFile = dir.resolve("agent.key.pem");
    Pem.write(keyFile, new JcaPKCS8Generator(rsaKeys().getPrivate(), null));
    IOException e = assertThrows(IOException.class, () -> Pem.readCertificates(keyFile));
    assertEquals(keyFile + ": no PEM certificate found", e.getMessage());
  }

  private static KeyPair rsaKeys() throws GeneralSecurityException {
    KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
    generator.initialize(2048);
    return generator.generateKeyPair();
  }

  private static X509Certificate selfSigned(KeyPair keys) throws Exception {
    X500Name name = new X500Name("CN=rsa");
    Instant now = Instant.now();
    JcaX509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(name, BigInteger.ONE,
        Date.from(now), Date.from(now.plus(DAY)), name, keys.getPublic());
    return new JcaX509CertificateConverter().getCertificate(
        builder.build(new JcaContentSignerBuilder("SHA256withRSA").build(keys.getPrivate())));
  }
}
