package dev.athenzsvid.agent.attestation;

import static java.util.Objects.requireNonNull;

import io.grpc.Attributes;
import java.nio.file.Path;
import java.util.Optional;
import java.util.Set;

/**
 * Attests the caller of one call from its transport attributes: the kernel's peer
 * credentials (pid, uid) and, read again on every call, its groups and its executable (a
 * process may drop groups and run another program on the same connection). Each is read only
 * when some selector needs it; a caller whose selectors name neither has none. On every call
 * the pid must still name the process that connected (same start time); a caller that
 * exited, or whose pid now belongs to another process, is refused. Thread-safe.
 */
public final class WorkloadAttestor {
  public static final String NO_CREDENTIALS = "peer credentials unavailable on this connection";
  public static final String CALLER_GONE = "could not verify existence of the original caller";

  private final boolean readExecutable;
  private final boolean readGroups;

  /** An attestor that reads the caller's executable and groups on every call. */
  public WorkloadAttestor() {
    this(true, true);
  }

  /**
   * @param readExecutable whether callers need their executable: false when no selector
   *     names a path, which spares a read of {@code /proc/<pid>/exe} on every call
   * @param readGroups whether callers need their groups: false when no selector names a gid
   *     or a group, which spares a read of {@code /proc/<pid>/status} on every call
   */
  public WorkloadAttestor(boolean readExecutable, boolean readGroups) {
    this.readExecutable = readExecutable;
    this.readGroups = readGroups;
  }

  public Caller attest(Attributes attributes) throws AttestationException {
    requireNonNull(attributes, "attributes");
    PeerCredentials peer = attributes.get(PeerCredentialsBridge.PEER_CREDENTIALS);
    if (peer == null) {
      throw new AttestationException(NO_CREDENTIALS, false);
    }
    ProcessInfo connected = attributes.get(ConnectionTracker.PROCESS);
    ProcessWatch watch = attributes.get(ConnectionTracker.WATCH);
    if (connected == null || watch == null) {
      throw new AttestationException(CALLER_GONE + ": process exited before its call", true);
    }
    // Both effective uids: SO_PEERCRED records the effective one, and so does ProcessInfo.
    if (connected.uid() != peer.uid()) {
      throw new AttestationException(CALLER_GONE + ": pid reused by another process", true);
    }
    // Read first: if the pid passes to another process after this, the check below says so.
    Optional<Path> executable = readExecutable ? watch.executable() : Optional.empty();
    Set<Integer> groups = readGroups ? watch.groups() : Set.of();
    if (!watch.sameProcess()) {
      throw new AttestationException(CALLER_GONE + ": process exited", true);
    }
    return new Caller(peer.pid(), peer.uid(), groups, executable);
  }
}
