package dev.athenzsvid.client.config;

import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Durations as every config file and flag of the project writes them: a whole number and a
 * unit, {@code 500ms}, {@code 30s}, {@code 5m}, {@code 1h} or {@code 2d}. Stateless.
 */
public final class Durations {
  /** The message of a text that is not a duration. */
  public static final String BAD_DURATION =
      "not a duration (use a number and ms, s, m, h or d, as in 30s)";

  private static final Pattern FORM = Pattern.compile("([0-9]{1,9})(ms|s|m|h|d)");

  private Durations() {}

  /**
   * The duration {@code text} stands for.
   *
   * @throws IllegalArgumentException with {@link #BAD_DURATION} when it stands for none
   */
  public static Duration parse(String text) {
    Matcher matcher = FORM.matcher(text == null ? "" : text.trim());
    if (!matcher.matches()) {
      throw new IllegalArgumentException(BAD_DURATION);
    }
    long amount = Long.parseLong(matcher.group(1));
    return switch (matcher.group(2)) {
      case "ms" -> Duration.ofMillis(amount);
      case "s" -> Duration.ofSeconds(amount);
      case "m" -> Duration.ofMinutes(amount);
      case "h" -> Duration.ofHours(amount);
      default -> Duration.ofDays(amount);
    };
  }
}
