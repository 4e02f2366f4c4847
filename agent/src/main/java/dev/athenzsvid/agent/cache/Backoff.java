package dev.athenzsvid.agent.cache;

import java.time.Duration;

/**
 * Exponential backoff between failed server calls for one key: {@code initial} after the first
 * failure, doubling up to {@code max}. Immutable.
 */
public record Backoff(Duration initial, Duration max) {
  public static final Backoff DEFAULT = new Backoff(Duration.ofSeconds(1), Duration.ofSeconds(30));

  /** How long to wait after {@code failures} consecutive failures (at least 1). */
  public Duration after(int failures) {
    int doublings = Math.min(Math.max(failures - 1, 0), 20);
    Duration delay = initial.multipliedBy(1L << doublings);
    return delay.compareTo(max) > 0 ? max : delay;
  }
}
