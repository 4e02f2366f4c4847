package dev.athenzsvid.client.cli;

import dev.athenzsvid.client.tls.LocalCa;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code demo-pki}: writes a throw-away CA, a server certificate and an agent certificate for
 * trying the product on one machine. Existing files are kept, so reruns reuse them.
 */
@Command(separator = " ", name = "demo-pki", mixinStandardHelpOptions = true,
    description = "Create a throw-away CA with a server and an agent certificate (demo only).",
    footer = {"", "Example:", "  demo-pki -out run/pki -agent-cn athenz.demo.agent"})
public final class DemoPkiCommand implements Callable<Integer> {
  private static final Duration VALIDITY = Duration.ofDays(30);

  @Option(names = "-out", required = true, paramLabel = "DIR",
      description = "Directory for the PEM files")
  private Path out;

  @Option(names = "-agent-cn", defaultValue = "athenz.demo.agent",
      description = "Athenz principal of the agent (default: ${DEFAULT-VALUE})")
  private String agentCn;

  @Option(names = "-server-host", defaultValue = "localhost",
      description = "Host name of the server (default: ${DEFAULT-VALUE})")
  private String serverHost;

  @Spec
  private CommandSpec spec;

  @Override
  public Integer call() throws Exception {
    PrintWriter console = spec.commandLine().getOut();
    Path caFile = out.resolve("ca.cert.pem");
    if (Files.exists(caFile)) {
      console.println("demo PKI already in " + out);
      return 0;
    }
    try {
      Files.createDirectories(out);
    } catch (IOException e) {
      throw new CliException("cannot create " + out + ": " + Cli.reason(e));
    }
    LocalCa ca = LocalCa.create("athenz-svid demo CA", VALIDITY);
    try {
      ca.issue(serverHost, List.of(serverHost, "localhost", "127.0.0.1"), VALIDITY)
          .write(out.resolve("server.key.pem"), out.resolve("server.cert.pem"));
      ca.issue(agentCn, List.of(), VALIDITY)
          .write(out.resolve("agent.key.pem"), out.resolve("agent.cert.pem"));
      ca.writeCertificate(caFile);
    } catch (IOException e) {
      throw new CliException("cannot write the PEM files in " + out + ": " + Cli.reason(e));
    }
    console.println("demo PKI written to " + out);
    return 0;
  }

  public static void main(String[] args) {
    System.exit(Cli.run(new DemoPkiCommand(), args));
  }
}
