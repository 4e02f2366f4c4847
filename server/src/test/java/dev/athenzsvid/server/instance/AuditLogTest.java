package dev.athenzsvid.server.instance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.slf4j.LoggerFactory;

class AuditLogTest {
  @ParameterizedTest(name = "{0}")
  @CsvSource(delimiter = '|', quoteCharacter = '\'', textBlock = """
      athenz name    | athenz.demo.api                 | athenz.demo.api
      url            | https://api.example.com/x?a=1%2 | '"https://api.example.com/x?a=1%2"'
      url with path  | spiffe://athenz.io/ns/a/sa/b    | spiffe://athenz.io/ns/a/sa/b
      space          | two words                       | '"two words"'
      quote          | say "hi"                        | '"say \\"hi\\""'
      backslash      | a\\b                            | '"a\\\\b"'
      comma          | a,b                             | '"a,b"'
      """)
  void value_requestText_bareOrQuoted(String name, String raw, String written) {
    assertEquals(written, AuditLog.value(raw));
  }

  @Test
  void value_controlCharacters_escaped() {
    assertEquals("\"a\\nb\\rc\\u0000d\\u007f\"", AuditLog.value("a\nb\rc\u0000d\u007f"));
  }

  @Test
  void value_missing_dash() {
    assertEquals(AuditLog.UNKNOWN, AuditLog.value(null));
    assertEquals(AuditLog.UNKNOWN, AuditLog.value(""));
  }

  @Test
  void refused_audienceForgingAField_staysOneQuotedValueOnOneLine() {
    Logger logger = (Logger) LoggerFactory.getLogger(AuditLog.LOGGER);
    Level level = logger.getLevel();
    logger.setLevel(Level.INFO);
    ListAppender<ILoggingEvent> lines = new ListAppender<>();
    lines.start();
    logger.addAppender(lines);
    try {
      new AuditLog().refused("athenz.demo.agent", "athenz.demo.api",
          List.of("x outcome=issued\njwt-svid issued caller=evil"), "host-1", 400, "bad");
      new AuditLog().issued("athenz.demo.agent", "athenz.demo.api", List.of("a", "b c"),
          "kid-1", Instant.EPOCH, "host-1");
    } finally {
      logger.detachAppender(lines);
      logger.setLevel(level);
    }

    String refused = lines.list.get(0).getFormattedMessage();
    assertFalse(refused.contains("\n"), refused);
    assertEquals("jwt-svid refused caller=athenz.demo.agent identity=athenz.demo.api "
        + "audience=\"x outcome=issued\\njwt-svid issued caller=evil\" kid=- expiry=- "
        + "instance=host-1 outcome=400 reason=bad", refused);
    assertEquals("jwt-svid issued caller=athenz.demo.agent identity=athenz.demo.api "
        + "audience=a,\"b c\" kid=kid-1 expiry=1970-01-01T00:00:00Z instance=host-1 "
        + "outcome=issued", lines.list.get(1).getFormattedMessage());
  }
}
