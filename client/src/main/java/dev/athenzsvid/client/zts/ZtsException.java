package dev.athenzsvid.client.zts;

/**
 * A failed ZTS call. {@code code} is the HTTP status of an answer, or 0 when no answer came
 * (connection refused, TLS failure, timeout); {@code message} is the server's message.
 */
public final class ZtsException extends Exception {
  private static final long serialVersionUID = 1L;

  private final int code;

  public ZtsException(int code, String message) {
    super(message);
    this.code = code;
  }

  public ZtsException(String message, Throwable cause) {
    super(message, cause);
    this.code = 0;
  }

  /** The HTTP status, or 0 when the server did not answer. */
  public int code() {
    return code;
  }

  /** True when the server answered and refused the request as such (a 4xx status). */
  public boolean isClientError() {
    return code >= 400 && code < 500;
  }
}
