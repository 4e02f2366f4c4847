package dev.athenzsvid.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.util.LogbackMDCAdapter;
import ch.qos.logback.core.OutputStreamAppender;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The log formats as {@link AgentMain} builds them, each in a logging context of its own so
 * the process-wide setup of the test run is left alone.
 */
class AgentMainLoggingTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  /** Logs two lines through a fresh context with the agent's encoder for {@code format}. */
  private static List<String> logTwoLines(String format) {
    LoggerContext context = new LoggerContext();
    // A bare context has no MDC adapter until one is set, as SLF4J's binding normally does.
    context.setMDCAdapter(new LogbackMDCAdapter());
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    OutputStreamAppender<ILoggingEvent> appender = new OutputStreamAppender<>();
    appender.setContext(context);
    appender.setEncoder(AgentMain.encoder(context, format));
    appender.setOutputStream(out);
    appender.start();
    Logger logger = context.getLogger(WorkloadAgent.class);
    logger.addAppender(appender);
    logger.atInfo().addKeyValue("socket", "/run/agent.sock").log("serving Workload API");
    logger.atWarn().addKeyValue("error", "line one\nline two").log("cannot refresh");
    appender.stop();
    context.stop();
    return out.toString(StandardCharsets.UTF_8).lines().toList();
  }

  @Test
  void encoder_json_oneObjectPerLineWithFields() throws Exception {
    List<String> lines = logTwoLines("json");
    assertEquals(2, lines.size(), lines.toString());
    JsonNode first = JSON.readTree(lines.get(0));
    assertEquals("INFO", first.path("level").asText());
    assertEquals(WorkloadAgent.class.getName(), first.path("loggerName").asText());
    assertEquals("serving Workload API", first.path("message").asText());
    assertEquals("/run/agent.sock", first.path("kvpList").path(0).path("socket").asText());
    JsonNode second = JSON.readTree(lines.get(1));
    assertEquals("WARN", second.path("level").asText());
    assertEquals("line one\nline two", second.path("kvpList").path(0).path("error").asText());
  }

  @Test
  void encoder_text_messageThenKeyValues() {
    List<String> lines = logTwoLines("text");
    assertTrue(lines.get(0).matches(
        "\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}\\S+ INFO  WorkloadAgent - "
            + "serving Workload API socket=\"/run/agent.sock\""), lines.get(0));
  }

  @Test
  void encoder_textFieldWithLineBreak_staysOneLine() {
    List<String> lines = logTwoLines("text");
    assertEquals(2, lines.size(), lines.toString());
    assertTrue(lines.get(1).endsWith("cannot refresh error=\"line one line two\""),
        lines.get(1));
  }
}
