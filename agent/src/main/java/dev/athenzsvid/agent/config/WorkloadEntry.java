package dev.athenzsvid.agent.config;

import static java.util.Objects.requireNonNull;

import java.util.List;

/** Selectors and the identities a matching caller gets, default first. Immutable. */
public record WorkloadEntry(Selectors selectors, List<Identity> identities) {
  public WorkloadEntry {
    requireNonNull(selectors, "selectors");
    identities = List.copyOf(identities);
    if (identities.isEmpty()) {
      throw new IllegalArgumentException("at least one identity is needed");
    }
  }
}
