package dev.athenzsvid.server.signing;

import static java.util.Objects.requireNonNull;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The server's signing keys. Immutable and thread-safe.
 *
 * <p>A token is signed with an active, still published key of the asked type (EC unless the
 * request says RSA); when no key of that type is usable, with one of the other type, as
 * Athenz falls back to its default key. Among several candidates, the one published longest
 * wins, and among equals the one listed last, so adding a new key at the end of the list and
 * giving the old one a {@code notAfter} rotates to the new key. A key signs only while it stays
 * published for more than {@link #MIN_LIFETIME}.
 */
public final class KeySet {
  /** A key signs only while it stays published for longer than this. */
  static final Duration MIN_LIFETIME = Duration.ofSeconds(1);

  private final List<SigningKey> keys;

  public KeySet(List<SigningKey> keys) {
    this.keys = List.copyOf(keys);
    Set<String> kids = new HashSet<>();
    for (SigningKey key : this.keys) {
      if (!kids.add(key.kid())) {
        throw new IllegalArgumentException("key id used twice: " + key.kid());
      }
    }
  }

  public List<SigningKey> keys() {
    return keys;
  }

  /** The key to sign with at {@code now}, preferring {@code type}; empty when none is usable. */
  public Optional<SigningKey> signingKey(KeyType type, Instant now) {
    requireNonNull(type, "type");
    Optional<SigningKey> preferred = best(type, now);
    if (preferred.isPresent()) {
      return preferred;
    }
    return best(type == KeyType.EC ? KeyType.RSA : KeyType.EC, now);
  }

  private Optional<SigningKey> best(KeyType type, Instant now) {
    SigningKey best = null;
    for (SigningKey key : keys) {
      // A token's exp is in whole seconds: a key with a second or less left could sign a
      // token that is expired when issued.
      if (key.type() != type || !key.active() || !key.isPublishedAt(now.plus(MIN_LIFETIME))) {
        continue;
      }
      if (best == null || !endsBefore(key, best)) {
        best = key;
      }
    }
    return Optional.ofNullable(best);
  }

  private static boolean endsBefore(SigningKey a, SigningKey b) {
    if (a.notAfter() == null) {
      return false;
    }
    return b.notAfter() == null || a.notAfter().isBefore(b.notAfter());
  }

  /** The keys still published at {@code now}, as JWKs. */
  public List<Map<String, Object>> jwks(boolean rfc, Instant now) {
    List<Map<String, Object>> result = new ArrayList<>();
    for (SigningKey key : keys) {
      if (key.isPublishedAt(now)) {
        result.add(key.toJwk(rfc));
      }
    }
    return result;
  }

  /** The algorithms the published keys sign with, for discovery. */
  public List<String> algorithms(Instant now) {
    List<String> result = new ArrayList<>();
    for (SigningKey key : keys) {
      String name = key.type().algorithm().getName();
      if (key.isPublishedAt(now) && !result.contains(name)) {
        result.add(name);
      }
    }
    return result;
  }
}
