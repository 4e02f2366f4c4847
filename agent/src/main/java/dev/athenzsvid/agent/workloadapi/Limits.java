package dev.athenzsvid.agent.workloadapi;

/** Bounds on request sizes; larger requests are refused with INVALID_ARGUMENT. */
public final class Limits {
  /** Audiences in one FetchJWTSVID request. */
  public static final int MAX_AUDIENCES = 16;
  /** Characters in one audience. */
  public static final int MAX_AUDIENCE_LENGTH = 1024;
  /** Characters in a JWT-SVID handed to ValidateJWTSVID. */
  public static final int MAX_SVID_LENGTH = 16 * 1024;
  /** Bytes of one inbound gRPC message. */
  public static final int MAX_INBOUND_MESSAGE = 64 * 1024;

  private Limits() {}
}
