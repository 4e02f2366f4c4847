package dev.athenzsvid.bench;

import dev.athenzsvid.server.authz.Decision;
import dev.athenzsvid.server.authz.PolicyEngine;
import dev.athenzsvid.server.domain.Domain;
import dev.athenzsvid.server.domain.DomainStore;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * Policy evaluation over one large domain: {@code roles} roles of 5 members each and one
 * ALLOW assertion per role on its own service, plus one DENY assertion with globs.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class PolicyBenchmark {
  private static final String DOMAIN = "bench.large";

  @Param({"10000"})
  public int roles;

  private PolicyEngine engine;
  private String lastService;

  @Setup
  public void setUp() {
    Map<String, Domain.Role> roleMap = new HashMap<>();
    List<Domain.Assertion> assertions = new ArrayList<>();
    for (int i = 0; i < roles; i++) {
      String role = DOMAIN + ":role.launchers" + i;
      List<Domain.Member> members = new ArrayList<>();
      for (int m = 0; m < 5; m++) {
        members.add(new Domain.Member("agents.host" + i + "-" + m, null, false));
      }
      roleMap.put(role, new Domain.Role(role, members));
      assertions.add(new Domain.Assertion(role, DOMAIN + ":service.svc" + i,
          "zts.assume_service", Domain.Effect.ALLOW));
    }
    assertions.add(new Domain.Assertion(DOMAIN + ":role.launchers*",
        DOMAIN + ":service.blocked*", "zts.*", Domain.Effect.DENY));
    Domain domain = new Domain(DOMAIN, true, Set.of(), Map.of(), roleMap,
        List.of(new Domain.Policy(DOMAIN + ":policy.launch", true, assertions)));
    DomainStore store = new DomainStore() {
      @Override
      public Optional<Domain> domain(String name) {
        return DOMAIN.equals(name) ? Optional.of(domain) : Optional.empty();
      }

      @Override
      public int size() {
        return 1;
      }
    };
    engine = new PolicyEngine(store, Clock.systemUTC());
    lastService = DOMAIN + ":service.svc" + (roles - 1);
  }

  /** The one matching assertion is the last of the domain's. */
  @Benchmark
  public Decision allowLastAssertion() {
    return engine.check("agents.host" + (roles - 1) + "-4", "zts.assume_service", lastService);
  }

  /** Nothing matches: every assertion is looked at. */
  @Benchmark
  public Decision denyNoMatch() {
    return engine.check("agents.stranger", "zts.assume_service", lastService);
  }
}
