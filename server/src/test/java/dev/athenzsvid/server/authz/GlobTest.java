package dev.athenzsvid.server.authz;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class GlobTest {
  @ParameterizedTest(name = "{0} ~ {1} -> {2}")
  @CsvSource({
      "*, '', true",
      "*, anything.at:all, true",
      "a*, a, true",
      "a*b, ab, true",
      "a*b, axxb, true",
      "a*b, axxbc, false",
      "*.txt, a.b.txt, true",
      "?, '', false",
      "?, a, true",
      "a?c, abc, true",
      "a?c, abbc, false",
      "a**c, ac, true",
      "*a*a*, banana, true",
      "abc, abc, true",
      "abc, abcd, false",
      "'', '', true",
      "'', a, false"
  })
  void matches_pattern_wholeStringSemantics(String pattern, String text, boolean expected) {
    assertEquals(expected, Glob.matches(pattern, text));
  }
}
