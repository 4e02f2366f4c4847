package dev.athenzsvid.agent.attestation;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Reads processes from Linux {@code /proc}: {@code stat} for the start time, {@code status}
 * for the real uid and the groups, the {@code exe} link for the executable (readable only for
 * the agent's own user's processes unless the agent has the capability to trace others).
 * Stateless and thread-safe.
 */
public final class ProcFsInspector implements ProcessInspector {
  /** Field 22 of {@code stat}, counted from the first field after the command name. */
  private static final int START_TIME_AFTER_COMM = 19;

  private final Path proc;

  public ProcFsInspector() {
    this(Path.of("/proc"));
  }

  ProcFsInspector(Path proc) {
    this.proc = proc;
  }

  @Override
  public Optional<ProcessInfo> inspect(int pid) {
    if (pid <= 0) {
      return Optional.empty();
    }
    Path dir = proc.resolve(Integer.toString(pid));
    try {
      long startTime = startTime(Files.readString(dir.resolve("stat")));
      List<String> status = Files.readAllLines(dir.resolve("status"));
      int uid = -1;
      Set<Integer> groups = new HashSet<>();
      for (String line : status) {
        if (line.startsWith("Uid:")) {
          uid = Integer.parseInt(line.substring(4).trim().split("\\s+")[0]);
        } else if (line.startsWith("Gid:")) {
          groups.add(Integer.parseInt(line.substring(4).trim().split("\\s+")[0]));
        } else if (line.startsWith("Groups:")) {
          String list = line.substring(7).trim();
          if (!list.isEmpty()) {
            for (String gid : list.split("\\s+")) {
              groups.add(Integer.parseInt(gid));
            }
          }
        }
      }
      return Optional.of(new ProcessInfo(startTime, uid, groups, executable(dir)));
    } catch (IOException | RuntimeException e) {
      return Optional.empty();
    }
  }

  private static Optional<Path> executable(Path dir) {
    try {
      Path exe = Files.readSymbolicLink(dir.resolve("exe"));
      String text = exe.toString();
      // A replaced binary reads "<path> (deleted)": it is no longer that path.
      return text.endsWith(" (deleted)") ? Optional.empty() : Optional.of(exe);
    } catch (IOException | UnsupportedOperationException | SecurityException e) {
      return Optional.empty();
    }
  }

  static long startTime(String stat) throws IOException {
    int end = stat.lastIndexOf(')');
    if (end < 0) {
      throw new IOException("unexpected stat format");
    }
    String[] fields = stat.substring(end + 1).trim().split("\\s+");
    if (fields.length <= START_TIME_AFTER_COMM) {
      throw new IOException("unexpected stat format");
    }
    return Long.parseLong(fields[START_TIME_AFTER_COMM]);
  }
}
