package dev.athenzsvid.agent.attestation;

import java.io.Closeable;

/**
 * A repeatable check that a process is still the one that connected. Made once per
 * connection and asked on every call, so it must be cheap; closed when the connection ends.
 * Implementations are thread-safe.
 */
public interface ProcessWatch extends Closeable {
  /** True while the process lives and its pid has not passed to another process. */
  boolean sameProcess();

  @Override
  default void close() {}
}
