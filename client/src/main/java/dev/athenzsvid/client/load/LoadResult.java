package dev.athenzsvid.client.load;

import java.io.PrintWriter;
import java.time.Duration;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import org.HdrHistogram.Recorder;
import org.HdrHistogram.Histogram;

/**
 * Latencies and outcomes of one measured run. Safe to record into from many threads at once;
 * read it once the run is over.
 */
final class LoadResult {
  private final Recorder latencies = new Recorder(3);
  private final Map<String, LongAdder> outcomes = new ConcurrentHashMap<>();

  void record(long startNanos, String outcome) {
    latencies.recordValue(Math.max(1, (System.nanoTime() - startNanos) / 1_000));
    outcomes.computeIfAbsent(outcome, k -> new LongAdder()).increment();
  }

  /** Starts a fresh interval, dropping what was recorded so far (the warm-up). */
  void reset() {
    latencies.reset();
    outcomes.clear();
  }

  void print(PrintWriter out, String name, int callers, Duration elapsed) {
    Histogram histogram = latencies.getIntervalHistogram();
    Map<String, Long> counts = new TreeMap<>();
    outcomes.forEach((outcome, count) -> counts.put(outcome, count.sum()));
    long total = histogram.getTotalCount();
    double seconds = elapsed.toNanos() / 1e9;
    out.printf("%s: callers=%d duration=%.1fs calls=%d%n", name, callers, seconds, total);
    out.printf("  throughput  %.0f calls/s%n", total / seconds);
    out.printf("  latency     p50=%.2fms p99=%.2fms p99.9=%.2fms max=%.2fms%n",
        histogram.getValueAtPercentile(50) / 1000.0,
        histogram.getValueAtPercentile(99) / 1000.0,
        histogram.getValueAtPercentile(99.9) / 1000.0,
        histogram.getMaxValue() / 1000.0);
    out.printf("  outcomes    %s%n", counts);
    out.flush();
  }
}
