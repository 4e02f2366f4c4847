package dev.athenzsvid.agent.upstream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.spi.ILoggingEvent;
import dev.athenzsvid.agent.FakeClock;
import dev.athenzsvid.agent.LogCapture;
import dev.athenzsvid.client.tls.LocalCa;
import dev.athenzsvid.client.tls.Pem;
import dev.athenzsvid.client.tls.TlsContexts;
import dev.athenzsvid.client.zts.ZtsClient;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import javax.net.ssl.KeyManager;
import javax.net.ssl.SSLContext;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The agent's side of mTLS against a real HTTPS server: the certificate it presents, its
 * rotation on disk, and how {@link ZtsUpstream} reports each kind of answer.
 */
class ZtsUpstreamHttpsTest {
  private static final Duration CHECK_INTERVAL = Duration.ofSeconds(10);
  /** Generous: the first TLS handshake of a cold JVM on a busy machine takes seconds. */
  private static final Duration TIMEOUT = Duration.ofSeconds(10);
  private static final Duration SHORT_TIMEOUT = Duration.ofMillis(300);
  private static final TokenRequest REQUEST = new TokenRequest("athenz.demo", "api",
      "sys.auth.rbac", "host-1", List.of("aud"), "00ff",
      "spiffe://athenz.io/ns/default/sa/athenz.demo.api");

  @TempDir
  Path dir;

  private final FakeClock clock = new FakeClock(Instant.parse("2030-01-01T00:00:00Z"));
  private LocalCa ca;
  private FakeZtsHttpsServer zts;
  private Path keyFile;
  private Path certFile;

  @BeforeEach
  void start() throws Exception {
    ca = LocalCa.create("test-ca", Duration.ofDays(1));
    ca.writeCertificate(dir.resolve("ca.crt"));
    keyFile = dir.resolve("agent.key");
    certFile = dir.resolve("agent.crt");
    ca.issue("athenz.demo.agent", List.of(), Duration.ofDays(1)).write(keyFile, certFile);
    zts = new FakeZtsHttpsServer(ca, dir);
  }

  @AfterEach
  void stop() {
    zts.close();
  }

  private ReloadingKeyManager keyManager() throws Exception {
    return new ReloadingKeyManager(keyFile, certFile, CHECK_INTERVAL, clock);
  }

  private ZtsUpstream upstream(URI url, ReloadingKeyManager keys) throws Exception {
    return upstream(url, keys, TIMEOUT);
  }

  private ZtsUpstream upstream(URI url, ReloadingKeyManager keys, Duration timeout)
      throws Exception {
    SSLContext tls = keys.clientContext(TlsContexts.trustManagers(dir.resolve("ca.crt")));
    return new ZtsUpstream(new ZtsClient(url, tls, timeout));
  }

  @Test
  void fetchToken_created_returnsServiceToken() throws Exception {
    ZtsUpstream upstream = upstream(zts.baseUrl(), keyManager());
    assertEquals(FakeZtsHttpsServer.TOKEN, upstream.fetchToken(REQUEST));
    assertEquals(FakeZtsHttpsServer.JWKS, upstream.fetchJwks());
    assertEquals(List.of("athenz.demo.agent", "athenz.demo.agent"), zts.clientNames());
  }

  @Test
  void fetchToken_forbidden_refusedWithServerMessage() throws Exception {
    zts.answer(FakeZtsHttpsServer.Answer.REFUSE);
    UpstreamException e = assertThrows(UpstreamException.class,
        () -> upstream(zts.baseUrl(), keyManager()).fetchToken(REQUEST));
    assertTrue(e.refused());
    assertEquals(403, e.httpStatus());
    assertEquals(FakeZtsHttpsServer.REFUSAL, e.getMessage());
  }

  @Test
  void fetchToken_connectionRefused_unavailableNotRefused() throws Exception {
    int closedPort;
    try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      closedPort = probe.getLocalPort();
    }
    URI nobody = URI.create("https://127.0.0.1:" + closedPort + "/zts/v1");
    UpstreamException e = assertThrows(UpstreamException.class,
        () -> upstream(nobody, keyManager()).fetchToken(REQUEST));
    assertFalse(e.refused());
    assertEquals(0, e.httpStatus());
    assertTrue(e.getMessage().startsWith("cannot reach ZTS"), e.getMessage());
  }

  @Test
  void fetchToken_serverStalls_failsWithinTimeout() throws Exception {
    zts.answer(FakeZtsHttpsServer.Answer.STALL);
    ZtsUpstream upstream = upstream(zts.baseUrl(), keyManager(), SHORT_TIMEOUT);
    long start = System.nanoTime();
    UpstreamException e = assertThrows(UpstreamException.class,
        () -> upstream.fetchToken(REQUEST));
    Duration took = Duration.ofNanos(System.nanoTime() - start);
    assertFalse(e.refused());
    assertEquals("ZTS did not answer within " + SHORT_TIMEOUT.toMillis() + " ms",
        e.getMessage());
    assertTrue(took.compareTo(SHORT_TIMEOUT) >= 0, "took " + took);
    assertTrue(took.compareTo(Duration.ofSeconds(5)) < 0, "took " + took);
  }

  @Test
  void fetchToken_filesRotated_newConnectionsPresentNewCertificate() throws Exception {
    ReloadingKeyManager keys = keyManager();
    ZtsUpstream upstream = upstream(zts.baseUrl(), keys);
    upstream.fetchToken(REQUEST);

    ca.issue("athenz.demo.rotated", List.of(), Duration.ofDays(1)).write(keyFile, certFile);
    upstream.fetchToken(REQUEST);
    clock.advance(CHECK_INTERVAL);
    upstream.fetchToken(REQUEST);

    assertEquals(List.of("athenz.demo.agent", "athenz.demo.agent", "athenz.demo.rotated"),
        zts.clientNames());
    assertEquals("CN=athenz.demo.rotated",
        keys.currentCertificate().getSubjectX500Principal().getName());
  }

  @Test
  void fetchToken_filesRotatedContextBuiltElsewhere_resumedSessionKeepsOldCertificate()
      throws Exception {
    // Why the agent must build its context through clientContext: a context made around the
    // key manager by hand resumes the old session, and the server sees the old identity.
    ReloadingKeyManager keys = keyManager();
    SSLContext tls = SSLContext.getInstance("TLS");
    tls.init(new KeyManager[] {keys}, TlsContexts.trustManagers(dir.resolve("ca.crt")), null);
    ZtsUpstream upstream = new ZtsUpstream(new ZtsClient(zts.baseUrl(), tls, TIMEOUT));
    upstream.fetchToken(REQUEST);
    ca.issue("athenz.demo.rotated", List.of(), Duration.ofDays(1)).write(keyFile, certFile);
    clock.advance(CHECK_INTERVAL);
    upstream.fetchToken(REQUEST);
    assertEquals(List.of("athenz.demo.agent", "athenz.demo.agent"), zts.clientNames());
  }

  @Test
  void currentCertificate_halfWrittenRotation_keepsPreviousPair() throws Exception {
    ReloadingKeyManager keys = keyManager();
    LocalCa other = LocalCa.create("other-ca", Duration.ofDays(1));
    other.issue("athenz.demo.rotated", List.of(), Duration.ofDays(1))
        .write(dir.resolve("unused.key"), certFile);
    Files.writeString(keyFile, "-----BEGIN PRIVATE KEY-----\ntruncated");
    clock.advance(CHECK_INTERVAL);
    assertEquals("CN=athenz.demo.agent",
        keys.currentCertificate().getSubjectX500Principal().getName());
  }

  @Test
  void fetchToken_rotatedKeyOfAnotherCertificate_keepsPreviousPairAndWarns() throws Exception {
    ReloadingKeyManager keys = keyManager();
    ZtsUpstream upstream = upstream(zts.baseUrl(), keys);
    ca.issue("athenz.demo.rotated", List.of(), Duration.ofDays(1))
        .write(dir.resolve("unused.key"), certFile);
    ca.issue("athenz.demo.other", List.of(), Duration.ofDays(1))
        .write(keyFile, dir.resolve("unused.crt"));
    clock.advance(CHECK_INTERVAL);
    try (LogCapture logs = LogCapture.of(ReloadingKeyManager.class)) {
      upstream.fetchToken(REQUEST);
      ILoggingEvent warning = logs.single(Level.WARN);
      assertEquals(ReloadingKeyManager.RELOAD_FAILED, warning.getFormattedMessage());
      assertEquals(Map.of("keyFile", keyFile.toString(), "certFile", certFile.toString(),
          "error", keyFile + ": " + Pem.KEY_MISMATCH + " in " + certFile),
          LogCapture.fields(warning));
    }
    assertEquals(List.of("athenz.demo.agent"), zts.clientNames());
    assertEquals("CN=athenz.demo.agent",
        keys.currentCertificate().getSubjectX500Principal().getName());
  }
}
