package dev.athenzsvid.agent.workloadapi;

import static java.util.Objects.requireNonNull;

import com.google.protobuf.ListValue;
import com.google.protobuf.NullValue;
import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import dev.athenzsvid.agent.bundle.InvalidTokenException;
import dev.athenzsvid.agent.bundle.JwtSvidValidator;
import dev.athenzsvid.proto.workload.ValidateJWTSVIDRequest;
import dev.athenzsvid.proto.workload.ValidateJWTSVIDResponse;
import io.grpc.Status;
import io.grpc.StatusException;
import java.util.Collection;
import java.util.Date;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** ValidateJWTSVID: every failure is INVALID_ARGUMENT naming the reason. Thread-safe. */
public final class ValidateHandler {
  private static final Logger log = LoggerFactory.getLogger(ValidateHandler.class);

  private final JwtSvidValidator validator;

  public ValidateHandler(JwtSvidValidator validator) {
    this.validator = requireNonNull(validator, "validator");
  }

  public ValidateJWTSVIDResponse validate(ValidateJWTSVIDRequest request)
      throws StatusException {
    if (request.getAudience().isEmpty()) {
      throw invalid(StatusMessages.MISSING_AUDIENCE);
    }
    if (request.getAudience().length() > Limits.MAX_AUDIENCE_LENGTH) {
      throw invalid(StatusMessages.AUDIENCE_TOO_LONG);
    }
    if (request.getSvid().isEmpty()) {
      throw invalid(StatusMessages.MISSING_SVID);
    }
    if (request.getSvid().length() > Limits.MAX_SVID_LENGTH) {
      throw invalid(StatusMessages.SVID_TOO_LONG);
    }
    JwtSvidValidator.Validated validated;
    try {
      validated = validator.validate(request.getSvid(), request.getAudience());
    } catch (InvalidTokenException e) {
      log.atDebug().addKeyValue("reason", e.getMessage()).log("JWT-SVID rejected");
      throw invalid(StatusMessages.INVALID_SVID + ": " + e.getMessage());
    }
    return ValidateJWTSVIDResponse.newBuilder()
        .setSpiffeId(validated.spiffeId().toString())
        .setClaims(struct(validated.claims()))
        .build();
  }

  static Struct struct(Map<String, ?> map) {
    Struct.Builder struct = Struct.newBuilder();
    map.forEach((key, value) -> struct.putFields(key, value(value)));
    return struct.build();
  }

  private static Value value(Object value) {
    if (value == null) {
      return Value.newBuilder().setNullValue(NullValue.NULL_VALUE).build();
    }
    if (value instanceof String text) {
      return Value.newBuilder().setStringValue(text).build();
    }
    if (value instanceof Boolean flag) {
      return Value.newBuilder().setBoolValue(flag).build();
    }
    if (value instanceof Number number) {
      return Value.newBuilder().setNumberValue(number.doubleValue()).build();
    }
    if (value instanceof Date date) {
      return Value.newBuilder().setNumberValue(date.getTime() / 1000).build();
    }
    if (value instanceof Map<?, ?> map) {
      Struct.Builder nested = Struct.newBuilder();
      map.forEach((k, v) -> nested.putFields(String.valueOf(k), value(v)));
      return Value.newBuilder().setStructValue(nested).build();
    }
    if (value instanceof Collection<?> list) {
      ListValue.Builder values = ListValue.newBuilder();
      list.forEach(v -> values.addValues(value(v)));
      return Value.newBuilder().setListValue(values).build();
    }
    return Value.newBuilder().setStringValue(value.toString()).build();
  }

  private static StatusException invalid(String message) {
    return new StatusException(Status.INVALID_ARGUMENT.withDescription(message));
  }
}
