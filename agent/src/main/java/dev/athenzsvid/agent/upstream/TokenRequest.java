package dev.athenzsvid.agent.upstream;

import static java.util.Objects.requireNonNull;

import java.util.List;

/**
 * One JWT-SVID request to the server. Immutable.
 *
 * @param domain the Athenz domain of the service
 * @param service the service name within the domain
 * @param provider the instance provider the server runs
 * @param instanceId this agent's instance id
 * @param audiences the audiences, at least one
 * @param nonce a fresh random value
 * @param spiffeId the SPIFFE ID the token's {@code sub} must be
 */
public record TokenRequest(String domain, String service, String provider, String instanceId,
    List<String> audiences, String nonce, String spiffeId) {
  public TokenRequest {
    requireNonNull(domain, "domain");
    requireNonNull(service, "service");
    requireNonNull(provider, "provider");
    requireNonNull(instanceId, "instanceId");
    audiences = List.copyOf(audiences);
    requireNonNull(nonce, "nonce");
    requireNonNull(spiffeId, "spiffeId");
    if (audiences.isEmpty()) {
      throw new IllegalArgumentException("audiences must not be empty");
    }
  }
}
