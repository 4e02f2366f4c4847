package dev.athenzsvid.server.authz;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import dev.athenzsvid.server.domain.Domain;
import dev.athenzsvid.server.domain.DomainStore;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * The indexed evaluation against a plain scan of every assertion (Athenz's definition), over
 * random domains, and its behaviour across domain reloads and at scale.
 */
class PolicyIndexTest {
  static final Instant NOW = Instant.parse("2026-06-01T00:00:00Z");
  static final Clock CLOCK = Clock.fixed(NOW, ZoneOffset.UTC);
  static final String[] ACTIONS = {"read", "write", "re*", "*", "r?ad", "zts.assume_service"};
  static final String[] RESOURCES = {"d:a", "d:a.b", "d:a.*", "d:*", "d:?", "d:*.b", "d:b"};
  static final String[] PRINCIPALS = {"user.a", "user.b", "user.ab", "svc.x", "other.y"};
  static final String[] MEMBERS = {"user.a", "user.b", "user.*", "*", "svc.x", "user.a*"};

  /** A store whose single domain can be replaced, as a reload does. */
  static final class FakeSwappingStore implements DomainStore {
    final AtomicReference<Domain> current = new AtomicReference<>();

    @Override
    public Optional<Domain> domain(String name) {
      Domain domain = current.get();
      return domain != null && domain.name().equals(name) ? Optional.of(domain)
          : Optional.empty();
    }

    @Override
    public int size() {
      return current.get() == null ? 0 : 1;
    }
  }

  @Test
  void check_randomDomains_sameAnswerAsFullScan() {
    Random random = new Random(42);
    FakeSwappingStore store = new FakeSwappingStore();
    PolicyEngine engine = new PolicyEngine(store, CLOCK);
    for (int round = 0; round < 200; round++) {
      Domain domain = randomDomain(random);
      store.current.set(domain);
      for (String principal : PRINCIPALS) {
        for (String action : new String[] {"read", "write", "rexd", "zts.assume_service"}) {
          for (String resource : new String[] {"d:a", "d:a.b", "d:b", "d:c", "d:x.b"}) {
            assertEquals(fullScan(domain, principal, action, resource),
                engine.check(principal, action, resource),
                round + " " + principal + " " + action + " " + resource + " " + domain);
          }
        }
      }
    }
  }

  @Test
  void check_domainReplaced_answersFromNewVersion() {
    FakeSwappingStore store = new FakeSwappingStore();
    PolicyEngine engine = new PolicyEngine(store, CLOCK);
    store.current.set(domain(List.of(member("user.a")), "read"));
    assertEquals(Decision.allow(), engine.check("user.a", "read", "d:a"));

    store.current.set(domain(List.of(member("user.a")), "write"));

    assertEquals(Decision.deny(Decision.NO_MATCH), engine.check("user.a", "read", "d:a"));
    assertEquals(Decision.allow(), engine.check("user.a", "write", "d:a"));
  }

  @Test
  void check_domainRemoved_unknownDomain() {
    FakeSwappingStore store = new FakeSwappingStore();
    PolicyEngine engine = new PolicyEngine(store, CLOCK);
    store.current.set(domain(List.of(member("user.a")), "read"));
    assertEquals(Decision.allow(), engine.check("user.a", "read", "d:a"));

    store.current.set(null);

    assertEquals(Decision.deny(Decision.UNKNOWN_DOMAIN), engine.check("user.a", "read", "d:a"));
  }

  @Test
  void check_tenThousandRolesAndAssertions_thousandChecksWellUnderASecond() {
    Map<String, Domain.Role> roles = new HashMap<>();
    List<Domain.Assertion> assertions = new ArrayList<>();
    for (int i = 0; i < 10_000; i++) {
      String role = "d:role.r" + i;
      roles.put(role, new Domain.Role(role, List.of(member("svc.host" + i))));
      assertions.add(new Domain.Assertion(role, "d:service.s" + i, "zts.assume_service",
          Domain.Effect.ALLOW));
    }
    assertions.add(new Domain.Assertion("d:role.r*", "d:service.blocked*", "zts.*",
        Domain.Effect.DENY));
    FakeSwappingStore store = new FakeSwappingStore();
    store.current.set(new Domain("d", true, Set.of(), Map.of(), roles,
        List.of(new Domain.Policy("d:policy.p", true, assertions))));
    PolicyEngine engine = new PolicyEngine(store, CLOCK);
    engine.check("svc.host0", "zts.assume_service", "d:service.s0"); // builds the index

    // A full scan does about 20,000 glob matches per check; a thousand of them take seconds.
    assertTimeoutPreemptively(Duration.ofSeconds(1), () -> {
      for (int i = 0; i < 1000; i++) {
        assertEquals(Decision.allow(),
            engine.check("svc.host" + i, "zts.assume_service", "d:service.s" + i));
        assertEquals(Decision.deny(Decision.DENIED),
            engine.check("svc.host" + i, "zts.assume_service", "d:service.blocked" + i));
      }
    });
  }

  static Domain.Member member(String name) {
    return new Domain.Member(name, null, false);
  }

  static Domain domain(List<Domain.Member> members, String action) {
    return new Domain("d", true, Set.of(), Map.of(),
        Map.of("d:role.r", new Domain.Role("d:role.r", members)),
        List.of(new Domain.Policy("d:policy.p", true,
            List.of(new Domain.Assertion("d:role.r", "d:a", action, Domain.Effect.ALLOW)))));
  }

  static Domain randomDomain(Random random) {
    Map<String, Domain.Role> roles = new HashMap<>();
    for (int r = 0; r < 4; r++) {
      List<Domain.Member> members = new ArrayList<>();
      for (int m = random.nextInt(3); m > 0; m--) {
        Instant expiry = random.nextInt(4) == 0 ? NOW.plusSeconds(random.nextInt(3) - 1) : null;
        members.add(new Domain.Member(pick(random, MEMBERS), expiry, random.nextInt(6) == 0));
      }
      String name = "d:role.r" + r + (r % 2 == 0 ? ".even" : "");
      roles.put(name, new Domain.Role(name, members));
    }
    String[] rolePatterns = {"d:role.r0.even", "d:role.r1", "d:role.r*", "d:role.*.even",
        "d:role.missing", "other:role.r1"};
    List<Domain.Policy> policies = new ArrayList<>();
    for (int p = 0; p < 3; p++) {
      List<Domain.Assertion> assertions = new ArrayList<>();
      for (int a = random.nextInt(5); a > 0; a--) {
        assertions.add(new Domain.Assertion(pick(random, rolePatterns),
            pick(random, RESOURCES), pick(random, ACTIONS),
            random.nextInt(4) == 0 ? Domain.Effect.DENY : Domain.Effect.ALLOW));
      }
      policies.add(new Domain.Policy("d:policy.p" + p, random.nextInt(5) != 0, assertions));
    }
    return new Domain("d", true, Set.of(), Map.of(), roles, policies);
  }

  static String pick(Random random, String[] values) {
    return values[random.nextInt(values.length)];
  }

  /** Athenz's definition read literally: every assertion, every role, every member. */
  static Decision fullScan(Domain domain, String principal, String action, String resource) {
    boolean allowed = false;
    for (Domain.Policy policy : domain.policies()) {
      for (Domain.Assertion assertion : policy.active() ? policy.assertions()
          : List.<Domain.Assertion>of()) {
        if (!Glob.matches(assertion.action(), action)
            || !Glob.matches(assertion.resource(), resource)) {
          continue;
        }
        boolean member = domain.roles().values().stream()
            .filter(role -> Glob.matches(assertion.role(), role.name()))
            .flatMap(role -> role.members().stream())
            .anyMatch(m -> m.isValidAt(NOW) && (m.name().equals(principal)
                || m.name().endsWith("*")
                && principal.startsWith(m.name().substring(0, m.name().length() - 1))));
        if (member && assertion.effect() == Domain.Effect.DENY) {
          return Decision.deny(Decision.DENIED);
        }
        allowed |= member;
      }
    }
    return allowed ? Decision.allow() : Decision.deny(Decision.NO_MATCH);
  }
}
