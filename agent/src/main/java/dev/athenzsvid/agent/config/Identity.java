package dev.athenzsvid.agent.config;

import static java.util.Objects.requireNonNull;

/**
 * An Athenz service a caller may act as: {@code <domain>.<service>}, the SPIFFE namespace of its
 * ID, and an optional hint for the workload. Immutable.
 *
 * @param service the full service name {@code <domain>.<service>}
 * @param namespace the namespace in the SPIFFE ID, {@code default} when not configured
 * @param hint a free-form label returned with the SVID; empty when none
 * @param spiffeId {@code spiffe://<trust domain>/ns/<namespace>/sa/<domain>.<service>}
 */
public record Identity(String service, String namespace, String hint, SpiffeId spiffeId) {
  static final String BAD_SERVICE = "must be <domain>.<service>";
  static final String BAD_NAMESPACE = "must be one non-empty SPIFFE ID path segment";

  public Identity {
    requireNonNull(service, "service");
    requireNonNull(namespace, "namespace");
    requireNonNull(hint, "hint");
    requireNonNull(spiffeId, "spiffeId");
    int dot = service.lastIndexOf('.');
    if (dot <= 0 || dot == service.length() - 1 || service.indexOf('/') >= 0) {
      throw new IllegalArgumentException(BAD_SERVICE);
    }
    checkNamespace(namespace);
  }

  /**
   * Checks that {@code namespace} is one segment of a SPIFFE ID path, as the server reads it:
   * a namespace with a slash would make the ID name another namespace, or none.
   */
  public static void checkNamespace(String namespace) {
    if (namespace.isEmpty() || namespace.indexOf('/') >= 0) {
      throw new IllegalArgumentException(BAD_NAMESPACE);
    }
  }

  /** The identity of {@code service} in {@code trustDomain}; throws if the ID is not valid. */
  public static Identity of(String trustDomain, String service, String namespace, String hint) {
    SpiffeId id = SpiffeId.parse("spiffe://" + trustDomain + "/ns/" + namespace + "/sa/" + service);
    return new Identity(service, namespace, hint, id);
  }

  /** The Athenz domain: the service name up to its last dot. */
  public String domain() {
    return service.substring(0, service.lastIndexOf('.'));
  }

  /** The Athenz service name within its domain: after the last dot. */
  public String serviceName() {
    return service.substring(service.lastIndexOf('.') + 1);
  }
}
