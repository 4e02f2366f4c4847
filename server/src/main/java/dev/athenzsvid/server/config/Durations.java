package dev.athenzsvid.server.config;

import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Parses durations written as a whole number and a unit: {@code 30s}, {@code 5m}, {@code 1h}. */
public final class Durations {
  static final String BAD_DURATION = "not a duration (use a number and s, m, h or d, as in 30s)";

  private static final Pattern FORM = Pattern.compile("([0-9]{1,9})(ms|s|m|h|d)");

  private Durations() {}

  /**
   * The duration {@code text} denotes.
   *
   * @throws IllegalArgumentException if the text is not a number followed by a unit
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
