package dev.athenzsvid.server.authz;

import static java.util.Objects.requireNonNull;

import dev.athenzsvid.server.domain.Domain;
import dev.athenzsvid.server.domain.DomainStore;
import java.time.Clock;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

/**
 * Evaluates Athenz policies over the current domain data.
 *
 * <p>Only the active policies of the resource's own domain count. An assertion matches when
 * its action and resource patterns match and the principal is a valid member of a role of
 * that domain whose name matches the assertion's role pattern. Any matching DENY wins; else a
 * matching ALLOW allows; else the answer is deny. Actions, resources and names compare in
 * lower case.
 *
 * <p>Each domain is evaluated through a {@link PolicyIndex}, so a check costs about as much as
 * the assertions that could match it rather than every assertion of the domain. The index is
 * built once per loaded version of a domain (recognized by identity, as the store swaps in new
 * objects on reload), by the first check that needs it; concurrent first checks of one domain
 * build it once. Thread-safe.
 */
public final class PolicyEngine implements Authorizer {
  private final DomainStore domains;
  private final Clock clock;

  /** The index of the last seen version of each domain, by domain name. */
  private final ConcurrentMap<String, PolicyIndex> indexes = new ConcurrentHashMap<>();

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
    String name = where.substring(0, colon);
    Optional<Domain> found = domains.domain(name);
    if (found.isEmpty()) {
      indexes.remove(name); // the domain was deleted; do not keep its index alive
      return Decision.deny(Decision.UNKNOWN_DOMAIN);
    }
    Domain domain = found.get();
    if (!domain.enabled()) {
      return Decision.deny(Decision.DISABLED_DOMAIN);
    }
    return index(domain).check(who, what, where, clock.instant());
  }

  private PolicyIndex index(Domain domain) {
    PolicyIndex index = indexes.get(domain.name());
    if (index != null && index.domain() == domain) {
      return index;
    }
    return indexes.compute(domain.name(), (name, current) ->
        current != null && current.domain() == domain ? current : PolicyIndex.build(domain));
  }
}
