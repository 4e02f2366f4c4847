package dev.athenzsvid.agent.upstream;

/**
 * A failed call to the server. {@link #refused()} tells a deliberate refusal (the server
 * answered 4xx: the identity is not, or no longer, allowed) from a failure to get an answer,
 * which the agent may hide behind a still-valid cached token.
 */
public final class UpstreamException extends Exception {
  private static final long serialVersionUID = 1L;

  private final int httpStatus;

  /**
   * @param httpStatus the server's HTTP status, or 0 when no usable answer came
   */
  public UpstreamException(int httpStatus, String message) {
    super(message);
    this.httpStatus = httpStatus;
  }

  public UpstreamException(String message, Throwable cause) {
    super(message, cause);
    this.httpStatus = 0;
  }

  /** The HTTP status of the server's answer, or 0 when there was none. */
  public int httpStatus() {
    return httpStatus;
  }

  /** True when the server answered and refused (4xx); retrying the same request won't help. */
  public boolean refused() {
    return httpStatus >= 400 && httpStatus < 500;
  }
}
