package dev.athenzsvid.client.load;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class ClosedLoopTest {

  @Test
  void run_callsFinishBeforeReturning_runEndsWithEveryOutcomeCounted() throws Exception {
    // A target that refuses every call at once completes each call inside Operation.call.
    LoadResult result = new LoadResult();
    Duration elapsed = new ClosedLoop((caller, sequence, done) -> done.accept("UNAVAILABLE"),
        result).run(2, Duration.ZERO, Duration.ofMillis(200));
    StringWriter text = new StringWriter();
    result.print(new PrintWriter(text), "refusing", 2, elapsed);
    assertTrue(text.toString().contains("outcomes    {UNAVAILABLE="), text.toString());
  }
}
