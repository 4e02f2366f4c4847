package dev.athenzsvid.client.cli;

import dev.athenzsvid.client.load.LoadCommand;
import java.util.Arrays;

/**
 * Entry point of the client jar: {@code java -jar athenz-svid-client.jar <tool> [args]} where
 * tool is {@code zts-svctoken}, {@code api}, {@code demo-pki} or {@code load}.
 */
public final class Main {
  private Main() {}

  public static void main(String[] args) {
    String tool = args.length == 0 ? "" : args[0];
    String[] rest = args.length == 0 ? args : Arrays.copyOfRange(args, 1, args.length);
    switch (tool) {
      case "zts-svctoken" -> SvcTokenCommand.main(rest);
      case "api" -> ApiCommand.main(rest);
      case "demo-pki" -> DemoPkiCommand.main(rest);
      case "load" -> LoadCommand.main(rest);
      default -> {
        System.err.println("usage: java -jar athenz-svid-client.jar "
            + "zts-svctoken|api|demo-pki|load [args]  (--help after a tool shows its usage)");
        System.exit(Cli.EXIT_USAGE);
      }
    }
  }
}
