package dev.athenzsvid.agent.workloadapi;

import static java.util.Objects.requireNonNull;

import dev.athenzsvid.agent.bundle.InvalidTokenException;
import dev.athenzsvid.agent.bundle.JwtSvidValidator;
import dev.athenzsvid.proto.workload.ValidateJWTSVIDRequest;
import dev.athenzsvid.proto.workload.ValidateJWTSVIDResponse;
import io.grpc.Status;
import io.grpc.StatusException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * ValidateJWTSVID: every failure is INVALID_ARGUMENT naming the reason. The answer is complete
 * on return unless the bundle had to be fetched first. Thread-safe.
 */
public final class ValidateHandler {
  private static final Logger log = LoggerFactory.getLogger(ValidateHandler.class);

  private final JwtSvidValidator validator;

  public ValidateHandler(JwtSvidValidator validator) {
    this.validator = requireNonNull(validator, "validator");
  }

  /**
   * @throws StatusException for a request with a missing or oversized field
   * @return a future failing with a {@link StatusException} (in a
   *     {@link CompletionException}) for an invalid token
   */
  public CompletableFuture<ValidateJWTSVIDResponse> validate(ValidateJWTSVIDRequest request)
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
    // A static method reference: the common, already complete case allocates no lambda.
    return validator.validate(request.getSvid(), request.getAudience())
        .handle(ValidateHandler::response);
  }

  private static ValidateJWTSVIDResponse response(JwtSvidValidator.Validated validated,
      Throwable error) {
    if (error == null) {
      return ValidateJWTSVIDResponse.newBuilder()
          .setSpiffeId(validated.spiffeId().toString())
          .setClaims(validated.claimsStruct())
          .build();
    }
    Throwable cause = error instanceof CompletionException && error.getCause() != null
        ? error.getCause() : error;
    if (cause instanceof InvalidTokenException) {
      log.atDebug().addKeyValue("reason", cause.getMessage()).log("JWT-SVID rejected");
      throw new CompletionException(invalid(StatusMessages.INVALID_SVID + ": "
          + cause.getMessage()));
    }
    log.atError().setCause(cause).log("unexpected failure validating JWT-SVID");
    throw new CompletionException(
        new StatusException(Status.INTERNAL.withDescription("internal error")));
  }

  private static StatusException invalid(String message) {
    return new StatusException(Status.INVALID_ARGUMENT.withDescription(message));
  }
}
