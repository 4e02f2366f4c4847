package dev.athenzsvid.agent.attestation;

import java.util.List;

/**
 * The credentials the kernel recorded for the peer of a Unix socket when it connected.
 * Immutable.
 */
public record PeerCredentials(int pid, int uid, List<Integer> gids) {
  public PeerCredentials {
    gids = List.copyOf(gids);
  }
}
