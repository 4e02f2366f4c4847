package dev.athenzsvid.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.spi.ILoggingEvent;
import java.io.IOException;
import java.util.logging.Logger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.bridge.SLF4JBridgeHandler;

/**
 * What gRPC logs through java.util.logging reaches SLF4J, as the agent sets it up at start:
 * the same logger name, level, formatted message and cause.
 */
class JulToSlf4jTest {
  private static final String LOGGER = "dev.athenzsvid.agent.test.jul";

  @BeforeEach
  void bridge() {
    SLF4JBridgeHandler.removeHandlersForRootLogger();
    SLF4JBridgeHandler.install();
  }

  @AfterEach
  void unbridge() {
    SLF4JBridgeHandler.uninstall();
  }

  @Test
  void log_warningWithParameterAndCause_oneWarnEventWithBoth() {
    try (LogCapture capture = LogCapture.of(LOGGER)) {
      Logger.getLogger(LOGGER).log(java.util.logging.Level.WARNING, "stream {0} failed",
          new Object[] {"7"});
      Logger.getLogger(LOGGER).log(java.util.logging.Level.WARNING, "reset",
          new IOException("connection reset"));
      assertEquals("stream 7 failed", capture.events().get(0).getFormattedMessage());
      ILoggingEvent withCause = capture.events().get(1);
      assertEquals(Level.WARN, withCause.getLevel());
      assertEquals("connection reset", withCause.getThrowableProxy().getMessage());
    }
  }

  @Test
  void log_severe_error() {
    try (LogCapture capture = LogCapture.of(LOGGER)) {
      Logger.getLogger(LOGGER).severe("severe");
      assertEquals(Level.ERROR, capture.single(Level.ERROR).getLevel());
    }
  }
}
