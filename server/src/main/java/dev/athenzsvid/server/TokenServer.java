package dev.athenzsvid.server;

import static java.util.Objects.requireNonNull;

import dev.athenzsvid.client.tls.Pem;
import dev.athenzsvid.client.tls.TlsContexts;
import dev.athenzsvid.server.authz.PolicyEngine;
import dev.athenzsvid.server.config.ConfigException;
import dev.athenzsvid.server.config.ServerConfig;
import dev.athenzsvid.server.domain.DomainDirectory;
import dev.athenzsvid.server.http.ApiHandler;
import dev.athenzsvid.server.http.ServerMetrics;
import dev.athenzsvid.server.instance.AuditLog;
import dev.athenzsvid.server.instance.InstanceService;
import dev.athenzsvid.server.provider.ProviderRegistry;
import dev.athenzsvid.server.signing.KeyRing;
import dev.athenzsvid.server.signing.KeyType;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;
import org.eclipse.jetty.http.HttpVersion;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.SecureRequestCustomizer;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.SslConnectionFactory;
import org.eclipse.jetty.server.handler.GracefulHandler;
import org.eclipse.jetty.util.ssl.SslContextFactory;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A running token server: the embeddable entry point.
 *
 * <pre>
 * ServerConfig config = ServerConfig.load(Path.of("server.yaml")).withPort(0);
 * try (TokenServer server = TokenServer.start(config)) {
 *   URI zts = server.uri(); // https://localhost:PORT/zts/v1
 *   ...
 * }
 * </pre>
 *
 * <p>{@link #start(ServerConfig)} checks the TLS files (the key must match the certificate),
 * then loads the signing keys (generating the default key on first use), reads the domain
 * directory, builds the configured providers and listens on HTTPS with TLS 1.2 and 1.3,
 * requesting (not requiring) client certificates. Every
 * {@code domains.refreshInterval} the domain directory is re-read, and so are the signing
 * settings and key files (see {@link KeyRing}); {@link #reloadDomains()} and
 * {@link #reloadKeys()} do the same at once. {@link #close()} stops accepting connections,
 * lets in-flight requests finish within {@code listen.shutdownTimeout}, then stops.
 * Thread-safe.
 */
public final class TokenServer implements AutoCloseable {
  /** The problem with {@code tls.keyFile} when it is not the key of the certificate. */
  public static final String TLS_KEY_MISMATCH = "does not match the certificate in tls.certFile";

  private static final Logger log = LoggerFactory.getLogger(TokenServer.class);
  private static final int MAX_THREADS = 64;

  private final Server jetty;
  private final ScheduledExecutorService refresher;
  private final DomainDirectory domains;
  private final KeyRing keys;
  private final ServerMetrics metrics;
  private final int port;

  private TokenServer(Server jetty, ScheduledExecutorService refresher,
      DomainDirectory domains, KeyRing keys, ServerMetrics metrics, int port) {
    this.jetty = jetty;
    this.refresher = refresher;
    this.domains = domains;
    this.keys = keys;
    this.metrics = metrics;
    this.port = port;
  }

  /** Starts a server with the system clock. */
  public static TokenServer start(ServerConfig config) throws ConfigException, IOException {
    return start(config, Clock.systemUTC());
  }

  /**
   * Starts a server whose signing settings are those of {@code config}; their key files are
   * still re-read when their content changes.
   */
  public static TokenServer start(ServerConfig config, Clock clock)
      throws ConfigException, IOException {
    requireNonNull(config, "config");
    return start(config, clock, config::signing);
  }

  /**
   * Starts a server; {@code clock} decides token times, key retirement and membership expiry.
   * {@code signing} is asked for the signing settings at start and on every refresh, so an
   * operator can add, activate and retire keys without a restart; {@code config.signing()}
   * is not used. {@link ServerMain} passes one that reads the configuration file again.
   *
   * @throws ConfigException when a setting cannot be used (a key file, the TLS files, a
   *     provider class), naming the setting
   * @throws IOException when the listener cannot start, for example the port is taken
   */
  public static TokenServer start(ServerConfig config, Clock clock, KeyRing.Source signing)
      throws ConfigException, IOException {
    requireNonNull(config, "config");
    requireNonNull(clock, "clock");
    // TLS first: it only reads files, while loading the signing keys may generate and write
    // one, and a start that fails on a bad TLS file must leave nothing behind.
    SSLContext tls = tls(config.tls());
    KeyRing keys = KeyRing.load(signing, config.tokens().maxExpiry(), clock);

    DomainDirectory domains = new DomainDirectory(config.domains().dir());
    ServerMetrics metrics = new ServerMetrics(() -> keys.get().jwks(true, clock.instant()).size(),
        domains::size);
    metrics.domainErrors(domains.reload().errors().size());

    PolicyEngine authorizer = new PolicyEngine(domains, clock);
    ProviderRegistry providers = ProviderRegistry.create(config.providers(), authorizer);
    InstanceService instances = new InstanceService(domains, authorizer, providers, keys,
        config.tokens(), new AuditLog(), clock);
    // Ready once it can issue: some domain loaded and a key that may sign now.
    ApiHandler api = new ApiHandler(instances, keys, config.tokens().issuer(), metrics,
        () -> domains.size() > 0
            && keys.get().signingKey(KeyType.EC, clock.instant()).isPresent(), clock);

    Server jetty = jetty(config.listen(), tls, api);
    try {
      jetty.start();
    } catch (Exception e) {
      stopQuietly(jetty);
      throw new IOException("cannot listen on " + config.listen().host() + ":"
          + config.listen().port() + ": " + rootMessage(e), e);
    }
    int port = ((ServerConnector) jetty.getConnectors()[0]).getLocalPort();

    ScheduledExecutorService refresher = Executors.newSingleThreadScheduledExecutor(task -> {
      Thread thread = new Thread(task, "domain-refresh");
      thread.setDaemon(true);
      return thread;
    });
    TokenServer server = new TokenServer(jetty, refresher, domains, keys, metrics, port);
    long every = config.domains().refreshInterval().toMillis();
    refresher.scheduleWithFixedDelay(server::refreshQuietly, every, every,
        TimeUnit.MILLISECONDS);
    log.info("listening on https://{}:{} keys={} domains={} providers={}",
        config.listen().host(), port, keys.get().keys().size(), domains.size(),
        config.providers().size());
    return server;
  }

  /** The port the server listens on (the real one when 0 was configured). */
  public int port() {
    return port;
  }

  /** The ZTS base URL on localhost, {@code https://localhost:PORT/zts/v1}. */
  public URI uri() {
    return URI.create("https://localhost:" + port + "/zts/v1");
  }

  /** Re-reads the domain directory now, as the periodic refresh does. */
  public DomainDirectory.ReloadResult reloadDomains() {
    DomainDirectory.ReloadResult result = domains.reload();
    metrics.domainErrors(result.errors().size());
    return result;
  }

  /**
   * Reads the signing settings and key files again, as the periodic refresh does. Keys that
   * cannot be used are reported and the last good keys stay in force.
   */
  public KeyRing.ReloadResult reloadKeys() {
    return keys.reload();
  }

  /**
   * Stops gracefully: the listener stops accepting, requests already received finish within
   * {@code listen.shutdownTimeout} (Jetty's graceful stop), then the server stops. Returns
   * when stopped; afterwards connections are refused.
   */
  @Override
  public void close() {
    log.info("shutting down port={}", port);
    refresher.shutdownNow();
    stopQuietly(jetty);
    log.info("stopped port={}", port);
  }

  private void refreshQuietly() {
    try {
      reloadDomains();
      reloadKeys();
    } catch (RuntimeException e) {
      log.error("refresh failed", e);
    }
  }

  /**
   * The TLS context of the listener. Each file is checked on its own, and the key against the
   * certificate, so a wrong file is named at start instead of failing every handshake.
   */
  private static SSLContext tls(ServerConfig.Tls tls) throws ConfigException {
    List<X509Certificate> chain;
    try {
      chain = Pem.readCertificates(tls.certFile());
    } catch (IOException e) {
      throw new ConfigException("tls.certFile", namingFile(tls.certFile(), e));
    }
    PrivateKey key;
    try {
      key = Pem.readPrivateKey(tls.keyFile());
    } catch (IOException e) {
      throw new ConfigException("tls.keyFile", namingFile(tls.keyFile(), e));
    }
    try {
      Pem.checkKeyMatches(key, chain.get(0));
    } catch (GeneralSecurityException e) {
      throw new ConfigException("tls.keyFile", Pem.KEY_MISMATCH.equals(e.getMessage())
          ? TLS_KEY_MISMATCH : tls.keyFile() + ": " + e.getMessage());
    }
    TrustManager[] trust;
    try {
      trust = TlsContexts.trustManagers(tls.caCertFile());
    } catch (IOException | GeneralSecurityException e) {
      throw new ConfigException("tls.caCertFile", namingFile(tls.caCertFile(), e));
    }
    try {
      KeyManagerFactory keys =
          KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
      keys.init(Pem.keyStore(key, chain), new char[0]);
      SSLContext context = SSLContext.getInstance("TLS");
      context.init(keys.getKeyManagers(), trust, null);
      return context;
    } catch (IOException | GeneralSecurityException e) {
      throw new ConfigException("tls", e.getMessage());
    }
  }

  // The PEM reader names the file in its own errors; the parsers under it do not.
  private static String namingFile(Path file, Exception e) {
    String message = String.valueOf(e.getMessage());
    return message.startsWith(file.toString()) ? message : file + ": " + message;
  }

  private static Server jetty(ServerConfig.Listen listen, SSLContext tls, ApiHandler api) {
    QueuedThreadPool threads = new QueuedThreadPool(MAX_THREADS, 4);
    threads.setName("zts-http");
    Server server = new Server(threads);
    SslContextFactory.Server ssl = new SslContextFactory.Server();
    ssl.setSslContext(tls);
    ssl.setWantClientAuth(true);
    ssl.setIncludeProtocols("TLSv1.3", "TLSv1.2");
    HttpConfiguration http = new HttpConfiguration();
    http.setSendServerVersion(false);
    SecureRequestCustomizer secure = new SecureRequestCustomizer();
    secure.setSniHostCheck(false);
    http.addCustomizer(secure);
    ServerConnector connector = new ServerConnector(server,
        new SslConnectionFactory(ssl, HttpVersion.HTTP_1_1.asString()),
        new HttpConnectionFactory(http));
    connector.setHost(listen.host());
    connector.setPort(listen.port());
    connector.setIdleTimeout(listen.idleTimeout().toMillis());
    server.addConnector(connector);
    server.setHandler(new GracefulHandler(api));
    server.setErrorHandler(ApiHandler.errorHandler());
    server.setStopTimeout(listen.shutdownTimeout().toMillis());
    server.setStopAtShutdown(false);
    return server;
  }

  private static void stopQuietly(Server jetty) {
    try {
      jetty.stop();
    } catch (Exception e) {
      log.warn("jetty stop failed: {}", e.toString());
    }
  }

  /** The innermost cause's message: "Address already in use" rather than Jetty's wrapper. */
  private static String rootMessage(Throwable e) {
    Throwable root = e;
    while (root.getCause() != null && root.getCause() != root) {
      root = root.getCause();
    }
    return root.getMessage() != null ? root.getMessage() : root.getClass().getSimpleName();
  }
}
