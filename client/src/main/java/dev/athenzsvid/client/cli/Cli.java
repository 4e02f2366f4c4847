package dev.athenzsvid.client.cli;

import dev.athenzsvid.client.zts.ZtsException;
import io.grpc.StatusRuntimeException;
import picocli.CommandLine;

/**
 * Shared command-line behaviour: usage errors exit 2 with the usage, failures exit 1 with one
 * line {@code <command>: <reason>} on standard error and no stack trace.
 */
final class Cli {
  /** The call or request failed. */
  static final int EXIT_FAILED = 1;
  /** The command line itself was wrong. */
  static final int EXIT_USAGE = 2;

  private Cli() {}

  static int run(Object command, String... args) {
    return commandLine(command).execute(args);
  }

  static CommandLine commandLine(Object command) {
    CommandLine line = new CommandLine(command);
    line.setExecutionExceptionHandler((e, cmd, parsed) -> {
      cmd.getErr().println(cmd.getCommandSpec().qualifiedName() + ": " + describe(e));
      return e instanceof CliException.Usage ? EXIT_USAGE : EXIT_FAILED;
    });
    return line;
  }

  /** What the innermost cause says: its message, or its type when it has none. */
  private static String rootMessage(Throwable t) {
    if (t == null) {
      return null;
    }
    Throwable root = t;
    while (root.getCause() != null) {
      root = root.getCause();
    }
    return root.getMessage() != null ? root.getMessage() : root.getClass().getSimpleName();
  }

  private static String describe(Exception e) {
    if (e instanceof StatusRuntimeException status) {
      String description = status.getStatus().getDescription();
      String cause = rootMessage(status.getStatus().getCause());
      return status.getStatus().getCode()
          + (description == null ? "" : ": " + description)
          + (cause == null ? "" : " (" + cause + ")");
    }
    if (e instanceof ZtsException zts) {
      return SvcTokenCommand.describe(zts);
    }
    if (e instanceof CliException || e instanceof IllegalArgumentException) {
      return e.getMessage();
    }
    String message = e.getMessage();
    return e.getClass().getSimpleName() + (message == null ? "" : ": " + message);
  }
}
