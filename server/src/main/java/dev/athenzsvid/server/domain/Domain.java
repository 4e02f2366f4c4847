package dev.athenzsvid.server.domain;

import static java.util.Objects.requireNonNull;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * One Athenz domain, checked and normalized for evaluation: names, actions and resources in
 * lower case, timestamps parsed, roles by full name. Immutable.
 *
 * @param services full names ({@code <domain>.<service>}) of the registered services
 * @param providerEndpoints provider endpoints by full service name, for services that have one
 */
public record Domain(String name, boolean enabled, Set<String> services,
    Map<String, String> providerEndpoints, Map<String, Role> roles, List<Policy> policies) {

  public Domain {
    requireNonNull(name, "name");
    services = Set.copyOf(services);
    providerEndpoints = Map.copyOf(providerEndpoints);
    roles = Map.copyOf(roles);
    policies = List.copyOf(policies);
  }

  /** True when {@code <domain>.<service>} is registered in this domain. */
  public boolean hasService(String service) {
    return services.contains(name + "." + service);
  }

  /** A role and its members. */
  public record Role(String name, List<Member> members) {
    public Role {
      requireNonNull(name, "name");
      members = List.copyOf(members);
    }
  }

  /**
   * A role member: an exact principal name, {@code *}, or a {@code prefix*}.
   *
   * @param expiration when the membership ends; null when it does not
   */
  public record Member(String name, Instant expiration, boolean disabled) {
    public Member {
      requireNonNull(name, "name");
    }

    /** True when the membership counts at {@code now}. */
    public boolean isValidAt(Instant now) {
      return !disabled && (expiration == null || now.isBefore(expiration));
    }
  }

  /** A policy version; only active ones are evaluated. */
  public record Policy(String name, boolean active, List<Assertion> assertions) {
    public Policy {
      requireNonNull(name, "name");
      assertions = List.copyOf(assertions);
    }
  }

  /** The effect of a matching assertion. */
  public enum Effect {
    ALLOW,
    DENY
  }

  /** An assertion with its patterns lower-cased; the resource is fully qualified. */
  public record Assertion(String role, String resource, String action, Effect effect) {
    public Assertion {
      requireNonNull(role, "role");
      requireNonNull(resource, "resource");
      requireNonNull(action, "action");
      requireNonNull(effect, "effect");
    }
  }
}
