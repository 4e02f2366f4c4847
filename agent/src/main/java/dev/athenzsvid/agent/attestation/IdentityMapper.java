package dev.athenzsvid.agent.attestation;

import static java.util.Objects.requireNonNull;

import dev.athenzsvid.agent.config.Identity;
import dev.athenzsvid.agent.config.Selectors;
import dev.athenzsvid.agent.config.WorkloadEntry;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.OptionalInt;
import java.util.Set;

/**
 * Maps an attested caller to its identities: every workload entry whose selectors all match
 * contributes its identities, in config order, so the first is the default. A SPIFFE ID or a
 * hint already given by an earlier identity is skipped, keeping both unique. Thread-safe.
 */
public final class IdentityMapper {
  private final List<WorkloadEntry> entries;
  private final UserDirectory directory;

  public IdentityMapper(List<WorkloadEntry> entries, UserDirectory directory) {
    this.entries = List.copyOf(entries);
    this.directory = requireNonNull(directory, "directory");
  }

  public List<Identity> identities(Caller caller) {
    requireNonNull(caller, "caller");
    List<Identity> result = new ArrayList<>();
    Set<String> ids = new HashSet<>();
    Set<String> hints = new HashSet<>();
    for (WorkloadEntry entry : entries) {
      if (!matches(entry.selectors(), caller)) {
        continue;
      }
      for (Identity identity : entry.identities()) {
        boolean newHint = identity.hint().isEmpty() || !hints.contains(identity.hint());
        if (newHint && ids.add(identity.spiffeId().toString())) {
          hints.add(identity.hint());
          result.add(identity);
        }
      }
    }
    return List.copyOf(result);
  }

  private boolean matches(Selectors selectors, Caller caller) {
    if (selectors.uid().isPresent() && selectors.uid().getAsInt() != caller.uid()) {
      return false;
    }
    if (selectors.user().isPresent()) {
      OptionalInt uid = directory.uid(selectors.user().get());
      if (uid.isEmpty() || uid.getAsInt() != caller.uid()) {
        return false;
      }
    }
    if (selectors.gid().isPresent() && !caller.groups().contains(selectors.gid().getAsInt())) {
      return false;
    }
    if (selectors.group().isPresent()) {
      OptionalInt gid = directory.gid(selectors.group().get());
      if (gid.isEmpty() || !caller.groups().contains(gid.getAsInt())) {
        return false;
      }
    }
    return selectors.path().isEmpty()
        || caller.executable().map(p -> p.equals(selectors.path().get())).orElse(false);
  }
}
