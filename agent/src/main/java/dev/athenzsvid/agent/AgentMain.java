package dev.athenzsvid.agent;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.JsonEncoder;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.ConsoleAppender;
import ch.qos.logback.core.encoder.Encoder;
import dev.athenzsvid.agent.config.AgentConfig;
import dev.athenzsvid.agent.config.ConfigException;
import dev.athenzsvid.client.crypto.CryptoProviders;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.LoggerFactory;
import org.slf4j.bridge.SLF4JBridgeHandler;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * The {@code athenz-svid-agent} command: reads the config file, applies flags, configures
 * logging, starts a {@link WorkloadAgent} and runs until SIGTERM or SIGINT, which drain calls
 * and close streams. The only place that reads flags, the environment or the config file.
 * Exit status: 2 for a bad setting, 1 when the agent cannot start; after SIGTERM the JVM
 * exits with 143 (128 + the signal) once calls have drained, which service managers are told
 * to count as success.
 */
@Command(name = "athenz-svid-agent", mixinStandardHelpOptions = true,
    description = "Serves the SPIFFE Workload API with Athenz-signed JWT-SVIDs.")
public final class AgentMain implements Callable<Integer> {
  /**
   * The text log line: time, level, logger, message, then the key=value fields. Line breaks
   * inside them (a server's error text, say) become spaces, so one event is one line.
   */
  static final String TEXT_PATTERN = "%d{yyyy-MM-dd'T'HH:mm:ss.SSSXXX} %-5level %logger{0} - "
      + "%replace(%msg %kvp){'[\\r\\n]+', ' '}%n";

  @Spec
  CommandSpec spec;

  @Option(names = "--config", required = true, description = "YAML config file")
  Path config;

  @Option(names = "--socket", description = "Unix socket path (overrides socket)")
  Path socket;

  @Option(names = "--server-url", description = "token server URL (overrides server.url)")
  URI serverUrl;

  @Option(names = "--metrics-port", description = "Prometheus port, 0 = off")
  Integer metricsPort;

  @Option(names = "--log-format", description = "text or json (overrides log.format)")
  String logFormat;

  @Option(names = "--log-level", description = "overrides log.level")
  String logLevel;

  public static void main(String[] args) {
    System.exit(new CommandLine(new AgentMain()).execute(args));
  }

  @Override
  public Integer call() {
    AgentConfig settings;
    try {
      settings = settings();
    } catch (ConfigException e) {
      spec.commandLine().getErr().println("config error: " + e.getMessage());
      return 2;
    }
    configureLogging(settings.log());
    CryptoProviders.install();
    // On SIGTERM the JVM runs this hook: calls drain, streams end UNAVAILABLE, the socket goes.
    // It is registered before the agent starts, and waits for a start under way to end, so a
    // signal that arrives while the socket is being set up still removes it.
    Object lifecycle = new Object();
    AtomicReference<WorkloadAgent> running = new AtomicReference<>();
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      synchronized (lifecycle) {
        WorkloadAgent agent = running.get();
        if (agent != null) {
          agent.close();
        }
      }
      stopped.countDown();
    }, "agent-shutdown"));
    synchronized (lifecycle) {
      try {
        running.set(WorkloadAgent.start(settings));
      } catch (IOException | GeneralSecurityException | RuntimeException e) {
        spec.commandLine().getErr().println("cannot start agent: " + e.getMessage());
        return 1;
      }
    }
    try {
      stopped.await();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    return 0;
  }

  private AgentConfig settings() throws ConfigException {
    AgentConfig loaded = AgentConfig.load(config);
    if (socket != null) {
      loaded = loaded.withSocket(socket);
    }
    if (serverUrl != null) {
      if (!"https".equals(serverUrl.getScheme()) || serverUrl.getHost() == null) {
        throw new ConfigException("--server-url", serverUrl + ": must be an https:// URL");
      }
      loaded = loaded.withServerUrl(serverUrl);
    }
    if (metricsPort != null) {
      if (metricsPort < 0 || metricsPort > 65_535) {
        throw new ConfigException("--metrics-port", metricsPort + ": must be 0 to 65535");
      }
      loaded = loaded.withMetricsPort(metricsPort);
    }
    if (logFormat != null || logLevel != null) {
      String format = logFormat != null ? logFormat : loaded.log().format();
      String level = logLevel != null ? logLevel.toLowerCase(Locale.ROOT)
          : loaded.log().level();
      if (!format.equals("text") && !format.equals("json")) {
        throw new ConfigException("--log-format", format + ": must be text or json");
      }
      if (Level.toLevel(level, null) == null) {
        throw new ConfigException("--log-level", level + ": not a log level");
      }
      loaded = loaded.withLog(new AgentConfig.Log(format, level));
    }
    return loaded;
  }

  /**
   * Replaces the packaged logback setup with the configured format and level, and sends what
   * libraries log through {@code java.util.logging} the same way.
   */
  private static void configureLogging(AgentConfig.Log settings) {
    if (!(LoggerFactory.getILoggerFactory() instanceof LoggerContext context)) {
      return;
    }
    Encoder<ILoggingEvent> encoder = encoder(context, settings.format());
    ConsoleAppender<ILoggingEvent> appender = new ConsoleAppender<>();
    appender.setContext(context);
    appender.setName("console");
    appender.setEncoder(encoder);
    appender.start();
    ch.qos.logback.classic.Logger root = context.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
    root.detachAndStopAllAppenders();
    root.addAppender(appender);
    root.setLevel(Level.toLevel(settings.level(), Level.INFO));
    // gRPC logs through java.util.logging: its records get the same format and level.
    // TODO(#4): gRPC's transport logs a client's framing mistakes (a message over the size
    // limit, a bad grpc-timeout, a compressed message) at WARN with a stack trace, and answers
    // some of them INTERNAL; a local client can fill the log this way.
    SLF4JBridgeHandler.removeHandlersForRootLogger();
    SLF4JBridgeHandler.install();
  }

  /**
   * The started encoder for {@code format} ({@code json}: one JSON object per line, with the
   * key=value fields as a list; otherwise text with the fields after the message). Separate
   * from {@link #configureLogging} so the format can be checked without touching the
   * process-wide logging setup.
   */
  static Encoder<ILoggingEvent> encoder(LoggerContext context, String format) {
    if (format.equals("json")) {
      JsonEncoder json = new JsonEncoder();
      json.setContext(context);
      json.start();
      return json;
    }
    PatternLayoutEncoder text = new PatternLayoutEncoder();
    text.setContext(context);
    text.setPattern(TEXT_PATTERN);
    text.start();
    return text;
  }
}
