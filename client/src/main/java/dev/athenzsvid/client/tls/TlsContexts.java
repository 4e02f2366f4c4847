package dev.athenzsvid.client.tls;

import java.io.IOException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.List;
import javax.net.ssl.KeyManager;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;

/** Builds TLS contexts from PEM files. Stateless and thread-safe. */
public final class TlsContexts {
  private TlsContexts() {}

  /**
   * A client context that presents the key and certificate chain in the given files and
   * trusts the certificates in {@code caCertFile}, or the JDK's defaults when it is null.
   */
  public static SSLContext client(Path keyFile, Path certFile, Path caCertFile)
      throws IOException, GeneralSecurityException {
    return context(keyManagers(keyFile, certFile), trustManagers(caCertFile));
  }

  /**
   * A client context for a key and certificate chain already read, trusting {@code trusted},
   * or the JDK's defaults when it is null.
   */
  public static SSLContext client(PrivateKey key, List<X509Certificate> chain,
      List<X509Certificate> trusted) throws IOException, GeneralSecurityException {
    return context(keyManagers(key, chain), trustManagers(trusted));
  }

  /** Key managers for the key and certificate chain in the given files. */
  public static KeyManager[] keyManagers(Path keyFile, Path certFile)
      throws IOException, GeneralSecurityException {
    return keyManagers(Pem.readPrivateKey(keyFile), Pem.readCertificates(certFile));
  }

  private static KeyManager[] keyManagers(PrivateKey key, List<X509Certificate> chain)
      throws IOException, GeneralSecurityException {
    KeyManagerFactory factory =
        KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
    factory.init(Pem.keyStore(key, chain), new char[0]);
    return factory.getKeyManagers();
  }

  /** Trust managers for the certificates in the file; the JDK's defaults when it is null. */
  public static TrustManager[] trustManagers(Path caCertFile)
      throws IOException, GeneralSecurityException {
    return trustManagers(caCertFile == null ? null : Pem.readCertificates(caCertFile));
  }

  private static TrustManager[] trustManagers(List<X509Certificate> trusted)
      throws IOException, GeneralSecurityException {
    TrustManagerFactory factory =
        TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    factory.init(trusted == null ? null : Pem.trustStore(trusted));
    return factory.getTrustManagers();
  }

  private static SSLContext context(KeyManager[] keys, TrustManager[] trust)
      throws GeneralSecurityException {
    SSLContext context = SSLContext.getInstance("TLS");
    context.init(keys, trust, null);
    return context;
  }
}
