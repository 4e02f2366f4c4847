package dev.athenzsvid.agent.workloadapi;

import io.grpc.ForwardingServerCallListener;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptors;
import io.grpc.ServerMethodDefinition;
import io.grpc.ServerServiceDefinition;
import io.grpc.ServiceDescriptor;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;

/**
 * Answers a request message that does not decode (bad protobuf bytes, a string field that is
 * not UTF-8) with INVALID_ARGUMENT. Left to gRPC, the parse failure escapes the handler: the
 * call ends UNKNOWN and the executor logs a stack trace at ERROR, for a client's mistake.
 *
 * <p>The service's request marshallers are wrapped to yield null instead of throwing, and a
 * listener closes the call when a null arrives; nothing else of the service changes, so
 * reflection still describes it. Stateless and thread-safe.
 */
public final class MalformedRequests {
  private MalformedRequests() {}

  /** {@code service} with requests that fail to decode answered INVALID_ARGUMENT. */
  public static ServerServiceDefinition refuse(ServerServiceDefinition service) {
    ServiceDescriptor descriptor = service.getServiceDescriptor();
    List<ServerMethodDefinition<?, ?>> methods = new ArrayList<>();
    for (ServerMethodDefinition<?, ?> method : service.getMethods()) {
      methods.add(lenient(method));
    }
    ServiceDescriptor.Builder rebuilt = ServiceDescriptor.newBuilder(descriptor.getName())
        .setSchemaDescriptor(descriptor.getSchemaDescriptor());
    methods.forEach(method -> rebuilt.addMethod(method.getMethodDescriptor()));
    ServerServiceDefinition.Builder definition = ServerServiceDefinition.builder(rebuilt.build());
    methods.forEach(definition::addMethod);
    return ServerInterceptors.intercept(definition.build(), MalformedRequests::checkMessages);
  }

  private static <ReqT, RespT> ServerMethodDefinition<ReqT, RespT> lenient(
      ServerMethodDefinition<ReqT, RespT> method) {
    MethodDescriptor<ReqT, RespT> descriptor = method.getMethodDescriptor();
    MethodDescriptor.Marshaller<ReqT> strict = descriptor.getRequestMarshaller();
    MethodDescriptor.Marshaller<ReqT> nullOnFailure = new MethodDescriptor.Marshaller<>() {
      @Override
      public InputStream stream(ReqT value) {
        return strict.stream(value);
      }

      @Override
      public ReqT parse(InputStream stream) {
        try {
          return strict.parse(stream);
        } catch (StatusRuntimeException | IllegalArgumentException e) {
          return null;
        }
      }
    };
    return ServerMethodDefinition.create(
        descriptor.toBuilder().setRequestMarshaller(nullOnFailure).build(),
        method.getServerCallHandler());
  }

  private static <ReqT, RespT> ServerCall.Listener<ReqT> checkMessages(
      ServerCall<ReqT, RespT> call, Metadata headers, ServerCallHandler<ReqT, RespT> next) {
    return new ForwardingServerCallListener.SimpleForwardingServerCallListener<>(
        next.startCall(call, headers)) {
      private boolean refused;

      @Override
      public void onMessage(ReqT message) {
        if (refused) {
          return;
        }
        if (message == null) {
          refused = true;
          call.close(Status.INVALID_ARGUMENT.withDescription(StatusMessages.MALFORMED_REQUEST),
              new Metadata());
          return;
        }
        super.onMessage(message);
      }

      @Override
      public void onHalfClose() {
        // A call closed here has answered; the handler must not see the end of its input.
        if (!refused) {
          super.onHalfClose();
        }
      }
    };
  }
}
