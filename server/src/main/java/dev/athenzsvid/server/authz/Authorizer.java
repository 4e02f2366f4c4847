package dev.athenzsvid.server.authz;

/** Decides whether a principal may perform an action on a resource. Thread-safe. */
public interface Authorizer {
  /**
   * Checks access.
   *
   * @param principal a service principal {@code <domain>.<service>}
   * @param action the action, such as {@code zts.assume_service}
   * @param resource the resource {@code <domain>:<entity>}
   */
  Decision check(String principal, String action, String resource);
}
