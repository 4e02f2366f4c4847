package dev.athenzsvid.agent;

import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogManager;
import java.util.logging.LogRecord;
import java.util.logging.SimpleFormatter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.spi.LoggingEventBuilder;

/**
 * Hands what libraries log through {@code java.util.logging} (gRPC does) to SLF4J, so every
 * line the agent writes has the configured format and level. Installed once by
 * {@link AgentMain}, replacing the console handler the JDK starts with. Thread-safe.
 */
final class JulToSlf4j extends Handler {
  /** Only for {@code formatMessage}, which fills in the record's parameters. */
  private final SimpleFormatter formatter = new SimpleFormatter();

  /** Routes the root {@code java.util.logging} logger, and so every other, through SLF4J. */
  static void install() {
    java.util.logging.Logger root = LogManager.getLogManager().getLogger("");
    for (Handler handler : root.getHandlers()) {
      root.removeHandler(handler);
    }
    root.addHandler(new JulToSlf4j());
  }

  @Override
  public void publish(LogRecord record) {
    if (record == null) {
      return;
    }
    String name = record.getLoggerName() == null ? "" : record.getLoggerName();
    Logger logger = LoggerFactory.getLogger(name);
    LoggingEventBuilder event = event(logger, record.getLevel());
    if (record.getThrown() != null) {
      event = event.setCause(record.getThrown());
    }
    event.log(formatter.formatMessage(record));
  }

  private static LoggingEventBuilder event(Logger logger, Level level) {
    int value = level.intValue();
    if (value >= Level.SEVERE.intValue()) {
      return logger.atError();
    }
    if (value >= Level.WARNING.intValue()) {
      return logger.atWarn();
    }
    if (value >= Level.INFO.intValue()) {
      return logger.atInfo();
    }
    if (value >= Level.FINE.intValue()) {
      return logger.atDebug();
    }
    return logger.atTrace();
  }

  @Override
  public void flush() {}

  @Override
  public void close() {}
}
