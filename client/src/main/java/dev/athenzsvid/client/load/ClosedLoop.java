package dev.athenzsvid.client.load;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;

/**
 * Runs a fixed number of callers, each starting its next call as soon as the previous one
 * finished (a closed loop), for a warm-up and then a measured interval.
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

  ClosedLoop(Operation operation, LoadResult result) {
    this.operation = operation;
    this.result = result;
  }

  /** Runs the loop and returns the length of the measured interval. */
  Duration run(int callers, Duration warmup, Duration duration) throws InterruptedException {
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
  }

  private void next(int caller, long sequence, CountDownLatch stopped) {
    long start = System.nanoTime();
    operation.call(caller, sequence, outcome -> {
      if (measuring.get()) {
        result.record(start, outcome);
      }
      if (running.get()) {
        next(caller, sequence + 1, stopped);
      } else {
        stopped.countDown();
      }
    });
  }
}
