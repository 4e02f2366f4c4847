package dev.athenzsvid.agent.workloadapi;

import static java.util.Objects.requireNonNull;

import dev.athenzsvid.agent.attestation.AttestationException;
import dev.athenzsvid.agent.attestation.Caller;
import dev.athenzsvid.agent.attestation.WorkloadAttestor;
import io.grpc.Attributes;
import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;

/**
 * Puts the call's caller into the gRPC {@link Context} as a {@link CallerLookup} that attests
 * on first use, so a handler can reject bad input before attestation and attests at most once
 * per call. Thread-safe.
 */
public final class CallerInterceptor implements ServerInterceptor {
  /** The caller of the current call. */
  public static final Context.Key<CallerLookup> CALLER = Context.key("athenz-svid.caller");

  /** Attests the caller of one call on first use and remembers the outcome. */
  public interface CallerLookup {
    Caller get() throws AttestationException;
  }

  private final WorkloadAttestor attestor;

  public CallerInterceptor(WorkloadAttestor attestor) {
    this.attestor = requireNonNull(attestor, "attestor");
  }

  @Override
  public <ReqT, RespT> ServerCall.Listener<ReqT> interceptCall(ServerCall<ReqT, RespT> call,
      Metadata headers, ServerCallHandler<ReqT, RespT> next) {
    Attributes attributes = call.getAttributes();
    Context context = Context.current().withValue(CALLER, new Memo(attestor, attributes));
    return Contexts.interceptCall(context, call, headers, next);
  }

  /** Memoises one attestation; guarded by its own monitor (calls are rarely concurrent). */
  private static final class Memo implements CallerLookup {
    private final WorkloadAttestor attestor;
    private final Attributes attributes;
    private Caller caller;
    private AttestationException failure;

    Memo(WorkloadAttestor attestor, Attributes attributes) {
      this.attestor = attestor;
      this.attributes = attributes == null ? Attributes.EMPTY : attributes;
    }

    @Override
    public synchronized Caller get() throws AttestationException {
      if (caller == null && failure == null) {
        try {
          caller = attestor.attest(attributes);
        } catch (AttestationException e) {
          failure = e;
        }
      }
      if (failure != null) {
        throw failure;
      }
      return caller;
    }
  }
}
