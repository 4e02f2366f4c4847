package dev.athenzsvid.agent.attestation;

/**
 * A caller that cannot be attested. {@link #callerGone()} is true when the process that
 * connected has exited or its pid now names another process; otherwise the connection carried
 * no usable credentials.
 */
public final class AttestationException extends Exception {
  private static final long serialVersionUID = 1L;

  private final boolean callerGone;

  AttestationException(String message, boolean callerGone) {
    super(message);
    this.callerGone = callerGone;
  }

  public boolean callerGone() {
    return callerGone;
  }
}
