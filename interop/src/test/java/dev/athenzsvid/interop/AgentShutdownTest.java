package dev.athenzsvid.interop;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.athenzsvid.client.workload.EndpointAddress;
import dev.athenzsvid.client.workload.WorkloadApiClient;
import dev.athenzsvid.proto.workload.JWTBundlesResponse;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** SIGTERM to a real agent process: streams end UNAVAILABLE, the socket goes, exit 143. */
class AgentShutdownTest {
  /** The JVM's exit status after SIGTERM: 128 + 15. */
  private static final int EXIT_AFTER_SIGTERM = 143;

  @Test
  void sigterm_openBundleStream_endsUnavailableAndSocketRemoved(@TempDir Path dir)
      throws Exception {
    try (DemoDeployment deployment = new DemoDeployment(dir)) {
      deployment.startServer();
      Path socket = deployment.startAgent("agent", DemoDeployment.AGENT_CN,
          DemoDeployment.currentUid());
      BlockingQueue<Object> events = new LinkedBlockingQueue<>();
      try (WorkloadApiClient client = WorkloadApiClient.connect(
          EndpointAddress.parse("unix://" + socket), Duration.ofSeconds(10))) {
        client.watchJwtBundles(new StreamObserver<>() {
          @Override
          public void onNext(JWTBundlesResponse value) {
            events.add(value);
          }

          @Override
          public void onError(Throwable t) {
            events.add(Status.fromThrowable(t));
          }

          @Override
          public void onCompleted() {
            events.add("completed");
          }
        });
        assertTrue(events.poll(10, TimeUnit.SECONDS) instanceof JWTBundlesResponse);

        Process agent = deployment.agent("agent");
        agent.destroy();
        assertTrue(agent.waitFor(20, TimeUnit.SECONDS), "agent stopped");
        assertEquals(EXIT_AFTER_SIGTERM, agent.exitValue());

        Object end = events.poll(10, TimeUnit.SECONDS);
        assertTrue(end instanceof Status, String.valueOf(end));
        assertEquals(Status.Code.UNAVAILABLE, ((Status) end).getCode());
        assertFalse(Files.exists(socket), "socket removed");
        assertTrue(deployment.log("agent").contains("agent stopped"),
            deployment.log("agent"));
      }
    }
  }
}
