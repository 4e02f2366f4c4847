package dev.athenzsvid.agent.attestation;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Reads processes from Linux {@code /proc}: {@code stat} for the start time, {@code status}
 * for the effective uid and gid and the supplementary groups, the {@code exe} link for the
 * executable (readable only for the agent's own user's processes unless the agent has the
 * capability to trace others). Stateless and thread-safe.
 */
public final class ProcFsInspector implements ProcessInspector {
  /** Enough for a {@code statm} line: seven numbers. */
  private static final int STATM_BUFFER = 256;
  /**
   * One read buffer per thread, so the check allocates nothing; direct, so the read needs no
   * copy through a temporary native buffer.
   */
  private static final ThreadLocal<ByteBuffer> BUFFERS =
      ThreadLocal.withInitial(() -> ByteBuffer.allocateDirect(STATM_BUFFER));
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
      for (String line : status) {
        // Uid: lists real, effective, saved and filesystem ids. SO_PEERCRED reports the
        // effective one, so that is what the kernel's record is compared with.
        if (line.startsWith("Uid:")) {
          uid = effective(line);
        }
      }
      return Optional.of(new ProcessInfo(startTime, uid, groups(status), executable(dir)));
    } catch (IOException | RuntimeException e) {
      return Optional.empty();
    }
  }

  /**
   * Keeps {@code /proc/<pid>/statm} open and re-reads it in place for each check: one small
   * read instead of opening and parsing files. The open file stays bound to the process it
   * was opened for: once that process is reaped, reads fail, and a later process with the same
   * pid has files of its own, so a reused pid is never taken for the original. A zombie (exited,
   * not yet reaped) reads as all zeros, having no memory left. The start time is checked once
   * more after the file is open, so the file is known to belong to the process that connected.
   */
  @Override
  public ProcessWatch watch(int pid, long startTime) {
    Path dir = proc.resolve(Integer.toString(pid));
    FileChannel statm;
    try {
      statm = FileChannel.open(dir.resolve("statm"));
    } catch (IOException | RuntimeException e) {
      return () -> false;
    }
    ProcessWatch watch = new ProcessWatch() {
      @Override
      public boolean sameProcess() {
        ByteBuffer buffer = BUFFERS.get().clear();
        try {
          return statm.read(buffer, 0) > 0 && hasMemory(buffer, buffer.position());
        } catch (IOException | RuntimeException e) {
          return false;
        }
      }

      @Override
      public Optional<Path> executable() {
        return ProcFsInspector.executable(dir);
      }

      @Override
      public Set<Integer> groups() {
        try {
          return ProcFsInspector.groups(Files.readAllLines(dir.resolve("status")));
        } catch (IOException | RuntimeException e) {
          return Set.of();
        }
      }

      @Override
      public void close() {
        try {
          statm.close();
        } catch (IOException e) {
          // Nothing to do: the watch is finished either way.
        }
      }
    };
    try {
      if (startTime(Files.readString(dir.resolve("stat"))) == startTime) {
        return watch;
      }
    } catch (IOException | RuntimeException e) {
      // The process is gone already: fall through to a watch that says so.
    }
    watch.close();
    return () -> false;
  }

  /** The effective group id and the supplementary ones, from the lines of {@code status}. */
  private static Set<Integer> groups(List<String> status) {
    Set<Integer> groups = new HashSet<>();
    for (String line : status) {
      if (line.startsWith("Gid:")) {
        groups.add(effective(line));
      } else if (line.startsWith("Groups:")) {
        String list = line.substring(7).trim();
        if (!list.isEmpty()) {
          for (String gid : list.split("\\s+")) {
            groups.add(Integer.parseInt(gid));
          }
        }
      }
    }
    return groups;
  }

  /** The second id of a {@code Uid:} or {@code Gid:} line of {@code status}: the effective. */
  private static int effective(String line) {
    return Integer.parseInt(line.substring(4).trim().split("\\s+")[1]);
  }

  /** True when the first field of a {@code statm} line (total program size) is not zero. */
  static boolean hasMemory(ByteBuffer statm, int length) {
    for (int i = 0; i < length; i++) {
      byte b = statm.get(i);
      if (b == ' ') {
        return false;
      }
      if (b != '0') {
        return b >= '1' && b <= '9';
      }
    }
    return false;
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
