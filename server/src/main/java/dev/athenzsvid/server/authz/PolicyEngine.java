package dev.athenzsvid.server.authz;

import static java.util.Objects.requireNonNull;

import dev.athenzsvid.server.domain.Domain;
import dev.athenzsvid.server.domain.DomainStore;
import java.time.Clock;
import java.time.Instant;
import java.util.Locale;
import java.util.Optional;

/**
 * Evaluates Athenz policies over the current domain data.
 *
 * <p>Only the active policies of the resource's own domain count. An assertion matches when
 * its action and resource patterns match and the principal is a valid member of a role of
 * that domain whose name matches the assertion's role pattern. Any matching DENY wins; else a
 * matching ALLOW allows; else the answer is deny. Actions, resources and names compare in
 * lower case. Thread-safe: it keeps no state beyond the store and the clock.
 */
public final class PolicyEngine implements Authorizer {
  private final DomainStore domains;
  private final Clock clock;

  public PolicyEngine(DomainStore domains, Clock clock) {
    this.domains = requireNonNull(domains, "domains");
    this.clock = requireNonNull(clock, "clock");
  }

  @Override
  public Decision check(String principal, String action, String resource) {
    String who = requireNonNull(principal, "principal").toLowerCase(Locale.ROOT);
    String what = requireNonNull(action, "action").toLowerCase(Locale.ROOT);
    String where = requireNonNull(resource, "resource").toLowerCase(Locale.ROOT);
    int colon = where.indexOf(':');
    if (colon <= 0) {
      return Decision.deny(Decision.BAD_RESOURCE);
    }
    Optional<Domain> found = domains.domain(where.substring(0, colon));
    if (found.isEmpty()) {
      return Decision.deny(Decision.UNKNOWN_DOMAIN);
    }
    Domain domain = found.get();
    if (!domain.enabled()) {
      return Decision.deny(Decision.DISABLED_DOMAIN);
    }
    Instant now = clock.instant();
    boolean allowed = false;
    for (Domain.Policy policy : domain.policies()) {
      if (!policy.active()) {
        continue;
      }
      for (Domain.Assertion assertion : policy.assertions()) {
        if (assertion.effect() == Domain.Effect.ALLOW && allowed) {
          continue; // an ALLOW already matched; only a DENY can change the answer now
        }
        if (Glob.matches(assertion.action(), what) && Glob.matches(assertion.resource(), where)
            && inMatchingRole(domain, assertion.role(), who, now)) {
          if (assertion.effect() == Domain.Effect.DENY) {
            return Decision.deny(Decision.DENIED);
          }
          allowed = true;
        }
      }
    }
    return allowed ? Decision.allow() : Decision.deny(Decision.NO_MATCH);
  }

  private static boolean inMatchingRole(Domain domain, String rolePattern, String principal,
      Instant now) {
    if (rolePattern.indexOf('*') < 0 && rolePattern.indexOf('?') < 0) {
      Domain.Role role = domain.roles().get(rolePattern);
      return role != null && isMember(role, principal, now);
    }
    for (Domain.Role role : domain.roles().values()) {
      if (Glob.matches(rolePattern, role.name()) && isMember(role, principal, now)) {
        return true;
      }
    }
    return false;
  }

  private static boolean isMember(Domain.Role role, String principal, Instant now) {
    for (Domain.Member member : role.members()) {
      if (member.isValidAt(now) && memberMatches(member.name(), principal)) {
        return true;
      }
    }
    return false;
  }

  private static boolean memberMatches(String member, String principal) {
    if (member.equals(principal) || member.equals("*")) {
      return true;
    }
    return member.endsWith("*")
        && principal.startsWith(member.substring(0, member.length() - 1));
  }
}
