package dev.athenzsvid.client.crypto;

import com.amazon.corretto.crypto.provider.AmazonCorrettoCryptoProvider;
import java.security.Security;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Chooses the JCA provider for signatures, verification and TLS. The Amazon Corretto Crypto
 * Provider (native AWS-LC) is installed first in the provider list where its native library
 * loads and passes its self-tests, so every JCA lookup (nimbus-jose-jwt, the TLS stack)
 * prefers it; elsewhere the JDK's providers stay in charge. Thread-safe; installation happens
 * once per JVM.
 */
public final class CryptoProviders {
  private static final Logger log = LoggerFactory.getLogger(CryptoProviders.class);

  /** Set this system property to {@code false} to keep the JDK's providers. */
  public static final String DISABLE_PROPERTY = "athenzsvid.nativeCrypto";

  private static String active;

  private CryptoProviders() {}

  /**
   * Installs the native provider when it is usable, logs which one is active and returns
   * its name. Later calls return the first answer.
   */
  public static synchronized String install() {
    if (active != null) {
      return active;
    }
    active = tryNative();
    if (active == null) {
      active = Security.getProviders("Signature.SHA256withECDSA")[0].getName();
    }
    log.info("crypto provider active provider={}", active);
    return active;
  }

  private static String tryNative() {
    if ("false".equals(System.getProperty(DISABLE_PROPERTY))) {
      log.info("native crypto disabled property={}", DISABLE_PROPERTY);
      return null;
    }
    try {
      AmazonCorrettoCryptoProvider provider = AmazonCorrettoCryptoProvider.INSTANCE;
      if (provider.getLoadingError() != null) {
        log.info("native crypto unavailable reason={}", provider.getLoadingError().toString());
        return null;
      }
      provider.assertHealthy();
      AmazonCorrettoCryptoProvider.install();
      return provider.getName();
    } catch (LinkageError | RuntimeException e) {
      log.warn("native crypto failed its checks, using the JDK's reason={}", e.toString());
      return null;
    }
  }
}
