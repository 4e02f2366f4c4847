package dev.athenzsvid.server;

import dev.athenzsvid.server.provider.InstanceConfirmation;
import dev.athenzsvid.server.provider.InstanceProvider;
import dev.athenzsvid.server.provider.ProviderContext;

/** A provider of the default (X.509) type that confirms everything. */
public final class FakeX509Provider implements InstanceProvider {
  public FakeX509Provider(ProviderContext context) {}

  @Override
  public void confirmInstance(InstanceConfirmation confirmation) {}
}
