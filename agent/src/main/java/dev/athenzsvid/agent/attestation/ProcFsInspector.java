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
 * for the real uid and the groups, the {@code exe} link for the executable (readable only for
 * the agent's own user's processes unless the agent has the capability to trace others).
 * Stateless and thread-safe.
 */
public final class ProcFsInspector implements ProcessInspector {
  /** Enough for any {@code stat} line: 52 numeric fields after a 16-byte command name. */
  private static final int STAT_BUFFER = 1024;
  /** One read buffer per thread, so the check allocates nothing. */
  private static final ThreadLocal<ByteBuffer> BUFFERS =
      ThreadLocal.withInitial(() -> ByteBuffer.allocate(STAT_BUFFER));
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

  /**
   * Keeps {@code /proc/<pid>/stat} open and re-reads it in place for each check: one read
   * instead of an open, a read and a close. Once the process is gone the kernel fails reads
   * of the open file, and a new process with the same pid has other files, so a pid reused
   * since is never taken for the original.
   */
  @Override
  public ProcessWatch watch(int pid, long startTime) {
    FileChannel stat;
    try {
      stat = FileChannel.open(proc.resolve(Integer.toString(pid)).resolve("stat"));
    } catch (IOException | RuntimeException e) {
      return () -> false;
    }
    return new ProcessWatch() {
      @Override
      public boolean sameProcess() {
        ByteBuffer buffer = BUFFERS.get().clear();
        try {
          stat.read(buffer, 0);
          return liveStartTime(buffer.array(), buffer.position()) == startTime;
        } catch (IOException | RuntimeException e) {
          return false;
        }
      }

      @Override
      public void close() {
        try {
          stat.close();
        } catch (IOException e) {
          // Nothing to do: the watch is finished either way.
        }
      }
    };
  }

  /**
   * The start time in a {@code stat} line of {@code length} bytes, or -1 when the process is a
   * zombie (state Z or X: exited, not yet reaped) or the line is malformed. Scans the bytes
   * without making strings: this runs on every call.
   */
  static long liveStartTime(byte[] stat, int length) {
    int end = length - 1;
    while (end >= 0 && stat[end] != ')') {
      end--;
    }
    int i = end + 2;
    if (end < 0 || i >= length || stat[i] == 'Z' || stat[i] == 'X') {
      return -1;
    }
    for (int field = 0; field < START_TIME_AFTER_COMM && i < length; i++) {
      if (stat[i] == ' ') {
        field++;
      }
    }
    long value = 0;
    int digits = 0;
    for (; i < length && stat[i] >= '0' && stat[i] <= '9'; i++, digits++) {
      value = value * 10 + (stat[i] - '0');
    }
    return digits == 0 ? -1 : value;
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
