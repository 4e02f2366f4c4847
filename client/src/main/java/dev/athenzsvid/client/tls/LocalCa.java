package dev.athenzsvid.client.tls;

import static java.util.Objects.requireNonNull;

import java.io.IOException;
import java.math.BigInteger;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x500.X500NameBuilder;
import org.bouncycastle.asn1.x500.style.BCStyle;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.jcajce.JcaPKCS8Generator;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * A throw-away certificate authority for demos and tests: EC P-256 keys, certificates for
 * TLS servers and clients. Not for production: keys live in memory and in plain files.
 * Immutable and thread-safe.
 */
public final class LocalCa {
  private static final SecureRandom RANDOM = new SecureRandom();

  private final KeyPair keys;
  private final X509Certificate certificate;

  private LocalCa(KeyPair keys, X509Certificate certificate) {
    this.keys = keys;
    this.certificate = certificate;
  }

  /** A key and certificate chain issued by this CA. */
  public record Issued(PrivateKey key, X509Certificate certificate) {
    /** Writes the key (PKCS#8) and the certificate as PEM. */
    public void write(Path keyFile, Path certFile) throws IOException {
      Pem.write(keyFile, new JcaPKCS8Generator(key, null));
      Pem.write(certFile, certificate);
    }
  }

  /** Creates a CA with a fresh key, valid for {@code validity} from now. */
  public static LocalCa create(String commonName, Duration validity)
      throws GeneralSecurityException {
    KeyPair keys = newKeyPair();
    X500Name name = name(commonName);
    Instant now = Instant.now();
    try {
      X509v3CertificateBuilder builder = builder(name, name, keys, now, validity)
          .addExtension(Extension.basicConstraints, true, new BasicConstraints(true))
          .addExtension(Extension.keyUsage, true,
              new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign));
      return new LocalCa(keys, sign(builder, keys.getPrivate()));
    } catch (IOException e) {
      throw new GeneralSecurityException("cannot build CA certificate", e);
    }
  }

  public X509Certificate certificate() {
    return certificate;
  }

  /** Writes the CA certificate as PEM. */
  public void writeCertificate(Path file) throws IOException {
    Pem.write(file, certificate);
  }

  /**
   * Issues a certificate with the given subject CN, usable for TLS client and server
   * authentication. {@code hosts} become DNS or IP subject alternative names.
   */
  public Issued issue(String commonName, List<String> hosts, Duration validity)
      throws GeneralSecurityException {
    return issue(commonName, hosts, Instant.now(), validity);
  }

  /** As {@link #issue(String, List, Duration)}, valid from {@code notBefore}. */
  public Issued issue(String commonName, List<String> hosts, Instant notBefore,
      Duration validity) throws GeneralSecurityException {
    requireNonNull(commonName, "commonName");
    KeyPair leaf = newKeyPair();
    List<GeneralName> names = new ArrayList<>();
    for (String host : hosts) {
      boolean ip = host.matches("[0-9.]+") || host.contains(":");
      names.add(new GeneralName(ip ? GeneralName.iPAddress : GeneralName.dNSName, host));
    }
    try {
      X509v3CertificateBuilder builder =
          builder(name(commonName), issuerName(), leaf, notBefore, validity)
              .addExtension(Extension.basicConstraints, true, new BasicConstraints(false))
              .addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature))
              .addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(
                  new KeyPurposeId[] {KeyPurposeId.id_kp_serverAuth,
                      KeyPurposeId.id_kp_clientAuth}))
              .addExtension(Extension.authorityKeyIdentifier, false,
                  new JcaX509ExtensionUtils().createAuthorityKeyIdentifier(certificate));
      if (!names.isEmpty()) {
        builder.addExtension(Extension.subjectAlternativeName, false,
            new GeneralNames(names.toArray(new GeneralName[0])));
      }
      return new Issued(leaf.getPrivate(), sign(builder, keys.getPrivate()));
    } catch (IOException e) {
      throw new GeneralSecurityException("cannot build certificate for " + commonName, e);
    }
  }

  private X500Name issuerName() {
    return X500Name.getInstance(certificate.getSubjectX500Principal().getEncoded());
  }

  private static X509v3CertificateBuilder builder(X500Name subject, X500Name issuer,
      KeyPair subjectKeys, Instant notBefore, Duration validity) {
    return new JcaX509v3CertificateBuilder(issuer, new BigInteger(64, RANDOM).abs(),
        Date.from(notBefore.minusSeconds(60)), Date.from(notBefore.plus(validity)), subject,
        subjectKeys.getPublic());
  }

  private static X509Certificate sign(X509v3CertificateBuilder builder, PrivateKey key)
      throws GeneralSecurityException {
    try {
      return new JcaX509CertificateConverter()
          .getCertificate(builder.build(new JcaContentSignerBuilder("SHA256withECDSA")
              .build(key)));
    } catch (OperatorCreationException e) {
      throw new GeneralSecurityException("cannot sign certificate", e);
    }
  }

  private static X500Name name(String commonName) {
    return new X500NameBuilder(BCStyle.INSTANCE).addRDN(BCStyle.CN, commonName).build();
  }

  private static KeyPair newKeyPair() throws GeneralSecurityException {
    KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
    generator.initialize(new ECGenParameterSpec("secp256r1"));
    return generator.generateKeyPair();
  }
}
