package dev.athenzsvid.client.cli;

/** A failure to report to the user as one line, with exit status 1, or 2 for bad usage. */
public class CliException extends Exception {
  private static final long serialVersionUID = 1L;

  public CliException(String message) {
    super(message);
  }

  /** The command line asked for something impossible: exit status 2, as for a bad flag. */
  public static final class Usage extends CliException {
    private static final long serialVersionUID = 1L;

    public Usage(String message) {
      super(message);
    }
  }
}
