package dev.athenzsvid.proto.zts;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * Answer to a successful {@code POST /zts/v1/instance}: {@code name} is
 * {@code <domain>.<service>} and, on the JWT path, {@code serviceToken} holds the JWT-SVID.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonIgnoreProperties(ignoreUnknown = true)
public record InstanceIdentity(
    String provider,
    String name,
    String instanceId,
    String x509Certificate,
    String x509CertificateSigner,
    String serviceToken) {

  /** The identity returned on the JWT path: no certificates, only the token. */
  public static InstanceIdentity jwt(String provider, String name, String instanceId,
      String serviceToken) {
    return new InstanceIdentity(provider, name, instanceId, null, null, serviceToken);
  }
}
