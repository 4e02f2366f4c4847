package dev.athenzsvid.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.spi.ILoggingEvent;
import java.io.IOException;
import java.util.List;
import java.util.logging.LogRecord;
import org.junit.jupiter.api.Test;

/** Records logged through java.util.logging (as gRPC logs) reach SLF4J at the right level. */
class JulToSlf4jTest {
  private static final String LOGGER = "dev.athenzsvid.agent.test.jul";

  private final JulToSlf4j handler = new JulToSlf4j();

  private static LogRecord record(java.util.logging.Level level, String message,
      Object... parameters) {
    LogRecord record = new LogRecord(level, message);
    record.setLoggerName(LOGGER);
    record.setParameters(parameters);
    return record;
  }

  @Test
  void publish_warningWithParametersAndCause_oneWarnEventWithBoth() {
    try (LogCapture capture = LogCapture.of(LOGGER)) {
      LogRecord record = record(java.util.logging.Level.WARNING, "stream {0} failed", "7");
      record.setThrown(new IOException("reset"));
      handler.publish(record);
      ILoggingEvent event = capture.single(Level.WARN);
      assertEquals("stream 7 failed", event.getFormattedMessage());
      assertEquals("reset", event.getThrowableProxy().getMessage());
    }
  }

  @Test
  void publish_levels_mappedToSlf4jLevels() {
    try (LogCapture capture = LogCapture.of(LOGGER)) {
      handler.publish(record(java.util.logging.Level.SEVERE, "severe"));
      handler.publish(record(java.util.logging.Level.INFO, "info"));
      handler.publish(record(java.util.logging.Level.FINE, "fine"));
      assertEquals(List.of("ERROR severe", "INFO info"), capture.messages());
    }
  }

  @Test
  void publish_null_ignored() {
    try (LogCapture capture = LogCapture.of(LOGGER)) {
      handler.publish(null);
      assertTrue(capture.events().isEmpty());
    }
  }
}
