package dev.athenzsvid.server.domain;

import java.util.Optional;

/** Read access to the current domain data. Implementations are thread-safe. */
public interface DomainStore {
  /** The domain named {@code name} (lower case), if loaded. */
  Optional<Domain> domain(String name);

  /** How many domains are loaded. */
  int size();
}
