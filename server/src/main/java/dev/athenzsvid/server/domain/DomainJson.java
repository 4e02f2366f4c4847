package dev.athenzsvid.server.domain;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import java.util.List;

/**
 * Athenz domain data as ZMS exports it and ZTS stores it ({@code SignedDomain} wrapping
 * {@code DomainData}). Only the fields the token server uses are declared; the others, and
 * the signatures, are ignored. Any field may be null in a file.
 */
public final class DomainJson {
  private DomainJson() {}

  /** The file's top level: the domain data and the signature ZMS put over it. */
  @JsonIgnoreProperties(ignoreUnknown = true)
  public record SignedDomain(DomainData domain, String signature, String keyId) {}

  /** One domain's roles, policies and services. */
  @JsonIgnoreProperties(ignoreUnknown = true)
  public record DomainData(String name, Boolean enabled, List<Role> roles,
      SignedPolicies policies, List<ServiceIdentity> services, String modified) {}

  /** A role {@code <domain>:role.<name>}; {@code members} is the older plain-name list. */
  @JsonIgnoreProperties(ignoreUnknown = true)
  public record Role(String name, List<RoleMember> roleMembers, List<String> members,
      String trust) {}

  /** A role member; {@code systemDisabled} other than 0 and a past expiration void it. */
  @JsonIgnoreProperties(ignoreUnknown = true)
  public record RoleMember(String memberName, String expiration, Boolean active,
      Boolean approved, Integer systemDisabled) {}

  /** The policies and ZMS's signature over them. */
  @JsonIgnoreProperties(ignoreUnknown = true)
  public record SignedPolicies(DomainPolicies contents, String signature, String keyId) {}

  /** The policy list of one domain. */
  @JsonIgnoreProperties(ignoreUnknown = true)
  public record DomainPolicies(String domain, List<Policy> policies) {}

  /** A policy {@code <domain>:policy.<name>}; {@code active} false means an old version. */
  @JsonIgnoreProperties(ignoreUnknown = true)
  public record Policy(String name, List<Assertion> assertions, Boolean active,
      String version) {}

  /** Grants (or with effect DENY, refuses) {@code action} on {@code resource} to a role. */
  @JsonIgnoreProperties(ignoreUnknown = true)
  public record Assertion(String role, String resource, String action, String effect) {}

  /** A registered service {@code <domain>.<name>}; providers carry their endpoint. */
  @JsonIgnoreProperties(ignoreUnknown = true)
  public record ServiceIdentity(String name, String providerEndpoint) {}
}
