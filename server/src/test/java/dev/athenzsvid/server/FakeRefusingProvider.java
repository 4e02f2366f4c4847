package dev.athenzsvid.server;

import dev.athenzsvid.server.provider.InstanceConfirmation;
import dev.athenzsvid.server.provider.InstanceProvider;
import dev.athenzsvid.server.provider.ProviderContext;
import dev.athenzsvid.server.provider.ProviderException;
import dev.athenzsvid.server.provider.SvidType;

/** A JWT provider that refuses every instance with the status code given as attestation data. */
public final class FakeRefusingProvider implements InstanceProvider {
  public static final String REASON = "refused by test";

  public FakeRefusingProvider(ProviderContext context) {}

  @Override
  public SvidType getSVIDType() {
    return SvidType.JWT;
  }

  @Override
  public void confirmInstance(InstanceConfirmation confirmation) throws ProviderException {
    throw new ProviderException(Integer.parseInt(confirmation.attestationData()), REASON);
  }
}
