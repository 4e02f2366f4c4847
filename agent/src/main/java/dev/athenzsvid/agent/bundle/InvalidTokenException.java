package dev.athenzsvid.agent.bundle;

/** A token that fails validation; the message names the reason and holds no token material. */
public final class InvalidTokenException extends Exception {
  private static final long serialVersionUID = 1L;

  public InvalidTokenException(String message) {
    super(message);
  }
}
