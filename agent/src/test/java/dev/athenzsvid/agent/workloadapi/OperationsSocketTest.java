package dev.athenzsvid.agent.workloadapi;

import static dev.athenzsvid.agent.AgentFixture.API_ID;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Level;
import dev.athenzsvid.agent.AgentFixture;
import dev.athenzsvid.agent.FakeUpstream;
import dev.athenzsvid.agent.LogCapture;
import dev.athenzsvid.agent.StreamEvents;
import dev.athenzsvid.agent.WorkloadAgent;
import dev.athenzsvid.proto.workload.JWTBundlesRequest;
import dev.athenzsvid.proto.workload.JWTBundlesResponse;
import dev.athenzsvid.proto.workload.JWTSVIDRequest;
import dev.athenzsvid.proto.workload.JWTSVIDResponse;
import dev.athenzsvid.proto.workload.SpiffeWorkloadAPIGrpc;
import io.grpc.Context;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.reflection.v1.ServerReflectionGrpc;
import io.grpc.reflection.v1.ServerReflectionRequest;
import io.grpc.reflection.v1.ServerReflectionResponse;
import io.grpc.reflection.v1.ServiceResponse;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.StandardProtocolFamily;
import java.net.URI;
import java.net.UnixDomainSocketAddress;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What an operator sees: metrics over HTTP, reflection, health, and a draining stop. */
class OperationsSocketTest {
  private static final String JWT_METHOD = "SpiffeWorkloadAPI/FetchJWTSVID";

  @TempDir
  Path dir;

  private AgentFixture fixture;

  @AfterEach
  void stop() throws Exception {
    if (fixture != null) {
      fixture.close();
    }
  }

  private static int freePort() throws IOException {
    try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return probe.getLocalPort();
    }
  }

  private static JWTSVIDRequest request(String audience) {
    return JWTSVIDRequest.newBuilder().addAudience(audience).setSpiffeId(API_ID).build();
  }

  private String scrape() throws Exception {
    HttpResponse<String> response = HttpClient.newHttpClient().send(
        HttpRequest.newBuilder(URI.create(
            "http://127.0.0.1:" + fixture.agent.metricsPort() + "/metrics"))
            .timeout(Duration.ofSeconds(5)).build(),
        HttpResponse.BodyHandlers.ofString());
    assertEquals(200, response.statusCode());
    return response.body();
  }

  private static void assertSample(String exposition, String sample) {
    assertTrue(exposition.lines().anyMatch(line -> line.equals(sample)),
        "no line \"" + sample + "\" in:\n" + exposition);
  }

  @Test
  void metrics_afterCalls_countsByMethodStatusCacheUpstreamAndStreams() throws Exception {
    fixture = new AgentFixture(dir, AgentFixture.defaultWorkloads(),
        "metrics: {port: " + freePort() + "}\n", null);
    fixture.stub().fetchJWTSVID(request("a"));
    fixture.stub().fetchJWTSVID(request("a"));
    assertSample(scrape(), "athenz_svid_agent_cache_size 1.0");
    BlockingQueue<Object> stream = new LinkedBlockingQueue<>();
    Context.CancellableContext streamContext = Context.current().withCancellation();
    streamContext.run(() -> fixture.asyncStub().fetchJWTBundles(
        JWTBundlesRequest.getDefaultInstance(), StreamEvents.into(stream)));
    assertInstanceOf(JWTBundlesResponse.class, stream.poll(2, TimeUnit.SECONDS));
    fixture.upstream.mode(FakeUpstream.Mode.DOWN);
    assertThrows(StatusRuntimeException.class, () -> fixture.stub().fetchJWTSVID(request("b")));
    assertThrows(StatusRuntimeException.class,
        () -> fixture.bareStub().fetchJWTSVID(request("a")));

    String metrics = scrape();
    assertSample(metrics,
        "athenz_svid_agent_calls_total{code=\"OK\",method=\"" + JWT_METHOD + "\"} 2.0");
    assertSample(metrics,
        "athenz_svid_agent_calls_total{code=\"UNAVAILABLE\",method=\"" + JWT_METHOD + "\"} 1.0");
    assertSample(metrics, "athenz_svid_agent_calls_total{code=\"INVALID_ARGUMENT\",method=\""
        + JWT_METHOD + "\"} 1.0");
    assertSample(metrics, "athenz_svid_agent_cache_hits_total 1.0");
    assertSample(metrics, "athenz_svid_agent_cache_misses_total 2.0");
    assertSample(metrics, "athenz_svid_agent_upstream_errors_total{operation=\"token\"} 1.0");
    assertSample(metrics,
        "athenz_svid_agent_upstream_latency_seconds_count{operation=\"token\"} 2");
    assertTrue(metrics.contains("athenz_svid_agent_upstream_latency_seconds_count"
        + "{operation=\"jwks\"}"), metrics);
    assertSample(metrics, "athenz_svid_agent_open_streams 1.0");

    streamContext.cancel(null);
    assertInstanceOf(StatusRuntimeException.class, stream.poll(2, TimeUnit.SECONDS));
  }

  @Test
  void metricsPort_notConfigured_notServed() throws Exception {
    fixture = new AgentFixture(dir);
    assertEquals(0, fixture.agent.metricsPort());
  }

  @Test
  void serverReflection_noHeader_listsWorkloadApiAndDescribesIt() throws Exception {
    fixture = new AgentFixture(dir);
    BlockingQueue<Object> events = new LinkedBlockingQueue<>();
    StreamObserver<ServerReflectionRequest> requests = ServerReflectionGrpc
        .newStub(fixture.channel()).serverReflectionInfo(StreamEvents.into(events));
    requests.onNext(ServerReflectionRequest.newBuilder().setListServices("").build());
    requests.onNext(ServerReflectionRequest.newBuilder()
        .setFileContainingSymbol(SpiffeWorkloadAPIGrpc.SERVICE_NAME).build());
    requests.onCompleted();

    ServerReflectionResponse list = assertInstanceOf(ServerReflectionResponse.class,
        events.poll(2, TimeUnit.SECONDS));
    List<String> services = list.getListServicesResponse().getServiceList().stream()
        .map(ServiceResponse::getName).toList();
    assertTrue(services.contains("SpiffeWorkloadAPI"), services.toString());
    assertTrue(services.contains("grpc.health.v1.Health"), services.toString());
    ServerReflectionResponse file = assertInstanceOf(ServerReflectionResponse.class,
        events.poll(2, TimeUnit.SECONDS));
    assertTrue(file.getFileDescriptorResponse().getFileDescriptorProtoCount() > 0,
        file.toString());
    assertEquals(StreamEvents.COMPLETED, events.poll(2, TimeUnit.SECONDS));
  }

  @Test
  void healthWatch_agentCloses_notServingBeforeStreamsEnd() throws Exception {
    fixture = new AgentFixture(dir);
    assertEquals(ServingStatus.SERVING, HealthGrpc.newBlockingStub(fixture.channel())
        .check(HealthCheckRequest.newBuilder()
            .setService(SpiffeWorkloadAPIGrpc.SERVICE_NAME).build()).getStatus());
    BlockingQueue<Object> watch = new LinkedBlockingQueue<>();
    Context.CancellableContext watchContext = Context.current().withCancellation();
    watchContext.run(() -> HealthGrpc.newStub(fixture.channel())
        .watch(HealthCheckRequest.getDefaultInstance(), StreamEvents.into(watch)));
    assertEquals(ServingStatus.SERVING, assertInstanceOf(HealthCheckResponse.class,
        watch.poll(2, TimeUnit.SECONDS)).getStatus());

    CompletableFuture<Void> closing = CompletableFuture.runAsync(fixture.agent::close);
    assertEquals(ServingStatus.NOT_SERVING, assertInstanceOf(HealthCheckResponse.class,
        watch.poll(5, TimeUnit.SECONDS)).getStatus());
    // A watcher that has seen NOT_SERVING goes away; the agent then finishes closing.
    watchContext.cancel(null);
    closing.get(WorkloadAgent.DRAIN_TIMEOUT.toSeconds() + 5, TimeUnit.SECONDS);
  }

  @Test
  void close_callInFlight_callCompletesOkBeforeAgentStops() throws Exception {
    fixture = new AgentFixture(dir);
    FakeUpstream.Gate gate = fixture.upstream.holdTokens();
    CompletableFuture<JWTSVIDResponse> inFlight = CompletableFuture.supplyAsync(
        () -> fixture.stub().withDeadlineAfter(20, TimeUnit.SECONDS).fetchJWTSVID(request("a")));
    assertTrue(gate.entered.await(5, TimeUnit.SECONDS), "call reached the server");

    BlockingQueue<Object> watch = new LinkedBlockingQueue<>();
    Context.CancellableContext watchContext = Context.current().withCancellation();
    watchContext.run(() -> HealthGrpc.newStub(fixture.channel())
        .watch(HealthCheckRequest.getDefaultInstance(), StreamEvents.into(watch)));
    assertInstanceOf(HealthCheckResponse.class, watch.poll(2, TimeUnit.SECONDS));
    CompletableFuture<Void> closing = CompletableFuture.runAsync(fixture.agent::close);
    assertEquals(ServingStatus.NOT_SERVING, assertInstanceOf(HealthCheckResponse.class,
        watch.poll(5, TimeUnit.SECONDS)).getStatus());
    watchContext.cancel(null);
    assertTrue(!closing.isDone(), "close waits for the call in flight");

    gate.release();
    assertEquals(API_ID, inFlight.get(10, TimeUnit.SECONDS).getSvids(0).getSpiffeId());
    closing.get(WorkloadAgent.DRAIN_TIMEOUT.toSeconds() + 5, TimeUnit.SECONDS);
    StatusRuntimeException after = assertThrows(StatusRuntimeException.class,
        () -> fixture.stub().withDeadlineAfter(2, TimeUnit.SECONDS).fetchJWTSVID(request("a")));
    assertEquals(Status.Code.UNAVAILABLE, after.getStatus().getCode());
  }

  /** Port scanners and health probes connect and hang up before speaking HTTP/2. */
  @Test
  void connection_closedBeforeHandshake_nothingLoggedAndAgentServes() throws Exception {
    fixture = new AgentFixture(dir);
    try (LogCapture logs = LogCapture.of(org.slf4j.Logger.ROOT_LOGGER_NAME)) {
      UnixDomainSocketAddress address = UnixDomainSocketAddress.of(fixture.agent.socket());
      try (SocketChannel silent = SocketChannel.open(StandardProtocolFamily.UNIX)) {
        silent.connect(address);
      }
      try (SocketChannel garbage = SocketChannel.open(StandardProtocolFamily.UNIX)) {
        garbage.connect(address);
        garbage.write(ByteBuffer.wrap("GET / HTTP/1.1\r\n\r\n".getBytes(
            StandardCharsets.US_ASCII)));
      }
      assertEquals(API_ID, fixture.stub().fetchJWTSVID(request("a")).getSvids(0).getSpiffeId());
      fixture.close();
      fixture = null;
      assertEquals(List.of(), logs.events().stream()
          .filter(e -> e.getLevel().isGreaterOrEqual(Level.WARN))
          .map(e -> e.getLoggerName() + ": " + e.getFormattedMessage()).toList());
    }
  }
}
