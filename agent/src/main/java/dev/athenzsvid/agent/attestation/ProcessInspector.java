package dev.athenzsvid.agent.attestation;

import java.nio.file.Path;
import java.util.Optional;
import java.util.Set;

/** Looks processes up by pid. Implementations are thread-safe. */
public interface ProcessInspector {
  /** The process with {@code pid}, or empty if there is none (it exited). */
  Optional<ProcessInfo> inspect(int pid);

  /**
   * A watch on the process {@code pid} that started at {@code startTime}. This default asks
   * {@link #inspect} each time; a real process table can do it more cheaply.
   */
  default ProcessWatch watch(int pid, long startTime) {
    return new ProcessWatch() {
      @Override
      public boolean sameProcess() {
        return inspect(pid).map(info -> info.startTime() == startTime).orElse(false);
      }

      @Override
      public Optional<Path> executable() {
        return inspect(pid).flatMap(ProcessInfo::executable);
      }

      @Override
      public Set<Integer> groups() {
        return inspect(pid).map(ProcessInfo::groups).orElse(Set.of());
      }
    };
  }
}
