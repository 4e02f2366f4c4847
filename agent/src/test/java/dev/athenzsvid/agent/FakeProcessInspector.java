package dev.athenzsvid.agent;

import dev.athenzsvid.agent.attestation.ProcFsInspector;
import dev.athenzsvid.agent.attestation.ProcessInfo;
import dev.athenzsvid.agent.attestation.ProcessInspector;
import java.nio.file.Path;
import java.util.Optional;

/**
 * The real process table, with a switch that makes every process look gone, replaced by a
 * later one with the same pid, or running another program. Lets tests over a real socket,
 * whose peer is this JVM, play the part of a caller that exited, whose pid was reused or
 * that called exec. Thread-safe.
 */
public final class FakeProcessInspector implements ProcessInspector {
  /** How processes look from now on. */
  public enum View {
    REAL,
    EXITED,
    /** Same pid, later start time: a new process took the pid. */
    PID_REUSED,
    /** Same process, now running {@link #OTHER_PROGRAM}: it called exec. */
    EXECUTED_OTHER
  }

  /** The executable every process runs in {@link View#EXECUTED_OTHER}. */
  public static final Path OTHER_PROGRAM = Path.of("/usr/bin/other-program");

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
      case EXECUTED_OTHER -> real.inspect(pid).map(info -> new ProcessInfo(info.startTime(),
          info.uid(), info.groups(), Optional.of(OTHER_PROGRAM)));
    };
  }
}
