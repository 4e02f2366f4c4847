package dev.athenzsvid.agent.workloadapi;

import static dev.athenzsvid.agent.AgentFixture.API_ID;
import static dev.athenzsvid.agent.AgentFixture.TRUST_DOMAIN;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSet;
import dev.athenzsvid.agent.FakeUpstream;
import dev.athenzsvid.agent.StreamEvents;
import dev.athenzsvid.agent.bundle.BundleManager;
import dev.athenzsvid.proto.workload.JWTBundlesRequest;
import dev.athenzsvid.proto.workload.JWTBundlesResponse;
import dev.athenzsvid.proto.workload.ValidateJWTSVIDRequest;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * FetchJWTBundles as a long-lived stream over a real Unix socket: pushes on change only, full
 * set every time, never completed OK. Refreshes are driven through the agent's own
 * unknown-key rule (ValidateJWTSVID with a token whose kid the agent has not seen), so the
 * test needs no hook into the agent.
 */
class BundleStreamSocketTest extends AgentSocketTest {
  private static final Duration PAST_REFETCH_LIMIT =
      BundleManager.UNKNOWN_KID_REFETCH.plusSeconds(1);

  /** Everything one stream receives, in order: messages, then a throwable or "completed". */
  private BlockingQueue<Object> openStream() {
    BlockingQueue<Object> events = new LinkedBlockingQueue<>();
    fixture.asyncStub().fetchJWTBundles(JWTBundlesRequest.getDefaultInstance(),
        StreamEvents.into(events));
    return events;
  }

  private static List<String> keyIds(Object event) throws Exception {
    JWTBundlesResponse response = assertInstanceOf(JWTBundlesResponse.class, event);
    assertEquals(List.of("spiffe://" + TRUST_DOMAIN),
        List.copyOf(response.getBundlesMap().keySet()));
    String json = response.getBundlesMap().get("spiffe://" + TRUST_DOMAIN)
        .toString(StandardCharsets.UTF_8);
    return JWKSet.parse(json).getKeys().stream().map(JWK::getKeyID).toList();
  }

  /** Makes the agent refetch the JWKS: validates a token signed by a key it does not know. */
  private StatusRuntimeException validateWithUnknownKey(ECKey key) {
    fixture.clock.advance(PAST_REFETCH_LIMIT);
    String svid = FakeUpstream.sign(key, API_ID, List.of("aud"), fixture.clock.millis(),
        Duration.ofMinutes(5));
    try {
      fixture.stub().validateJWTSVID(
          ValidateJWTSVIDRequest.newBuilder().setAudience("aud").setSvid(svid).build());
      return null;
    } catch (StatusRuntimeException e) {
      return e;
    }
  }

  @Test
  void fetchJwtBundles_bundleChanges_everyStreamGetsOneFullMessage() throws Exception {
    BlockingQueue<Object> first = openStream();
    BlockingQueue<Object> second = openStream();
    assertEquals(List.of("key-1"), keyIds(first.poll(2, TimeUnit.SECONDS)));
    assertEquals(List.of("key-1"), keyIds(second.poll(2, TimeUnit.SECONDS)));

    fixture.upstream.rotateKey("key-2");
    assertNull(validateWithUnknownKey(fixture.upstream.key()));

    assertEquals(List.of("key-2"), keyIds(first.poll(2, TimeUnit.SECONDS)));
    assertEquals(List.of("key-2"), keyIds(second.poll(2, TimeUnit.SECONDS)));
  }

  @Test
  void fetchJwtBundles_refetchSameContent_noMessage() throws Exception {
    BlockingQueue<Object> events = openStream();
    assertEquals(List.of("key-1"), keyIds(events.poll(2, TimeUnit.SECONDS)));
    int jwksCalls = fixture.upstream.jwksCalls();

    StatusRuntimeException refused = validateWithUnknownKey(FakeUpstream.newKey("stranger"));
    assertEquals(Status.Code.INVALID_ARGUMENT, refused.getStatus().getCode());
    assertTrue(fixture.upstream.jwksCalls() > jwksCalls, "the agent asked the server again");

    // A message for the unchanged refetch would be queued ahead of this change's message.
    fixture.upstream.rotateKey("key-3");
    assertNull(validateWithUnknownKey(fixture.upstream.key()));
    assertEquals(List.of("key-3"), keyIds(events.poll(2, TimeUnit.SECONDS)));
  }

  @Test
  void fetchJwtBundles_agentCloses_everyStreamEndsUnavailableNeverOk() throws Exception {
    BlockingQueue<Object> first = openStream();
    BlockingQueue<Object> second = openStream();
    keyIds(first.poll(2, TimeUnit.SECONDS));
    keyIds(second.poll(2, TimeUnit.SECONDS));

    fixture.agent.close();

    for (BlockingQueue<Object> events : List.of(first, second)) {
      StatusRuntimeException end =
          assertInstanceOf(StatusRuntimeException.class, events.poll(5, TimeUnit.SECONDS));
      assertEquals(Status.Code.UNAVAILABLE, end.getStatus().getCode());
      assertEquals(StatusMessages.SHUTTING_DOWN, end.getStatus().getDescription());
      assertTrue(events.isEmpty(), "nothing after the error: " + events);
    }
  }
}
