package dev.athenzsvid.agent.bundle;

import static java.util.Objects.requireNonNull;

import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSet;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The JWT bundle of one trust domain: its token-signing public keys by key id, and the JWK Set
 * JSON served to workloads. Immutable; two bundles are equal when their JSON is.
 *
 * @param trustDomainId {@code spiffe://<trust domain>}
 * @param keys public EC or RSA keys, each with a unique non-empty {@code kid}, sorted by kid
 */
public record JwtBundle(String trustDomainId, List<JWK> keys) {
  public JwtBundle {
    requireNonNull(trustDomainId, "trustDomainId");
    keys = List.copyOf(keys);
  }

  /** The key with id {@code kid}, if this bundle has one. */
  public Optional<JWK> key(String kid) {
    // A plain loop over a handful of keys: this runs on every validation.
    for (JWK key : keys) {
      if (kid.equals(key.getKeyID())) {
        return Optional.of(key);
      }
    }
    return Optional.empty();
  }

  /** Every key id. */
  public Set<String> keyIds() {
    Map<String, JWK> byId = new LinkedHashMap<>();
    keys.forEach(k -> byId.put(k.getKeyID(), k));
    return Set.copyOf(byId.keySet());
  }

  /** The JWK Set JSON of the public keys, in kid order. */
  public byte[] json() {
    return new JWKSet(keys).toString(true).getBytes(StandardCharsets.UTF_8);
  }

  @Override
  public boolean equals(Object other) {
    return other instanceof JwtBundle that && trustDomainId.equals(that.trustDomainId)
        && new JWKSet(keys).toString(true).equals(new JWKSet(that.keys).toString(true));
  }

  @Override
  public int hashCode() {
    return new JWKSet(keys).toString(true).hashCode();
  }
}
