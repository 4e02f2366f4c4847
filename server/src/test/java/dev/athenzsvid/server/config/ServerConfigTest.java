package dev.athenzsvid.server.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.athenzsvid.client.config.Durations;
import dev.athenzsvid.server.ServerFixture;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class ServerConfigTest {
  @TempDir Path dir;
  ServerFixture fixture;

  @BeforeEach
  void setUp() throws Exception {
    fixture = ServerFixture.create(dir);
  }

  @Test
  void load_fixtureConfig_resolvesPathsAndDefaults() throws Exception {
    ServerConfig config = ServerConfig.load(fixture.configFile);

    assertEquals("127.0.0.1", config.listen().host());
    assertEquals(0, config.listen().port());
    assertEquals(dir.resolve("server.pem"), config.tls().certFile());
    assertEquals(dir.resolve("domains"), config.domains().dir());
    assertEquals(Duration.ofHours(1), config.tokens().defaultExpiry());
    assertEquals(Duration.ofHours(12), config.tokens().maxExpiry());
    assertEquals("athenz.io", config.tokens().trustDomain());
    assertEquals(dir.resolve("keys"), config.signing().generatedKeyDir());
    assertEquals("sys.auth.rbac", config.providers().get(0).name());
  }

  @Test
  void load_overrides_replaceSettings() throws Exception {
    Path other = Files.createDirectories(dir.resolve("other"));

    ServerConfig config = ServerConfig.load(fixture.configFile,
        Map.of("listen.port", "8443", "domains.dir", other.toString()));

    assertEquals(8443, config.listen().port());
    assertEquals(other, config.domains().dir());
  }

  static Stream<Arguments> badSettings() {
    return Stream.of(
        Arguments.of("port not a number", Map.of("listen.port", "http"),
            "listen.port: http: not a number"),
        Arguments.of("port too large", Map.of("listen.port", "70000"),
            "listen.port: 70000: not between 0 and 65535"),
        Arguments.of("missing cert file", Map.of("tls.certFile", "/nonexistent/x.pem"),
            "tls.certFile: /nonexistent/x.pem: no such file"),
        Arguments.of("missing domains dir", Map.of("domains.dir", "/nonexistent/d"),
            "domains.dir: /nonexistent/d: no such file"),
        Arguments.of("bad duration", Map.of("domains.refreshInterval", "soon"),
            "domains.refreshInterval: soon: " + Durations.BAD_DURATION),
        Arguments.of("zero duration", Map.of("tokens.maxExpiry", "0s"),
            "tokens.maxExpiry: 0s: must be positive"),
        Arguments.of("zero idle timeout", Map.of("listen.idleTimeout", "0s"),
            "listen.idleTimeout: 0s: must be positive"),
        Arguments.of("expiry under a second", Map.of("tokens.defaultExpiry", "500ms"),
            "tokens.defaultExpiry: " + ServerConfig.SHORTER_THAN_A_SECOND),
        Arguments.of("max expiry under a second", Map.of("tokens.defaultExpiry", "1s",
            "tokens.maxExpiry", "999ms"),
            "tokens.maxExpiry: " + ServerConfig.SHORTER_THAN_A_SECOND),
        Arguments.of("default above max", Map.of("tokens.defaultExpiry", "13h"),
            "tokens.defaultExpiry: longer than tokens.maxExpiry"),
        Arguments.of("issuer not https", Map.of("tokens.issuer", "http://x"),
            "tokens.issuer: http://x: must be an https URL"),
        Arguments.of("unknown setting", Map.of("tokens.lifetime", "1h"),
            "tokens.lifetime: " + ServerConfig.UNKNOWN_SETTING));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("badSettings")
  void load_badSetting_namesTheSetting(String name, Map<String, String> overrides,
      String message) {
    ConfigException e = assertThrows(ConfigException.class,
        () -> ServerConfig.load(fixture.configFile, overrides));

    assertEquals(message, e.getMessage());
  }

  @Test
  void load_missingFile_namesIt() {
    ConfigException e = assertThrows(ConfigException.class,
        () -> ServerConfig.load(dir.resolve("none.yaml")));

    assertEquals(dir.resolve("none.yaml") + ": " + ServerConfig.NO_SUCH_FILE, e.getMessage());
  }

  static Stream<Arguments> invalidYaml() {
    return Stream.of(
        Arguments.of("unclosed mapping", "listen: {port: 1\ntls: x\n",
            "while parsing a flow mapping at line 1, column 9"),
        Arguments.of("value after value", "listen: port: 1\n",
            "mapping values are not allowed here at line 1, column 13"),
        Arguments.of("tab indent", "\tlisten: {}\n",
            "while scanning for the next token at line 1, column 1"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("invalidYaml")
  void load_invalidYaml_oneLineWithPosition(String name, String yaml, String problem)
      throws Exception {
    Files.writeString(fixture.configFile, yaml);

    ConfigException e = assertThrows(ConfigException.class,
        () -> ServerConfig.load(fixture.configFile));

    assertEquals(fixture.configFile + ": " + ServerConfig.NOT_YAML + problem, e.getMessage());
  }

  static Stream<Arguments> notValues() {
    String issuer = "issuer: \"https://localhost:4443/zts/v1\"";
    return Stream.of(
        Arguments.of("host as mapping", "host: 127.0.0.1", "host: {a: b}",
            "listen.host: " + ServerConfig.NOT_SINGLE_VALUE),
        Arguments.of("host empty", "host: 127.0.0.1", "host: ''",
            "listen.host: " + ServerConfig.EMPTY),
        Arguments.of("host null", "host: 127.0.0.1", "host: ~",
            "listen.host: " + ServerConfig.EMPTY),
        Arguments.of("port as list", "port: 0", "port: [1]",
            "listen.port: " + ServerConfig.NOT_SINGLE_VALUE),
        Arguments.of("refresh as mapping", "refreshInterval: 1h", "refreshInterval: {a: 1}",
            "domains.refreshInterval: " + ServerConfig.NOT_SINGLE_VALUE),
        Arguments.of("issuer as list", issuer, "issuer: [\"https://a/zts/v1\"]",
            "tokens.issuer: " + ServerConfig.NOT_SINGLE_VALUE));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("notValues")
  void load_settingGivenButNotAValue_namesItInsteadOfDefaulting(String name, String from,
      String to, String message) throws Exception {
    String yaml = Files.readString(fixture.configFile);
    Files.writeString(fixture.configFile, yaml.replace(from, to));

    ConfigException e = assertThrows(ConfigException.class,
        () -> ServerConfig.load(fixture.configFile));

    assertEquals(message, e.getMessage());
  }

  @Test
  void load_settingGivenTwice_namesIt() throws Exception {
    Files.writeString(fixture.configFile, Files.readString(fixture.configFile)
        + "tokens: {issuer: \"https://other/zts/v1\"}\n");

    ConfigException e = assertThrows(ConfigException.class,
        () -> ServerConfig.load(fixture.configFile));

    assertEquals(fixture.configFile + ": " + ServerConfig.NOT_YAML
        + ServerConfig.DUPLICATE_SETTING + "tokens", e.getMessage().replaceAll(" at line.*", ""));
  }

  @Test
  void load_signingKeyWithoutKid_namesTheEntry() throws Exception {
    fixture.writeConfig("signing:\n  keys:\n    - {file: server.key}\n");

    ConfigException e = assertThrows(ConfigException.class,
        () -> ServerConfig.load(fixture.configFile));

    assertEquals("signing.keys[0].kid: " + ServerConfig.REQUIRED, e.getMessage());
  }

  @Test
  void load_signingKeys_parsesActiveAndNotAfter() throws Exception {
    fixture.writeConfig("signing:\n  keys:\n    - {file: server.key, kid: a}\n"
        + "    - {file: server.key, kid: b, active: false, notAfter: 2030-01-01T00:00:00Z}\n");

    ServerConfig config = ServerConfig.load(fixture.configFile);

    assertEquals(true, config.signing().keys().get(0).active());
    assertNull(config.signing().keys().get(0).notAfter());
    assertEquals(false, config.signing().keys().get(1).active());
    assertEquals("2030-01-01T00:00:00Z", config.signing().keys().get(1).notAfter().toString());
  }
}
