package dev.athenzsvid.agent.workloadapi;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.athenzsvid.agent.AgentFixture;
import dev.athenzsvid.agent.FakeProcessInspector;
import dev.athenzsvid.agent.FakeProcessInspector.View;
import dev.athenzsvid.agent.attestation.WorkloadAttestor;
import dev.athenzsvid.proto.workload.JWTBundlesRequest;
import dev.athenzsvid.proto.workload.JWTSVIDRequest;
import dev.athenzsvid.proto.workload.SpiffeWorkloadAPIGrpc;
import dev.athenzsvid.proto.workload.SpiffeWorkloadAPIGrpc.SpiffeWorkloadAPIBlockingStub;
import dev.athenzsvid.proto.workload.ValidateJWTSVIDRequest;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every Workload API call attests its caller, and a caller that is no longer the process that
 * connected is refused. The socket, the kernel's peer credentials and the connection-time
 * record are real; only the process table is switched after connecting, because a real
 * caller that exits cannot make a call. (Handing a connected socket from a dying child to a
 * live process that speaks HTTP/2 would need a second gRPC client outside the JVM.)
 */
class CallerGoneSocketTest {
  @TempDir
  Path dir;

  private final FakeProcessInspector processes = new FakeProcessInspector();
  private AgentFixture fixture;

  @BeforeEach
  void start() throws Exception {
    fixture = new AgentFixture(dir, AgentFixture.defaultWorkloads(), "", processes);
  }

  @AfterEach
  void stop() throws Exception {
    fixture.close();
  }

  private static final Consumer<SpiffeWorkloadAPIBlockingStub> FETCH_SVID = stub ->
      stub.fetchJWTSVID(JWTSVIDRequest.newBuilder().addAudience("a").build());
  private static final Consumer<SpiffeWorkloadAPIBlockingStub> FETCH_BUNDLES = stub ->
      stub.withDeadlineAfter(2, TimeUnit.SECONDS)
          .fetchJWTBundles(JWTBundlesRequest.getDefaultInstance()).next();
  private static final Consumer<SpiffeWorkloadAPIBlockingStub> VALIDATE = stub ->
      stub.validateJWTSVID(ValidateJWTSVIDRequest.newBuilder().setAudience("a")
          .setSvid("e30.e30.sig").build());

  static Stream<Arguments> callsAndViews() {
    return Stream.of(
        Arguments.of("FetchJWTSVID, exited", FETCH_SVID, View.EXITED, ": process exited"),
        Arguments.of("FetchJWTBundles, exited", FETCH_BUNDLES, View.EXITED,
            ": process exited"),
        Arguments.of("ValidateJWTSVID, exited", VALIDATE, View.EXITED, ": process exited"),
        Arguments.of("FetchJWTSVID, pid reused", FETCH_SVID, View.PID_REUSED,
            ": process exited"),
        Arguments.of("FetchJWTBundles, pid reused", FETCH_BUNDLES, View.PID_REUSED,
            ": process exited"),
        Arguments.of("ValidateJWTSVID, pid reused", VALIDATE, View.PID_REUSED,
            ": process exited"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("callsAndViews")
  void call_callerGoneAfterConnect_unauthenticated(String name,
      Consumer<SpiffeWorkloadAPIBlockingStub> call, View view, String reason) {
    FETCH_SVID.accept(fixture.stub());
    processes.view(view);
    StatusRuntimeException e =
        assertThrows(StatusRuntimeException.class, () -> call.accept(fixture.stub()));
    assertEquals(Status.Code.UNAUTHENTICATED, e.getStatus().getCode());
    assertEquals(WorkloadAttestor.CALLER_GONE + reason, e.getStatus().getDescription());
  }

  @Test
  void fetchJwtSvid_callerGoneBeforeConnectionReady_unauthenticated() throws Exception {
    processes.view(View.EXITED);
    ManagedChannel channel = fixture.newChannel();
    try {
      SpiffeWorkloadAPIBlockingStub stub = SpiffeWorkloadAPIGrpc.newBlockingStub(channel)
          .withInterceptors(AgentFixture.header("true"));
      StatusRuntimeException e =
          assertThrows(StatusRuntimeException.class, () -> FETCH_SVID.accept(stub));
      assertEquals(Status.Code.UNAUTHENTICATED, e.getStatus().getCode());
      assertEquals(WorkloadAttestor.CALLER_GONE + ": process exited before its call",
          e.getStatus().getDescription());
    } finally {
      channel.shutdownNow().awaitTermination(2, TimeUnit.SECONDS);
    }
  }

  @Test
  void validateJwtSvid_callerGoneButInputMissing_invalidArgumentFirst() {
    FETCH_SVID.accept(fixture.stub());
    processes.view(View.EXITED);
    StatusRuntimeException e = assertThrows(StatusRuntimeException.class,
        () -> fixture.stub().validateJWTSVID(
            ValidateJWTSVIDRequest.newBuilder().setAudience("a").build()));
    assertEquals(Status.Code.INVALID_ARGUMENT, e.getStatus().getCode());
    assertEquals(StatusMessages.MISSING_SVID, e.getStatus().getDescription());
  }

  @Test
  void fetchJwtSvid_callerGoneButSpiffeIdInvalid_invalidArgumentFirst() {
    FETCH_SVID.accept(fixture.stub());
    processes.view(View.EXITED);
    StatusRuntimeException e = assertThrows(StatusRuntimeException.class,
        () -> fixture.stub().fetchJWTSVID(JWTSVIDRequest.newBuilder().addAudience("a")
            .setSpiffeId("spiffe://athenz.io/a//b").build()));
    assertEquals(Status.Code.INVALID_ARGUMENT, e.getStatus().getCode());
    assertEquals(StatusMessages.INVALID_SPIFFE_ID + ": path cannot contain empty segments",
        e.getStatus().getDescription());
  }

  @Test
  void fetchJwtSvid_callerGoneAndNoHeader_invalidArgumentFirst() {
    FETCH_SVID.accept(fixture.stub());
    processes.view(View.EXITED);
    StatusRuntimeException e = assertThrows(StatusRuntimeException.class,
        () -> FETCH_SVID.accept(fixture.bareStub()));
    assertEquals(Status.Code.INVALID_ARGUMENT, e.getStatus().getCode());
    assertEquals(StatusMessages.MISSING_HEADER, e.getStatus().getDescription());
  }

  @Test
  void fetchJwtBundles_attestedCallerWithoutIdentity_permissionDenied() throws Exception {
    fixture.close();
    Path other = Files.createDirectory(dir.resolve("other"));
    fixture = new AgentFixture(other, "workloads: []\n", "", processes);
    StatusRuntimeException e = assertThrows(StatusRuntimeException.class,
        () -> fixture.stub().withDeadlineAfter(2, TimeUnit.SECONDS)
            .fetchJWTBundles(JWTBundlesRequest.getDefaultInstance()).next());
    assertEquals(Status.Code.PERMISSION_DENIED, e.getStatus().getCode());
    assertEquals(StatusMessages.NO_IDENTITY, e.getStatus().getDescription());
  }

  @Test
  void fetchJwtBundles_callerWithoutIdentityWhenVerifiersAllowed_bundleSent() throws Exception {
    fixture.close();
    Path other = Files.createDirectory(dir.resolve("other"));
    // A later key wins in YAML: this replaces the fixture's own bundles setting.
    fixture = new AgentFixture(other, "workloads: []\n",
        "bundles: {refreshInterval: 1h, allowUnauthenticatedVerifiers: true}\n", processes);
    assertEquals(1, fixture.stub().withDeadlineAfter(2, TimeUnit.SECONDS)
        .fetchJWTBundles(JWTBundlesRequest.getDefaultInstance()).next().getBundlesCount());
  }

}
