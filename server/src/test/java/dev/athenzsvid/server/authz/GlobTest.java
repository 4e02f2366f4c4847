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

  @ParameterizedTest(name = "{0} ~ {1} -> {2}")
  @CsvSource({
      "*, '', true",
      "*, a.b:c, true",
      "abc, abc, true",
      "abc, abd, false",
      "'', '', true",
      "'', a, false",
      "svc.*, svc., true",
      "svc.*, svc.a.b, true",
      "svc.*, svx.a, false",
      "*.txt, .txt, true",
      "*.txt, a.txt.gz, false",
      "a*b, axxb, true",
      "a?*, a, false",
      "?*, x, true",
      "*?, '', false",
      "a*b*, abxx, true"
  })
  void compile_pattern_agreesWithMatches(String pattern, String text, boolean expected) {
    assertEquals(expected, Glob.compile(pattern).test(text));
    assertEquals(expected, Glob.matches(pattern, text));
  }
}
