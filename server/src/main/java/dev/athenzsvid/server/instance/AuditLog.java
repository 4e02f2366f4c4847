package dev.athenzsvid.server.instance;

import java.time.Instant;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One line per issuance attempt on the logger {@code dev.athenzsvid.server.audit}: caller
 * principal, identity, audience, key id, expiry, instance id and outcome. Never token text.
 * Thread-safe.
 */
public final class AuditLog {
  /** The logger name, so operators can route audit lines to their own file. */
  public static final String LOGGER = "dev.athenzsvid.server.audit";

  private static final Logger log = LoggerFactory.getLogger(LOGGER);

  /** Records an issued token. */
  public void issued(String caller, String identity, List<String> audience, String kid,
      Instant expiry, String instanceId) {
    log.info("jwt-svid issued caller={} identity={} audience={} kid={} expiry={} instance={} "
        + "outcome=issued", caller, identity, String.join(",", audience), kid, expiry,
        instanceId);
  }

  /** Records a refused request with its status. */
  public void refused(String caller, String identity, List<String> audience, String instanceId,
      int status, String reason) {
    log.info("jwt-svid refused caller={} identity={} audience={} kid=- expiry=- instance={} "
        + "outcome={} reason=\"{}\"", caller, identity, String.join(",", audience), instanceId,
        status, reason);
  }
}
