package dev.athenzsvid.agent.bundle;

import java.util.Optional;

/** Where validation finds a trust domain's JWT bundle. Implementations are thread-safe. */
public interface BundleSource {
  /** The bundle of {@code trustDomainId} ({@code spiffe://<td>}) as currently known. */
  Optional<JwtBundle> bundle(String trustDomainId);

  /**
   * The bundle of {@code trustDomainId} after asking the server again, because a token names a
   * key the known bundle lacks. Implementations limit how often they actually ask.
   */
  Optional<JwtBundle> refreshedBundle(String trustDomainId);
}
