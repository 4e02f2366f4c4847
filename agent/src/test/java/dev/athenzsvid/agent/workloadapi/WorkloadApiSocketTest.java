package dev.athenzsvid.agent.workloadapi;

import static dev.athenzsvid.agent.AgentFixture.API_ID;
import static dev.athenzsvid.agent.AgentFixture.WEB_ID;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Level;
import com.nimbusds.jwt.SignedJWT;
import dev.athenzsvid.agent.AgentFixture;
import dev.athenzsvid.agent.FakeUpstream;
import dev.athenzsvid.agent.LogCapture;
import dev.athenzsvid.agent.upstream.TokenRequest;
import dev.athenzsvid.proto.workload.JWTSVID;
import dev.athenzsvid.proto.workload.JWTSVIDRequest;
import dev.athenzsvid.proto.workload.JWTSVIDResponse;
import dev.athenzsvid.proto.workload.SpiffeWorkloadAPIGrpc;
import dev.athenzsvid.proto.workload.X509BundlesRequest;
import dev.athenzsvid.proto.workload.X509SVIDRequest;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientInterceptors;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.stub.ClientCalls;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/** The FetchJWTSVID status table and behaviour, over a real Unix socket. */
class WorkloadApiSocketTest extends AgentSocketTest {
  private static JWTSVIDRequest request(String spiffeId, String... audiences) {
    return JWTSVIDRequest.newBuilder().addAllAudience(List.of(audiences)).setSpiffeId(spiffeId)
        .build();
  }

  private static void assertStatus(Status.Code code, String message,
      StatusRuntimeException e) {
    assertEquals(code, e.getStatus().getCode(), e.getStatus().toString());
    assertEquals(message, e.getStatus().getDescription());
  }

  @Test
  void fetchJwtSvid_noHeader_invalidArgument() {
    StatusRuntimeException e = assertThrows(StatusRuntimeException.class,
        () -> fixture.bareStub().fetchJWTSVID(request("", "aud")));
    assertStatus(Status.Code.INVALID_ARGUMENT, StatusMessages.MISSING_HEADER, e);
    assertEquals(0, fixture.upstream.tokenCalls());
  }

  static Stream<Arguments> badHeaders() {
    return Stream.of(
        Arguments.of("false", new String[] {"false"}),
        Arguments.of("TRUE", new String[] {"TRUE"}),
        Arguments.of("empty", new String[] {""}),
        Arguments.of("two values", new String[] {"true", "true"}));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("badHeaders")
  void fetchJwtSvid_badHeader_invalidArgument(String name, String[] values) {
    SpiffeWorkloadAPIGrpc.SpiffeWorkloadAPIBlockingStub stub =
        fixture.bareStub().withInterceptors(AgentFixture.header(values));
    StatusRuntimeException e = assertThrows(StatusRuntimeException.class,
        () -> stub.fetchJWTSVID(request("", "aud")));
    assertStatus(Status.Code.INVALID_ARGUMENT, StatusMessages.MISSING_HEADER, e);
  }

  static Stream<Arguments> badRequests() {
    String[] many = new String[Limits.MAX_AUDIENCES + 1];
    for (int i = 0; i < many.length; i++) {
      many[i] = "aud" + i;
    }
    return Stream.of(
        Arguments.of("no audience", request(""), StatusMessages.MISSING_AUDIENCE),
        Arguments.of("empty audience", request("", "a", ""), StatusMessages.EMPTY_AUDIENCE),
        Arguments.of("blank audience", request("", "a", " \t"), StatusMessages.BLANK_AUDIENCE),
        Arguments.of("ideographic space audience", request("", "\u3000"),
            StatusMessages.BLANK_AUDIENCE),
        Arguments.of("too many audiences", request("", many), StatusMessages.TOO_MANY_AUDIENCES),
        Arguments.of("audience too long",
            request("", "x".repeat(Limits.MAX_AUDIENCE_LENGTH + 1)),
            StatusMessages.AUDIENCE_TOO_LONG),
        Arguments.of("spiffe id without scheme", request("athenz.io/x", "a"),
            StatusMessages.INVALID_SPIFFE_ID + ": scheme is missing or invalid"),
        Arguments.of("spiffe id too long",
            request("spiffe://athenz.io/" + "x".repeat(2100), "a"),
            StatusMessages.INVALID_SPIFFE_ID + ": longer than 2048 bytes"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("badRequests")
  void fetchJwtSvid_badRequest_invalidArgument(String name, JWTSVIDRequest request,
      String message) {
    StatusRuntimeException e = assertThrows(StatusRuntimeException.class,
        () -> fixture.stub().fetchJWTSVID(request));
    assertStatus(Status.Code.INVALID_ARGUMENT, message, e);
    assertEquals(0, fixture.upstream.tokenCalls());
  }

  @Test
  void fetchJwtSvid_unmappedSpiffeId_permissionDenied() {
    StatusRuntimeException e = assertThrows(StatusRuntimeException.class,
        () -> fixture.stub().fetchJWTSVID(
            request("spiffe://athenz.io/ns/default/sa/athenz.demo.other", "a")));
    assertStatus(Status.Code.PERMISSION_DENIED, StatusMessages.NO_IDENTITY, e);
  }

  @Test
  void fetchJwtSvid_noSpiffeId_allIdentitiesDefaultFirst() throws Exception {
    JWTSVIDResponse response = fixture.stub().fetchJWTSVID(request("", "aud1"));
    assertEquals(List.of(API_ID, WEB_ID),
        response.getSvidsList().stream().map(JWTSVID::getSpiffeId).toList());
    assertEquals(List.of("api", "web"),
        response.getSvidsList().stream().map(JWTSVID::getHint).toList());
    for (JWTSVID svid : response.getSvidsList()) {
      assertEquals(svid.getSpiffeId(),
          SignedJWT.parse(svid.getSvid()).getJWTClaimsSet().getSubject());
    }
  }

  @Test
  void fetchJwtSvid_namedSpiffeId_onlyThatIdentity() {
    JWTSVIDResponse response = fixture.stub().fetchJWTSVID(request(WEB_ID, "aud1"));
    assertEquals(1, response.getSvidsCount());
    assertEquals(WEB_ID, response.getSvids(0).getSpiffeId());
  }

  @Test
  void fetchJwtSvid_request_sendsServerContract() {
    fixture.stub().fetchJWTSVID(request(API_ID, "b", "a"));
    TokenRequest sent = fixture.upstream.requests().get(0);
    assertEquals("athenz.demo", sent.domain());
    assertEquals("api", sent.service());
    assertEquals("sys.auth.rbac", sent.provider());
    assertEquals("host-1", sent.instanceId());
    assertEquals(List.of("a", "b"), sent.audiences());
    assertEquals(API_ID, sent.spiffeId());
    assertFalse(sent.nonce().isEmpty());
  }

  @Test
  void fetchJwtSvid_twice_secondFromCache() {
    String first = fixture.stub().fetchJWTSVID(request(API_ID, "a", "b")).getSvids(0).getSvid();
    String second = fixture.stub().fetchJWTSVID(request(API_ID, "b", "a", "a")).getSvids(0)
        .getSvid();
    assertEquals(first, second);
    assertEquals(1, fixture.upstream.tokenCalls());
    assertEquals(1.0, fixture.agent.metrics().cacheHits());
  }

  @Test
  void fetchJwtSvid_nonces_freshPerRequest() {
    fixture.stub().fetchJWTSVID(request(API_ID, "a"));
    fixture.stub().fetchJWTSVID(request(API_ID, "b"));
    List<TokenRequest> sent = fixture.upstream.requests();
    assertTrue(!sent.get(0).nonce().equals(sent.get(1).nonce()));
  }

  @Test
  void fetchJwtSvid_serverDown_unavailable() {
    fixture.upstream.mode(FakeUpstream.Mode.DOWN);
    StatusRuntimeException e = assertThrows(StatusRuntimeException.class,
        () -> fixture.stub().fetchJWTSVID(request(API_ID, "a")));
    assertStatus(Status.Code.UNAVAILABLE,
        StatusMessages.SERVER_UNAVAILABLE + ": connection refused", e);
  }

  @Test
  void fetchJwtSvid_serverRefuses_permissionDenied() {
    fixture.upstream.mode(FakeUpstream.Mode.REFUSE);
    StatusRuntimeException e = assertThrows(StatusRuntimeException.class,
        () -> fixture.stub().fetchJWTSVID(request(API_ID, "a")));
    assertStatus(Status.Code.PERMISSION_DENIED,
        StatusMessages.SERVER_REFUSED + " (HTTP 403): forbidden by policy", e);
  }

  @Test
  void fetchJwtSvid_serverDropsAudience_unavailableNeverNarrower() {
    fixture.upstream.firstAudienceOnly(true);
    StatusRuntimeException e = assertThrows(StatusRuntimeException.class,
        () -> fixture.stub().fetchJWTSVID(request(API_ID, "a", "b")));
    assertEquals(Status.Code.UNAVAILABLE, e.getStatus().getCode());
    assertTrue(e.getStatus().getDescription().contains("missing [b]"),
        e.getStatus().getDescription());
  }

  @Test
  void fetchX509Svid_any_unimplemented() {
    StatusRuntimeException e = assertThrows(StatusRuntimeException.class,
        () -> fixture.stub().fetchX509SVID(X509SVIDRequest.getDefaultInstance()).next());
    assertStatus(Status.Code.UNIMPLEMENTED, StatusMessages.X509_UNIMPLEMENTED, e);
  }

  @Test
  void fetchX509Bundles_any_unimplemented() {
    StatusRuntimeException e = assertThrows(StatusRuntimeException.class,
        () -> fixture.stub().fetchX509Bundles(X509BundlesRequest.getDefaultInstance()).next());
    assertStatus(Status.Code.UNIMPLEMENTED, StatusMessages.X509_UNIMPLEMENTED, e);
  }

  /** The WIT RPCs of newer workload.proto versions are not declared, so gRPC refuses them. */
  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"FetchWITSVID", "FetchWITBundles"})
  void fetchWit_undeclared_unimplemented(String rpc) {
    MethodDescriptor<byte[], byte[]> method = MethodDescriptor.<byte[], byte[]>newBuilder()
        .setType(MethodDescriptor.MethodType.SERVER_STREAMING)
        .setFullMethodName(MethodDescriptor.generateFullMethodName("SpiffeWorkloadAPI", rpc))
        .setRequestMarshaller(RAW)
        .setResponseMarshaller(RAW)
        .build();
    Channel channel = ClientInterceptors.intercept(fixture.channel(), AgentFixture.header("true"));
    StatusRuntimeException e = assertThrows(StatusRuntimeException.class,
        () -> ClientCalls.blockingServerStreamingCall(channel, method, CallOptions.DEFAULT,
            new byte[0]).next());
    assertEquals(Status.Code.UNIMPLEMENTED, e.getStatus().getCode());
  }

  /** Bytes that are no protobuf message, and a string field that is not UTF-8. */
  static Stream<Arguments> malformedRequests() {
    return Stream.of(
        Arguments.of("SpiffeWorkloadAPI/FetchJWTSVID", new byte[] {(byte) 0xff, (byte) 0xff}),
        Arguments.of("SpiffeWorkloadAPI/FetchJWTSVID", new byte[] {0x0a, 0x10, 0x61}),
        Arguments.of("SpiffeWorkloadAPI/ValidateJWTSVID",
            new byte[] {0x0a, 0x02, (byte) 0xff, (byte) 0xfe}),
        Arguments.of("grpc.health.v1.Health/Check", new byte[] {(byte) 0xff}));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("malformedRequests")
  void call_malformedMessage_invalidArgumentWithoutErrorLog(String rpc, byte[] body)
      throws Exception {
    MethodDescriptor<byte[], byte[]> method = MethodDescriptor.<byte[], byte[]>newBuilder()
        .setType(MethodDescriptor.MethodType.UNARY)
        .setFullMethodName(rpc)
        .setRequestMarshaller(RAW)
        .setResponseMarshaller(RAW)
        .build();
    Channel channel = ClientInterceptors.intercept(fixture.channel(), AgentFixture.header("true"));
    try (LogCapture logs = LogCapture.of(org.slf4j.Logger.ROOT_LOGGER_NAME)) {
      StatusRuntimeException e = assertThrows(StatusRuntimeException.class,
          () -> ClientCalls.blockingUnaryCall(channel, method, CallOptions.DEFAULT, body));
      assertStatus(Status.Code.INVALID_ARGUMENT, StatusMessages.MALFORMED_REQUEST, e);
      assertEquals(1, fixture.stub().fetchJWTSVID(request(API_ID, "a")).getSvidsCount());
      assertEquals(List.of(), logs.events().stream()
          .filter(event -> event.getLevel().isGreaterOrEqual(Level.WARN))
          .map(event -> event.getFormattedMessage()).toList());
    }
  }

  private static final MethodDescriptor.Marshaller<byte[]> RAW =
      new MethodDescriptor.Marshaller<>() {
        @Override
        public InputStream stream(byte[] value) {
          return new ByteArrayInputStream(value);
        }

        @Override
        public byte[] parse(InputStream stream) {
          try {
            return stream.readAllBytes();
          } catch (IOException e) {
            throw new UncheckedIOException(e);
          }
        }
      };

  @Test
  void healthCheck_noHeader_serving() {
    HealthCheckResponse response = HealthGrpc.newBlockingStub(fixture.channel())
        .check(HealthCheckRequest.getDefaultInstance());
    assertEquals(HealthCheckResponse.ServingStatus.SERVING, response.getStatus());
  }
}
