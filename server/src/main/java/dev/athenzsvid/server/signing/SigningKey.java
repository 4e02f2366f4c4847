package dev.athenzsvid.server.signing;

import static java.util.Objects.requireNonNull;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.JWSSigner;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.KeyUse;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.interfaces.ECPrivateKey;
import java.security.interfaces.ECPublicKey;
import java.security.interfaces.RSAPublicKey;
import java.time.Instant;
import java.util.Map;

/**
 * One token-signing key with its id. An inactive key is published but signs nothing; a key
 * with {@code notAfter} is published and used only before that instant, and nothing it signs
 * expires later. Immutable and thread-safe; {@link #toString()} never shows key material.
 */
public final class SigningKey {
  private final String kid;
  private final KeyType type;
  private final PublicKey publicKey;
  private final boolean active;
  private final Instant notAfter;
  private final JWSSigner signer;

  /**
   * @param notAfter when the key is retired; null when it is not scheduled to be
   * @throws IllegalArgumentException if the key is not EC P-256 or RSA
   */
  public SigningKey(String kid, PrivateKey privateKey, PublicKey publicKey, boolean active,
      Instant notAfter) {
    this.kid = requireNonNull(kid, "kid");
    this.publicKey = requireNonNull(publicKey, "publicKey");
    this.active = active;
    this.notAfter = notAfter;
    requireNonNull(privateKey, "privateKey");
    try {
      if (privateKey instanceof ECPrivateKey ec && publicKey instanceof ECPublicKey) {
        this.type = KeyType.EC;
        this.signer = new ECDSASigner(ec);
      } else if (publicKey instanceof RSAPublicKey) {
        this.type = KeyType.RSA;
        this.signer = new RSASSASigner(privateKey);
      } else {
        throw new IllegalArgumentException("unsupported key algorithm "
            + privateKey.getAlgorithm());
      }
    } catch (JOSEException e) {
      throw new IllegalArgumentException("unusable key: " + e.getMessage(), e);
    }
  }

  private SigningKey(SigningKey from, boolean active, Instant notAfter) {
    this.kid = from.kid;
    this.type = from.type;
    this.publicKey = from.publicKey;
    this.signer = from.signer;
    this.active = active;
    this.notAfter = notAfter;
  }

  /**
   * This key, no longer signing and published only until {@code until} (or its own
   * {@code notAfter}, when that is earlier).
   */
  public SigningKey retiredUntil(Instant until) {
    requireNonNull(until, "until");
    Instant end = notAfter != null && notAfter.isBefore(until) ? notAfter : until;
    return new SigningKey(this, false, end);
  }

  /** True when both hold the same key pair, whatever their ids and states. */
  public boolean sameKeyAs(SigningKey other) {
    return publicKey.equals(other.publicKey);
  }

  public String kid() {
    return kid;
  }

  public KeyType type() {
    return type;
  }

  public boolean active() {
    return active;
  }

  /** When the key is retired; null when never. */
  public Instant notAfter() {
    return notAfter;
  }

  /** True while the key is still published at {@code now}. */
  public boolean isPublishedAt(Instant now) {
    return notAfter == null || now.isBefore(notAfter);
  }

  /** Signs the claims as a compact JWS whose header holds only alg, kid and typ JWT. */
  public String sign(JWTClaimsSet claims) {
    JWSHeader header = new JWSHeader.Builder(type.algorithm())
        .keyID(kid)
        .type(JOSEObjectType.JWT)
        .build();
    SignedJWT jwt = new SignedJWT(header, claims);
    try {
      jwt.sign(signer);
    } catch (JOSEException e) {
      throw new IllegalStateException("signing failed with key " + kid, e);
    }
    return jwt.serialize();
  }

  /**
   * The public key as a JWK (kid, kty, alg, use sig). With {@code rfc} false the EC curve is
   * named {@code prime256v1}, as older Athenz clients expect; with true, {@code P-256}.
   */
  public Map<String, Object> toJwk(boolean rfc) {
    JWK jwk;
    if (type == KeyType.EC) {
      jwk = new ECKey.Builder(Curve.P_256, (ECPublicKey) publicKey)
          .keyID(kid).algorithm(type.algorithm()).keyUse(KeyUse.SIGNATURE).build();
    } else {
      jwk = new RSAKey.Builder((RSAPublicKey) publicKey)
          .keyID(kid).algorithm(type.algorithm()).keyUse(KeyUse.SIGNATURE).build();
    }
    Map<String, Object> json = jwk.toPublicJWK().toJSONObject();
    if (!rfc && type == KeyType.EC) {
      json.put("crv", "prime256v1");
    }
    return json;
  }

  @Override
  public String toString() {
    return "SigningKey{kid=" + kid + ", type=" + type + ", active=" + active
        + ", notAfter=" + notAfter + "}";
  }
}
