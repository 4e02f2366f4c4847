package dev.athenzsvid.server.instance;

import java.time.Instant;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One line per issuance attempt on the logger {@code dev.athenzsvid.server.audit}: caller
 * principal, identity, audience, key id, expiry, instance id and outcome. Never token text.
 * A value the request did not give, or that was not reached before it was refused, is
 * written {@value #UNKNOWN}, never {@code null}.
 *
 * <p>Values come from the request, so they are written so that none can forge a field or a
 * line: a value of only name characters is written as is, any other in double quotes with
 * {@code "}, {@code \\} and control characters escaped. Thread-safe.
 */
public final class AuditLog {
  /** The logger name, so operators can route audit lines to their own file. */
  public static final String LOGGER = "dev.athenzsvid.server.audit";

  /** Written for a field that is not known. */
  public static final String UNKNOWN = "-";

  private static final Logger log = LoggerFactory.getLogger(LOGGER);

  /**
   * The identity {@code domain.service} as far as it is known: {@link #UNKNOWN} for a missing
   * part, and for the whole when both are missing.
   *
   * @param domain nullable
   * @param service nullable
   */
  public static String identity(String domain, String service) {
    if (isEmpty(domain) && isEmpty(service)) {
      return UNKNOWN;
    }
    return known(domain) + "." + known(service);
  }

  /** Records an issued token. */
  public void issued(String caller, String identity, List<String> audience, String kid,
      Instant expiry, String instanceId) {
    log.info("jwt-svid issued caller={} identity={} audience={} kid={} expiry={} instance={} "
        + "outcome=issued", value(caller), value(identity), audience(audience), value(kid),
        expiry == null ? UNKNOWN : expiry, value(instanceId));
  }

  /**
   * Records a refused request with its status. Any of the strings and the audience's entries
   * may be null or empty when the request did not carry them.
   */
  public void refused(String caller, String identity, List<String> audience, String instanceId,
      int status, String reason) {
    log.info("jwt-svid refused caller={} identity={} audience={} kid=- expiry=- instance={} "
        + "outcome={} reason={}", value(caller), value(identity), audience(audience),
        value(instanceId), status, value(reason));
  }

  private static String audience(List<String> audience) {
    if (audience == null) {
      return UNKNOWN;
    }
    List<String> given = audience.stream().filter(a -> !isEmpty(a)).map(AuditLog::value)
        .toList();
    return given.isEmpty() ? UNKNOWN : String.join(",", given);
  }

  /** {@code raw} as one field value: {@link #UNKNOWN}, bare, or quoted and escaped. */
  static String value(String raw) {
    if (isEmpty(raw)) {
      return UNKNOWN;
    }
    if (raw.chars().allMatch(AuditLog::isBare)) {
      return raw;
    }
    StringBuilder quoted = new StringBuilder(raw.length() + 8).append('"');
    for (int i = 0; i < raw.length(); i++) {
      char c = raw.charAt(i);
      if (c == '"' || c == '\\') {
        quoted.append('\\').append(c);
      } else if (c == '\n') {
        quoted.append("\\n");
      } else if (c == '\r') {
        quoted.append("\\r");
      } else if (c < 0x20 || c == 0x7f || Character.isISOControl(c)) {
        quoted.append(String.format("\\u%04x", (int) c));
      } else {
        quoted.append(c);
      }
    }
    return quoted.append('"').toString();
  }

  // Characters of Athenz names, URLs and key ids; "," separates audiences, so it is not one.
  private static boolean isBare(int c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
        || "._-:/@+%~".indexOf(c) >= 0;
  }

  private static String known(String value) {
    return isEmpty(value) ? UNKNOWN : value;
  }

  private static boolean isEmpty(String value) {
    return value == null || value.isEmpty();
  }
}
