package dev.athenzsvid.agent.attestation;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The real process table: this JVM and a child process that exits. */
class ProcFsInspectorTest {
  private final ProcFsInspector inspector = new ProcFsInspector();

  @Test
  void inspect_thisProcess_uidAndExecutable() throws Exception {
    int pid = (int) ProcessHandle.current().pid();
    ProcessInfo info = inspector.inspect(pid).orElseThrow();
    assertEquals((int) Files.getAttribute(Path.of("/proc/self"), "unix:uid"), info.uid());
    assertEquals(Path.of(ProcessHandle.current().info().command().orElseThrow()).toRealPath(),
        info.executable().orElseThrow());
  }

  @Test
  void watch_liveProcess_sameProcessEveryTime() {
    int pid = (int) ProcessHandle.current().pid();
    long start = inspector.inspect(pid).orElseThrow().startTime();
    try (ProcessWatch watch = inspector.watch(pid, start)) {
      assertTrue(watch.sameProcess());
      assertTrue(watch.sameProcess(), "the open file can be read again");
      assertEquals(inspector.inspect(pid).orElseThrow().executable(), watch.executable());
    }
  }

  @Test
  void watch_otherStartTime_notSameProcess() {
    int pid = (int) ProcessHandle.current().pid();
    long start = inspector.inspect(pid).orElseThrow().startTime();
    try (ProcessWatch watch = inspector.watch(pid, start + 1)) {
      assertFalse(watch.sameProcess());
    }
  }

  @Test
  void watch_childExitedAndReaped_notSameProcess() throws Exception {
    Process child = new ProcessBuilder("sleep", "30").start();
    int pid = (int) child.pid();
    long start = inspector.inspect(pid).orElseThrow().startTime();
    try (ProcessWatch watch = inspector.watch(pid, start)) {
      assertTrue(watch.sameProcess());
      child.destroy();
      assertTrue(child.waitFor(10, TimeUnit.SECONDS));
      assertFalse(watch.sameProcess());
    }
  }

  @Test
  void watch_noSuchProcess_notSameProcess() {
    try (ProcessWatch watch = inspector.watch(Integer.MAX_VALUE, 1)) {
      assertFalse(watch.sameProcess());
    }
  }

  @Test
  void hasMemory_statmLines() {
    assertTrue(hasMemory("2617 254 219 5 0 112 0\n"));
    assertFalse(hasMemory("0 0 0 0 0 0 0\n"), "a zombie");
    assertFalse(hasMemory(""));
  }

  private static boolean hasMemory(String statm) {
    byte[] bytes = statm.getBytes(StandardCharsets.US_ASCII);
    return ProcFsInspector.hasMemory(ByteBuffer.wrap(bytes), bytes.length);
  }

  @Test
  void startTime_commandNameWithSpacesAndParenthesis_field22() throws Exception {
    assertEquals(777, ProcFsInspector.startTime("42 (a b) c) S 1 42 42 0 -1 4194560 96 0 0 0"
        + " 0 0 0 0 20 0 1 0 777 1 2"));
  }
}
