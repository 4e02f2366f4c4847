package dev.athenzsvid.agent;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.AppenderBase;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Collectors;
import org.slf4j.LoggerFactory;
import org.slf4j.event.KeyValuePair;

/**
 * Records what one class logs, from {@code INFO} up, until closed. Thread-safe: events may
 * arrive on any thread.
 */
public final class LogCapture extends AppenderBase<ILoggingEvent> implements AutoCloseable {
  private final Logger logger;
  private final Level previousLevel;
  private final List<ILoggingEvent> events = new CopyOnWriteArrayList<>();

  private LogCapture(Logger logger) {
    this.logger = logger;
    this.previousLevel = logger.getLevel();
  }

  /** Starts recording the logger of {@code type}. */
  public static LogCapture of(Class<?> type) {
    return of(type.getName());
  }

  /** Starts recording the logger named {@code name}, for libraries' loggers. */
  public static LogCapture of(String name) {
    Logger logger = (Logger) LoggerFactory.getLogger(name);
    LogCapture capture = new LogCapture(logger);
    capture.setContext(logger.getLoggerContext());
    capture.start();
    logger.setLevel(Level.INFO);
    logger.addAppender(capture);
    return capture;
  }

  @Override
  protected void append(ILoggingEvent event) {
    events.add(event);
  }

  /** The events recorded so far. */
  public List<ILoggingEvent> events() {
    return List.copyOf(events);
  }

  /** The only event at {@code level}; fails unless there is exactly one. */
  public ILoggingEvent single(Level level) {
    List<ILoggingEvent> matching =
        events.stream().filter(e -> e.getLevel().equals(level)).toList();
    if (matching.size() != 1) {
      throw new AssertionError("expected one " + level + " event, got " + messages());
    }
    return matching.get(0);
  }

  /** The key=value fields of {@code event}, values as text. */
  public static Map<String, String> fields(ILoggingEvent event) {
    List<KeyValuePair> pairs = event.getKeyValuePairs();
    return pairs == null ? Map.of() : pairs.stream()
        .collect(Collectors.toMap(p -> p.key, p -> String.valueOf(p.value)));
  }

  /** Each event as its level and message. */
  public List<String> messages() {
    return events.stream().map(e -> e.getLevel() + " " + e.getFormattedMessage()).toList();
  }

  @Override
  public void close() {
    logger.detachAppender(this);
    logger.setLevel(previousLevel);
    stop();
  }
}
