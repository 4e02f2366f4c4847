package dev.athenzsvid.server.provider;

import static java.util.Objects.requireNonNull;

import dev.athenzsvid.server.authz.Authorizer;
import java.util.List;

/**
 * What a provider is built with: its configured name, the distinguished names of the CAs
 * whose client certificates it accepts (empty means any CA the server trusts), and the
 * authorizer over the server's domain data.
 */
public record ProviderContext(String name, List<String> issuerDnAllowList,
    Authorizer authorizer) {

  public ProviderContext {
    requireNonNull(name, "name");
    issuerDnAllowList = List.copyOf(issuerDnAllowList);
    requireNonNull(authorizer, "authorizer");
  }
}
