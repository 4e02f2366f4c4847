package dev.athenzsvid.client.cli;

import dev.athenzsvid.client.config.Durations;
import dev.athenzsvid.client.workload.EndpointAddress;
import dev.athenzsvid.client.workload.WorkloadApiClient;
import java.time.Duration;
import picocli.CommandLine.Option;

/** Options every Workload API command takes: where the agent is, how long to wait, output. */
final class ApiOptions {
  enum Output { pretty, json }

  @Option(names = {"-socket", "-socketPath"}, paramLabel = "ADDRESS",
      description = "Workload API address, unix:///path or tcp://ip:port "
          + "(default: $SPIFFE_ENDPOINT_SOCKET)")
  String socket;

  @Option(names = "-timeout", paramLabel = "DURATION", defaultValue = "5s",
      description = "Deadline of each call, e.g. 500ms, 5s (default: ${DEFAULT-VALUE})")
  String timeout;

  @Option(names = "-output", paramLabel = "FORMAT", defaultValue = "pretty",
      description = "pretty or json (default: ${DEFAULT-VALUE})")
  Output output;

  WorkloadApiClient connect() throws CliException {
    String address = socket != null ? socket : System.getenv(EndpointAddress.ENV);
    if (address == null || address.isEmpty()) {
      throw new CliException("no socket: give -socket or set " + EndpointAddress.ENV);
    }
    return WorkloadApiClient.connect(EndpointAddress.parse(address), deadline());
  }

  Duration deadline() throws CliException {
    try {
      Duration value = Durations.parse(timeout);
      if (!value.isZero()) {
        return value;
      }
    } catch (IllegalArgumentException e) {
      // Reported below with the flag's name.
    }
    throw new CliException("-timeout: \"" + timeout + "\" is not a positive duration "
        + "such as 500ms or 5s");
  }

  boolean json() {
    return output == Output.json;
  }
}
