package dev.athenzsvid.agent.workloadapi;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSet;
import dev.athenzsvid.agent.FakeClock;
import dev.athenzsvid.agent.FakeUpstream;
import dev.athenzsvid.agent.attestation.Caller;
import dev.athenzsvid.agent.bundle.BundleManager;
import dev.athenzsvid.agent.metrics.AgentMetrics;
import dev.athenzsvid.proto.workload.JWTBundlesResponse;
import io.grpc.Status;
import io.grpc.StatusException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

/** Bundle streams without gRPC, where the order of sends and shutdown can be steered. */
class BundleStreamsTest {
  private static final String TD = "spiffe://athenz.io";
  private static final Caller CALLER = new Caller(7, 1000, Set.of(), Optional.empty());

  private final FakeClock clock = new FakeClock(Instant.parse("2030-01-01T00:00:00Z"));
  private final FakeUpstream upstream = new FakeUpstream(clock);
  private final BundleManager bundles =
      new BundleManager(upstream, TD, clock, new AgentMetrics(), Runnable::run);
  private final BundleStreams streams =
      new BundleStreams(bundles, new AgentMetrics(), caller -> true);

  private static List<String> keyIds(Object event) throws Exception {
    JWTBundlesResponse response = assertInstanceOf(JWTBundlesResponse.class, event);
    return JWKSet.parse(response.getBundlesMap().get(TD).toString(StandardCharsets.UTF_8))
        .getKeys().stream().map(JWK::getKeyID).toList();
  }

  /**
   * A refresh that lands while the first message is being sent: the stream sends the newer
   * bundle and never the older one after it.
   */
  @Test
  void open_refreshDuringFirstSend_neverOlderBundleAfterNewer() throws Exception {
    bundles.refresh().join();
    FakeServerCallStreamObserver<JWTBundlesResponse> observer =
        new FakeServerCallStreamObserver<>();
    AtomicBoolean refreshed = new AtomicBoolean();
    observer.onIsCancelled = () -> {
      if (refreshed.compareAndSet(false, true)) {
        upstream.rotateKey("key-2");
        bundles.refresh().join();
      }
    };
    streams.open(observer, CALLER);
    assertEquals(1, observer.events.size(), observer.events.toString());
    assertEquals(List.of("key-2"), keyIds(observer.events.get(0)));
  }

  @Test
  void open_afterCloseAll_unavailableAndNeverRegistered() throws Exception {
    bundles.refresh().join();
    streams.closeAll();
    FakeServerCallStreamObserver<JWTBundlesResponse> observer =
        new FakeServerCallStreamObserver<>();
    streams.open(observer, CALLER);
    assertEquals(1, observer.events.size(), observer.events.toString());
    Status status = assertInstanceOf(StatusException.class, observer.events.get(0)).getStatus();
    assertEquals(Status.Code.UNAVAILABLE, status.getCode());
    assertEquals(StatusMessages.SHUTTING_DOWN, status.getDescription());
    assertEquals(0, streams.openCount());

    upstream.rotateKey("key-2");
    bundles.refresh().join();
    assertEquals(1, observer.events.size(), "a refused stream hears of no change");
  }
}
