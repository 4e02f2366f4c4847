package dev.athenzsvid.agent.workloadapi;

import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import java.util.Iterator;

/**
 * Refuses Workload API calls without exactly one {@code workload.spiffe.io: true} header,
 * before any other work. Other services (health, reflection) pass. Stateless and thread-safe.
 */
public final class SecurityHeaderInterceptor implements ServerInterceptor {
  static final Metadata.Key<String> HEADER =
      Metadata.Key.of("workload.spiffe.io", Metadata.ASCII_STRING_MARSHALLER);
  static final String SERVICE_PREFIX = "SpiffeWorkloadAPI/";

  @Override
  public <ReqT, RespT> ServerCall.Listener<ReqT> interceptCall(ServerCall<ReqT, RespT> call,
      Metadata headers, ServerCallHandler<ReqT, RespT> next) {
    String method = call.getMethodDescriptor().getFullMethodName();
    if (method.startsWith(SERVICE_PREFIX) && !hasHeader(headers)) {
      call.close(Status.INVALID_ARGUMENT.withDescription(StatusMessages.MISSING_HEADER),
          new Metadata());
      return new ServerCall.Listener<>() {};
    }
    return next.startCall(call, headers);
  }

  private static boolean hasHeader(Metadata headers) {
    Iterable<String> values = headers.getAll(HEADER);
    if (values == null) {
      return false;
    }
    Iterator<String> it = values.iterator();
    return it.hasNext() && "true".equals(it.next()) && !it.hasNext();
  }
}
