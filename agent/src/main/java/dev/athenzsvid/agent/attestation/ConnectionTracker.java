package dev.athenzsvid.agent.attestation;

import static java.util.Objects.requireNonNull;

import io.grpc.Attributes;
import io.grpc.ServerTransportFilter;

/**
 * Inspects, when a connection is accepted, the process that connected: its start time, groups
 * and executable are recorded with the connection, as the kernel records its uid and gid,
 * with a {@link ProcessWatch} that each call asks whether the pid still names that same
 * process and, when selectors need them, its groups and executable now, so the hot path
 * re-reads one open file (plus {@code status} or the {@code exe} link for those selectors)
 * instead of inspecting the process again.
 * The watch is closed when the connection ends. A connection whose process is already gone
 * gets no record, and its calls are refused. Thread-safe.
 */
public final class ConnectionTracker extends ServerTransportFilter {
  /** The connecting process as it was when it connected. */
  public static final Attributes.Key<ProcessInfo> PROCESS =
      Attributes.Key.create("athenz-svid.process");
  /** The watch on the connecting process. */
  public static final Attributes.Key<ProcessWatch> WATCH =
      Attributes.Key.create("athenz-svid.process-watch");

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
        .map(info -> attributes.toBuilder()
            .set(PROCESS, info)
            .set(WATCH, inspector.watch(peer.pid(), info.startTime()))
            .build())
        .orElse(attributes);
  }

  /**
   * Closes the watch. {@code attributes} is null for a connection that ended before it was
   * ready (a client that hung up during the handshake, a probe of the socket).
   */
  @Override
  public void transportTerminated(Attributes attributes) {
    if (attributes == null) {
      return;
    }
    ProcessWatch watch = attributes.get(WATCH);
    if (watch != null) {
      watch.close();
    }
  }
}
