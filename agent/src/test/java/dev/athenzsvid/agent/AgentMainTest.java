package dev.athenzsvid.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.athenzsvid.agent.config.AgentConfig;
import dev.athenzsvid.client.tls.LocalCa;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * The command line's answer to credential files that cannot be used: one line naming the
 * setting, exit status 2, before anything starts. Real files, the real parser.
 */
class AgentMainTest {
  private static final int CONFIG_ERROR = 2;

  @TempDir
  Path dir;

  private Path config;
  private final StringWriter err = new StringWriter();

  @BeforeEach
  void writeConfig() throws Exception {
    config = dir.resolve("agent.yaml");
    Files.writeString(config, AgentFixture.configYaml(dir, ""));
  }

  private int run() {
    CommandLine command = new CommandLine(new AgentMain());
    command.setErr(new PrintWriter(err, true));
    return command.execute("--config", config.toString());
  }

  private void useSetting(String from, String to) throws Exception {
    Files.writeString(config, Files.readString(config).replace(from, to));
  }

  @Test
  void call_keyOfAnotherCertificate_configErrorExit2() throws Exception {
    LocalCa.create("other-ca", Duration.ofDays(1))
        .issue("athenz.demo.server", List.of(), Duration.ofDays(1))
        .write(dir.resolve("server.key.pem"), dir.resolve("server.cert.pem"));
    useSetting("keyFile: agent.key", "keyFile: server.key.pem");
    assertEquals(CONFIG_ERROR, run());
    assertEquals("config error: server.keyFile: " + AgentConfig.KEY_MISMATCH + "\n",
        err.toString());
  }

  @Test
  void call_certificateAsKeyFile_configErrorNamingKeyFile() throws Exception {
    useSetting("keyFile: agent.key", "keyFile: ca.crt");
    assertEquals(CONFIG_ERROR, run());
    assertEquals("config error: server.keyFile: " + dir.resolve("ca.crt")
        + ": no unencrypted PEM private key found\n", err.toString());
  }

  @Test
  void call_keyAsCertFile_configErrorNamingCertFile() throws Exception {
    useSetting("certFile: agent.crt", "certFile: agent.key");
    assertEquals(CONFIG_ERROR, run());
    assertEquals("config error: server.certFile: " + dir.resolve("agent.key")
        + ": no PEM certificate found\n", err.toString());
  }

  @Test
  void call_metricsPortInUse_cannotStartNamingThePort() throws Exception {
    try (ServerSocket taken = new ServerSocket(0)) {
      CommandLine command = new CommandLine(new AgentMain());
      command.setErr(new PrintWriter(err, true));
      int status = command.execute("--config", config.toString(),
          "--metrics-port", String.valueOf(taken.getLocalPort()));
      assertEquals(1, status);
      assertEquals("cannot start agent: metrics.port " + taken.getLocalPort()
          + ": Address already in use\n", err.toString());
    }
  }
}
