package dev.athenzsvid.agent.attestation;

import java.io.Closeable;
import java.nio.file.Path;
import java.util.Optional;
import java.util.Set;

/**
 * A repeatable check that a process is still the one that connected. Made once per
 * connection and asked on every call, so it must be cheap; closed when the connection ends.
 * Implementations are thread-safe.
 */
public interface ProcessWatch extends Closeable {
  /** True while the process lives and its pid has not passed to another process. */
  boolean sameProcess();

  /**
   * The process's executable now, empty when it cannot be read. A process that runs another
   * program keeps its pid, its start time and its open connection, so the executable of the
   * connecting program says nothing about the caller of a later call. Ask this before
   * {@link #sameProcess()}: a pid that passed to another process in between is caught there.
   */
  default Optional<Path> executable() {
    return Optional.empty();
  }

  /**
   * The process's effective and supplementary group ids now, empty when they cannot be read.
   * A process may drop groups and then run another program on the same connection. Ask this
   * before {@link #sameProcess()}, as {@link #executable()}.
   */
  default Set<Integer> groups() {
    return Set.of();
  }

  @Override
  default void close() {}
}
