package dev.athenzsvid.agent.workloadapi;

import static dev.athenzsvid.agent.AgentFixture.API_ID;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.athenzsvid.agent.AgentFixture;
import dev.athenzsvid.agent.FakeUpstream;
import dev.athenzsvid.agent.StreamEvents;
import dev.athenzsvid.agent.bundle.BundleManager;
import dev.athenzsvid.agent.cache.Backoff;
import dev.athenzsvid.proto.workload.JWTSVIDRequest;
import dev.athenzsvid.proto.workload.JWTSVIDResponse;
import dev.athenzsvid.proto.workload.ValidateJWTSVIDRequest;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** The cache rules seen from a workload, over a real Unix socket. */
class CacheBehaviourSocketTest extends AgentSocketTest {
  private static JWTSVIDRequest request(String audience) {
    return JWTSVIDRequest.newBuilder().addAudience(audience).setSpiffeId(API_ID).build();
  }

  private String fetch(String audience) {
    return fixture.stub().withDeadlineAfter(1, TimeUnit.SECONDS).fetchJWTSVID(request(audience))
        .getSvids(0).getSvid();
  }

  @Test
  void fetchJwtSvid_200ConcurrentColdCallers_oneServerRequest() throws Exception {
    fixture.upstream.mode(FakeUpstream.Mode.STALL);
    int callers = 200;
    CountDownLatch done = new CountDownLatch(callers);
    AtomicInteger ok = new AtomicInteger();
    Set<String> tokens = ConcurrentHashMap.newKeySet();
    for (int i = 0; i < callers; i++) {
      fixture.asyncStub().withDeadlineAfter(20, TimeUnit.SECONDS).fetchJWTSVID(request("aud"),
          new StreamObserver<>() {
            @Override
            public void onNext(JWTSVIDResponse value) {
              tokens.add(value.getSvids(0).getSvid());
              ok.incrementAndGet();
            }

            @Override
            public void onError(Throwable t) {
              done.countDown();
            }

            @Override
            public void onCompleted() {
              done.countDown();
            }
          });
    }
    // Every call is in flight behind the single stalled request; wait until the server saw it.
    long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (fixture.agent.metrics().cacheMisses() < callers && System.nanoTime() < until) {
      Thread.onSpinWait();
    }
    fixture.upstream.mode(FakeUpstream.Mode.OK);
    assertTrue(done.await(20, TimeUnit.SECONDS));
    assertEquals(1, fixture.upstream.tokenCalls());
    assertEquals(callers, ok.get());
    assertEquals(1, tokens.size());
  }

  @Test
  void fetchJwtSvid_sameAudienceSetAnyOrderOrRepeated_oneTokenOneServerRequest() {
    JWTSVIDResponse first = fixture.stub().fetchJWTSVID(JWTSVIDRequest.newBuilder()
        .addAudience("b").addAudience("a").addAudience("b").setSpiffeId(API_ID).build());
    JWTSVIDResponse second = fixture.stub().fetchJWTSVID(JWTSVIDRequest.newBuilder()
        .addAudience("a").addAudience("b").setSpiffeId(API_ID).build());
    assertEquals(first.getSvids(0).getSvid(), second.getSvids(0).getSvid());
    assertEquals(1, fixture.upstream.tokenCalls());
    assertEquals(List.of("a", "b"), fixture.upstream.requests().get(0).audiences());
    fetch("a");
    assertEquals(2, fixture.upstream.tokenCalls());
  }

  @Test
  void fetchJwtSvid_overMaxEntries_leastRecentlyUsedEvicted() throws Exception {
    fixture.close();
    Path other = Files.createDirectory(dir.resolve("other"));
    fixture = new AgentFixture(other, AgentFixture.defaultWorkloads(),
        "cache: {maxEntries: 2}\n", null);
    String a = fetch("a");
    fetch("b");
    assertEquals(a, fetch("a"));
    fetch("c");
    assertEquals(3, fixture.upstream.tokenCalls());
    assertEquals(2, fixture.agent.cacheSize());
    assertEquals(a, fetch("a"));
    assertEquals(3, fixture.upstream.tokenCalls());
    fetch("b");
    assertEquals(4, fixture.upstream.tokenCalls());
  }

  @Test
  void fetchJwtSvid_signingKeyLeftBundle_cachedTokenDroppedAndRefetched() {
    String first = fetch("a");
    fixture.upstream.rotateKey("key-2");
    // A token of the new key makes the agent fetch the bundle, which no longer has key-1.
    fixture.clock.advance(BundleManager.UNKNOWN_KID_REFETCH.plusSeconds(1));
    fixture.stub().validateJWTSVID(ValidateJWTSVIDRequest.newBuilder().setAudience("a")
        .setSvid(FakeUpstream.sign(fixture.upstream.key(), API_ID, List.of("a"),
            fixture.clock.millis(), Duration.ofMinutes(5))).build());
    assertEquals(0, fixture.agent.cacheSize());
    String second = fetch("a");
    assertNotEquals(first, second);
    assertEquals(2, fixture.upstream.tokenCalls());
  }

  /**
   * Handlers run on the connection's event loop, so one that waited for the server would hold
   * up every later call on that connection; these must be answered while a refill is held.
   */
  @Test
  void fetchJwtSvid_refillHeldForOneKey_otherCallsOnSameConnectionAnswered() throws Exception {
    String cached = fetch("a");
    FakeUpstream.Gate gate = fixture.upstream.holdTokens();
    LinkedBlockingQueue<Object> slow = new LinkedBlockingQueue<>();
    fixture.asyncStub().withDeadlineAfter(20, TimeUnit.SECONDS)
        .fetchJWTSVID(request("slow"), StreamEvents.into(slow));
    assertTrue(gate.entered.await(5, TimeUnit.SECONDS));
    for (int i = 0; i < 20; i++) {
      assertEquals(cached, fetch("a"));
      assertEquals(API_ID, fixture.stub().withDeadlineAfter(1, TimeUnit.SECONDS)
          .validateJWTSVID(ValidateJWTSVIDRequest.newBuilder().setAudience("a")
              .setSvid(cached).build()).getSpiffeId());
    }
    assertTrue(slow.isEmpty());
    gate.release();
    assertInstanceOf(JWTSVIDResponse.class, slow.poll(5, TimeUnit.SECONDS));
  }

  @Test
  void fetchJwtSvid_beforeHalfLife_cached_afterHalfLife_refreshed() {
    String first = fetch("a");
    fixture.clock.advance(FakeUpstream.LIFETIME.multipliedBy(44).dividedBy(100));
    assertEquals(first, fetch("a"));
    assertEquals(1, fixture.upstream.tokenCalls());
    fixture.clock.advance(FakeUpstream.LIFETIME.multipliedBy(7).dividedBy(100));
    String second = fetch("a");
    assertEquals(2, fixture.upstream.tokenCalls());
    assertNotEquals(first, second);
  }

  @Test
  void fetchJwtSvid_serverStopped_cachedWithinDeadlineThenUnavailableThenRecovers() {
    String first = fetch("a");
    fixture.clock.advance(FakeUpstream.LIFETIME.multipliedBy(6).dividedBy(10));

    fixture.upstream.mode(FakeUpstream.Mode.STALL);
    long start = System.nanoTime();
    assertEquals(first, fetch("a"));
    assertTrue(System.nanoTime() - start < TimeUnit.SECONDS.toNanos(1));
    fixture.upstream.mode(FakeUpstream.Mode.DOWN);
    assertEquals(first, fetch("a"));

    fixture.clock.advance(FakeUpstream.LIFETIME.multipliedBy(5).dividedBy(10));
    StatusRuntimeException e = assertThrows(StatusRuntimeException.class, () -> fetch("a"));
    assertEquals(Status.Code.UNAVAILABLE, e.getStatus().getCode());

    fixture.upstream.mode(FakeUpstream.Mode.OK);
    fixture.clock.advance(Backoff.DEFAULT.max());
    String recovered = fetch("a");
    assertNotEquals(first, recovered);
  }

  @Test
  void fetchJwtSvid_serverRefusesOnRefresh_cachedTokenDropped() {
    fetch("a");
    fixture.clock.advance(FakeUpstream.LIFETIME.multipliedBy(6).dividedBy(10));
    fixture.upstream.mode(FakeUpstream.Mode.REFUSE);
    StatusRuntimeException e = assertThrows(StatusRuntimeException.class, () -> fetch("a"));
    assertEquals(Status.Code.PERMISSION_DENIED, e.getStatus().getCode());
  }

  @Test
  void fetchJwtSvid_failures_backOffWithoutServerCalls() {
    fixture.upstream.mode(FakeUpstream.Mode.DOWN);
    assertThrows(StatusRuntimeException.class, () -> fetch("a"));
    assertThrows(StatusRuntimeException.class, () -> fetch("a"));
    assertEquals(1, fixture.upstream.tokenCalls());
    fixture.clock.advance(Duration.ofSeconds(2));
    assertThrows(StatusRuntimeException.class, () -> fetch("a"));
    assertEquals(2, fixture.upstream.tokenCalls());
  }
}
