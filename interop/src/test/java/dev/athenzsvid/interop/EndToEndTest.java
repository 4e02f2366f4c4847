package dev.athenzsvid.interop;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.athenzsvid.client.workload.EndpointAddress;
import dev.athenzsvid.client.workload.WorkloadApiClient;
import dev.athenzsvid.proto.workload.JWTSVIDRequest;
import dev.athenzsvid.proto.workload.JWTSVIDResponse;
import dev.athenzsvid.proto.workload.SpiffeWorkloadAPIGrpc;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollDomainSocketChannel;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollEventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.unix.DomainSocketAddress;
import io.spiffe.bundle.jwtbundle.JwtBundle;
import io.spiffe.exception.JwtSvidException;
import io.spiffe.spiffeid.TrustDomain;
import io.spiffe.svid.jwtsvid.JwtSvid;
import io.spiffe.workloadapi.CachedJwtSource;
import io.spiffe.workloadapi.DefaultJwtSource;
import io.spiffe.workloadapi.DefaultWorkloadApiClient;
import io.spiffe.workloadapi.JwtSource;
import io.spiffe.workloadapi.JwtSourceOptions;
import io.spiffe.workloadapi.DefaultWorkloadApiClient.ClientOptions;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * The product end to end: the real token server and agents as processes, reached over a real
 * Unix socket by java-spiffe, the SPIFFE Java client, and by raw gRPC for the error cases.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class EndToEndTest {
  private static final String AUDIENCE = "https://api.example.com";
  private static final String SECOND_AUDIENCE = "https://billing.example.com";

  private DemoDeployment deployment;
  private Path socket;
  private Path unmappedSocket;
  private Path intruderSocket;

  @BeforeAll
  void startDeployment(@TempDir Path dir) throws Exception {
    deployment = new DemoDeployment(dir);
    deployment.startServer();
    long uid = DemoDeployment.currentUid();
    socket = deployment.startAgent("agent", DemoDeployment.AGENT_CN, uid);
    unmappedSocket = deployment.startAgent("unmapped", DemoDeployment.AGENT_CN, uid + 1);
    intruderSocket = deployment.startAgent("intruder", "athenz.demo.intruder", uid);
  }

  @AfterAll
  void stopDeployment() throws Exception {
    deployment.close();
  }

  @Test
  void defaultJwtSource_twoAudiences_tokenValidatesAgainstFetchedBundle() throws Exception {
    try (JwtSource source = DefaultJwtSource.newSource(sourceOptions(socket))) {
      JwtBundle bundle = source.getBundleForTrustDomain(
          TrustDomain.parse(DemoDeployment.TRUST_DOMAIN));
      assertTrue(bundle.getJwtAuthorities().size() >= 1, "bundle has the signing key");

      JwtSvid svid = source.fetchJwtSvid(AUDIENCE, SECOND_AUDIENCE);
      assertEquals(DemoDeployment.API_SPIFFE_ID, svid.getSpiffeId().toString());
      assertEquals(Set.of(AUDIENCE, SECOND_AUDIENCE), svid.getAudience());

      JwtSvid parsed = JwtSvid.parseAndValidate(svid.getToken(), source,
          Set.of(AUDIENCE, SECOND_AUDIENCE));
      assertEquals(DemoDeployment.API_SPIFFE_ID, parsed.getSpiffeId().toString());
      assertEquals(1L, ((Number) parsed.getClaims().get("ver")).longValue());
      assertTrue(parsed.getClaims().containsKey("nonce"), "agent sent a nonce");
    }
  }

  @Test
  void cachedJwtSource_fetch_returnsTokenForBothAudiences() throws Exception {
    try (JwtSource source = CachedJwtSource.newSource(sourceOptions(socket))) {
      JwtSvid svid = source.fetchJwtSvid(AUDIENCE, SECOND_AUDIENCE);
      assertEquals(Set.of(AUDIENCE, SECOND_AUDIENCE), svid.getAudience());
    }
  }

  @Test
  void validateJwtSvid_rightAudienceAccepted_otherAudienceRejected() throws Exception {
    try (var client = DefaultWorkloadApiClient.newClient(clientOptions(socket))) {
      JwtSvid svid = client.fetchJwtSvid(AUDIENCE);

      JwtSvid validated = client.validateJwtSvid(svid.getToken(), AUDIENCE);
      assertEquals(DemoDeployment.API_SPIFFE_ID, validated.getSpiffeId().toString());

      JwtSvidException refused = assertThrows(JwtSvidException.class,
          () -> client.validateJwtSvid(svid.getToken(), "https://other.example.com"));
      Status status = Status.fromThrowable(refused.getCause());
      assertEquals(Status.Code.INVALID_ARGUMENT, status.getCode());
      assertTrue(status.getDescription().contains("audience"), status.getDescription());
    }
  }

  @Test
  void fetchJwtSvid_withoutSecurityHeader_invalidArgument() throws Exception {
    EpollEventLoopGroup eventLoop = new EpollEventLoopGroup(1);
    ManagedChannel channel = NettyChannelBuilder
        .forAddress(new DomainSocketAddress(socket.toString()))
        .eventLoopGroup(eventLoop)
        .channelType(EpollDomainSocketChannel.class)
        .usePlaintext()
        .build();
    try {
      StatusRuntimeException e = assertThrows(StatusRuntimeException.class,
          () -> SpiffeWorkloadAPIGrpc.newBlockingStub(channel)
              .withDeadlineAfter(5, TimeUnit.SECONDS)
              .fetchJWTSVID(JWTSVIDRequest.newBuilder().addAudience(AUDIENCE).build()));
      assertEquals(Status.Code.INVALID_ARGUMENT, e.getStatus().getCode());
      assertTrue(e.getStatus().getDescription().contains("security header"),
          e.getStatus().getDescription());
    } finally {
      channel.shutdownNow();
      eventLoop.shutdownGracefully(0, 1, TimeUnit.SECONDS);
    }
  }

  @Test
  void fetchJwtSvid_noAudience_invalidArgument() {
    StatusRuntimeException e = assertThrows(StatusRuntimeException.class,
        () -> fetch(socket, List.of(), ""));
    assertEquals(Status.Code.INVALID_ARGUMENT, e.getStatus().getCode());
    assertTrue(e.getStatus().getDescription().contains("audience"),
        e.getStatus().getDescription());
  }

  @Test
  void fetchJwtSvid_badSpiffeId_invalidArgument() {
    StatusRuntimeException e = assertThrows(StatusRuntimeException.class,
        () -> fetch(socket, List.of(AUDIENCE), "not-a-spiffe-id"));
    assertEquals(Status.Code.INVALID_ARGUMENT, e.getStatus().getCode());
  }

  @Test
  void fetchJwtSvid_callerWithNoMapping_permissionDenied() {
    StatusRuntimeException e = assertThrows(StatusRuntimeException.class,
        () -> fetch(unmappedSocket, List.of(AUDIENCE), ""));
    assertEquals(Status.Code.PERMISSION_DENIED, e.getStatus().getCode());
  }

  @Test
  void fetchJwtSvid_agentNotInLauncherRole_permissionDeniedFromServer403() {
    StatusRuntimeException e = assertThrows(StatusRuntimeException.class,
        () -> fetch(intruderSocket, List.of(AUDIENCE), ""));
    assertEquals(Status.Code.PERMISSION_DENIED, e.getStatus().getCode());
    assertEquals("token server refused to issue (HTTP 403): unable to verify attestation data:"
        + " not authorized to assume service: athenz.demo.intruder on athenz.demo:service.api",
        e.getStatus().getDescription());
  }

  @Test
  void fetchJwtSvid_secondCall_servedFromCacheEvenWithServerStopped() throws Exception {
    String audience = "https://cache.example.com";
    String first = fetch(socket, List.of(audience), "").getSvids(0).getSvid();
    deployment.stopServer();
    try {
      String second = fetch(socket, List.of(audience), "").getSvids(0).getSvid();
      assertEquals(first, second, "the cached token, not a new one");

      StatusRuntimeException e = assertThrows(StatusRuntimeException.class,
          () -> fetch(socket, List.of("https://uncached.example.com"), ""));
      assertEquals(Status.Code.UNAVAILABLE, e.getStatus().getCode());
    } finally {
      deployment.startServer();
    }
    String fresh = fetch(socket, List.of("https://after-restart.example.com"), "")
        .getSvids(0).getSvid();
    assertNotEquals(first, fresh);
  }

  private static JWTSVIDResponse fetch(Path socket,
      List<String> audiences, String spiffeId) {
    try (WorkloadApiClient client = WorkloadApiClient.connect(
        EndpointAddress.parse("unix://" + socket), Duration.ofSeconds(10))) {
      return client.fetchJwtSvid(audiences, spiffeId);
    }
  }

  private static JwtSourceOptions sourceOptions(Path socket) {
    return JwtSourceOptions.builder()
        .spiffeSocketPath("unix:" + socket)
        .initTimeout(Duration.ofSeconds(20))
        .build();
  }

  private static ClientOptions clientOptions(Path socket) {
    return ClientOptions.builder().spiffeSocketPath("unix:" + socket).build();
  }
}
