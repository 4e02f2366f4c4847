package dev.athenzsvid.server.domain;

/** Domain data that cannot be used; the message names the file and the problem. */
public final class DomainFormatException extends Exception {
  private static final long serialVersionUID = 1L;

  public DomainFormatException(String message) {
    super(message);
  }
}
