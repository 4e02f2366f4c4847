package dev.athenzsvid.client.load;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;

/**
 * Runs a fixed number of callers, each starting its next call as soon as the previous one
 * finished (a closed loop), for a warm-up and then a measured interval. One run per instance.
 */
final class ClosedLoop {
  /** One asynchronous call; it must invoke {@code done} exactly once with its outcome. */
  interface Operation {
    void call(int caller, long sequence, Consumer<String> done);
  }

  private final Operation operation;
  private final LoadResult result;
  private final AtomicBoolean running = new AtomicBoolean(true);
  private final AtomicBoolean measuring = new AtomicBoolean(false);
  /** True on a thread while it is inside {@link Operation#call}. */
  private final ThreadLocal<Boolean> calling = ThreadLocal.withInitial(() -> false);
  /**
   * Starts the next call of a caller whose call finished before {@link Operation#call}
   * returned (a target that fails every call at once does that). Starting it in place would
   * nest one call in the other until the stack overflows.
   */
  private final ExecutorService restarts = Executors.newSingleThreadExecutor(runnable -> {
    Thread thread = new Thread(runnable, "closed-loop-restarts");
    thread.setDaemon(true);
    return thread;
  });

  ClosedLoop(Operation operation, LoadResult result) {
    this.operation = operation;
    this.result = result;
  }

  /** Runs the loop and returns the length of the measured interval. */
  Duration run(int callers, Duration warmup, Duration duration) throws InterruptedException {
    try {
      CountDownLatch stopped = new CountDownLatch(callers);
      for (int caller = 0; caller < callers; caller++) {
        next(caller, caller, stopped);
      }
      TimeUnit.NANOSECONDS.sleep(warmup.toNanos());
      result.reset();
      measuring.set(true);
      long start = System.nanoTime();
      TimeUnit.NANOSECONDS.sleep(duration.toNanos());
      measuring.set(false);
      long elapsed = System.nanoTime() - start;
      running.set(false);
      if (!stopped.await(30, TimeUnit.SECONDS)) {
        throw new IllegalStateException("calls still outstanding 30 s after the run ended");
      }
      return Duration.ofNanos(elapsed);
    } finally {
      running.set(false);
      restarts.shutdown();
      if (!restarts.awaitTermination(5, TimeUnit.SECONDS)) {
        restarts.shutdownNow();
      }
    }
  }

  private void next(int caller, long sequence, CountDownLatch stopped) {
    long start = System.nanoTime();
    calling.set(true);
    try {
      operation.call(caller, sequence, outcome -> {
        if (measuring.get()) {
          result.record(start, outcome);
        }
        if (!running.get()) {
          stopped.countDown();
        } else if (calling.get()) {
          restarts.execute(() -> next(caller, sequence + 1, stopped));
        } else {
          next(caller, sequence + 1, stopped);
        }
      });
    } finally {
      calling.set(false);
    }
  }
}
