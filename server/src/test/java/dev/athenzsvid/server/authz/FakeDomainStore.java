package dev.athenzsvid.server.authz;

import dev.athenzsvid.server.domain.Domain;
import dev.athenzsvid.server.domain.DomainParser;
import dev.athenzsvid.server.domain.DomainStore;
import java.io.InputStream;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/** Domains parsed from test resources, held in memory. */
final class FakeDomainStore implements DomainStore {
  private final Map<String, Domain> domains = new HashMap<>();

  FakeDomainStore load(String resource) throws Exception {
    try (InputStream in = FakeDomainStore.class.getResourceAsStream(resource)) {
      Domain domain = DomainParser.parse(in.readAllBytes(), resource);
      domains.put(domain.name(), domain);
    }
    return this;
  }

  @Override
  public Optional<Domain> domain(String name) {
    return Optional.ofNullable(domains.get(name));
  }

  @Override
  public int size() {
    return domains.size();
  }
}
