package dev.athenzsvid.server;

import dev.athenzsvid.client.tls.Pem;
import java.io.IOException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.spec.ECGenParameterSpec;
import org.bouncycastle.openssl.jcajce.JcaPKCS8Generator;

/** Writes fresh private keys as PKCS#8 PEM for tests. */
public final class KeyMaterial {
  private KeyMaterial() {}

  /** An EC key on the named curve, such as {@code secp256r1}. */
  public static Path ec(Path file, String curve) throws IOException, GeneralSecurityException {
    KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
    generator.initialize(new ECGenParameterSpec(curve));
    return write(file, generator.generateKeyPair());
  }

  /** An RSA key of {@code bits} bits. */
  public static Path rsa(Path file, int bits) throws IOException, GeneralSecurityException {
    KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
    generator.initialize(bits);
    return write(file, generator.generateKeyPair());
  }

  private static Path write(Path file, KeyPair pair) throws IOException {
    Pem.write(file, new JcaPKCS8Generator(pair.getPrivate(), null));
    return file;
  }
}
