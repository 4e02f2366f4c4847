package dev.athenzsvid.server.provider;

import static java.util.Objects.requireNonNull;

import java.security.cert.X509Certificate;
import java.util.List;

/**
 * What a provider is asked to confirm: an instance of {@code <domain>.<service>}, with the
 * caller's TLS client certificate chain (leaf first; empty when none was presented).
 *
 * @param attestationData the request's attestation data; null when absent
 */
public record InstanceConfirmation(String provider, String domain, String service,
    String attestationData, List<X509Certificate> clientCertificates) {

  public InstanceConfirmation {
    requireNonNull(provider, "provider");
    requireNonNull(domain, "domain");
    requireNonNull(service, "service");
    clientCertificates = List.copyOf(clientCertificates);
  }
}
