package dev.athenzsvid.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.athenzsvid.agent.config.AgentConfig;
import dev.athenzsvid.proto.workload.JWTSVIDRequest;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Where the agent puts its socket, and what it refuses to do there. Real files, real sockets. */
class SocketPathTest {
  /** Where Netty's server bootstrap logs channel options it cannot apply. */
  private static final String NETTY_BOOTSTRAP =
      "io.grpc.netty.shaded.io.netty.bootstrap.ServerBootstrap";

  @TempDir
  Path dir;

  private static JWTSVIDRequest request() {
    return JWTSVIDRequest.newBuilder().addAudience("a").build();
  }

  @Test
  void prepareSocketPath_parentMissing_createdNotWritableByOthers() throws Exception {
    Path socket = dir.resolve("run/athenz-svid/agent.sock");
    WorkloadAgent.prepareSocketPath(socket);
    Set<PosixFilePermission> permissions = Files.getPosixFilePermissions(socket.getParent());
    assertTrue(Files.isDirectory(socket.getParent()));
    assertFalse(permissions.contains(PosixFilePermission.OTHERS_WRITE), permissions.toString());
    assertFalse(permissions.contains(PosixFilePermission.GROUP_WRITE), permissions.toString());
    assertTrue(permissions.contains(PosixFilePermission.OTHERS_EXECUTE), permissions.toString());
  }

  @Test
  void prepareSocketPath_parentWorldWritable_refusedNamingDirectory() throws Exception {
    Path parent = Files.createDirectory(dir.resolve("open"));
    Files.setPosixFilePermissions(parent, PosixFilePermissions.fromString("rwxrwxrwx"));
    IOException e = assertThrows(IOException.class,
        () -> WorkloadAgent.prepareSocketPath(parent.resolve("agent.sock")));
    assertEquals(String.format(WorkloadAgent.WORLD_WRITABLE_DIRECTORY, parent), e.getMessage());
  }

  @Test
  void prepareSocketPath_pathIsDirectory_refused() throws Exception {
    Path socket = Files.createDirectories(dir.resolve("run/agent.sock"));
    IOException e =
        assertThrows(IOException.class, () -> WorkloadAgent.prepareSocketPath(socket));
    assertEquals(String.format(WorkloadAgent.SOCKET_IS_DIRECTORY, socket), e.getMessage());
  }

  @Test
  void start_staleSocketFromCrash_replacedAndServing() throws Exception {
    Path socket = Files.createDirectories(dir.resolve("run")).resolve("agent.sock");
    // A server channel that is closed leaves its file behind, as a crashed agent does.
    try (ServerSocketChannel crashed = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
      crashed.bind(UnixDomainSocketAddress.of(socket));
    }
    assertTrue(Files.exists(socket));
    try (AgentFixture fixture = new AgentFixture(dir)) {
      assertEquals(AgentFixture.API_ID,
          fixture.stub().fetchJWTSVID(request()).getSvids(0).getSpiffeId());
    }
  }

  @Test
  void start_anotherAgentServing_refusedAndFirstUnharmed() throws Exception {
    try (AgentFixture first = new AgentFixture(dir)) {
      AgentConfig config =
          AgentConfig.parse(AgentFixture.configYaml(dir, AgentFixture.defaultWorkloads()), dir);
      IOException e = assertThrows(IOException.class,
          () -> WorkloadAgent.builder(config).upstream(first.upstream).start());
      assertEquals(String.format(WorkloadAgent.SOCKET_IN_USE, first.agent.socket()),
          e.getMessage());
      assertEquals(AgentFixture.API_ID,
          first.stub().fetchJWTSVID(request()).getSvids(0).getSpiffeId());
    }
  }

  @Test
  void start_serving_socketConnectableByEveryUser() throws Exception {
    try (AgentFixture fixture = new AgentFixture(dir)) {
      assertEquals(PosixFilePermissions.fromString("rwxrwxrwx"),
          Files.getPosixFilePermissions(fixture.agent.socket()));
      Set<PosixFilePermission> parent =
          Files.getPosixFilePermissions(fixture.agent.socket().getParent());
      assertTrue(parent.contains(PosixFilePermission.OTHERS_EXECUTE), parent.toString());
    }
  }

  @Test
  void start_connectionAccepted_noUnknownChannelOptionWarning() throws Exception {
    try (LogCapture netty = LogCapture.of(NETTY_BOOTSTRAP);
        AgentFixture fixture = new AgentFixture(dir)) {
      // The server sets child options on the accepted channel before the call is served.
      fixture.stub().fetchJWTSVID(request());
      assertEquals(List.of(), netty.messages());
    }
  }

  @Test
  void close_serving_socketFileRemoved() throws Exception {
    Path socket;
    try (AgentFixture fixture = new AgentFixture(dir)) {
      socket = fixture.agent.socket();
      assertTrue(Files.exists(socket));
    }
    assertFalse(Files.exists(socket));
  }
}
