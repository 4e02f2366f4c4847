package dev.athenzsvid.server.provider;

/** A provider's refusal, with the HTTP status to answer (403 unless it says otherwise). */
public final class ProviderException extends Exception {
  private static final long serialVersionUID = 1L;

  private final int code;

  public ProviderException(int code, String message) {
    super(message);
    this.code = code;
  }

  public int code() {
    return code;
  }
}
