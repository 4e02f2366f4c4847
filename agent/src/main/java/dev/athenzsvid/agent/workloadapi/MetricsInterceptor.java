package dev.athenzsvid.agent.workloadapi;

import static java.util.Objects.requireNonNull;

import dev.athenzsvid.agent.metrics.AgentMetrics;
import io.grpc.ForwardingServerCall;
import io.grpc.ForwardingServerCallListener;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Counts every call once by method and final status code: the code it was closed with, or
 * CANCELLED for a call the client cancelled (or whose deadline passed) before the server closed
 * it, for which gRPC never calls {@code close}. Thread-safe.
 */
public final class MetricsInterceptor implements ServerInterceptor {
  private final AgentMetrics metrics;

  public MetricsInterceptor(AgentMetrics metrics) {
    this.metrics = requireNonNull(metrics, "metrics");
  }

  @Override
  public <ReqT, RespT> ServerCall.Listener<ReqT> interceptCall(ServerCall<ReqT, RespT> call,
      Metadata headers, ServerCallHandler<ReqT, RespT> next) {
    CountedCall<ReqT, RespT> counted = new CountedCall<>(call);
    return new ForwardingServerCallListener.SimpleForwardingServerCallListener<>(
        next.startCall(counted, headers)) {
      @Override
      public void onCancel() {
        counted.count(Status.Code.CANCELLED);
        super.onCancel();
      }
    };
  }

  /** A call that counts its outcome the first time it is known; close and cancel may race. */
  private final class CountedCall<ReqT, RespT>
      extends ForwardingServerCall.SimpleForwardingServerCall<ReqT, RespT> {
    private final String method;
    private final AtomicBoolean counted = new AtomicBoolean();

    CountedCall(ServerCall<ReqT, RespT> call) {
      super(call);
      this.method = call.getMethodDescriptor().getFullMethodName();
    }

    void count(Status.Code code) {
      if (counted.compareAndSet(false, true)) {
        metrics.call(method, code.name());
      }
    }

    @Override
    public void close(Status status, Metadata trailers) {
      count(status.getCode());
      super.close(status, trailers);
    }
  }
}
