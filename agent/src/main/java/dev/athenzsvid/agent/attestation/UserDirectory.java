package dev.athenzsvid.agent.attestation;

import java.util.OptionalInt;

/** Resolves user and group names to ids. Implementations are thread-safe. */
public interface UserDirectory {
  OptionalInt uid(String user);

  OptionalInt gid(String group);
}
