package dev.athenzsvid.agent.bundle;

import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * Where validation finds a trust domain's JWT bundle. Implementations are thread-safe and
 * never block the caller: a server call runs elsewhere and completes the returned future.
 */
public interface BundleSource {
  /** The bundle of {@code trustDomainId} ({@code spiffe://<td>}) as currently known. */
  Optional<JwtBundle> bundle(String trustDomainId);

  /**
   * The bundle of {@code trustDomainId} after asking the server again, because a token names a
   * key the known bundle lacks or there is no bundle yet. Implementations limit how often they
   * actually ask; the future completes with what is known then and never fails.
   */
  CompletableFuture<Optional<JwtBundle>> refreshedBundle(String trustDomainId);
}
