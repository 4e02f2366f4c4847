package dev.athenzsvid.agent.bundle;

import static org.junit.jupiter.api.Assertions.assertEquals;
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
import java.util.Set;
import org.junit.jupiter.api.Test;

class BundleManagerTest {
  private final FakeClock clock = new FakeClock(Instant.parse("2030-01-01T00:00:00Z"));
  private final FakeUpstream upstream = new FakeUpstream(clock);
  private final BundleManager manager =
      new BundleManager(upstream, "spiffe://athenz.io", clock, new AgentMetrics());

  @Test
  void refresh_sameKeys_noNotification_changedKeys_oneNotification() throws Exception {
    List<JwtBundle> seen = new ArrayList<>();
    manager.subscribe(seen::add);
    manager.refresh();
    manager.refresh();
    assertEquals(1, seen.size());
    upstream.rotateKey("key-2");
    manager.refresh();
    assertEquals(2, seen.size());
    assertEquals(Set.of("key-2"), seen.get(1).keyIds());
  }

  @Test
  void refresh_serverDown_keepsPreviousBundle() throws Exception {
    manager.refresh();
    upstream.mode(FakeUpstream.Mode.DOWN);
    assertThrows(UpstreamException.class, manager::refresh);
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
    manager.refresh();
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
    manager.refresh();
    manager.refreshedBundle("spiffe://athenz.io");
    assertEquals(1, upstream.jwksCalls());
    clock.advance(BundleManager.UNKNOWN_KID_REFETCH.plus(Duration.ofSeconds(1)));
    manager.refreshedBundle("spiffe://athenz.io");
    assertEquals(2, upstream.jwksCalls());
  }

  @Test
  void convert_athenzStyleKeys_filtersAndStripsUse() throws Exception {
    String jwks = "{\"keys\":[{\"kty\":\"oct\",\"kid\":\"s\",\"k\":\"AAAA\"},"
        + upstream.key().toPublicJWK().toJSONString().replace("}", ",\"use\":\"sig\"}") + ","
        + FakeUpstream.newKey("").toPublicJWK().toJSONString() + "]}";
    JwtBundle bundle = JwksConverter.convert("spiffe://athenz.io", jwks);
    assertEquals(Set.of("key-1"), bundle.keyIds());
    assertEquals(null, bundle.keys().get(0).getKeyUse());
  }

  @Test
  void convert_noUsableKeys_fails() {
    assertThrows(ParseException.class,
        () -> JwksConverter.convert("spiffe://athenz.io", "{\"keys\":[]}"));
  }
}
