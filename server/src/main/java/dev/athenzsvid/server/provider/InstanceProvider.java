package dev.athenzsvid.server.provider;

/**
 * Decides whether an instance may have the identity it asks for. Implementations are bound by
 * name in the configuration and must have a public constructor taking a
 * {@link ProviderContext}. They must be thread-safe: one instance serves all requests.
 */
public interface InstanceProvider {
  /** The kind of identity this provider issues; X.509 unless a provider says otherwise. */
  default SvidType getSVIDType() {
    return SvidType.X509;
  }

  /**
   * Confirms the instance, or refuses it.
   *
   * @throws ProviderException with the status to answer when the instance is refused
   */
  void confirmInstance(InstanceConfirmation confirmation) throws ProviderException;
}
