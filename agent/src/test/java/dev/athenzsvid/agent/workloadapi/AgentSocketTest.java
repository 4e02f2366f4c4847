package dev.athenzsvid.agent.workloadapi;

import dev.athenzsvid.agent.AgentFixture;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;

/**
 * A fresh agent with the default workloads on a temporary socket for every test, stopped
 * after it. A test may close {@link #fixture} and put another in its place.
 */
abstract class AgentSocketTest {
  @TempDir
  Path dir;

  AgentFixture fixture;

  @BeforeEach
  void startAgent() throws Exception {
    fixture = new AgentFixture(dir);
  }

  @AfterEach
  void stopAgent() throws Exception {
    fixture.close();
  }
}
