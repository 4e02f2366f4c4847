package dev.athenzsvid.server.authz;

import dev.athenzsvid.server.domain.Domain;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;

/**
 * One domain's active assertions and role memberships, arranged so that a check looks only at
 * the assertions that can match it.
 *
 * <p>Assertions are filed by their action when it is a plain name (else under "any action"),
 * and inside that by their resource when it is a plain name (else in a short list of resource
 * patterns). Role patterns are resolved against the domain's roles once, here, so a check never
 * walks the role list. Exact-name members are found by hash lookup; only {@code *} and
 * {@code prefix*} members are compared one by one. Immutable and thread-safe; built once per
 * loaded version of a domain.
 */
final class PolicyIndex {
  /** An assertion ready to evaluate; {@code roles} are the domain's roles it names. */
  private record Rule(Predicate<String> action, Predicate<String> resource, Set<String> roles,
      Domain.Effect effect) {}

  /** A membership of one role, as listed in the domain. */
  private record Grant(String role, Domain.Member member) {}

  /** The rules of one action (or of every action pattern). */
  private static final class Bucket {
    final Map<String, List<Rule>> byResource = new HashMap<>();
    final List<Rule> resourcePatterns = new ArrayList<>();
  }

  private final Domain domain;
  private final Map<String, Bucket> byAction = new HashMap<>();
  private final Bucket anyAction = new Bucket();
  private final Map<String, List<Grant>> exactMembers = new HashMap<>();
  private final List<Grant> wildcardMembers = new ArrayList<>();

  private PolicyIndex(Domain domain) {
    this.domain = domain;
  }

  /** Indexes the active policies and the roles of {@code domain}. */
  static PolicyIndex build(Domain domain) {
    PolicyIndex index = new PolicyIndex(domain);
    for (Domain.Role role : domain.roles().values()) {
      for (Domain.Member member : role.members()) {
        Grant grant = new Grant(role.name(), member);
        if (member.name().endsWith("*")) {
          index.wildcardMembers.add(grant);
        } else {
          index.exactMembers.computeIfAbsent(member.name(), k -> new ArrayList<>()).add(grant);
        }
      }
    }
    for (Domain.Policy policy : domain.policies()) {
      if (!policy.active()) {
        continue;
      }
      for (Domain.Assertion assertion : policy.assertions()) {
        index.add(assertion);
      }
    }
    return index;
  }

  /** The domain this index was built from. */
  Domain domain() {
    return domain;
  }

  /** Evaluates one lower-cased request: deny wins, then allow, else no match. */
  Decision check(String principal, String action, String resource, Instant now) {
    Set<String> principalRoles = null;
    boolean allowed = false;
    for (Bucket bucket : new Bucket[] {byAction.get(action), anyAction}) {
      if (bucket == null) {
        continue;
      }
      for (List<Rule> rules : List.of(
          bucket.byResource.getOrDefault(resource, List.of()), bucket.resourcePatterns)) {
        for (Rule rule : rules) {
          if (rule.effect == Domain.Effect.ALLOW && allowed) {
            continue; // an ALLOW already matched; only a DENY can change the answer now
          }
          if (!rule.action.test(action) || !rule.resource.test(resource)) {
            continue;
          }
          if (principalRoles == null) {
            principalRoles = rolesOf(principal, now);
          }
          if (intersects(rule.roles, principalRoles)) {
            if (rule.effect == Domain.Effect.DENY) {
              return Decision.deny(Decision.DENIED);
            }
            allowed = true;
          }
        }
      }
    }
    return allowed ? Decision.allow() : Decision.deny(Decision.NO_MATCH);
  }

  private void add(Domain.Assertion assertion) {
    Set<String> roles = resolveRoles(assertion.role());
    if (roles.isEmpty()) {
      return; // names no role of this domain, so it can never match
    }
    Rule rule = new Rule(Glob.compile(assertion.action()), Glob.compile(assertion.resource()),
        roles, assertion.effect());
    Bucket bucket = Glob.isPattern(assertion.action()) ? anyAction
        : byAction.computeIfAbsent(assertion.action(), k -> new Bucket());
    if (Glob.isPattern(assertion.resource())) {
      bucket.resourcePatterns.add(rule);
    } else {
      bucket.byResource.computeIfAbsent(assertion.resource(), k -> new ArrayList<>()).add(rule);
    }
  }

  private Set<String> resolveRoles(String pattern) {
    if (!Glob.isPattern(pattern)) {
      return domain.roles().containsKey(pattern) ? Set.of(pattern) : Set.of();
    }
    Predicate<String> matcher = Glob.compile(pattern);
    Set<String> roles = new HashSet<>();
    for (String role : domain.roles().keySet()) {
      if (matcher.test(role)) {
        roles.add(role);
      }
    }
    return Set.copyOf(roles);
  }

  /** The roles {@code principal} is a valid member of at {@code now}. */
  private Set<String> rolesOf(String principal, Instant now) {
    Set<String> roles = new HashSet<>();
    for (Grant grant : exactMembers.getOrDefault(principal, List.of())) {
      if (grant.member.isValidAt(now)) {
        roles.add(grant.role);
      }
    }
    for (Grant grant : wildcardMembers) {
      String name = grant.member.name();
      if (grant.member.isValidAt(now)
          && principal.startsWith(name.substring(0, name.length() - 1))) {
        roles.add(grant.role);
      }
    }
    return roles;
  }

  private static boolean intersects(Set<String> a, Set<String> b) {
    Set<String> small = a.size() <= b.size() ? a : b;
    Set<String> large = small == a ? b : a;
    for (String role : small) {
      if (large.contains(role)) {
        return true;
      }
    }
    return false;
  }
}
