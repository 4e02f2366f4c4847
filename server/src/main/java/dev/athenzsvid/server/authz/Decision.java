package dev.athenzsvid.server.authz;

import static java.util.Objects.requireNonNull;

/**
 * The answer of an access check and why, for logs and error messages. Immutable.
 *
 * @param reason a short fixed phrase, such as {@code denied by assertion}
 */
public record Decision(boolean allowed, String reason) {
  public static final String ALLOWED = "allowed by assertion";
  public static final String DENIED = "denied by assertion";
  public static final String NO_MATCH = "no matching assertion";
  public static final String UNKNOWN_DOMAIN = "domain not found";
  public static final String DISABLED_DOMAIN = "domain disabled";
  public static final String BAD_RESOURCE = "resource not of the form <domain>:<entity>";

  public Decision {
    requireNonNull(reason, "reason");
  }

  static Decision allow() {
    return new Decision(true, ALLOWED);
  }

  static Decision deny(String reason) {
    return new Decision(false, reason);
  }
}
