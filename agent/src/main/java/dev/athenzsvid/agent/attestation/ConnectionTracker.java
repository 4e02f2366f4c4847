package dev.athenzsvid.agent.attestation;

import static java.util.Objects.requireNonNull;

import io.grpc.Attributes;
import io.grpc.ServerTransportFilter;

/**
 * Records, when a connection is accepted, the start time of the process that connected, so
 * each call can check the pid still names that same process. A connection whose process is
 * already gone gets no record, and its calls are refused. Thread-safe.
 */
public final class ConnectionTracker extends ServerTransportFilter {
  /** The start time of the connecting process, as {@link ProcessInfo#startTime()}. */
  public static final Attributes.Key<Long> PROCESS_START =
      Attributes.Key.create("athenz-svid.process-start");

  private final ProcessInspector inspector;

  public ConnectionTracker(ProcessInspector inspector) {
    this.inspector = requireNonNull(inspector, "inspector");
  }

  @Override
  public Attributes transportReady(Attributes attributes) {
    PeerCredentials peer = attributes.get(PeerCredentialsBridge.PEER_CREDENTIALS);
    if (peer == null) {
      return attributes;
    }
    return inspector.inspect(peer.pid())
        .map(info -> attributes.toBuilder().set(PROCESS_START, info.startTime()).build())
        .orElse(attributes);
  }
}
