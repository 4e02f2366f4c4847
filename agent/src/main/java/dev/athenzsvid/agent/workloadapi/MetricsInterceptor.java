package dev.athenzsvid.agent.workloadapi;

import static java.util.Objects.requireNonNull;

import dev.athenzsvid.agent.metrics.AgentMetrics;
import io.grpc.ForwardingServerCall;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;

/** Counts every call by method and final status code. Thread-safe. */
public final class MetricsInterceptor implements ServerInterceptor {
  private final AgentMetrics metrics;

  public MetricsInterceptor(AgentMetrics metrics) {
    this.metrics = requireNonNull(metrics, "metrics");
  }

  @Override
  public <ReqT, RespT> ServerCall.Listener<ReqT> interceptCall(ServerCall<ReqT, RespT> call,
      Metadata headers, ServerCallHandler<ReqT, RespT> next) {
    String method = call.getMethodDescriptor().getFullMethodName();
    ServerCall<ReqT, RespT> counted =
        new ForwardingServerCall.SimpleForwardingServerCall<>(call) {
          @Override
          public void close(Status status, Metadata trailers) {
            metrics.call(method, status.getCode().name());
            super.close(status, trailers);
          }
        };
    return next.startCall(counted, headers);
  }
}
