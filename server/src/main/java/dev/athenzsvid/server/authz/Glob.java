package dev.athenzsvid.server.authz;

/**
 * Athenz's pattern matching: {@code *} matches any run of characters (dots and colons
 * included), {@code ?} exactly one, everything else itself; the pattern must cover the whole
 * text. Callers lower-case both sides for case-insensitive matching. Stateless.
 */
public final class Glob {
  private Glob() {}

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
