package dev.athenzsvid.agent;

import dev.athenzsvid.agent.attestation.ProcFsInspector;
import dev.athenzsvid.agent.attestation.ProcessInfo;
import dev.athenzsvid.agent.attestation.ProcessInspector;
import java.util.Optional;

/**
 * The real process table, with a switch that makes every process look gone or replaced by a
 * later one with the same pid. Lets tests over a real socket, whose peer is this JVM, play
 * the part of a caller that exited or whose pid was reused. Thread-safe.
 */
public final class FakeProcessInspector implements ProcessInspector {
  /** How processes look from now on. */
  public enum View {
    REAL,
    EXITED,
    /** Same pid, later start time: a new process took the pid. */
    PID_REUSED
  }

  private final ProcessInspector real = new ProcFsInspector();
  private volatile View view = View.REAL;

  public void view(View value) {
    this.view = value;
  }

  @Override
  public Optional<ProcessInfo> inspect(int pid) {
    return switch (view) {
      case REAL -> real.inspect(pid);
      case EXITED -> Optional.empty();
      case PID_REUSED -> real.inspect(pid).map(info -> new ProcessInfo(info.startTime() + 1,
          info.uid(), info.groups(), info.executable()));
    };
  }
}
