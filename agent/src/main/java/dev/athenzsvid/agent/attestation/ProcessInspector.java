package dev.athenzsvid.agent.attestation;

import java.util.Optional;

/** Looks processes up by pid. Implementations are thread-safe. */
public interface ProcessInspector {
  /** The process with {@code pid}, or empty if there is none (it exited). */
  Optional<ProcessInfo> inspect(int pid);
}
