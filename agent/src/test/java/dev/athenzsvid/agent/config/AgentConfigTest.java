package dev.athenzsvid.agent.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.athenzsvid.agent.AgentFixture;
import dev.athenzsvid.client.config.Durations;
import dev.athenzsvid.client.tls.LocalCa;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class AgentConfigTest {
  @TempDir
  Path dir;

  private String valid() throws Exception {
    return AgentFixture.configYaml(dir, "workloads:\n  - selectors: {uid: 1000}\n"
        + "    identities:\n      - {service: athenz.demo.api, hint: api}\n");
  }

  @Test
  void load_validFile_pathsResolvedAgainstItsDirectory() throws Exception {
    Path file = dir.resolve("agent.yaml");
    Files.writeString(file, valid());
    AgentConfig config = AgentConfig.load(file);
    assertEquals(dir.resolve("run/agent.sock"), config.socket());
    assertEquals(dir.resolve("agent.crt"), config.server().certFile());
    assertEquals(Duration.ofSeconds(2), config.server().timeout());
    assertEquals("spiffe://athenz.io/ns/default/sa/athenz.demo.api",
        config.workloads().get(0).identities().get(0).spiffeId().toString());
    assertEquals("athenz.demo", config.workloads().get(0).identities().get(0).domain());
    AgentConfig moved = config.withSocket(Path.of("/tmp/x.sock"))
        .withServerUrl(URI.create("https://zts:4443/zts/v1"));
    assertEquals(Path.of("/tmp/x.sock"), moved.socket());
    assertEquals(URI.create("https://zts:4443/zts/v1"), moved.server().url());
  }

  @Test
  void load_keyOfAnotherCertificate_keyFileMismatch() throws Exception {
    String yaml = valid().replace("keyFile: agent.key", "keyFile: server.key");
    LocalCa.create("other-ca", Duration.ofDays(1))
        .issue("athenz.demo.server", List.of(), Duration.ofDays(1))
        .write(dir.resolve("server.key"), dir.resolve("server.crt"));
    Path file = dir.resolve("agent.yaml");
    Files.writeString(file, yaml);
    ConfigException e = assertThrows(ConfigException.class, () -> AgentConfig.load(file));
    assertEquals("server.keyFile: " + AgentConfig.KEY_MISMATCH, e.getMessage());
  }

  static Stream<Arguments> badSettings() {
    return Stream.of(
        Arguments.of("unknown key", "socket: run", "sockets: run", "sockets: unknown setting"),
        Arguments.of("missing cert", "certFile: agent.crt", "certFile: nope.crt",
            "server.certFile: {dir}/nope.crt: no such file"),
        Arguments.of("certificate as key", "keyFile: agent.key", "keyFile: ca.crt",
            "server.keyFile: {dir}/ca.crt: no unencrypted PEM private key found"),
        Arguments.of("key as certificate", "certFile: agent.crt", "certFile: agent.key",
            "server.certFile: {dir}/agent.key: no PEM certificate found"),
        Arguments.of("bad timeout", "timeout: 2s", "timeout: soon",
            "server.timeout: soon: " + Durations.BAD_DURATION),
        Arguments.of("http url", "https://localhost", "http://localhost",
            "server.url: http://localhost:4443/zts/v1: must be an https:// URL"),
        Arguments.of("bad trust domain", "trustDomain: athenz.io", "trustDomain: Athenz.IO",
            "trustDomain: " + SpiffeId.BAD_TRUST_DOMAIN),
        Arguments.of("service without domain", "service: athenz.demo.api", "service: api",
            "workloads[0].identities[0]: api: must be <domain>.<service>"),
        Arguments.of("no selectors", "selectors: {uid: 1000}", "selectors: {}",
            "workloads[0].selectors: at least one of uid, user, gid, group, path is needed"),
        Arguments.of("service with slash", "service: athenz.demo.api", "service: a/b.api",
            "workloads[0].identities[0]: a/b.api: " + Identity.BAD_SERVICE),
        Arguments.of("namespace with slash", "hint: api}", "hint: api, namespace: a/b}",
            "workloads[0].identities[0].namespace: a/b: " + Identity.BAD_NAMESPACE),
        Arguments.of("empty namespace", "hint: api}", "hint: api, namespace: ''}",
            "workloads[0].identities[0].namespace: " + Identity.BAD_NAMESPACE),
        Arguments.of("refresh too often", "refreshInterval: 1h", "refreshInterval: 10ms",
            "bundles.refreshInterval: 10ms: must be at least 1s"),
        Arguments.of("timeout too short", "timeout: 2s", "timeout: 50ms",
            "server.timeout: 50ms: must be from 100ms to 5m"),
        Arguments.of("instance id with slash", "instanceId: host-1", "instanceId: 'a b/c'",
            "instanceId: a b/c: " + ConfigParser.BAD_INSTANCE_ID),
        Arguments.of("timeout too long", "timeout: 2s", "timeout: 1h",
            "server.timeout: 1h: must be from 100ms to 5m"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("badSettings")
  void parse_badSetting_oneLineNamingIt(String name, String from, String to, String message)
      throws Exception {
    String yaml = valid().replace(from, to);
    ConfigException e =
        assertThrows(ConfigException.class, () -> AgentConfig.parse(yaml, dir));
    assertEquals(message.replace("{dir}", dir.toString()), e.getMessage());
  }
}
