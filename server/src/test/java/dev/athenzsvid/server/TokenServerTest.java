package dev.athenzsvid.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import com.nimbusds.jwt.SignedJWT;
import dev.athenzsvid.client.tls.LocalCa;
import dev.athenzsvid.client.zts.ZtsClient;
import dev.athenzsvid.client.zts.ZtsException;
import dev.athenzsvid.proto.zts.InstanceIdentity;
import dev.athenzsvid.proto.zts.InstanceRegisterInformation;
import dev.athenzsvid.server.config.ConfigException;
import dev.athenzsvid.server.config.ServerConfig;
import dev.athenzsvid.server.http.ApiHandler;
import dev.athenzsvid.server.instance.AuditLog;
import dev.athenzsvid.server.instance.InstanceService;
import dev.athenzsvid.server.provider.InstanceAthenzRBACProvider;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;

/** Lifecycle, reload, audit and operator-facing behaviour of a whole server. */
class TokenServerTest {
  @TempDir Path dir;
  ServerFixture fixture;

  @BeforeEach
  void setUp() throws Exception {
    fixture = ServerFixture.create(dir);
  }

  static InstanceRegisterInformation request(String domain) {
    return InstanceRegisterInformation.jwtSvid("sys.auth.rbac", domain, "api")
        .instanceId("host-1").audiences(List.of("aud")).build();
  }

  @Test
  void start_portInUse_errorNamesAddressAndCause() throws Exception {
    try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
      ServerConfig config = ServerConfig.load(fixture.configFile,
          Map.of("listen.port", String.valueOf(taken.getLocalPort())));

      IOException e = assertThrows(IOException.class, () -> TokenServer.start(config));

      assertEquals("cannot listen on 127.0.0.1:" + taken.getLocalPort()
          + ": Address already in use", e.getMessage());
    }
  }

  @Test
  void start_portZero_logsListeningLineWithRealPort() throws Exception {
    ListAppender<ILoggingEvent> logs = capture(TokenServer.class.getName());

    try (TokenServer server = TokenServer.start(ServerConfig.load(fixture.configFile))) {
      assertTrue(server.port() > 0);
      assertTrue(logs.list.stream().anyMatch(e -> e.getFormattedMessage()
              .contains("listening on https://127.0.0.1:" + server.port())),
          logs.list.toString());
    }
  }

  @Test
  void reloadDomains_newDomainFile_servedWithoutRestart() throws Exception {
    try (TokenServer server = TokenServer.start(ServerConfig.load(fixture.configFile))) {
      ZtsClient agent = fixture.client(server, "athenz.demo.agent");
      ZtsException before = assertThrows(ZtsException.class,
          () -> agent.postInstanceRegisterInformation(request("athenz.late")));
      assertEquals(404, before.code());
      assertEquals(InstanceService.UNKNOWN_DOMAIN + "athenz.late", before.getMessage());

      String demo = Files.readString(fixture.domainsDir.resolve("athenz.demo.json"));
      Files.writeString(fixture.domainsDir.resolve("athenz.late.json"),
          demo.replace("athenz.demo", "athenz.late").replace("athenz.late.agent",
              "athenz.demo.agent"));
      assertEquals(3, server.reloadDomains().domains());

      assertEquals("athenz.late.api",
          agent.postInstanceRegisterInformation(request("athenz.late")).name());
    }
  }

  @Test
  void reloadDomains_brokenFile_lastGoodDataStays() throws Exception {
    try (TokenServer server = TokenServer.start(ServerConfig.load(fixture.configFile))) {
      ZtsClient agent = fixture.client(server, "athenz.demo.agent");
      Files.writeString(fixture.domainsDir.resolve("athenz.demo.json"), "{broken");

      assertEquals(1, server.reloadDomains().errors().size());

      assertEquals("athenz.demo.api",
          agent.postInstanceRegisterInformation(request("athenz.demo")).name());
    }
  }

  @Test
  void status_noDomainLoaded_503NotReadyUntilOneIs() throws Exception {
    try (TokenServer server = TokenServer.start(ServerConfig.load(fixture.configFile))) {
      Path demo = fixture.domainsDir.resolve("athenz.demo.json");
      Path kept = fixture.dir.resolve("athenz.demo.json.kept");
      Files.move(demo, kept);
      Files.delete(fixture.domainsDir.resolve("sys.auth.json"));
      assertEquals(0, server.reloadDomains().domains());

      InstanceRegisterTest.assertError(status(server), 503, ApiHandler.NOT_READY);

      Files.move(kept, demo);
      server.reloadDomains();
      assertEquals(200, status(server).statusCode());
    }
  }

  private HttpResponse<String> status(TokenServer server) throws Exception {
    return HttpClient.newBuilder().sslContext(fixture.anonymousTls()).build().send(
        HttpRequest.newBuilder(URI.create(server.uri() + "/status")).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void register_issuedAndRefused_oneAuditLineEachWithoutToken() throws Exception {
    ListAppender<ILoggingEvent> audit = capture(AuditLog.LOGGER);
    String token;
    try (TokenServer server = TokenServer.start(ServerConfig.load(fixture.configFile))) {
      token = fixture.client(server, "athenz.demo.agent")
          .postInstanceRegisterInformation(request("athenz.demo")).serviceToken();
      assertThrows(ZtsException.class, () -> fixture.client(server, "athenz.demo.other")
          .postInstanceRegisterInformation(request("athenz.demo")));
    }

    assertEquals(2, audit.list.size());
    String issued = audit.list.get(0).getFormattedMessage();
    assertTrue(issued.startsWith("jwt-svid issued caller=athenz.demo.agent "
        + "identity=athenz.demo.api audience=aud kid="), issued);
    assertTrue(issued.contains(" instance=host-1 outcome=issued"), issued);
    String refused = audit.list.get(1).getFormattedMessage();
    assertTrue(refused.startsWith("jwt-svid refused caller=athenz.demo.other "
        + "identity=athenz.demo.api audience=aud kid=- expiry=- instance=host-1 outcome=403"),
        refused);
    audit.list.forEach(e -> assertFalse(e.getFormattedMessage().contains(token)));
  }

  static Stream<Arguments> incompleteRequests() {
    return Stream.of(
        Arguments.of("no body", "null", "identity=- audience=- kid=- expiry=- instance=- "
            + "outcome=400 reason=\"" + InstanceService.BODY_REQUIRED + "\""),
        Arguments.of("no fields", "{}", "identity=- audience=- kid=- expiry=- instance=- "
            + "outcome=400 reason=\"" + InstanceService.FIELD_REQUIRED + "provider\""),
        Arguments.of("domain only", "{\"provider\": \"sys.auth.rbac\", "
            + "\"domain\": \"athenz.demo\"}", "identity=athenz.demo.- audience=- kid=- "
            + "expiry=- instance=- outcome=400 reason=\"" + InstanceService.FIELD_REQUIRED
            + "service\""));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("incompleteRequests")
  void register_incompleteRequest_auditLineDashesUnknownFields(String name, String body,
      String fields) throws Exception {
    ListAppender<ILoggingEvent> audit = capture(AuditLog.LOGGER);
    try (TokenServer server = TokenServer.start(ServerConfig.load(fixture.configFile))) {
      HttpClient http = HttpClient.newBuilder()
          .sslContext(fixture.clientTls(fixture.ca, "athenz.demo.agent"))
          .version(HttpClient.Version.HTTP_1_1).build();
      HttpResponse<String> response = http.send(
          HttpRequest.newBuilder(URI.create(server.uri() + "/instance"))
              .header("Content-Type", "application/json")
              .POST(HttpRequest.BodyPublishers.ofString(body)).build(),
          HttpResponse.BodyHandlers.ofString());
      assertEquals(400, response.statusCode());
    }

    assertEquals(List.of("jwt-svid refused caller=athenz.demo.agent " + fields),
        audit.list.stream().map(ILoggingEvent::getFormattedMessage).toList());
  }

  @Test
  void register_issuerNotInAllowList_403() throws Exception {
    LocalCa second = LocalCa.create("Second CA", ServerFixture.VALIDITY);
    fixture.trust(fixture.ca, second);
    fixture.writeConfig("", "  - name: strict.rbac\n"
        + "    class: dev.athenzsvid.server.provider.InstanceAthenzRBACProvider\n"
        + "    issuerDnAllowList: [\"CN=Test CA\"]\n");
    Files.writeString(fixture.domainsDir.resolve("sys.auth.json"),
        Files.readString(fixture.domainsDir.resolve("sys.auth.json"))
            .replace("\"memberName\": \"sys.auth.rbac\"", "\"memberName\": \"*\""));
    Files.writeString(fixture.domainsDir.resolve("athenz.demo.json"),
        Files.readString(fixture.domainsDir.resolve("athenz.demo.json"))
            .replace("\"memberName\": \"sys.auth.rbac\"", "\"memberName\": \"*\""));
    try (TokenServer server = TokenServer.start(ServerConfig.load(fixture.configFile))) {
      InstanceRegisterInformation strict = InstanceRegisterInformation
          .jwtSvid("strict.rbac", "athenz.demo", "api").instanceId("host-1")
          .audiences(List.of("aud")).build();
      ZtsClient fromSecond = new ZtsClient(server.uri(),
          fixture.clientTls(second, "athenz.demo.agent"), Duration.ofSeconds(10));

      ZtsException e = assertThrows(ZtsException.class,
          () -> fromSecond.postInstanceRegisterInformation(strict));

      assertEquals(403, e.code());
      assertEquals(InstanceService.ATTESTATION_FAILED
          + InstanceAthenzRBACProvider.ISSUER_NOT_ALLOWED, e.getMessage());
      assertEquals("athenz.demo.api", fixture.client(server, "athenz.demo.agent")
          .postInstanceRegisterInformation(strict).name());
    }
  }

  @Test
  void close_afterwards_refusesConnections() throws Exception {
    TokenServer server = TokenServer.start(ServerConfig.load(fixture.configFile));
    ZtsClient agent = fixture.client(server, "athenz.demo.agent");

    server.close();

    ZtsException e = assertThrows(ZtsException.class, () -> agent.getJwks(true));
    assertEquals(0, e.code());
  }

  @Test
  void close_requestInFlight_requestCompletesAndNewConnectionsRefused() throws Exception {
    fixture.writeConfig("", "  - name: blocking.rbac\n"
        + "    class: dev.athenzsvid.server.FakeBlockingProvider\n");
    for (String file : List.of("sys.auth.json", "athenz.demo.json")) {
      Path path = fixture.domainsDir.resolve(file);
      Files.writeString(path, Files.readString(path)
          .replace("\"memberName\": \"sys.auth.rbac\"", "\"memberName\": \"*\""));
    }
    FakeBlockingProvider.reset();
    CountDownLatch closeStarted = LogLatch.on(TokenServer.class, "shutting down");
    TokenServer server = TokenServer.start(ServerConfig.load(fixture.configFile));
    ZtsClient agent = fixture.client(server, "athenz.demo.agent");
    ExecutorService threads = Executors.newFixedThreadPool(2);
    try {
      Future<InstanceIdentity> inFlight = threads.submit(() ->
          agent.postInstanceRegisterInformation(InstanceRegisterInformation
              .jwtSvid("blocking.rbac", "athenz.demo", "api").instanceId("host-1")
              .audiences(List.of("aud")).build()));
      assertTrue(FakeBlockingProvider.entered.await(10, TimeUnit.SECONDS));

      Future<?> closing = threads.submit(server::close);
      assertTrue(closeStarted.await(10, TimeUnit.SECONDS));

      assertFalse(closing.isDone(), "close() returned with a request in flight");
      FakeBlockingProvider.release.countDown();
      assertEquals("athenz.demo.api", inFlight.get(10, TimeUnit.SECONDS).name());
      closing.get(10, TimeUnit.SECONDS);
      assertThrows(ConnectException.class,
          () -> new Socket("127.0.0.1", server.port()).close());
    } finally {
      FakeBlockingProvider.release.countDown();
      threads.shutdownNow();
      server.close();
    }
  }

  @ParameterizedTest(name = "provider code {0} answers {1}")
  @CsvSource({"403, 403", "401, 401", "503, 503", "200, 403", "0, 403", "999, 403"})
  void register_providerRefuses_errorStatusKeptOthers403(int providerCode, int answered)
      throws Exception {
    // Configured in Athenz's endpoint form, class://<name>.
    fixture.writeConfig("", "  - name: refusing.rbac\n"
        + "    class: class://dev.athenzsvid.server.FakeRefusingProvider\n");
    for (String file : List.of("sys.auth.json", "athenz.demo.json")) {
      Path path = fixture.domainsDir.resolve(file);
      Files.writeString(path, Files.readString(path)
          .replace("\"memberName\": \"sys.auth.rbac\"", "\"memberName\": \"*\""));
    }
    try (TokenServer server = TokenServer.start(ServerConfig.load(fixture.configFile))) {
      ZtsException e = assertThrows(ZtsException.class, () -> fixture.client(server,
          "athenz.demo.agent").postInstanceRegisterInformation(InstanceRegisterInformation
              .jwtSvid("refusing.rbac", "athenz.demo", "api").instanceId("host-1")
              .attestationData(String.valueOf(providerCode)).audiences(List.of("aud"))
              .build()));

      assertEquals(answered, e.code());
      assertEquals(InstanceService.ATTESTATION_FAILED + FakeRefusingProvider.REASON,
          e.getMessage());
    }
  }

  @Test
  void register_configuredTrustDomain_onlyItsSpiffeIdsAccepted() throws Exception {
    Files.writeString(fixture.configFile, Files.readString(fixture.configFile)
        .replace("trustDomain: athenz.io", "trustDomain: example.org"));
    try (TokenServer server = TokenServer.start(ServerConfig.load(fixture.configFile))) {
      ZtsClient agent = fixture.client(server, "athenz.demo.agent");
      String ours = "spiffe://example.org/ns/default/sa/athenz.demo.api";
      String athenz = "spiffe://athenz.io/ns/default/sa/athenz.demo.api";

      InstanceIdentity identity = agent.postInstanceRegisterInformation(
          spiffeRequest(ours));
      ZtsException e = assertThrows(ZtsException.class,
          () -> agent.postInstanceRegisterInformation(spiffeRequest(athenz)));

      assertEquals(ours, SignedJWT.parse(identity.serviceToken())
          .getJWTClaimsSet().getSubject());
      assertEquals(400, e.code());
      assertEquals(InstanceService.SPIFFE_MISMATCH + athenz
          + " is not a SPIFFE ID of athenz.demo.api", e.getMessage());
    }
  }

  private static InstanceRegisterInformation spiffeRequest(String uri) {
    return InstanceRegisterInformation.jwtSvid("sys.auth.rbac", "athenz.demo", "api")
        .instanceId("host-1").audiences(List.of("aud")).spiffeUri(uri).spiffeSubject(true)
        .build();
  }

  @Test
  void register_bodyStopsArriving_408AfterIdleTimeoutWithoutServerError() throws Exception {
    Files.writeString(fixture.configFile, Files.readString(fixture.configFile)
        .replace("shutdownTimeout: 5s", "shutdownTimeout: 5s, idleTimeout: 1s"));
    ListAppender<ILoggingEvent> errors = capture(ApiHandler.class.getName());
    try (TokenServer server = TokenServer.start(ServerConfig.load(fixture.configFile));
        Socket socket = fixture.clientTls(fixture.ca, "athenz.demo.agent").getSocketFactory()
            .createSocket("localhost", server.port())) {
      socket.setSoTimeout(10_000);
      socket.getOutputStream().write(("POST /zts/v1/instance HTTP/1.1\r\nHost: localhost\r\n"
          + "Content-Type: application/json\r\nContent-Length: 50\r\n\r\n{\"provider\":")
          .getBytes(StandardCharsets.US_ASCII));
      socket.getOutputStream().flush();

      String reply = new String(socket.getInputStream().readAllBytes(), StandardCharsets.UTF_8);

      assertTrue(reply.startsWith("HTTP/1.1 408 "), reply);
      assertTrue(reply.endsWith("{\"code\":408,\"message\":\"" + ApiHandler.BODY_TIMEOUT
          + "\"}"), reply);
    }
    assertTrue(errors.list.stream().noneMatch(e -> e.getLevel() == Level.ERROR),
        errors.list.toString());
  }

  @Test
  void start_generatedKey_sameKeyAfterRestart() throws Exception {
    String first;
    try (TokenServer server = TokenServer.start(ServerConfig.load(fixture.configFile))) {
      first = fixture.client(server, "athenz.demo.agent").getJwks(true);
    }
    try (TokenServer server = TokenServer.start(ServerConfig.load(fixture.configFile))) {
      assertEquals(first, fixture.client(server, "athenz.demo.agent").getJwks(true));
    }
  }

  /** The exit code of the command line and what it wrote to standard error. */
  private record MainResult(int code, String err) {}

  private static MainResult runMain(String... args) {
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    PrintStream saved = System.err;
    int code;
    try {
      System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
      code = new CommandLine(new ServerMain()).execute(args);
    } finally {
      System.setErr(saved);
    }
    return new MainResult(code, err.toString(StandardCharsets.UTF_8));
  }

  @Test
  void main_badSetting_exits2WithOneLineNamingIt() {
    MainResult result = runMain("--config", fixture.configFile.toString(), "--domains-dir",
        "/nonexistent/domains");

    assertEquals(new MainResult(2, "config error: domains.dir: /nonexistent/domains: "
        + "no such file\n"), result);
  }

  @Test
  void main_missingConfigFile_exits2WithOneLineNamingFile() {
    Path missing = dir.resolve("x/nope.yaml");

    MainResult result = runMain("--config", missing.toString());

    assertEquals(new MainResult(2, "config error: " + missing + ": no such file\n"), result);
  }

  @Test
  void main_invalidYaml_exits2WithFirstLineAndPosition() throws Exception {
    Files.writeString(fixture.configFile, "listen: {host: 127.0.0.1\ntls: x\n");

    MainResult result = runMain("--config", fixture.configFile.toString());

    assertEquals(new MainResult(2, "config error: " + fixture.configFile
        + ": not valid YAML: while parsing a flow mapping at line 1, column 9\n"), result);
  }

  @Test
  void start_tlsKeyFileHoldsCertificate_configErrorAndNothingWritten() throws Exception {
    ConfigException e = assertThrows(ConfigException.class, () -> TokenServer.start(
        ServerConfig.load(fixture.configFile, Map.of("tls.keyFile", "ca.pem"))));

    assertEquals("tls.keyFile: " + fixture.caFile + ": no unencrypted PEM private key found",
        e.getMessage());
    assertFalse(Files.exists(dir.resolve("keys")), "generated key directory written");
  }

  @Test
  void start_tlsKeyOfAnotherCertificate_configErrorAndNothingWritten() throws Exception {
    fixture.ca.issue("other", List.of("localhost"), ServerFixture.VALIDITY)
        .write(dir.resolve("other.key"), dir.resolve("other.pem"));

    ConfigException e = assertThrows(ConfigException.class, () -> TokenServer.start(
        ServerConfig.load(fixture.configFile, Map.of("tls.keyFile", "other.key"))));

    assertEquals("tls.keyFile: " + TokenServer.TLS_KEY_MISMATCH, e.getMessage());
    assertFalse(Files.exists(dir.resolve("keys")), "generated key directory written");
  }

  @Test
  void start_tlsCertFileHoldsKey_configErrorNamingCertFile() throws Exception {
    ConfigException e = assertThrows(ConfigException.class, () -> TokenServer.start(
        ServerConfig.load(fixture.configFile, Map.of("tls.certFile", "server.key"))));

    assertEquals("tls.certFile: " + dir.resolve("server.key") + ": no PEM certificate found",
        e.getMessage());
  }

  @Test
  void start_unknownProviderClass_configErrorNamesIt() throws Exception {
    fixture.writeConfig("", "  - name: broken\n    class: no.such.Provider\n");

    ConfigException e = assertThrows(ConfigException.class,
        () -> TokenServer.start(ServerConfig.load(fixture.configFile)));

    assertEquals("providers[3].class: no.such.Provider: no such class", e.getMessage());
  }

  private static ListAppender<ILoggingEvent> capture(String loggerName) {
    Logger logger = (Logger) LoggerFactory.getLogger(loggerName);
    logger.setLevel(Level.INFO);
    ListAppender<ILoggingEvent> appender = new ListAppender<>();
    appender.start();
    logger.addAppender(appender);
    return appender;
  }
}
