package dev.athenzsvid.server.instance;

/**
 * A request answered with an error status and an Athenz {@code {code, message}} body. The
 * message is safe to show the caller: it never holds key or token material.
 */
public final class RequestException extends Exception {
  private static final long serialVersionUID = 1L;

  private final int status;

  public RequestException(int status, String message) {
    super(message, null, false, false);
    this.status = status;
  }

  public int status() {
    return status;
  }

  static RequestException badRequest(String message) {
    return new RequestException(400, message);
  }

  static RequestException forbidden(String message) {
    return new RequestException(403, message);
  }

  static RequestException notFound(String message) {
    return new RequestException(404, message);
  }
}
