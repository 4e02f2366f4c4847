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
    String address = address();
    if (address == null || address.isEmpty()) {
      throw new CliException.Usage("no socket: give -socket or set " + EndpointAddress.ENV);
    }
    EndpointAddress endpoint;
    try {
      endpoint = EndpointAddress.parse(address);
    } catch (IllegalArgumentException e) {
      throw new CliException.Usage((socket != null ? "-socket: " : EndpointAddress.ENV + ": ")
          + e.getMessage());
    }
    return WorkloadApiClient.connect(endpoint, deadline());
  }

  /** The address as given, for messages. */
  String address() {
    return socket != null ? socket : System.getenv(EndpointAddress.ENV);
  }

  Duration deadline() throws CliException {
    Duration value;
    try {
      value = Durations.parse(timeout);
    } catch (IllegalArgumentException e) {
      throw new CliException.Usage("-timeout: \"" + timeout + "\": " + e.getMessage());
    }
    if (value.isZero()) {
      throw new CliException.Usage("-timeout: must be at least 1ms");
    }
    return value;
  }

  boolean json() {
    return output == Output.json;
  }
}
