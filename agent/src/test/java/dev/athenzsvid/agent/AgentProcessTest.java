package dev.athenzsvid.agent;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The agent as the command line starts it, in a process of its own. */
class AgentProcessTest {
  /** What the JVM exits with after SIGTERM: 128 plus the signal number. */
  private static final int SIGTERM_EXIT = 143;

  @TempDir
  Path dir;

  /** Reads lines until one contains {@code text}; false at the end of the output. */
  private static boolean readUntil(BufferedReader output, String text) throws IOException {
    for (String line = output.readLine(); line != null; line = output.readLine()) {
      if (line.contains(text)) {
        return true;
      }
    }
    return false;
  }

  @Test
  void sigterm_serving_stopsCleanlyAndRemovesSocket() throws Exception {
    Path config = dir.resolve("agent.yaml");
    // Port 1 refuses connections: the agent starts and serves without a token server.
    Files.writeString(config, AgentFixture.configYaml(dir, AgentFixture.defaultWorkloads())
        .replace("localhost:4443", "localhost:1"));
    Path socket = dir.resolve("run/agent.sock");
    String java = ProcessHandle.current().info().command().orElse("java");
    Process agent = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"),
        AgentMain.class.getName(), "--config", config.toString())
        .redirectErrorStream(true)
        .start();
    try (BufferedReader output =
        new BufferedReader(new InputStreamReader(agent.getInputStream(), UTF_8))) {
      assertTrue(readUntil(output, "serving Workload API"));
      assertTrue(Files.exists(socket));
      // SIGTERM through the handle: Process.destroy would also close the output being read.
      assertTrue(agent.toHandle().destroy());
      assertTrue(readUntil(output, "agent stopped"));
      assertTrue(agent.waitFor(10, TimeUnit.SECONDS));
      assertEquals(SIGTERM_EXIT, agent.exitValue());
      assertFalse(Files.exists(socket));
    } finally {
      agent.destroyForcibly();
    }
  }
}
