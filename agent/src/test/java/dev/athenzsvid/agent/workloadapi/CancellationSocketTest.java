package dev.athenzsvid.agent.workloadapi;

import static dev.athenzsvid.agent.AgentFixture.API_ID;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.spi.ILoggingEvent;
import dev.athenzsvid.agent.AgentFixture;
import dev.athenzsvid.agent.FakeUpstream;
import dev.athenzsvid.agent.LogCapture;
import dev.athenzsvid.agent.StreamEvents;
import dev.athenzsvid.proto.workload.JWTBundlesRequest;
import dev.athenzsvid.proto.workload.JWTBundlesResponse;
import dev.athenzsvid.proto.workload.JWTSVIDRequest;
import dev.athenzsvid.proto.workload.ValidateJWTSVIDRequest;
import io.grpc.Context;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The last row of the status table: a call the client cancels, or whose deadline passes, ends
 * CANCELLED or DEADLINE_EXCEEDED for the client, and the agent logs no ERROR and no stack
 * trace for it, not even when the server's answer arrives after the call has gone. Each test
 * stops the agent before looking at the logs, so every late completion has run by then.
 */
class CancellationSocketTest {
  @TempDir
  Path dir;

  private AgentFixture fixture;
  private LogCapture agentLogs;
  private final GrpcLogs grpcLogs = new GrpcLogs();
  private final Logger grpcLogger = Logger.getLogger("io.grpc");

  /** Records what gRPC itself logs through java.util.logging. */
  private static final class GrpcLogs extends Handler {
    final List<LogRecord> records = new CopyOnWriteArrayList<>();

    @Override
    public void publish(LogRecord record) {
      records.add(record);
    }

    @Override
    public void flush() {}

    @Override
    public void close() {}
  }

  @BeforeEach
  void start() throws Exception {
    agentLogs = LogCapture.of(org.slf4j.Logger.ROOT_LOGGER_NAME);
    grpcLogger.addHandler(grpcLogs);
    fixture = new AgentFixture(dir);
  }

  @AfterEach
  void stop() throws Exception {
    fixture.close();
    grpcLogger.removeHandler(grpcLogs);
    agentLogs.close();
  }

  private static JWTSVIDRequest request() {
    return JWTSVIDRequest.newBuilder().addAudience("aud").setSpiffeId(API_ID).build();
  }

  /** Stops the agent, then checks nothing was logged as an error or with a throwable. */
  private void assertQuietAfterStop() throws InterruptedException {
    fixture.close();
    for (ILoggingEvent event : agentLogs.events()) {
      assertTrue(!event.getLevel().isGreaterOrEqual(Level.ERROR)
          && event.getThrowableProxy() == null, agentLogs.messages().toString());
    }
    for (LogRecord record : grpcLogs.records) {
      assertTrue(record.getLevel().intValue() < java.util.logging.Level.WARNING.intValue()
          && record.getThrown() == null, record.getLevel() + " " + record.getMessage());
    }
  }

  @Test
  void fetchJwtSvid_deadlinePassesWhileServerStalls_deadlineExceededQuietly() throws Exception {
    fixture.upstream.mode(FakeUpstream.Mode.STALL);
    StatusRuntimeException e = assertThrows(StatusRuntimeException.class,
        () -> fixture.stub().withDeadlineAfter(200, TimeUnit.MILLISECONDS)
            .fetchJWTSVID(request()));
    assertEquals(Status.Code.DEADLINE_EXCEEDED, e.getStatus().getCode());
    // The token arrives after the call is over: it is cached, and the call is left alone.
    fixture.upstream.mode(FakeUpstream.Mode.OK);
    assertEquals(1, fixture.stub().fetchJWTSVID(request()).getSvidsCount());
    assertEquals(1, fixture.upstream.tokenCalls());
    assertQuietAfterStop();
  }

  @Test
  void fetchJwtSvid_clientCancelsWhileServerWorks_cancelledQuietly() throws Exception {
    FakeUpstream.Gate gate = fixture.upstream.holdTokens();
    LinkedBlockingQueue<Object> events = new LinkedBlockingQueue<>();
    Context.CancellableContext context = Context.current().withCancellation();
    context.run(() -> fixture.asyncStub().fetchJWTSVID(request(), StreamEvents.into(events)));
    assertTrue(gate.entered.await(5, TimeUnit.SECONDS));
    context.cancel(null);
    Object last = events.poll(5, TimeUnit.SECONDS);
    assertTrue(last instanceof StatusRuntimeException, String.valueOf(last));
    assertEquals(Status.Code.CANCELLED, ((StatusRuntimeException) last).getStatus().getCode());
    gate.release();
    assertQuietAfterStop();
  }

  @Test
  void validateJwtSvid_deadlinePassesWhileBundleFetched_deadlineExceededQuietly()
      throws Exception {
    // The first bundle, on a stream ended here: one left open would race the agent's stop.
    Context.CancellableContext stream = Context.current().withCancellation();
    stream.call(() -> fixture.stub().fetchJWTBundles(JWTBundlesRequest.getDefaultInstance())
        .next());
    stream.cancel(null);
    fixture.upstream.rotateKey("key-2");
    String svid = FakeUpstream.sign(fixture.upstream.key(), API_ID, List.of("aud"),
        fixture.clock.millis(), Duration.ofMinutes(5));
    fixture.clock.advance(Duration.ofMinutes(1));
    FakeUpstream.Gate gate = fixture.upstream.holdJwks();
    StatusRuntimeException e = assertThrows(StatusRuntimeException.class,
        () -> fixture.stub().withDeadlineAfter(200, TimeUnit.MILLISECONDS).validateJWTSVID(
            ValidateJWTSVIDRequest.newBuilder().setAudience("aud").setSvid(svid).build()));
    assertEquals(Status.Code.DEADLINE_EXCEEDED, e.getStatus().getCode());
    assertTrue(gate.entered.await(5, TimeUnit.SECONDS));
    gate.release();
    assertQuietAfterStop();
  }

  @Test
  void fetchJwtBundles_clientCancels_streamClosedQuietly() throws Exception {
    LinkedBlockingQueue<Object> events = new LinkedBlockingQueue<>();
    Context.CancellableContext context = Context.current().withCancellation();
    context.run(() -> fixture.asyncStub().fetchJWTBundles(
        JWTBundlesRequest.getDefaultInstance(), StreamEvents.into(events)));
    assertTrue(events.poll(5, TimeUnit.SECONDS) instanceof JWTBundlesResponse);
    assertEquals(1, fixture.agent.metrics().openStreams());
    context.cancel(null);
    long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
    while (fixture.agent.metrics().openStreams() > 0 && System.nanoTime() < until) {
      Thread.onSpinWait();
    }
    assertEquals(0, fixture.agent.metrics().openStreams());
    // A change after the stream has gone is sent to nobody, and fails nothing.
    fixture.upstream.rotateKey("key-2");
    fixture.clock.advance(Duration.ofMinutes(1));
    fixture.stub().validateJWTSVID(ValidateJWTSVIDRequest.newBuilder().setAudience("aud")
        .setSvid(FakeUpstream.sign(fixture.upstream.key(), API_ID, List.of("aud"),
            fixture.clock.millis(), Duration.ofMinutes(5))).build());
    assertQuietAfterStop();
  }
}
