package dev.athenzsvid.agent.upstream;

import static java.util.Objects.requireNonNull;

import dev.athenzsvid.client.tls.Pem;
import java.io.IOException;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.Principal;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Enumeration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import javax.net.ssl.KeyManager;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLSession;
import javax.net.ssl.SSLSessionContext;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509ExtendedKeyManager;
import javax.net.ssl.X509KeyManager;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A key manager over a PEM key and certificate chain that re-reads both files when either
 * changes (other tools rotate them), so new TLS connections present the new certificate
 * without a restart. The files are checked at most once per {@code checkInterval}. A pair that
 * cannot be read (a half-written rotation, a key that does not match) is logged and the
 * previous one kept. Thread-safe: the current pair is swapped as one immutable value.
 *
 * <p>A TLS client resumes earlier sessions without presenting its certificate again, so the
 * server would keep seeing the old identity after a rotation. Contexts made by
 * {@link #clientContext} have their cached sessions dropped whenever the pair is reloaded;
 * a context built elsewhere around this key manager does not, so the agent builds its
 * context through {@link #clientContext}.
 */
public final class ReloadingKeyManager extends X509ExtendedKeyManager {
  private static final Logger log = LoggerFactory.getLogger(ReloadingKeyManager.class);
  static final String RELOAD_FAILED =
      "cannot reload agent certificate and key; keeping the previous ones";

  private record Loaded(X509KeyManager delegate, FileTime keyTime, FileTime certTime,
      long keySize, long certSize, Instant checkedAt) {}

  private final Path keyFile;
  private final Path certFile;
  private final Duration checkInterval;
  private final Clock clock;
  private final Object lock = new Object();
  private final List<SSLSessionContext> sessionContexts = new CopyOnWriteArrayList<>();
  /** The pair in use; replaced under {@link #lock}, read without it. */
  private volatile Loaded current;

  /** Reads both files now; fails if they cannot be used. */
  public ReloadingKeyManager(Path keyFile, Path certFile, Duration checkInterval, Clock clock)
      throws IOException, GeneralSecurityException {
    this.keyFile = requireNonNull(keyFile, "keyFile");
    this.certFile = requireNonNull(certFile, "certFile");
    this.checkInterval = requireNonNull(checkInterval, "checkInterval");
    this.clock = requireNonNull(clock, "clock");
    this.current = load();
  }

  /**
   * A TLS client context that presents this key manager's pair and trusts {@code trust}. It
   * checks the files before each new connection (at most once per check interval) and forgets
   * its resumable sessions whenever the pair is reloaded, so the next handshake is a full one
   * with the new certificate.
   */
  public SSLContext clientContext(TrustManager[] trust) throws GeneralSecurityException {
    SSLContext context = SSLContext.getInstance("TLS");
    context.init(new KeyManager[] {this}, trust, null);
    sessionContexts.add(context.getClientSessionContext());
    return new CheckingSslContext(context, this::delegate);
  }

  private void forgetSessions() {
    for (SSLSessionContext sessions : sessionContexts) {
      for (Enumeration<byte[]> ids = sessions.getIds(); ids.hasMoreElements(); ) {
        SSLSession session = sessions.getSession(ids.nextElement());
        if (session != null) {
          session.invalidate();
        }
      }
    }
  }

  private Loaded load() throws IOException, GeneralSecurityException {
    FileTime keyTime = Files.getLastModifiedTime(keyFile);
    FileTime certTime = Files.getLastModifiedTime(certFile);
    long keySize = Files.size(keyFile);
    long certSize = Files.size(certFile);
    PrivateKey key = Pem.readPrivateKey(keyFile);
    List<X509Certificate> chain = Pem.readCertificates(certFile);
    try {
      Pem.checkKeyMatches(key, chain.get(0));
    } catch (GeneralSecurityException e) {
      throw new GeneralSecurityException(keyFile + ": " + e.getMessage() + " in " + certFile, e);
    }
    KeyStore store = Pem.keyStore(key, chain);
    KeyManagerFactory factory = KeyManagerFactory.getInstance("SunX509");
    factory.init(store, new char[0]);
    X509KeyManager delegate = (X509KeyManager) factory.getKeyManagers()[0];
    return new Loaded(delegate, keyTime, certTime, keySize, certSize, clock.instant());
  }

  /** The current key manager, re-read first if the files changed since the last check. */
  X509KeyManager delegate() {
    Loaded loaded = current;
    if (clock.instant().isBefore(loaded.checkedAt().plus(checkInterval))) {
      return loaded.delegate();
    }
    synchronized (lock) {
      loaded = current;
      if (clock.instant().isBefore(loaded.checkedAt().plus(checkInterval))) {
        return loaded.delegate();
      }
      try {
        boolean changed = !Files.getLastModifiedTime(keyFile).equals(loaded.keyTime())
            || !Files.getLastModifiedTime(certFile).equals(loaded.certTime())
            || Files.size(keyFile) != loaded.keySize()
            || Files.size(certFile) != loaded.certSize();
        if (changed) {
          current = load();
          forgetSessions();
          log.atInfo().addKeyValue("certFile", certFile)
              .log("reloaded agent certificate and key");
        } else {
          current = new Loaded(loaded.delegate(), loaded.keyTime(), loaded.certTime(),
              loaded.keySize(), loaded.certSize(), clock.instant());
        }
      } catch (IOException | GeneralSecurityException | RuntimeException e) {
        log.atWarn().addKeyValue("keyFile", keyFile).addKeyValue("certFile", certFile)
            .addKeyValue("error", e.getMessage())
            .log(RELOAD_FAILED);
        current = new Loaded(loaded.delegate(), loaded.keyTime(), loaded.certTime(),
            loaded.keySize(), loaded.certSize(), clock.instant());
      }
      return current.delegate();
    }
  }

  /** The leaf certificate currently presented. */
  public X509Certificate currentCertificate() {
    X509KeyManager delegate = delegate();
    return delegate.getCertificateChain("identity")[0];
  }

  @Override
  public String[] getClientAliases(String keyType, Principal[] issuers) {
    return delegate().getClientAliases(keyType, issuers);
  }

  @Override
  public String chooseClientAlias(String[] keyType, Principal[] issuers, Socket socket) {
    return delegate().chooseClientAlias(keyType, issuers, socket);
  }

  @Override
  public String chooseEngineClientAlias(String[] keyType, Principal[] issuers,
      SSLEngine engine) {
    X509KeyManager delegate = delegate();
    if (delegate instanceof X509ExtendedKeyManager extended) {
      return extended.chooseEngineClientAlias(keyType, issuers, engine);
    }
    return delegate.chooseClientAlias(keyType, issuers, null);
  }

  @Override
  public String[] getServerAliases(String keyType, Principal[] issuers) {
    return null;
  }

  @Override
  public String chooseServerAlias(String keyType, Principal[] issuers, Socket socket) {
    return null;
  }

  @Override
  public X509Certificate[] getCertificateChain(String alias) {
    return delegate().getCertificateChain(alias);
  }

  @Override
  public PrivateKey getPrivateKey(String alias) {
    return delegate().getPrivateKey(alias);
  }
}
