package dev.athenzsvid.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.athenzsvid.client.tls.LocalCa;
import dev.athenzsvid.client.zts.ZtsClient;
import dev.athenzsvid.client.zts.ZtsException;
import dev.athenzsvid.proto.zts.InstanceIdentity;
import dev.athenzsvid.proto.zts.InstanceRegisterInformation;
import dev.athenzsvid.server.config.ConfigException;
import dev.athenzsvid.server.config.ServerConfig;
import dev.athenzsvid.server.instance.AuditLog;
import dev.athenzsvid.server.instance.InstanceService;
import dev.athenzsvid.server.provider.InstanceAthenzRBACProvider;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.ConnectException;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
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

  @Test
  void main_badSetting_exits2WithOneLineNamingIt() {
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    PrintStream saved = System.err;
    int code;
    try {
      System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
      code = new CommandLine(new ServerMain()).execute("--config",
          fixture.configFile.toString(), "--domains-dir", "/nonexistent/domains");
    } finally {
      System.setErr(saved);
    }

    assertEquals(2, code);
    assertEquals("config error: domains.dir: /nonexistent/domains: no such file\n",
        err.toString(StandardCharsets.UTF_8));
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
