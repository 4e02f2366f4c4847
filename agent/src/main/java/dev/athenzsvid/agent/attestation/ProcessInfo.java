package dev.athenzsvid.agent.attestation;

import java.nio.file.Path;
import java.util.Optional;
import java.util.Set;

/**
 * What the kernel says about a process. Immutable.
 *
 * @param startTime when it started, in clock ticks since boot: with the pid, it tells one
 *     process from a later one that reuses the pid
 * @param uid its effective user id, as in the peer credentials of its socket
 * @param groups its effective group id and its supplementary group ids
 * @param executable the path of its executable, empty when it cannot be read
 */
public record ProcessInfo(long startTime, int uid, Set<Integer> groups,
    Optional<Path> executable) {
  public ProcessInfo {
    groups = Set.copyOf(groups);
  }
}
