package dev.athenzsvid.agent.workloadapi;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.athenzsvid.agent.AgentFixture;
import dev.athenzsvid.agent.FakeProcessInspector;
import dev.athenzsvid.agent.FakeProcessInspector.View;
import dev.athenzsvid.proto.workload.JWTSVIDRequest;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributes;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/** The caller's peer credentials and process, as the kernel reports them over a real socket. */
class PeerCredentialsSocketTest {
  @TempDir
  Path dir;

  private static JWTSVIDRequest request() {
    return JWTSVIDRequest.newBuilder().addAudience("a").build();
  }

  private static String workloads(String selectors) {
    return "workloads:\n  - selectors: " + selectors + "\n"
        + "    identities:\n      - {service: athenz.demo.api}\n";
  }

  @Test
  void fetchJwtSvid_otherUidMapped_permissionDenied() throws Exception {
    int other = AgentFixture.currentUid() + 1;
    try (AgentFixture fixture = new AgentFixture(dir, workloads("{uid: " + other + "}"))) {
      StatusRuntimeException e = assertThrows(StatusRuntimeException.class,
          () -> fixture.stub().fetchJWTSVID(request()));
      assertEquals(Status.Code.PERMISSION_DENIED, e.getStatus().getCode());
      assertEquals(StatusMessages.NO_IDENTITY, e.getStatus().getDescription());
    }
  }

  /** Selectors naming this JVM, the caller, one kind at a time, then all at once. */
  static Stream<Arguments> ownSelectors() throws IOException {
    PosixFileAttributes self =
        Files.readAttributes(Path.of("/proc/self"), PosixFileAttributes.class);
    int gid = (Integer) Files.getAttribute(Path.of("/proc/self"), "unix:gid");
    String exe = Files.readSymbolicLink(Path.of("/proc/self/exe")).toString();
    String user = self.owner().getName();
    String group = self.group().getName();
    return Stream.of(
        Arguments.of("uid", "{uid: " + AgentFixture.currentUid() + "}"),
        Arguments.of("user", "{user: " + user + "}"),
        Arguments.of("gid", "{gid: " + gid + "}"),
        Arguments.of("group", "{group: " + group + "}"),
        Arguments.of("path", "{path: \"" + exe + "\"}"),
        Arguments.of("all", "{uid: " + AgentFixture.currentUid() + ", user: " + user
            + ", gid: " + gid + ", group: " + group + ", path: \"" + exe + "\"}"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("ownSelectors")
  void fetchJwtSvid_selectorOfCaller_identityIssued(String name, String selectors)
      throws Exception {
    try (AgentFixture fixture = new AgentFixture(dir, workloads(selectors))) {
      assertEquals(AgentFixture.API_ID,
          fixture.stub().fetchJWTSVID(request()).getSvids(0).getSpiffeId());
    }
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"{gid: 4242424}", "{group: no-such-group}", "{user: no-such-user}"})
  void fetchJwtSvid_selectorOfAnotherCaller_permissionDenied(String selectors)
      throws Exception {
    try (AgentFixture fixture = new AgentFixture(dir, workloads(selectors))) {
      StatusRuntimeException e = assertThrows(StatusRuntimeException.class,
          () -> fixture.stub().fetchJWTSVID(request()));
      assertEquals(Status.Code.PERMISSION_DENIED, e.getStatus().getCode());
    }
  }

  @Test
  void fetchJwtSvid_ownExecutablePathAndUid_identityIssued() throws Exception {
    Path exe = Files.readSymbolicLink(Path.of("/proc/self/exe"));
    String selectors = "{uid: " + AgentFixture.currentUid() + ", path: \"" + exe + "\"}";
    try (AgentFixture fixture = new AgentFixture(dir, workloads(selectors))) {
      assertEquals(AgentFixture.API_ID,
          fixture.stub().fetchJWTSVID(request()).getSvids(0).getSpiffeId());
    }
  }

  @Test
  void fetchJwtSvid_callerRunsOtherProgramAfterConnect_permissionDenied() throws Exception {
    Path exe = Files.readSymbolicLink(Path.of("/proc/self/exe"));
    FakeProcessInspector processes = new FakeProcessInspector();
    try (AgentFixture fixture = new AgentFixture(dir,
        workloads("{path: \"" + exe + "\"}"), "", processes)) {
      assertEquals(1, fixture.stub().fetchJWTSVID(request()).getSvidsCount());
      processes.view(View.EXECUTED_OTHER);
      StatusRuntimeException e = assertThrows(StatusRuntimeException.class,
          () -> fixture.stub().fetchJWTSVID(request()));
      assertEquals(Status.Code.PERMISSION_DENIED, e.getStatus().getCode());
      assertEquals(StatusMessages.NO_IDENTITY, e.getStatus().getDescription());
    }
  }

  @Test
  void fetchJwtSvid_otherExecutablePath_permissionDenied() throws Exception {
    try (AgentFixture fixture = new AgentFixture(dir, workloads("{path: /usr/bin/none}"))) {
      StatusRuntimeException e = assertThrows(StatusRuntimeException.class,
          () -> fixture.stub().fetchJWTSVID(request()));
      assertEquals(Status.Code.PERMISSION_DENIED, e.getStatus().getCode());
    }
  }
}
