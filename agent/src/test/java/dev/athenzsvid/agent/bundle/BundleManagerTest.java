package dev.athenzsvid.agent.bundle;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Level;
import dev.athenzsvid.agent.FakeClock;
import dev.athenzsvid.agent.FakeUpstream;
import dev.athenzsvid.agent.LogCapture;
import dev.athenzsvid.agent.metrics.AgentMetrics;
import dev.athenzsvid.agent.upstream.UpstreamException;
import java.text.ParseException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class BundleManagerTest {
  private static final String TD = "spiffe://athenz.io";

  private final FakeClock clock = new FakeClock(Instant.parse("2030-01-01T00:00:00Z"));
  private final FakeUpstream upstream = new FakeUpstream(clock);
  /** Fetches on the calling thread, so each fetch is over when the call returns. */
  private final BundleManager manager = new BundleManager(upstream, TD, clock,
      new AgentMetrics(), Runnable::run);

  @Test
  void refresh_sameKeys_noNotification_changedKeys_oneNotification() throws Exception {
    List<JwtBundle> seen = new ArrayList<>();
    manager.subscribe(seen::add);
    manager.refresh().join();
    manager.refresh().join();
    assertEquals(1, seen.size());
    upstream.rotateKey("key-2");
    manager.refresh().join();
    assertEquals(2, seen.size());
    assertEquals(Set.of("key-2"), seen.get(1).keyIds());
  }

  @Test
  void refresh_serverDown_keepsPreviousBundle() throws Exception {
    manager.refresh().join();
    upstream.mode(FakeUpstream.Mode.DOWN);
    CompletionException e =
        assertThrows(CompletionException.class, () -> manager.refresh().join());
    assertInstanceOf(UpstreamException.class, e.getCause());
    assertEquals(Set.of("key-1"), manager.current().orElseThrow().keyIds());
  }

  @Test
  void refreshQuietly_serverDownBeforeFirstBundle_warnsNoneYet() {
    upstream.mode(FakeUpstream.Mode.DOWN);
    try (LogCapture logs = LogCapture.of(BundleManager.class)) {
      manager.refreshQuietly();
      assertEquals(BundleManager.FETCH_FAILED_NONE_YET,
          logs.single(Level.WARN).getFormattedMessage());
    }
    assertTrue(manager.current().isEmpty());
  }

  @Test
  void refreshQuietly_serverDownAfterFirstBundle_warnsKeepingPrevious() throws Exception {
    manager.refresh().join();
    upstream.mode(FakeUpstream.Mode.DOWN);
    try (LogCapture logs = LogCapture.of(BundleManager.class)) {
      manager.refreshQuietly();
      assertEquals(BundleManager.FETCH_FAILED_KEEPING,
          logs.single(Level.WARN).getFormattedMessage());
    }
    assertEquals(Set.of("key-1"), manager.current().orElseThrow().keyIds());
  }

  @Test
  void refreshedBundle_calledTwiceQuickly_oneServerCall() throws Exception {
    manager.refresh().join();
    manager.refreshedBundle(TD).join();
    assertEquals(1, upstream.jwksCalls());
    clock.advance(BundleManager.UNKNOWN_KID_REFETCH.plus(Duration.ofSeconds(1)));
    manager.refreshedBundle(TD).join();
    assertEquals(2, upstream.jwksCalls());
  }

  @Test
  void currentOrFetch_noBundleAndFetchFailedRecently_failsAtOnceWithoutServerCall() {
    upstream.mode(FakeUpstream.Mode.DOWN);
    manager.refreshQuietly();
    CompletionException e =
        assertThrows(CompletionException.class, () -> manager.currentOrFetch().join());
    assertEquals("connection refused", e.getCause().getMessage());
    assertEquals(1, upstream.jwksCalls());
    upstream.mode(FakeUpstream.Mode.OK);
    clock.advance(BundleManager.UNKNOWN_KID_REFETCH);
    assertEquals(Set.of("key-1"), manager.currentOrFetch().join().keyIds());
    assertEquals(2, upstream.jwksCalls());
  }

  /**
   * Triggers while a fetch is stalled return at once and share that fetch: the stalled
   * server is asked once, and every caller gets its bundle when it answers.
   */
  @Test
  void triggers_whileFetchStalled_returnAtOnceAndShareOneFetch() throws Exception {
    ExecutorService fetcher = Executors.newSingleThreadExecutor();
    try {
      BundleManager threaded =
          new BundleManager(upstream, TD, clock, new AgentMetrics(), fetcher);
      FakeUpstream.Gate gate = upstream.holdJwks();
      CompletableFuture<JwtBundle> poll = threaded.refresh();
      assertTrue(gate.entered.await(5, TimeUnit.SECONDS));
      CompletableFuture<JwtBundle> stream = threaded.currentOrFetch();
      CompletableFuture<Optional<JwtBundle>> unknownKid = threaded.refreshedBundle(TD);
      CompletableFuture<JwtBundle> another = threaded.refresh();
      assertFalse(poll.isDone() || stream.isDone() || unknownKid.isDone() || another.isDone());

      gate.release();
      assertEquals(Set.of("key-1"), stream.get(5, TimeUnit.SECONDS).keyIds());
      assertEquals(Set.of("key-1"), unknownKid.get(5, TimeUnit.SECONDS).orElseThrow().keyIds());
      assertEquals(Set.of("key-1"), poll.get(5, TimeUnit.SECONDS).keyIds());
      assertEquals(Set.of("key-1"), another.get(5, TimeUnit.SECONDS).keyIds());
      assertEquals(1, upstream.jwksCalls());
    } finally {
      fetcher.shutdownNow();
    }
  }

  @Test
  void refreshedBundle_otherTrustDomain_emptyWithoutServerCall() {
    assertEquals(Optional.empty(), manager.refreshedBundle("spiffe://example.org").join());
    assertEquals(0, upstream.jwksCalls());
  }

  @Test
  void convert_athenzStyleKeys_filtersAndStripsUse() throws Exception {
    String jwks = "{\"keys\":[{\"kty\":\"oct\",\"kid\":\"s\",\"k\":\"AAAA\"},"
        + upstream.key().toPublicJWK().toJSONString().replace("}", ",\"use\":\"sig\"}") + ","
        + FakeUpstream.newKey("").toPublicJWK().toJSONString() + "]}";
    JwtBundle bundle = JwksConverter.convert(TD, jwks);
    assertEquals(Set.of("key-1"), bundle.keyIds());
    assertEquals(null, bundle.keys().get(0).getKeyUse());
  }

  @Test
  void convert_noUsableKeys_fails() {
    assertThrows(ParseException.class,
        () -> JwksConverter.convert(TD, "{\"keys\":[]}"));
  }
}
