package dev.athenzsvid.server.signing;

import com.nimbusds.jose.JWSAlgorithm;

/** The signing key types: EC P-256 signs ES256, RSA (2048 bits or more) signs RS256. */
public enum KeyType {
  EC(JWSAlgorithm.ES256),
  RSA(JWSAlgorithm.RS256);

  private final JWSAlgorithm algorithm;

  KeyType(JWSAlgorithm algorithm) {
    this.algorithm = algorithm;
  }

  public JWSAlgorithm algorithm() {
    return algorithm;
  }
}
