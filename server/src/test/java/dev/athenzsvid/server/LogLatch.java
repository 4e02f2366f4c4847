package dev.athenzsvid.server;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.AppenderBase;
import java.util.concurrent.CountDownLatch;
import org.slf4j.LoggerFactory;

/** A latch opened by the first log line of a logger that starts with a given text. */
public final class LogLatch extends AppenderBase<ILoggingEvent> {
  private final String prefix;
  private final CountDownLatch latch = new CountDownLatch(1);

  private LogLatch(String prefix) {
    this.prefix = prefix;
  }

  /** Waits on {@code type}'s logger (at INFO) for a line starting with {@code prefix}. */
  public static CountDownLatch on(Class<?> type, String prefix) {
    Logger logger = (Logger) LoggerFactory.getLogger(type);
    logger.setLevel(Level.INFO);
    LogLatch appender = new LogLatch(prefix);
    appender.start();
    logger.addAppender(appender);
    return appender.latch;
  }

  @Override
  protected void append(ILoggingEvent event) {
    if (event.getFormattedMessage().startsWith(prefix)) {
      latch.countDown();
    }
  }
}
