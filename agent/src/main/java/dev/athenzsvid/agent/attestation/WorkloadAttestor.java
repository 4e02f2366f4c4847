package dev.athenzsvid.agent.attestation;

import static java.util.Objects.requireNonNull;

import io.grpc.Attributes;
import java.util.HashSet;
import java.util.Optional;
import java.util.Set;

/**
 * Attests the caller of one call from its transport attributes: the kernel's peer
 * credentials (uid, gid) and, from the process table, supplementary groups and executable.
 * The process must be the one that connected: same pid and same start time. Thread-safe.
 */
public final class WorkloadAttestor {
  public static final String NO_CREDENTIALS = "peer credentials unavailable on this connection";
  public static final String CALLER_GONE = "could not verify existence of the original caller";

  private final ProcessInspector inspector;

  public WorkloadAttestor(ProcessInspector inspector) {
    this.inspector = requireNonNull(inspector, "inspector");
  }

  public Caller attest(Attributes attributes) throws AttestationException {
    requireNonNull(attributes, "attributes");
    PeerCredentials peer = attributes.get(PeerCredentialsBridge.PEER_CREDENTIALS);
    if (peer == null) {
      throw new AttestationException(NO_CREDENTIALS, false);
    }
    Long connectedStart = attributes.get(ConnectionTracker.PROCESS_START);
    if (connectedStart == null) {
      throw new AttestationException(CALLER_GONE + ": process exited before its call", true);
    }
    Optional<ProcessInfo> info = inspector.inspect(peer.pid());
    if (info.isEmpty()) {
      throw new AttestationException(CALLER_GONE + ": process exited", true);
    }
    if (info.get().startTime() != connectedStart || info.get().uid() != peer.uid()) {
      throw new AttestationException(CALLER_GONE + ": pid reused by another process", true);
    }
    Set<Integer> groups = new HashSet<>(info.get().groups());
    groups.addAll(peer.gids());
    return new Caller(peer.pid(), peer.uid(), groups, info.get().executable());
  }
}
