package dev.athenzsvid.server.authz;

import java.util.function.Predicate;

/**
 * Athenz's pattern matching: {@code *} matches any run of characters (dots and colons
 * included), {@code ?} exactly one, everything else itself; the pattern must cover the whole
 * text. Callers lower-case both sides for case-insensitive matching. Stateless.
 */
public final class Glob {
  private Glob() {}

  /** True when {@code text} holds a {@code *} or {@code ?}, so it is not a plain name. */
  public static boolean isPattern(String text) {
    return text.indexOf('*') >= 0 || text.indexOf('?') >= 0;
  }

  /**
   * The pattern as a reusable matcher with the same answers as {@link #matches}. The shapes
   * that dominate real policies (a plain name, {@code *}, {@code prefix*}, {@code *suffix})
   * become a single string comparison instead of a walk over the pattern.
   */
  public static Predicate<String> compile(String pattern) {
    if (!isPattern(pattern)) {
      return pattern::equals;
    }
    String inner = pattern.substring(0, pattern.length() - 1);
    if (pattern.equals("*")) {
      return text -> true;
    }
    if (pattern.endsWith("*") && !isPattern(inner)) {
      return text -> text.startsWith(inner);
    }
    String tail = pattern.substring(1);
    if (pattern.startsWith("*") && !isPattern(tail)) {
      return text -> text.endsWith(tail);
    }
    return text -> matches(pattern, text);
  }

  /** True when {@code pattern} matches all of {@code text}. */
  public static boolean matches(String pattern, String text) {
    int p = 0;
    int t = 0;
    int star = -1;
    int resume = 0;
    while (t < text.length()) {
      if (p < pattern.length()
          && (pattern.charAt(p) == '?' || pattern.charAt(p) == text.charAt(t))) {
        p++;
        t++;
      } else if (p < pattern.length() && pattern.charAt(p) == '*') {
        star = p++;
        resume = t;
      } else if (star >= 0) {
        // Let the last star swallow one more character and retry from there.
        p = star + 1;
        t = ++resume;
      } else {
        return false;
      }
    }
    while (p < pattern.length() && pattern.charAt(p) == '*') {
      p++;
    }
    return p == pattern.length();
  }
}
