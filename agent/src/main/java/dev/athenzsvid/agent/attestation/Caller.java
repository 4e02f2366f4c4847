package dev.athenzsvid.agent.attestation;

import java.nio.file.Path;
import java.util.Optional;
import java.util.Set;

/**
 * An attested caller. Immutable.
 *
 * @param groups effective and supplementary group ids; empty when no selector needs them
 * @param executable the caller's executable, empty when it cannot be read
 */
public record Caller(int pid, int uid, Set<Integer> groups, Optional<Path> executable) {
  public Caller {
    groups = Set.copyOf(groups);
  }
}
