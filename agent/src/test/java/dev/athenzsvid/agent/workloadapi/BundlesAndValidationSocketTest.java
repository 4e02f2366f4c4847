package dev.athenzsvid.agent.workloadapi;

import static dev.athenzsvid.agent.AgentFixture.API_ID;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSet;
import dev.athenzsvid.agent.FakeUpstream;
import dev.athenzsvid.agent.StreamEvents;
import dev.athenzsvid.agent.bundle.JwtSvidValidator;
import dev.athenzsvid.proto.workload.JWTBundlesRequest;
import dev.athenzsvid.proto.workload.JWTBundlesResponse;
import dev.athenzsvid.proto.workload.JWTSVIDRequest;
import dev.athenzsvid.proto.workload.ValidateJWTSVIDRequest;
import dev.athenzsvid.proto.workload.ValidateJWTSVIDResponse;
import io.grpc.Context;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** FetchJWTBundles and ValidateJWTSVID over a real Unix socket. */
class BundlesAndValidationSocketTest extends AgentSocketTest {
  @Test
  void fetchJwtBundles_open_firstMessageAtOnceInBundleFormat() throws Exception {
    JWTBundlesResponse first = fixture.stub().withDeadlineAfter(2, TimeUnit.SECONDS)
        .fetchJWTBundles(JWTBundlesRequest.getDefaultInstance()).next();
    assertEquals(List.of("spiffe://athenz.io"), List.copyOf(first.getBundlesMap().keySet()));
    String json = first.getBundlesMap().get("spiffe://athenz.io").toString(StandardCharsets.UTF_8);
    JWKSet set = JWKSet.parse(json);
    assertEquals(1, set.getKeys().size());
    JWK key = set.getKeys().get(0);
    assertEquals("key-1", key.getKeyID());
    assertEquals(null, key.getKeyUse());
    assertFalse(key.isPrivate());
    assertFalse(json.contains("\"use\""));
  }

  @Test
  void fetchJwtBundles_agentStops_streamEndsUnavailableNotOk() throws Exception {
    LinkedBlockingQueue<Object> events = new LinkedBlockingQueue<>();
    Context.CancellableContext context = Context.current().withCancellation();
    context.run(() -> fixture.asyncStub().fetchJWTBundles(
        JWTBundlesRequest.getDefaultInstance(), StreamEvents.into(events)));
    assertTrue(events.poll(2, TimeUnit.SECONDS) instanceof JWTBundlesResponse);
    fixture.agent.close();
    Object last = events.poll(5, TimeUnit.SECONDS);
    assertTrue(last instanceof StatusRuntimeException, String.valueOf(last));
    assertEquals(Status.Code.UNAVAILABLE, ((StatusRuntimeException) last).getStatus().getCode());
    context.cancel(null);
  }

  private String token(String audience) {
    return fixture.stub().fetchJWTSVID(JWTSVIDRequest.newBuilder().addAudience(audience)
        .addAudience("other").setSpiffeId(API_ID).build()).getSvids(0).getSvid();
  }

  @Test
  void validateJwtSvid_ownToken_spiffeIdAndClaimsWithAudList() {
    ValidateJWTSVIDResponse response = fixture.stub().validateJWTSVID(
        ValidateJWTSVIDRequest.newBuilder().setAudience("aud").setSvid(token("aud")).build());
    assertEquals(API_ID, response.getSpiffeId());
    assertEquals(API_ID, response.getClaims().getFieldsOrThrow("sub").getStringValue());
    assertEquals(2, response.getClaims().getFieldsOrThrow("aud").getListValue().getValuesCount());
  }

  static Stream<Arguments> invalid() {
    return Stream.of(
        Arguments.of("empty audience", "", "token", StatusMessages.MISSING_AUDIENCE),
        Arguments.of("empty svid", "aud", "", StatusMessages.MISSING_SVID),
        Arguments.of("audience too long", "a".repeat(Limits.MAX_AUDIENCE_LENGTH + 1), "token",
            StatusMessages.AUDIENCE_TOO_LONG),
        Arguments.of("svid too long", "aud", "x".repeat(Limits.MAX_SVID_LENGTH + 1),
            StatusMessages.SVID_TOO_LONG),
        Arguments.of("garbage", "aud", "not.a.jws",
            StatusMessages.INVALID_SVID + ": " + JwtSvidValidator.MALFORMED));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("invalid")
  void validateJwtSvid_badInput_invalidArgument(String name, String audience, String svid,
      String message) {
    StatusRuntimeException e = assertThrows(StatusRuntimeException.class,
        () -> fixture.stub().validateJWTSVID(
            ValidateJWTSVIDRequest.newBuilder().setAudience(audience).setSvid(svid).build()));
    assertEquals(Status.Code.INVALID_ARGUMENT, e.getStatus().getCode());
    assertEquals(message, e.getStatus().getDescription());
  }

  @Test
  void validateJwtSvid_otherAudience_invalidArgument() {
    String svid = token("aud");
    StatusRuntimeException e = assertThrows(StatusRuntimeException.class,
        () -> fixture.stub().validateJWTSVID(
            ValidateJWTSVIDRequest.newBuilder().setAudience("nope").setSvid(svid).build()));
    assertEquals(Status.Code.INVALID_ARGUMENT, e.getStatus().getCode());
    assertEquals(StatusMessages.INVALID_SVID + ": " + JwtSvidValidator.WRONG_AUDIENCE + " nope",
        e.getStatus().getDescription());
  }

  @Test
  void validateJwtSvid_unknownKid_refetchesBundle() {
    fixture.stub().fetchJWTBundles(JWTBundlesRequest.getDefaultInstance()).next();
    fixture.upstream.rotateKey("key-2");
    ECKey key = fixture.upstream.key();
    String svid = FakeUpstream.sign(key, API_ID, List.of("aud"),
        fixture.clock.millis(), Duration.ofMinutes(5));
    fixture.clock.advance(Duration.ofSeconds(11));
    ValidateJWTSVIDResponse response = fixture.stub().validateJWTSVID(
        ValidateJWTSVIDRequest.newBuilder().setAudience("aud").setSvid(svid).build());
    assertEquals(API_ID, response.getSpiffeId());
  }
}
