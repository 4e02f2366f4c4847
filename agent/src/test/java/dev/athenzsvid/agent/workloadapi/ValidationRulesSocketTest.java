package dev.athenzsvid.agent.workloadapi;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.Value;
import dev.athenzsvid.agent.TokenCases;
import dev.athenzsvid.proto.workload.ValidateJWTSVIDRequest;
import dev.athenzsvid.proto.workload.ValidateJWTSVIDResponse;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every validation rule of DESIGN.md section 2 ({@link TokenCases}) through ValidateJWTSVID
 * over a real Unix socket: a valid token answers its SPIFFE ID and claims with {@code aud} as
 * a list, and every invalid one INVALID_ARGUMENT naming the rule it breaks.
 */
class ValidationRulesSocketTest extends AgentSocketTest {
  private ValidateJWTSVIDResponse validate(TokenCases.Maker maker) throws Exception {
    String svid = maker.make(fixture.upstream.key(), fixture.clock.instant());
    return fixture.stub().validateJWTSVID(ValidateJWTSVIDRequest.newBuilder()
        .setAudience(TokenCases.AUDIENCE).setSvid(svid).build());
  }

  static Stream<Arguments> valid() {
    return TokenCases.valid();
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("valid")
  void validateJwtSvid_validToken_spiffeIdAndAudAsList(String name, TokenCases.Maker maker,
      List<String> audiences) throws Exception {
    ValidateJWTSVIDResponse response = validate(maker);
    assertEquals(TokenCases.SUBJECT, response.getSpiffeId());
    List<String> aud = response.getClaims().getFieldsOrThrow("aud").getListValue()
        .getValuesList().stream().map(Value::getStringValue).toList();
    assertEquals(audiences, aud);
  }

  static Stream<Arguments> invalid() {
    return TokenCases.invalid();
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("invalid")
  void validateJwtSvid_invalidToken_invalidArgumentNamingRule(String name,
      TokenCases.Maker maker, String reason) {
    StatusRuntimeException e = assertThrows(StatusRuntimeException.class, () -> validate(maker));
    assertEquals(Status.Code.INVALID_ARGUMENT, e.getStatus().getCode());
    String description = e.getStatus().getDescription();
    assertTrue(description.startsWith(StatusMessages.INVALID_SVID + ": " + reason), description);
  }
}
