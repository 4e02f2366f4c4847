package dev.athenzsvid.agent.workloadapi;

import static java.util.Objects.requireNonNull;

import dev.athenzsvid.agent.attestation.Caller;
import dev.athenzsvid.proto.workload.JWTBundlesRequest;
import dev.athenzsvid.proto.workload.JWTBundlesResponse;
import dev.athenzsvid.proto.workload.JWTSVIDRequest;
import dev.athenzsvid.proto.workload.JWTSVIDResponse;
import dev.athenzsvid.proto.workload.SpiffeWorkloadAPIGrpc;
import dev.athenzsvid.proto.workload.ValidateJWTSVIDRequest;
import dev.athenzsvid.proto.workload.ValidateJWTSVIDResponse;
import dev.athenzsvid.proto.workload.X509BundlesRequest;
import dev.athenzsvid.proto.workload.X509BundlesResponse;
import dev.athenzsvid.proto.workload.X509SVIDRequest;
import dev.athenzsvid.proto.workload.X509SVIDResponse;
import io.grpc.Context;
import io.grpc.Deadline;
import io.grpc.Status;
import io.grpc.StatusException;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import java.time.Duration;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;

/**
 * The SPIFFE Workload API over gRPC. Only translates between gRPC and the handlers; the
 * security header, attestation and metrics are interceptors. X.509 RPCs answer UNIMPLEMENTED.
 *
 * <p>As in the SPIRE agent, every JWT RPC attests its caller: a caller that has exited or
 * whose pid was reused is refused on bundles and validation too, not only on FetchJWTSVID.
 * Well-formed input is checked first, so bad requests cost no process-table reads.
 * Thread-safe.
 */
public final class WorkloadApiService extends SpiffeWorkloadAPIGrpc.SpiffeWorkloadAPIImplBase {
  private final JwtSvidHandler jwtSvids;
  private final BundleStreams bundleStreams;
  private final ValidateHandler validator;

  public WorkloadApiService(JwtSvidHandler jwtSvids, BundleStreams bundleStreams,
      ValidateHandler validator) {
    this.jwtSvids = requireNonNull(jwtSvids, "jwtSvids");
    this.bundleStreams = requireNonNull(bundleStreams, "bundleStreams");
    this.validator = requireNonNull(validator, "validator");
  }

  @Override
  public void fetchJWTSVID(JWTSVIDRequest request,
      StreamObserver<JWTSVIDResponse> responseObserver) {
    ServerCallStreamObserver<JWTSVIDResponse> observer =
        (ServerCallStreamObserver<JWTSVIDResponse>) responseObserver;
    Context context = Context.current();
    Deadline deadline = context.getDeadline();
    Duration timeLeft = deadline == null
        ? null : Duration.ofNanos(Math.max(0, deadline.timeRemaining(TimeUnit.NANOSECONDS)));
    try {
      jwtSvids.fetch(request, CallerInterceptor.CALLER.get(context), timeLeft)
          .whenComplete(replyTo(observer));
    } catch (StatusException e) {
      observer.onError(e);
    }
  }

  @Override
  public void fetchJWTBundles(JWTBundlesRequest request,
      StreamObserver<JWTBundlesResponse> responseObserver) {
    Caller caller;
    try {
      caller = JwtSvidHandler.attest(CallerInterceptor.CALLER.get());
    } catch (StatusException e) {
      responseObserver.onError(e);
      return;
    }
    bundleStreams.open((ServerCallStreamObserver<JWTBundlesResponse>) responseObserver, caller);
  }

  @Override
  public void validateJWTSVID(ValidateJWTSVIDRequest request,
      StreamObserver<ValidateJWTSVIDResponse> responseObserver) {
    ServerCallStreamObserver<ValidateJWTSVIDResponse> observer =
        (ServerCallStreamObserver<ValidateJWTSVIDResponse>) responseObserver;
    try {
      // The handler reports missing fields itself; a request that has both is attested
      // before validation may ask the server for a newer bundle on the caller's behalf.
      if (!request.getAudience().isEmpty() && !request.getSvid().isEmpty()) {
        JwtSvidHandler.attest(CallerInterceptor.CALLER.get());
      }
      validator.validate(request).whenComplete(replyTo(observer));
    } catch (StatusException e) {
      observer.onError(e);
    }
  }

  @Override
  public void fetchX509SVID(X509SVIDRequest request,
      StreamObserver<X509SVIDResponse> responseObserver) {
    responseObserver.onError(unimplemented());
  }

  @Override
  public void fetchX509Bundles(X509BundlesRequest request,
      StreamObserver<X509BundlesResponse> responseObserver) {
    responseObserver.onError(unimplemented());
  }

  /**
   * Answers a unary call when its future completes, on whatever thread completes it; says
   * nothing to a call the client has cancelled or whose deadline has passed.
   */
  private static <T> BiConsumer<T, Throwable> replyTo(ServerCallStreamObserver<T> observer) {
    return (response, error) -> {
      if (observer.isCancelled()) {
        return;
      }
      if (error != null) {
        observer.onError(unwrap(error));
      } else {
        observer.onNext(response);
        observer.onCompleted();
      }
    };
  }

  private static StatusException unimplemented() {
    return Status.UNIMPLEMENTED.withDescription(StatusMessages.X509_UNIMPLEMENTED).asException();
  }

  private static Throwable unwrap(Throwable error) {
    Throwable cause = error;
    while (cause instanceof CompletionException && cause.getCause() != null) {
      cause = cause.getCause();
    }
    if (cause instanceof StatusException) {
      return cause;
    }
    return Status.INTERNAL.withDescription("internal error").asException();
  }
}
