package dev.athenzsvid.agent.workloadapi;

/** The fixed messages of the Workload API's error statuses; tests compare against them. */
public final class StatusMessages {
  public static final String MISSING_HEADER = "security header missing from request";
  public static final String MISSING_AUDIENCE = "audience must be specified";
  public static final String EMPTY_AUDIENCE = "audience must not be an empty string";
  /** White space only: the token server refuses such an audience, so it is refused here. */
  public static final String BLANK_AUDIENCE = "audience must not be only white space";
  public static final String TOO_MANY_AUDIENCES =
      "too many audiences (at most " + Limits.MAX_AUDIENCES + ")";
  public static final String AUDIENCE_TOO_LONG =
      "audience too long (at most " + Limits.MAX_AUDIENCE_LENGTH + " characters)";
  public static final String MALFORMED_REQUEST = "request message is not a valid protobuf message";
  public static final String INVALID_SPIFFE_ID = "invalid requested SPIFFE ID";
  public static final String NO_IDENTITY = "no identity issued";
  public static final String SERVER_REFUSED = "token server refused to issue";
  public static final String SERVER_UNAVAILABLE = "could not fetch JWT-SVID";
  public static final String NO_BUNDLE = "JWT bundle not available";
  public static final String MISSING_SVID = "svid must be specified";
  public static final String SVID_TOO_LONG =
      "svid too long (at most " + Limits.MAX_SVID_LENGTH + " characters)";
  public static final String INVALID_SVID = "invalid JWT-SVID";
  public static final String X509_UNIMPLEMENTED = "X.509-SVIDs are not served by this agent";
  public static final String SHUTTING_DOWN = "agent is shutting down";

  private StatusMessages() {}
}
